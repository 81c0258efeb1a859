import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "crypto";
import type { DockerHost } from "../docker-host";
import { dropAllCapabilities, memoryLimits, NO_NEW_PRIVILEGES, renderPidsLimitScript, ROLE_CAPABILITIES } from "../docker-host/limits";
import { renderProxyReloadScript, renderWriteFileScript } from "../host/scripts";
import { HaproxyRoute, PROXY_PATHS, renderHaproxyConfig } from "./haproxy-config";
import { PROXY_HTTP_PORT, proxyHealthcheck } from "./healthcheck";
import { sha512Crypt } from "./password-hash";

/** One routed process of an app as the proxy sees it. */
export interface ProxyRouteArgs extends Omit<HaproxyRoute, "basicAuth" | "servers"> {
  /**
   * Container names of the app's replicas, each known once its health gate passed. The config
   * lists them by name, so it changes (and HAProxy reloads) only after every new replica is
   * healthy; old replicas are deleted at the end of the update, after the reload took them out.
   */
  servers: pulumi.Input<string[]>;
  /** Require HTTP basic auth on the requests under `paths` (["/"]: every request to this route). */
  basicAuth?: {
    realm: string;
    /** User names; each needs a password. */
    users: string[];
    /** Path prefixes (of the path the client sent) that require the login. */
    paths: string[];
    /** User name → password (Pulumi secrets). Only salted hashes reach the proxy. */
    passwords: Record<string, pulumi.Input<string>>;
  };
}

export interface ProxyArgs {
  /** The Docker host and networks to run on. */
  host: DockerHost;
  /** HAProxy image reference; the config is kept valid for HAProxy 2.6 and later. */
  image: string;
  /** Routes, by Host header and path prefix. */
  routes: ProxyRouteArgs[];
  /** Certificate chain + private key, PEM (secret). Written to the host as a 0600 file. */
  certificatePem: pulumi.Input<string>;
  /** Host port for HTTP. */
  httpPort: number;
  /** Host port for HTTPS. */
  httpsPort: number;
  /**
   * Host addresses to publish both ports on, e.g. `["0.0.0.0", "::"]` for every IPv4 and IPv6
   * address. Each is stated: the Docker provider publishes a port with no address on 0.0.0.0 only.
   */
  publishOn: string[];
  /** Redirect plain HTTP to HTTPS. */
  httpsRedirect: boolean;
  /** Send HSTS (only with a publicly trusted certificate). */
  hsts: boolean;
  /** Active health checks: interval (ms), failures to mark down, successes to mark up. */
  health: { interMs: number; fall: number; rise: number };
  /** Memory limit of the container, MiB (after a reload, old workers finish next to the new ones). */
  memoryMb: number;
  /** Most processes and threads in the container. */
  pidsLimit: number;
  /**
   * Whether root owns the config and key on the host (a droplet: berth writes them over SSH as
   * root). When not (the `local` target: the user running pulumi does), the master needs
   * CAP_DAC_OVERRIDE to read them.
   */
  configOwnedByRoot: boolean;
  /**
   * CIDRs of the proxy in front whose CF-Connecting-IP names the client (Cloudflare's published
   * ranges, when DNS records are proxied). Without it the client is the connection's source, and
   * X-Forwarded-For and X-Real-IP always say so (see client-address.ts).
   */
  trustedProxies?: pulumi.Input<string[]>;
}

/**
 * The HAProxy container in front of every app. Its config lives in a host file, bind-mounted
 * read-only, and a change to routes, TLS or settings reloads HAProxy in place (validated first,
 * listeners handed over, server state kept). The container itself is only replaced when its
 * image or ports change, and then the old one is removed first, since it owns the host ports.
 */
export class Proxy extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  /** The rendered haproxy.cfg (secret when it holds basic-auth hashes). */
  public readonly config: pulumi.Output<string>;
  /** SHA-256 of the config and certificate: what triggers a reload. */
  public readonly configHash: pulumi.Output<string>;

  constructor(name: string, args: ProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:index:Proxy", name, {}, opts);
    const host = args.host;
    const configDir = host.hostPath("proxy");
    const containerName = `${host.namePrefix}-${name}`;

    this.config = pulumi
      .all([pulumi.all(args.routes.map((route) => this.resolveRoute(name, route))), args.trustedProxies ?? []])
      .apply(([routes, trustedProxies]) =>
        renderHaproxyConfig({
          routes,
          trustedProxies,
          health: args.health,
          httpsRedirect: args.httpsRedirect,
          publicHttpsPort: args.httpsPort,
          hsts: args.hsts,
        }),
      );
    this.configHash = pulumi
      .all([this.config, args.certificatePem])
      .apply(([config, pem]) => createHash("sha256").update(config).update(pem).digest("hex"));

    const configFile = host.runOnHost(
      `${name}-config`,
      {
        create: renderWriteFileScript({ path: `${configDir}/haproxy.cfg.next`, mode: "0600", seed: `${configDir}/haproxy.cfg` }),
        stdin: this.config,
      },
      { parent: this },
    );
    const certFile = host.runOnHost(
      `${name}-certificate`,
      { create: renderWriteFileScript({ path: `${configDir}/certs/site.pem`, mode: "0600" }), stdin: args.certificatePem },
      { parent: this },
    );

    const publish = (internal: number, external: number) => args.publishOn.map((ip) => ({ internal, external, protocol: "tcp", ip }));
    this.container = new docker.Container(
      name,
      {
        name: containerName,
        image: host.image(args.image),
        // Master-worker in the foreground; the master stays root to read the 0600 key on reload.
        entrypoints: ["haproxy"],
        command: ["-W", "-db", "-f", PROXY_PATHS.configFile],
        user: "root",
        ports: [...publish(PROXY_HTTP_PORT, args.httpPort), ...publish(443, args.httpsPort)],
        networksAdvanced: [{ name: host.edgeNetworkName }],
        volumes: [{ hostPath: configDir, containerPath: PROXY_PATHS.configDir, readOnly: true }],
        // Hardening (README, "Hardening"): nothing in the image can be changed. HAProxy writes only
        // its admin socket and the server state saved across reloads, both in /var/lib/haproxy.
        readOnly: true,
        tmpfs: { [PROXY_STATE_DIR]: PROXY_TMPFS_OPTIONS },
        securityOpts: [NO_NEW_PRIVILEGES],
        capabilities: dropAllCapabilities(args.configOwnedByRoot ? ROLE_CAPABILITIES.proxy : ROLE_CAPABILITIES.proxyLocal),
        ...memoryLimits(args.memoryMb),
        healthcheck: proxyHealthcheck(),
        // A new proxy counts as created once it serves; the old one is already gone (it owns the ports).
        wait: true,
        waitTimeout: 60,
        restart: "unless-stopped",
        stopSignal: "SIGUSR1", // soft stop: finish open requests, then exit
        stopTimeout: 30,
        destroyGraceSeconds: 30,
        labels: host.labels({ "berth.role": "proxy" }),
      },
      host.dockerOptions({
        parent: this,
        deleteBeforeReplace: true,
        dependsOn: [configFile, certFile],
        // The provider updates a changed health check or tmpfs in place, which Docker never applies
        // to a running container (provider-model.ts, container.updateApplies): a new container instead.
        replaceOnChanges: ["healthcheck", "tmpfs"],
      }),
    );
    // The PID limit, which the provider cannot set: again for every new container (its id).
    host.runOnHost(
      `${name}-pids-limit`,
      { create: renderPidsLimitScript({ container: containerName, pidsLimit: args.pidsLimit }), triggers: [this.container.id] },
      // No delete script: create-before-delete, stated (as runOnHost would).
      { parent: this, dependsOn: [this.container], deleteBeforeReplace: false },
    );

    host.runOnHost(
      `${name}-reload`,
      {
        create: renderProxyReloadScript({ container: containerName, hostConfigDir: configDir }),
        triggers: [this.configHash],
      },
      { parent: this, dependsOn: [this.container, configFile, certFile] },
    );

    this.registerOutputs({ configHash: this.configHash });
  }

  /** Replaces basic-auth passwords by salted hashes; the salt is kept in state. */
  private resolveRoute(name: string, route: ProxyRouteArgs): pulumi.Output<HaproxyRoute> {
    const { basicAuth, servers, ...rest } = route;
    const plain = pulumi.output(servers).apply((names) => ({ ...rest, servers: names }));
    if (!basicAuth) return plain;
    const users = basicAuth.users.map((user) => {
      const salt = new random.RandomString(
        // Named after the route (the app's name for its web process), so a web route keeps its salts.
        `${name}-${route.name}-${user}-salt`,
        { length: 16, special: false },
        { parent: this },
      );
      return pulumi
        .all([basicAuth.passwords[user], salt.result])
        .apply(([password, s]) => ({ name: user, passwordHash: sha512Crypt(password, s) }));
    });
    return pulumi
      .all([plain, pulumi.all(users)])
      .apply(([p, hashed]) => ({ ...p, basicAuth: { realm: basicAuth.realm, users: hashed, paths: basicAuth.paths } }));
  }
}

/** HAProxy's writable directory (admin socket, server state): a tmpfs, the rest of the filesystem is read-only. */
const PROXY_STATE_DIR = PROXY_PATHS.stateFile.slice(0, PROXY_PATHS.stateFile.lastIndexOf("/"));
/** Small, and nothing there may be executed. Written as Docker stores it, which is how the provider reads it back. */
const PROXY_TMPFS_OPTIONS = "rw,noexec,nosuid,nodev,size=16m";
