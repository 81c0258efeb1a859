import * as pulumi from "@pulumi/pulumi";
import type { Database } from "../database";
import { renderEnvFile } from "./one-off";

/** What every container of one release gets in its environment. */
export interface ReleaseEnvironment {
  /** Plain variables. */
  env: Record<string, string>;
  /** Databases; each provides DATABASE_URL or REDIS_URL (a secret URL). */
  databases: Database[];
  /** Secret variables (Pulumi secrets). */
  secretEnv: Record<string, pulumi.Input<string>>;
}

/**
 * A replica's environment as the Docker provider takes it: PORT for a routed process, then the
 * plain env, database URLs and secret env; secret as a whole if any part is.
 */
export function containerEnv(release: ReleaseEnvironment, port?: number): pulumi.Output<string[]> {
  const entries: pulumi.Input<string>[] = [
    ...(port === undefined || "PORT" in release.env ? [] : [`PORT=${port}`]),
    ...Object.entries(release.env).map(([k, v]) => `${k}=${v}`),
    ...release.databases.map((db) => pulumi.interpolate`${db.urlEnv}=${db.url}`),
    ...Object.entries(release.secretEnv).map(([k, v]) => pulumi.interpolate`${k}=${v}`),
  ];
  return pulumi.all(entries);
}

/** Names of the variables a one-off container (the release, a job) is given. */
export function envNames(release: ReleaseEnvironment): string[] {
  return [...Object.keys(release.env), ...release.databases.map((db) => db.urlEnv), ...Object.keys(release.secretEnv)];
}

/**
 * The environment of a one-off container as an env file (components/app/one-off.ts). It reaches
 * the host on standard input only, and is a secret when any value is.
 */
export function envFile(release: ReleaseEnvironment): pulumi.Output<string> {
  const values: Record<string, pulumi.Input<string>> = {
    ...release.env,
    ...Object.fromEntries(release.databases.map((db) => [db.urlEnv, db.url])),
    ...release.secretEnv,
  };
  return pulumi.all(values).apply((resolved) => renderEnvFile(resolved));
}
