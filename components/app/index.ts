import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ProcessConfig } from "../config/processes";
import type { Command, JobConfig } from "../config/schema";
import type { Database } from "../database";
import type { DockerHost } from "../docker-host";
import type { ImageBuild } from "../docker-host/build";
import { dockerCpus, dropAllCapabilities, memoryLimits, NO_NEW_PRIVILEGES } from "../docker-host/limits";
import { processAlias, processBaseName, WEB_PROCESS } from "../naming";
import { containerCommand } from "./command";
import { containerEnv, ReleaseEnvironment } from "./environment";
import { dockerHealthcheck, healthWaitSeconds, NO_HEALTHCHECK } from "./healthcheck";
import { renderHealthyGateScript, renderRunningGateScript, WORKER_SETTLE_SECONDS } from "./healthy-gate";
import { scheduledJobs } from "./jobs";
import { releasePhase } from "./release";

export interface AppArgs {
  /** The Docker host and networks to run on. */
  host: DockerHost;
  /** Image reference, e.g. `ghcr.io/acme/web:1.4.2`: the release every process runs. Changing it rolls every process. Exactly one of image and build. */
  image?: string;
  /**
   * Build the image from source on the Docker host instead, with no registry (exactly one of image
   * and build). A change in the source builds a new image, which rolls every process and runs the
   * release; an unchanged source rolls nothing.
   */
  build?: ImageBuild;
  /** Runs once per release, before any new replica starts; a failure stops the rollout. */
  release?: Command;
  /** A release still running after this long is stopped and fails the update. */
  releaseTimeoutSeconds: number;
  /** The processes (Procfile lines) of the release: routed processes and workers. */
  processes: Record<string, ProcessConfig>;
  /** Jobs run on a schedule in the current release's image. */
  jobs: Record<string, JobConfig & { memoryMb: number }>;
  /** Plain environment variables. */
  env: Record<string, string>;
  /** Secret environment variables (Pulumi secrets). */
  secretEnv: Record<string, pulumi.Input<string>>;
  /** Databases the app uses; each provides DATABASE_URL or REDIS_URL. */
  databases: Database[];
  /** Memory limit of the release and jobs' one-off containers, in MiB (processes have their own). */
  memoryMb: number;
  /** CPU limit of the release's one-off container; unlimited when unset. */
  cpus?: number;
  /** Most processes and threads in the release's and jobs' containers (processes have their own). */
  pidsLimit: number;
  /**
   * Capabilities every container of the app adds back after dropping ALL (`CAP_` names, as
   * Docker stores them); none by default.
   */
  capAdd: string[];
}

/**
 * The order processes roll in: workers first, then routed processes, the web process last, each
 * group by name. New web code then takes traffic only once the workers run the release too, so
 * anything the new web code enqueues finds a worker that understands it.
 */
export function rolloutOrder(processes: Record<string, ProcessConfig>): string[] {
  const rank = (name: string) => (name === WEB_PROCESS ? 2 : processes[name].route ? 1 : 0);
  return Object.keys(processes).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * One release of an app: an image with its env, secrets and databases, run as processes.
 *
 * A deploy (a new image or built source, env, secret or database), as `pulumi up` runs it:
 *   0. a `build` app: the image is built on the Docker host (pulumi preview does not build); an
 *      unchanged source plans nothing from here on;
 *   1. release: after the databases are up, the release command runs once in a one-off container
 *      of the new image (components/app/release.ts); if it fails or times out, the update stops
 *      here, before any new replica, and every old one keeps serving;
 *   2. the processes roll one replica at a time, in rolloutOrder (workers, routed, web last):
 *      a. the replica's new container starts next to the old one: create-before-delete, stated,
 *         because the Docker provider's own default for containers is delete-before-replace;
 *      b. routed processes, and workers with health.command: the provider waits until Docker
 *         reports it healthy (`wait`); other workers: its gate waits until it has run for
 *         WORKER_SETTLE_SECONDS without a restart. If it never does, the update fails here;
 *      c. its health gate passes, which gives a routed replica's name to the proxy and lets the
 *         next replica start;
 *   3. the proxy config is written with the new names of every routed process, and HAProxy reloads;
 *   4. the scheduled jobs move to the new image;
 *   5. at the end of the update, Pulumi deletes the old containers: SIGTERM, then the grace period.
 * A change to `replicas` alone adds or removes replicas (and reloads the proxy): no release runs.
 * test/unit/app-processes.test.ts (release first, rolloutOrder, jobs last), test/e2e/app-model.test.ts
 * (the release finishes before any replica starts) and test/e2e/rollouts.test.ts (2 to 5) pin this order.
 */
export class App extends pulumi.ComponentResource {
  /** Each process's replica containers, in replica order. */
  public readonly replicas: Record<string, docker.Container[]> = {};
  /** Each process's container names, in replica order, each known only once its health gate passed. */
  public readonly replicaNames: Record<string, pulumi.Output<string[]>> = {};
  /** The release phase's host command, when the app has a release command. */
  public readonly release?: pulumi.Resource;

  constructor(name: string, args: AppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:index:App", name, {}, opts);
    const host = args.host;
    if ((args.image === undefined) === (args.build === undefined)) {
      throw new pulumi.ResourceError(`App ${name}: give exactly one of image and build`, this);
    }
    const image = args.build ? host.build(name, args.build, { parent: this }) : host.image(args.image!);
    const environment: ReleaseEnvironment = { env: args.env, databases: args.databases, secretEnv: args.secretEnv };
    const hasData = args.databases.length > 0;
    const databaseContainers = args.databases.map((db) => db.container);

    // 1. The release, before any replica of any process.
    let previous: pulumi.Resource | undefined;
    if (args.release !== undefined) {
      this.release = releasePhase(
        name,
        host,
        {
          command: args.release,
          image,
          networks: [host.edgeNetworkName, ...(hasData ? [host.dataNetworkName] : [])],
          environment,
          timeoutSeconds: args.releaseTimeoutSeconds,
          memoryMb: args.memoryMb,
          cpus: args.cpus,
          pidsLimit: args.pidsLimit,
          capAdd: args.capAdd,
          dependsOn: databaseContainers,
        },
        this,
      );
      previous = this.release;
    }

    // 2. The processes, one replica at a time, each behind its gate.
    for (const process of rolloutOrder(args.processes)) {
      const spec = args.processes[process];
      const base = `${host.namePrefix}-${processBaseName(name, process)}`;
      const route = spec.route;
      const health = spec.health;
      const networks: docker.types.input.ContainerNetworksAdvanced[] = [
        // Workers join the edge network too, for outbound access; only routed processes get an alias.
        route ? { name: host.edgeNetworkName, aliases: [processAlias(name, process)] } : { name: host.edgeNetworkName },
        ...(hasData ? [{ name: host.dataNetworkName }] : []),
      ];
      // The web process keeps the labels replicas had before processes, so they are not replaced.
      const labels = host.labels({ "berth.role": "app", "berth.app": name, ...(process === WEB_PROCESS ? {} : { "berth.process": process }) });
      const containers: docker.Container[] = [];
      const gates: pulumi.Output<string>[] = [];
      for (let i = 0; i < spec.replicas; i++) {
        const replica = new docker.Container(
          `${base}-${i}`,
          {
            image,
            command: containerCommand(spec.command),
            envs: containerEnv(environment, route?.port),
            networksAdvanced: networks,
            healthcheck: health ? dockerHealthcheck(health, route?.port) : NO_HEALTHCHECK,
            // The provider refuses `wait` on a container without a health check.
            wait: health !== undefined,
            waitTimeout: health ? healthWaitSeconds(health) : undefined,
            restart: "unless-stopped",
            ...memoryLimits(spec.memoryMb),
            cpus: spec.cpus === undefined ? undefined : dockerCpus(spec.cpus),
            init: true,
            stopSignal: "SIGTERM",
            stopTimeout: spec.destroyGraceSeconds,
            destroyGraceSeconds: spec.destroyGraceSeconds,
            securityOpts: [NO_NEW_PRIVILEGES],
            // Every capability dropped, the app's capAdd added back (limits.ts, ROLE_CAPABILITIES).
            capabilities: dropAllCapabilities(args.capAdd),
            labels,
          },
          host.dockerOptions({
            parent: this,
            // The URLs only carry the passwords: wait for the database servers themselves too.
            dependsOn: [...databaseContainers, ...(previous ? [previous] : [])],
            // Stated, because the Docker provider's default for containers is delete-before-replace:
            // the new replica must be healthy before the old one goes.
            deleteBeforeReplace: false,
            // The provider updates a changed health check in place, which Docker never applies to
            // a running container: a new check means new replicas.
            replaceOnChanges: ["healthcheck"],
          }),
        );
        const gate = host.runOnHost(
          `${base}-${i}-healthy`,
          {
            create: replica.name.apply((container) =>
              // The gate also sets the replica's PID limit, which the provider cannot: before the
              // replica's name reaches the proxy, and again for every new container in this slot.
              health
                ? renderHealthyGateScript({ container, timeoutSeconds: healthWaitSeconds(health), pidsLimit: spec.pidsLimit })
                : renderRunningGateScript({ container, settleSeconds: WORKER_SETTLE_SECONDS, pidsLimit: spec.pidsLimit }),
            ),
            // Runs again for every new container in this slot.
            triggers: [replica.id],
          },
          { parent: this, dependsOn: [replica] },
        );
        containers.push(replica);
        // Known only once the gate passed (and depending on it), so the proxy lists it only then.
        gates.push(pulumi.all([gate.stdout, replica.name]).apply(([, container]) => container));
        previous = gate;
      }
      this.replicas[process] = containers;
      this.replicaNames[process] = pulumi.all(gates);
    }

    // 4. The jobs, once every process runs the release.
    if (Object.keys(args.jobs).length > 0) {
      scheduledJobs(
        name,
        host,
        {
          jobs: args.jobs,
          image,
          networks: [host.edgeNetworkName, ...(hasData ? [host.dataNetworkName] : [])],
          environment,
          pidsLimit: args.pidsLimit,
          capAdd: args.capAdd,
          dependsOn: previous ? [previous] : databaseContainers,
        },
        this,
      );
    }
    this.registerOutputs({ replicaNames: this.replicaNames });
  }
}
