import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { HealthConfig } from "../config/schema";
import type { Database } from "../database";
import type { DockerHost } from "../docker-host";
import { dockerCpus, memoryLimits } from "../docker-host/limits";
import { appAlias } from "../naming";
import { dockerHealthcheck, healthWaitSeconds } from "./healthcheck";
import { renderHealthyGateScript } from "./healthy-gate";

export interface AppArgs {
  /** The Docker host and networks to run on. */
  host: DockerHost;
  /** Image reference, e.g. `ghcr.io/acme/web:1.4.2`. Changing it rolls every replica. */
  image: string;
  /** Number of containers (1–50). Changing it adds or removes replicas, and the proxy reloads with the new list. */
  replicas: number;
  /** Port the app listens on inside the container; also passed as `PORT`. */
  port: number;
  /** Health check used by Docker (rollout gate) and, with the same path, by HAProxy. */
  health: HealthConfig;
  /** Plain environment variables. */
  env: Record<string, string>;
  /** Secret environment variables (Pulumi secrets). */
  secretEnv: Record<string, pulumi.Input<string>>;
  /** Databases the app uses; each provides DATABASE_URL or REDIS_URL. */
  databases: Database[];
  /** Memory limit per replica in MiB. */
  memoryMb: number;
  /** CPU limit per replica (e.g. 0.5); unlimited when unset. */
  cpus?: number;
  /** Seconds an old replica gets after SIGTERM to finish its requests before it is killed. */
  destroyGraceSeconds: number;
}

/**
 * `replicas` containers of one image, each behind a health gate, on the edge network where HAProxy
 * reaches it by container name (the Proxy lists `replicaNames`) and as the app's alias.
 *
 * A rollout (a new image, env, secret or health check), as `pulumi up` runs it:
 *   1. replica 0's new container starts next to the old one: create-before-delete, stated,
 *      because the Docker provider's own default for containers is delete-before-replace;
 *   2. the provider waits until Docker reports it healthy (`wait`); if it never does, the update
 *      fails here, with every old replica still serving;
 *   3. its health gate passes, which gives its name to the proxy and lets replica 1 start;
 *   4. the same for each next replica, one at a time;
 *   5. the proxy config is written with the new names, and HAProxy reloads in place;
 *   6. at the end of the update, Pulumi deletes the old containers: SIGTERM, then the grace period.
 * test/e2e/rollouts.test.ts pins this order.
 */
export class App extends pulumi.ComponentResource {
  public readonly replicas: docker.Container[];
  /** Container names of the replicas, in replica order, each known only once its health gate passed. */
  public readonly replicaNames: pulumi.Output<string[]>;
  /** The network alias the proxy resolves. */
  public readonly alias: string;

  constructor(name: string, args: AppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:index:App", name, {}, opts);
    const host = args.host;
    this.alias = appAlias(name);

    const image = host.image(args.image);
    const envs = appEnvironment(args);
    const networks: docker.types.input.ContainerNetworksAdvanced[] = [
      { name: host.edgeNetworkName, aliases: [this.alias] },
      ...(args.databases.length > 0 ? [{ name: host.dataNetworkName }] : []),
    ];
    const labels = host.labels({ "berth.role": "app", "berth.app": name });

    // One replica at a time: each new one starts only once the one before it passed its gate. A
    // rollout never boots every replica at once on cores that are serving traffic, and a release
    // that never turns healthy stops the update after one replica, not all of them.
    this.replicas = [];
    const gates: pulumi.Output<string>[] = [];
    let previous: pulumi.Resource | undefined;
    for (let i = 0; i < args.replicas; i++) {
      const replica = new docker.Container(
        `${host.namePrefix}-${name}-${i}`,
        {
          image,
          envs,
          networksAdvanced: networks,
          healthcheck: dockerHealthcheck(args.port, args.health),
          wait: true,
          waitTimeout: healthWaitSeconds(args.health),
          restart: "unless-stopped",
          ...memoryLimits(args.memoryMb),
          cpus: args.cpus === undefined ? undefined : dockerCpus(args.cpus),
          init: true,
          stopSignal: "SIGTERM",
          stopTimeout: args.destroyGraceSeconds,
          destroyGraceSeconds: args.destroyGraceSeconds,
          securityOpts: ["no-new-privileges:true"],
          labels,
        },
        host.dockerOptions({
          parent: this,
          // The URLs only carry the passwords: wait for the database servers themselves too.
          dependsOn: [...args.databases.map((db) => db.container), ...(previous ? [previous] : [])],
          // Stated, because the Docker provider's default for containers is delete-before-replace:
          // the new replica must be healthy before the old one goes.
          deleteBeforeReplace: false,
          // The provider updates a changed health check in place, which Docker never applies to
          // a running container: a new check means new replicas.
          replaceOnChanges: ["healthcheck"],
        }),
      );
      const gate = host.runOnHost(
        `${host.namePrefix}-${name}-${i}-healthy`,
        {
          create: replica.name.apply((container) => renderHealthyGateScript({ container, timeoutSeconds: healthWaitSeconds(args.health) })),
          // Runs again for every new container in this slot.
          triggers: [replica.id],
        },
        { parent: this, dependsOn: [replica] },
      );
      this.replicas.push(replica);
      // Known only once the gate passed (and depending on it), so the proxy lists it only then.
      gates.push(pulumi.all([gate.stdout, replica.name]).apply(([, container]) => container));
      previous = gate;
    }
    this.replicaNames = pulumi.all(gates);
    this.registerOutputs({ replicaNames: this.replicaNames });
  }
}

/** PORT, the plain env, database URLs and secret env; secret as a whole if any part is. */
function appEnvironment(args: AppArgs): pulumi.Output<string[]> {
  const entries: pulumi.Input<string>[] = [
    ...("PORT" in args.env ? [] : [`PORT=${args.port}`]),
    ...Object.entries(args.env).map(([k, v]) => `${k}=${v}`),
    ...args.databases.map((db) => pulumi.interpolate`${db.urlEnv}=${db.url}`),
    ...Object.entries(args.secretEnv).map(([k, v]) => pulumi.interpolate`${k}=${v}`),
  ];
  return pulumi.all(entries);
}
