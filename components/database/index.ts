import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Engine } from "../config/schema";
import type { DockerHost } from "../docker-host";
import { dropAllCapabilities, goDuration, memoryLimits, NO_NEW_PRIVILEGES, renderPidsLimitScript, ROLE_CAPABILITIES } from "../docker-host/limits";
import { databaseAlias, databaseDumpsVolumeName } from "../naming";
import { DUMPS_DIR } from "./backup";
import { installBackupJob } from "../backup/install";
import { ENGINE_SPECS, EngineSpec, REDIS_CONFIG_FILE, renderRedisConfig } from "./engines";

/** Where a database keeps its files. */
export type DatabaseStorage =
  /** A directory on the droplet's data volume. */
  | { kind: "hostPath"; path: string }
  /** A named Docker volume (the `local` target), kept on `pulumi destroy`. */
  | { kind: "volume" };

export interface DatabaseArgs {
  /** The Docker host and networks to run on. */
  host: DockerHost;
  /** `postgres` or `redis`. */
  engine: Engine;
  /** Image reference, e.g. `postgres:17`. */
  image: string;
  /** Memory limit in MiB. */
  memoryMb: pulumi.Input<number>;
  /** Most processes and threads in the container (Postgres: one process per connection, plus its own). */
  pidsLimit: number;
  /** Where the data lives. */
  storage: DatabaseStorage;
  /**
   * Where pg_dump files are kept (postgres only): mounted at /backups in the container, so the
   * `berth` CLI takes, lists and restores them through the Docker API alone.
   */
  dumps?: DatabaseStorage;
  /**
   * The scheduled backup job (needs systemd, i.e. a droplet): pg_dump or an RDB snapshot on
   * `schedule`, kept in `dumps` (postgres, `localKeepDays` > 0) and uploaded encrypted (`offsite`).
   */
  backup?: DatabaseBackupArgs;
}

/** A database's scheduled backups (components/backup). */
export interface DatabaseBackupArgs {
  /** Cron schedule, UTC (berth:backups.schedule). */
  schedule: string;
  /** Days of local dumps in `dumps` (postgres); 0 keeps none. */
  localKeepDays: number;
  /** Upload age-encrypted copies to the stack's bucket. */
  offsite: boolean;
  /** The host command that writes the jobs' settings file; the job is installed after it. */
  settings: pulumi.Resource;
}

/**
 * A Postgres or Redis container with a generated password, its data on the data volume, a health
 * check, and no published port: it is reachable only on the internal data network, as `db-<name>`.
 * Replacing it stops the old container first: two servers must never share one data directory.
 */
export class Database extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  /** Connection URL for apps (secret). */
  public readonly url: pulumi.Output<string>;
  /** Generated password (secret). */
  public readonly password: pulumi.Output<string>;
  /** The environment variable apps receive `url` in. */
  public readonly urlEnv: string;
  public readonly engine: Engine;
  /** The container's name, e.g. `berth-prod-db-main`. */
  public readonly containerName: pulumi.Output<string>;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:index:Database", name, {}, opts);
    const spec = ENGINE_SPECS[args.engine];
    const host = args.host;
    this.engine = args.engine;
    this.urlEnv = spec.urlEnv;

    // Letters and digits only, so the password needs no escaping in a URL or a config file.
    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
    this.password = pulumi.secret(password.result);

    const alias = databaseAlias(name);
    const containerName = `${host.namePrefix}-db-${name}`;
    const labels = host.labels({ "berth.role": "database", "berth.database": name });
    const volumes = [...this.dataVolumes(name, args, spec, labels), ...this.dumpVolumes(name, args, labels)];
    const engine = engineContainerArgs(args.engine, name, this.password, args.memoryMb);

    this.container = new docker.Container(
      `${name}-server`,
      {
        name: containerName,
        image: host.image(args.image),
        envs: engine.envs,
        command: engine.command,
        uploads: engine.uploads,
        networksAdvanced: [{ name: host.dataNetworkName, aliases: [alias] }],
        volumes,
        ...memoryLimits(args.memoryMb),
        shmSize: args.engine === "postgres" ? 256 : undefined,
        restart: "unless-stopped",
        healthcheck: {
          tests: ["CMD-SHELL", spec.healthCommand],
          interval: goDuration(5),
          timeout: goDuration(3),
          retries: 5,
          startPeriod: goDuration(60),
        },
        wait: true,
        waitTimeout: 180,
        stopSignal: spec.stopSignal,
        stopTimeout: spec.stopGraceSeconds,
        destroyGraceSeconds: spec.stopGraceSeconds,
        securityOpts: [NO_NEW_PRIVILEGES],
        // The entrypoint's chown, find and gosu, as root; the server then runs with none (limits.ts, ROLE_CAPABILITIES).
        capabilities: dropAllCapabilities(ROLE_CAPABILITIES[args.engine]),
        labels,
      },
      host.dockerOptions({ parent: this, deleteBeforeReplace: true }),
    );
    // The PID limit, which the provider cannot set: again for every new container (its id).
    host.runOnHost(
      `${name}-pids-limit`,
      { create: renderPidsLimitScript({ container: containerName, pidsLimit: args.pidsLimit }), triggers: [this.container.id] },
      // No delete script: create-before-delete, stated (as runOnHost would).
      { parent: this, dependsOn: [this.container], deleteBeforeReplace: false },
    );
    this.containerName = this.container.name;

    if (args.backup) {
      const localDir = args.engine === "postgres" && args.backup.localKeepDays > 0 ? args.dumps : undefined;
      if (localDir !== undefined && localDir.kind !== "hostPath") {
        throw new pulumi.ResourceError(`Database ${name}: scheduled backups need a host directory for the dumps`, this);
      }
      if (localDir !== undefined || args.backup.offsite) {
        installBackupJob(host, {
          engine: args.engine,
          name,
          container: containerName,
          schedule: args.backup.schedule,
          localDir: localDir?.path,
          localKeepDays: localDir ? args.backup.localKeepDays : undefined,
          offsite: args.backup.offsite,
        }, { parent: this, dependsOn: [this.container, args.backup.settings] });
      }
    }

    this.url = pulumi.secret(
      args.engine === "postgres"
        ? pulumi.interpolate`postgres://${name}:${this.password}@${alias}:${spec.port}/${name}`
        : pulumi.interpolate`redis://:${this.password}@${alias}:${spec.port}/0`,
    );
    this.registerOutputs({ url: this.url, containerName: this.containerName });
  }

  private dataVolumes(name: string, args: DatabaseArgs, spec: EngineSpec, labels: ReturnType<DockerHost["labels"]>) {
    // Like the droplet's volume, the data outlives `pulumi destroy`.
    return [this.mount(`${name}-data`, args.host, args.storage, `${args.host.namePrefix}-db-${name}-data`, spec.dataDir, labels)];
  }

  /** The dumps' directory or named volume, at /backups. */
  private dumpVolumes(name: string, args: DatabaseArgs, labels: ReturnType<DockerHost["labels"]>) {
    if (!args.dumps) return [];
    if (args.engine !== "postgres") throw new pulumi.ResourceError(`Database ${name}: backups are for postgres only`, this);
    // Dumps are kept like the data: `pulumi destroy` leaves them.
    return [this.mount(`${name}-backups`, args.host, args.dumps, databaseDumpsVolumeName(args.host.namePrefix, name), DUMPS_DIR, labels)];
  }

  /** A host directory as it is, or a named Docker volume that `pulumi destroy` leaves behind. */
  private mount(resourceName: string, host: DockerHost, storage: DatabaseStorage, volumeName: string, containerPath: string, labels: ReturnType<DockerHost["labels"]>) {
    if (storage.kind === "hostPath") return { hostPath: storage.path, containerPath };
    const volume = new docker.Volume(
      resourceName,
      { name: volumeName, labels },
      // The provider's default order (provider-model.ts, volume), stated.
      host.dockerOptions({ parent: this, retainOnDelete: true, deleteBeforeReplace: false }),
    );
    return { volumeName: volume.name, containerPath };
  }
}

/** The engine-specific part of the container: credentials and how the server is started. */
function engineContainerArgs(engine: Engine, name: string, password: pulumi.Output<string>, memoryMb: pulumi.Input<number>) {
  if (engine === "postgres") {
    return {
      envs: pulumi.secret(
        pulumi.all([password]).apply(([pw]) => [
          `POSTGRES_USER=${name}`,
          `POSTGRES_DB=${name}`,
          `POSTGRES_PASSWORD=${pw}`,
          `PGDATA=${ENGINE_SPECS.postgres.dataDir}`,
        ]),
      ),
      command: undefined,
      uploads: undefined,
    };
  }
  return {
    envs: pulumi.secret(password.apply((pw) => [`REDISCLI_AUTH=${pw}`])),
    command: ["redis-server", REDIS_CONFIG_FILE],
    uploads: [
      {
        file: REDIS_CONFIG_FILE,
        content: pulumi.secret(pulumi.all([password, memoryMb]).apply(([pw, mb]) => renderRedisConfig(pw, mb))),
        owner: "999",
        group: "999",
        permissions: "0600",
      },
    ],
  };
}
