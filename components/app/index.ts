import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { HealthConfig } from "../config/schema";
import type { Database } from "../database";
import type { DockerHost } from "../docker-host";
import { appAlias } from "../naming";
import { dockerHealthcheck, healthWaitSeconds } from "./healthcheck";

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
 * `replicas` containers of one image. Replicas have no fixed name, so a new image is rolled out by
 * Pulumi's create-before-delete: each new replica starts, must turn healthy (`wait: true`) before
 * the update goes on, and only then is the old one stopped, with a grace period. An image that
 * never turns healthy fails `pulumi up` while the old replicas keep serving.
 *
 * Every replica joins the edge network, where HAProxy reaches it by container name (the Proxy lists
 * `replicas`), and answers to the app's alias (`app-<name>`) there too.
 */
export class App extends pulumi.ComponentResource {
  public readonly replicas: docker.Container[];
  /** Container names of the replicas, in replica order. */
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

    // One replica at a time: each new one starts only once the one before it is healthy. A rollout
    // never boots every replica at once on cores that are serving traffic, and a release that
    // never turns healthy stops the update after one replica, not all of them.
    this.replicas = [];
    for (let i = 0; i < args.replicas; i++) {
      const previous = this.replicas[i - 1];
      this.replicas.push(
        new docker.Container(
          `${host.namePrefix}-${name}-${i}`,
          {
            image,
            envs,
            networksAdvanced: networks,
            healthcheck: dockerHealthcheck(args.port, args.health),
            wait: true,
            waitTimeout: healthWaitSeconds(args.health),
            restart: "unless-stopped",
            memory: args.memoryMb,
            cpus: args.cpus === undefined ? undefined : String(args.cpus),
            init: true,
            stopSignal: "SIGTERM",
            stopTimeout: args.destroyGraceSeconds,
            destroyGraceSeconds: args.destroyGraceSeconds,
            securityOpts: ["no-new-privileges:true"],
            labels,
          },
          // The URLs only carry the passwords: wait for the database servers themselves too.
          host.dockerOptions({
            parent: this,
            dependsOn: [...args.databases.map((db) => db.container), ...(previous ? [previous] : [])],
          }),
        ),
      );
    }
    this.replicaNames = pulumi.all(this.replicas.map((r) => r.name));
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
