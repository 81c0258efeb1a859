import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { App } from "./components/app";
import { loadStackConfig } from "./components/config/load";
import { installBackupSettings } from "./components/backup/settings";
import { BackupStorage } from "./components/backup/storage";
import { Database } from "./components/database";
import { Dns } from "./components/dns";
import { cloudflareIpRanges } from "./components/dns/cloudflare-ranges";
import { DockerHost } from "./components/docker-host";
import { processBaseName, stackPrefix } from "./components/naming";
import { Proxy } from "./components/proxy";
import { Server } from "./components/server";
import { tailscaleArgs } from "./components/server/tailscale";
import { Certificate } from "./components/tls";
import { cloudflareDnsToken } from "./components/tls/dns-token";
import { certificateNames } from "./components/tls/names";
import { Monitoring } from "./components/monitoring";
import { SSL_EXPIRY_ALERT_DAYS } from "./components/config/schema";

// Validated before any resource is registered: bad config fails here, with every problem listed.
const cfg = loadStackConfig();
// tlsMode acme: the token lego's DNS-01 challenge uses, checked here too (components/tls/dns-token.ts).
const acmeDnsToken = cfg.tlsMode === "acme" ? cloudflareDnsToken() : undefined;
const stack = pulumi.getStack();
const prefix = stackPrefix(stack);
const labels = { "berth.project": pulumi.getProject(), "berth.stack": stack };
const routed = Object.entries(cfg.apps).flatMap(([app, spec]) =>
  Object.entries(spec.processes).flatMap(([process, p]) => (p.route ? [{ app, process, route: p.route, health: p.health! }] : [])),
);
const allHosts = [...new Set(routed.flatMap((r) => r.route.hosts))];
const registries = cfg.registries.map((r) => ({ ...r, password: cfg.secrets.registries[r.address] }));

/** Where the data volume is mounted on a droplet. */
const DATA_PATH = "/mnt/berth";

// 1. Where containers run: a droplet reached over SSH, or the local Docker engine.
let server: Server | undefined;
let host: DockerHost;
if (cfg.target === "digitalocean") {
  server = new Server(prefix, {
    region: cfg.region,
    size: cfg.dropletSize,
    image: cfg.dropletImage,
    sshKeys: cfg.sshKeys,
    sshAllowFrom: cfg.sshAllowFrom,
    originAccess: cfg.lockOriginToCloudflare ? "cloudflare" : "anywhere",
    tags: ["berth", ...cfg.tags],
    ipv6: cfg.ipv6,
    volumeSizeGb: cfg.volumeSizeGb,
    swapSizeGb: cfg.swapSizeGb,
    dataPath: DATA_PATH,
    // One-shot and explicit: the preview then shows the droplet replacement to confirm.
    applyCloudInit: process.env.BERTH_APPLY_CLOUD_INIT === "1",
    // With berth:tailnet, SSH is reached at the droplet's tailnet name instead of the reserved IP.
    tailscale: tailscaleArgs(cfg, prefix),
    backups: { enabled: cfg.dropletBackups, policy: cfg.dropletBackupPolicy },
  });
  new Dns("dns", {
    zoneId: cfg.zoneId!,
    hosts: allHosts,
    ipAddress: server.ipAddress,
    ipv6Address: cfg.ipv6 ? server.ipv6Address : undefined,
    proxied: cfg.proxied,
  });
  host = new DockerHost("host", {
    endpoint: { kind: "ssh", address: server.sshAddress, hostPublicKey: server.hostPublicKey },
    namePrefix: prefix,
    labels,
    stateDir: "/etc/berth",
    registries,
    dependsOn: [server.ready],
    hostId: server.droplet.id,
  });
} else {
  host = new DockerHost("host", {
    endpoint: { kind: "local" },
    namePrefix: prefix,
    labels,
    stateDir: path.resolve(".berth", stack),
    registries,
  });
}

// 2. Databases, on the internal network, with their data on the volume, backed up on a schedule
// (a droplet): a private Spaces bucket off-site, and the settings file every backup job reads.
const offsiteStorage =
  server && cfg.backups.offsite
    ? new BackupStorage("backups", { region: cfg.backups.spacesRegion!, bucket: cfg.backups.bucket, namePrefix: prefix, keepDays: cfg.backups.keepDays })
    : undefined;
const backupSettings =
  server && Object.keys(cfg.databases).length > 0
    ? installBackupSettings(host, { storage: offsiteStorage, recipients: cfg.backups.ageRecipients, keepDays: cfg.backups.keepDays, heartbeatUrl: cfg.backups.heartbeatUrl })
    : undefined;
const databases = mapValues(
  cfg.databases,
  (db, name) =>
    new Database(name, {
      host,
      engine: db.engine,
      image: db.image,
      memoryMb: db.memoryMb,
      pidsLimit: db.pidsLimit,
      storage: server ? { kind: "hostPath", path: `${DATA_PATH}/${db.engine}/${name}` } : { kind: "volume" },
      // Dumps go to the volume, so they outlive the droplet; `berth backup` and `berth restore` use them.
      dumps:
        db.engine !== "postgres"
          ? undefined
          : server
            ? { kind: "hostPath", path: `${DATA_PATH}/backups/${db.engine}/${name}` }
            : { kind: "volume" },
      // On berth:backups.schedule; the local target has no scheduler.
      backup: backupSettings && {
        schedule: cfg.backups.schedule,
        localKeepDays: db.backupKeepDays,
        offsite: cfg.backups.offsite,
        settings: backupSettings,
      },
    }),
);

// 3. Apps: one release each (image, env, secrets, databases), run as processes.
const apps = mapValues(
  cfg.apps,
  (app, name) =>
    new App(name, {
      host,
      image: app.image,
      build: app.build,
      release: app.release,
      releaseTimeoutSeconds: app.releaseTimeoutSeconds,
      processes: app.processes,
      jobs: app.jobs,
      env: app.env,
      secretEnv: cfg.secrets.env[name] ?? {},
      databases: app.databases.map((db) => databases[db]),
      memoryMb: app.memoryMb,
      cpus: app.cpus,
      pidsLimit: app.pidsLimit,
      capAdd: app.capAdd,
    }),
);

// 4. The proxy: HTTPS for every host, routed to each app's replicas.
const certificate = new Certificate("tls", {
  mode: cfg.tlsMode,
  hosts: allHosts,
  zoneId: cfg.zoneId,
  manageZoneSsl: cfg.manageZoneSsl,
  acme: acmeDnsToken && {
    server: cfg.acmeServer,
    email: cfg.acmeEmail!,
    minDaysRemaining: cfg.acmeMinDaysRemaining,
    names: certificateNames(cfg.acmeCertificateNames, allHosts),
    dnsToken: acmeDnsToken,
  },
});
new Proxy("proxy", {
  host,
  image: cfg.proxyImage,
  routes: routed.map(({ app, process, route, health }) => ({
    name: processBaseName(app, process),
    hosts: route.hosts,
    paths: route.paths,
    stripPrefix: route.stripPrefix,
    servers: apps[app].replicaNames[process],
    port: route.port,
    healthPath: health.path!,
    basicAuth: route.basicAuth && { ...route.basicAuth, passwords: cfg.secrets.basicAuth[app] ?? {} },
  })),
  certificatePem: certificate.pem,
  httpPort: cfg.httpPort,
  httpsPort: cfg.httpsPort,
  // AAAA records point at the droplet's IPv6 address, so the proxy listens there too.
  publishOn: cfg.target === "local" ? [cfg.bindAddress] : cfg.ipv6 ? ["0.0.0.0", "::"] : ["0.0.0.0"],
  httpsRedirect: cfg.httpsRedirect,
  hsts: cfg.tlsMode !== "self-signed",
  health: { interMs: cfg.healthCheckInterMs, fall: cfg.healthCheckFall, rise: cfg.healthCheckRise },
  memoryMb: cfg.proxyMemoryMb,
  pidsLimit: cfg.proxyPidsLimit,
  // On the local target the config and key are the files of whoever runs pulumi, not root's.
  configOwnedByRoot: cfg.target !== "local",
  // Behind Cloudflare's proxy, the client is who Cloudflare says (CF-Connecting-IP), believed only
  // from Cloudflare's own ranges; otherwise there is no trusted upstream.
  trustedProxies: cfg.target === "digitalocean" && cfg.proxied ? cloudflareIpRanges() : [],
});

const httpsSuffix = cfg.httpsPort === 443 ? "" : `:${cfg.httpsPort}`;

// 5. Uptime alerts (berth:alertEmails): the site down, or its certificate close to expiry (for
// tlsMode acme, only when renewal failed: the alert is below the renewal window).
if (server && cfg.alertEmails.length > 0 && allHosts.length > 0) {
  new Monitoring("uptime", { target: `https://${allHosts[0]}${httpsSuffix}`, emails: cfg.alertEmails, sslExpiryDays: SSL_EXPIRY_ALERT_DAYS });
}

/** The static address DNS points at (digitalocean target). */
export const reservedIp = server?.ipAddress;
/** Every app's public URLs (of its routed processes). */
export const appUrls = mapValues(cfg.apps, (app) => [
  ...new Set(Object.values(app.processes).flatMap((p) => p.route?.hosts ?? []).map((h) => `https://${h}${httpsSuffix}`)),
]);
/** How to log in to the droplet. */
export const sshCommand = server ? pulumi.interpolate`ssh root@${server.sshAddress}` : undefined;
/** Container names of each app's replicas, by process. */
export const replicaNames = mapValues(apps, (app) => app.replicaNames);
/** Where off-site backups go, `{ endpoint, region, bucket }` (the `berth` CLI lists and restores them); unset without. */
export const backupStorage = offsiteStorage && { endpoint: offsiteStorage.endpoint, region: offsiteStorage.region, bucket: offsiteStorage.bucketName };
/** Database connection strings (secret). */
export const databaseUrls = pulumi.secret(mapValues(databases, (db) => db.url));
/** How operators' tools (the `berth` CLI) reach the Docker engine: `{ kind: "local" }` or `{ kind: "ssh", user, address, hostPublicKey }`. */
export const dockerHost = host.access;
/** Each database's engine and container, for the `berth` CLI: `{ main: { engine: "postgres", container: "berth-prod-db-main" } }`. */
const databaseContainers = mapValues(databases, (db) => ({ engine: db.engine, container: db.containerName }));
export { databaseContainers as databases };

function mapValues<T, R>(record: Record<string, T>, fn: (value: T, key: string) => R): Record<string, R> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value, key)]));
}
