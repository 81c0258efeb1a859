import { execFile } from "child_process";
import type { DockerHostAccess } from "../components/docker-host";
import { CliError } from "./errors";

/**
 * What the CLI knows about a stack: its outputs, read with `pulumi stack output --json -s <stack>`.
 * Never with --show-secrets: nothing here needs a secret (the SSH login uses the user's own key).
 */
export interface StackOutputs {
  /** How to reach the stack's Docker engine (index.ts `dockerHost`); an SSH port other than 22 may be given. */
  dockerHost: DockerHostAccess & { port?: number };
  /** Each database's engine and container (index.ts `databases`). */
  databases: Record<string, { engine: string; container: string }>;
  /** Container names of each app's replicas, by process (index.ts `replicaNames`). */
  replicaNames: Record<string, Record<string, string[]>>;
  /** The S3-compatible bucket of the off-site backups (index.ts `backupStorage`); absent when they are off. */
  backupStorage?: BackupStorage;
}

/** Where off-site backups go: a DigitalOcean Spaces (S3 API) bucket. */
export interface BackupStorage {
  /** e.g. `https://fra1.digitaloceanspaces.com`. */
  endpoint: string;
  /** e.g. `fra1`. */
  region: string;
  bucket: string;
}

/** Runs the Pulumi CLI; resolves with its stdout, or rejects with its exit code and stderr. */
export type PulumiRunner = (args: string[]) => Promise<string>;

export const runPulumi: PulumiRunner = (args) =>
  new Promise((resolve, reject) => {
    execFile("pulumi", args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return reject(new CliError("the Pulumi CLI is not on PATH (https://www.pulumi.com/docs/install/)"));
      // e.g. "no stack named 'x' found (pulumi stack output --json -s x exited with 255)"
      const exit = typeof err.code === "number" ? ` exited with ${err.code}` : " failed";
      reject(new CliError(`${pulumiMessage(stderr) || err.message} (pulumi ${args.join(" ")}${exit})`));
    });
  });

/** The Pulumi CLI's own message, without its `error: ` prefix: "no stack named 'x' found". */
export function pulumiMessage(stderr: string): string {
  return stderr
    .trim()
    .split("\n")
    .map((line) => line.replace(/^error: /, ""))
    .join("\n");
}

export async function readStackOutputs(stack: string, pulumi: PulumiRunner = runPulumi): Promise<StackOutputs> {
  const text = await pulumi(["stack", "output", "--json", "-s", stack]);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`pulumi stack output --json -s ${stack} printed something that is not JSON: ${text.slice(0, 200)}`);
  }
  return parseStackOutputs(stack, json);
}

/** Checks the outputs the CLI relies on; a stack last deployed by an older berth lacks some. */
export function parseStackOutputs(stack: string, json: unknown): StackOutputs {
  const outputs = isRecord(json) ? json : {};
  const missing = ["dockerHost", "databases", "replicaNames"].filter((key) => outputs[key] === undefined);
  if (missing.length > 0) {
    throw new CliError(
      `stack '${stack}' has no ${missing.join(", ")} output${missing.length > 1 ? "s" : ""}: it was deployed by an ` +
        `older berth, or never; run \`pulumi up -s ${stack}\` with this one first`,
    );
  }
  const bad = (key: string, expected: string) =>
    new CliError(`stack '${stack}': output ${key} is not ${expected} (got ${JSON.stringify(outputs[key]).slice(0, 200)})`);

  const host = outputs.dockerHost;
  let dockerHost: StackOutputs["dockerHost"];
  if (isRecord(host) && host.kind === "local") {
    dockerHost = { kind: "local" };
  } else if (isRecord(host) && host.kind === "ssh" && [host.user, host.address, host.hostPublicKey].every((v) => typeof v === "string" && v !== "")) {
    const port = typeof host.port === "number" ? { port: host.port } : {};
    dockerHost = { kind: "ssh", user: host.user as string, address: host.address as string, hostPublicKey: host.hostPublicKey as string, ...port };
  } else {
    throw bad("dockerHost", '{ kind: "local" } or { kind: "ssh", user, address, hostPublicKey }');
  }

  const databases = outputs.databases;
  if (!isRecord(databases) || !Object.values(databases).every((d) => isRecord(d) && typeof d.engine === "string" && typeof d.container === "string")) {
    throw bad("databases", "{ <name>: { engine, container } }");
  }
  const replicaNames = outputs.replicaNames;
  if (!isRecord(replicaNames) || !Object.values(replicaNames).every((p) => isRecord(p) && Object.values(p).every(isStringList))) {
    throw bad("replicaNames", "{ <app>: { <process>: [container names] } }");
  }
  const storage = outputs.backupStorage;
  if (storage !== undefined && storage !== null && !(isRecord(storage) && [storage.endpoint, storage.region, storage.bucket].every((v) => typeof v === "string" && v !== ""))) {
    throw bad("backupStorage", "{ endpoint, region, bucket }");
  }
  return {
    dockerHost,
    databases: databases as StackOutputs["databases"],
    replicaNames: replicaNames as StackOutputs["replicaNames"],
    ...(isRecord(storage) ? { backupStorage: { endpoint: storage.endpoint as string, region: storage.region as string, bucket: storage.bucket as string } } : {}),
  };
}

/** The stack's name as berth labels its containers with: `prod` for `acme/berth/prod`. */
export function shortStackName(stack: string): string {
  return stack.split("/").pop()!;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}
