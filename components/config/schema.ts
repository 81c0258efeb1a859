import { z } from "zod";
import { cronProblem } from "../app/schedule";
import { capabilityName, DEFAULT_PIDS_LIMITS, dockerCpus } from "../docker-host/limits";
import {
  boolean,
  cidr,
  decimal,
  dockerReference,
  envName,
  hasNoNul,
  hostName,
  imageRef,
  integer,
  namedMap,
  NUL_ERROR,
  oneOf,
  pattern,
  resourceName,
  strictObject,
} from "./fields";

/**
 * The one schema of a berth stack's config (the `berth:` namespace), with every default in one
 * place. Pulumi.yaml mirrors the scalar keys for `pulumi config` users; a unit test keeps the two
 * in step. Rules that span several keys live in rules.ts.
 */

/** The most replicas one app may run. */
export const MAX_REPLICAS = 50;

export const TARGETS = ["digitalocean", "local"] as const;
export const ENGINES = ["postgres", "redis"] as const;
export const TLS_MODES = ["cloudflare-origin", "acme", "self-signed"] as const;

export type Target = (typeof TARGETS)[number];
export type Engine = (typeof ENGINES)[number];
export type TlsMode = (typeof TLS_MODES)[number];

// --- tlsMode acme.
/** Let's Encrypt's production and staging ACME directories. */
export const ACME_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";
export const ACME_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";
/**
 * `acmeMinDaysRemaining` bounds. Let's Encrypt certificates last 90 days. The ssl_expiry alert
 * fires at SSL_EXPIRY_ALERT_DAYS left, so the window opens at least two weekly renew.yml runs
 * before it (14 + 7 = 21); at most 60, so a certificate is never renewed before it is 30 days old.
 */
export const SSL_EXPIRY_ALERT_DAYS = 14;
export const ACME_MIN_DAYS = { min: SSL_EXPIRY_ALERT_DAYS + 7, max: 60 } as const;
const emailAddress = pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "an email address such as ops@example.com");
/** A host name, or a wildcard of one label such as *.example.com. */
const certificateName = pattern(
  /^(\*\.)?(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/,
  "a lowercase host name such as app.example.com, or a wildcard such as *.example.com",
);
// --- end tlsMode acme.

const userName = pattern(/^[a-z_][a-z0-9_.-]{0,31}$/, "a lowercase user name of at most 32 characters");
const envValue = z
  .union([z.string().refine(hasNoNul, { error: NUL_ERROR }), z.number(), z.boolean()], { error: "must be a string, number or boolean" })
  .transform(String);

const COMMAND_ERROR =
  "must be a command: a string (run by the image's shell, as in a Procfile) or a non-empty list of arguments (exec form)";
/** A process's command: a string runs through the image's shell (as in a Procfile), a list in exec form. */
export const commandSchema = z.union(
  [
    z.string({ error: COMMAND_ERROR }).trim().min(1, { error: COMMAND_ERROR }).max(4096, { error: COMMAND_ERROR }).refine(hasNoNul, { error: NUL_ERROR }),
    z
      .array(
        z.string({ error: COMMAND_ERROR }).min(1, { error: COMMAND_ERROR }).max(4096, { error: COMMAND_ERROR }).refine(hasNoNul, { error: NUL_ERROR }),
        { error: COMMAND_ERROR },
      )
      .min(1, { error: COMMAND_ERROR })
      .max(256, { error: COMMAND_ERROR }),
  ],
  { error: COMMAND_ERROR },
);

/** A path prefix a routed process claims on its hosts: "/" or "/seg[/seg...]", no trailing slash. */
export const pathPrefix = pattern(
  /^\/([A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*)?$/,
  "a path prefix such as /api or /static/img (letters, digits, '.', '_', '~', '-'; no trailing slash)",
);

export const healthSchema = strictObject({
  /** HTTP path that answers 2xx/3xx when the replica can serve traffic (routed processes; default /health). */
  path: pattern(/^\/[^\s]*$/, "an absolute URL path such as /health").optional(),
  /**
   * Command Docker runs inside the container instead of the built-in HTTP probe (which needs
   * /bin/sh): a list runs in exec form, so images without a shell can be checked; a string runs
   * through the image's shell. For a worker, the only way to give it a health check.
   */
  command: commandSchema.optional(),
  intervalSeconds: integer(1, 300).default(5),
  timeoutSeconds: integer(1, 60).default(3),
  retries: integer(1, 20).default(3),
  startPeriodSeconds: integer(0, 600).default(10),
});

export const basicAuthSchema = strictObject({
  realm: pattern(/^[A-Za-z0-9 ._-]{1,64}$/, "a short realm name of letters, digits, spaces, '.', '_' or '-'").default(
    "Restricted",
  ),
  users: z.array(userName, { error: "must be a list of user names" }).min(1, { error: "must name at least one user" }),
  /** Path prefixes that require the login; the default, ["/"], is every request of the process. */
  paths: z.array(pathPrefix, { error: "must be a list of path prefixes" }).min(1, { error: "must list at least one path prefix" }).default(["/"]),
});

const hostList = z.array(hostName, { error: "must be a list of host names" }).min(1, { error: "must list at least one host" });
const replicaCount = integer(0, MAX_REPLICAS);
const memoryMb = integer(16, 65536);
const graceSeconds = integer(0, 3600);
// The Docker provider reads 0.01–0.09 back as "0.0" or "0.1", and some values such as 10.05 as
// another number (see dockerCpus): cpus replaces the container, so on every up.
const cpus = decimal(0.1, 64).refine((value) => Number(dockerCpus(value)) === value, {
  error: "must be a number of CPUs the Docker provider reads back unchanged, such as 0.25, 0.5, 1.5 or 2",
});

// Hardening (README, "Hardening"): a PID limit per container, and the capabilities an app adds back.
const pidsLimit = integer(16, 32768);
/** A Linux capability Docker knows, written as Docker stores it (CAP_ + upper case); never ALL. */
const capability = z
  .string({ error: "must be a Linux capability Docker knows, such as NET_RAW or CAP_SYS_PTRACE (not ALL)" })
  .refine((name) => capabilityName(name) !== undefined, {
    error: "must be a Linux capability Docker knows, such as NET_RAW or CAP_SYS_PTRACE (not ALL)",
  })
  .transform((name) => capabilityName(name)!);

/** One process of an app (a Procfile line): routed when it has hosts, a worker otherwise. */
export const processSchema = strictObject({
  /** What to run; without it, the image's own command. */
  command: commandSchema.optional(),
  /** Host names the proxy routes to this process. Without hosts, the process is a worker. */
  hosts: hostList.optional(),
  /** Path prefixes claimed on those hosts (routed processes); the longest matching prefix wins. */
  paths: z.array(pathPrefix, { error: "must be a list of path prefixes" }).min(1, { error: "must list at least one path prefix" }).optional(),
  /** Remove the matched prefix before the request reaches the app (routed processes; default false). */
  stripPrefix: boolean().optional(),
  /** Port the process listens on (routed processes; default 3000), also passed as PORT. */
  port: integer(1, 65535).optional(),
  replicas: replicaCount.default(1),
  health: healthSchema.optional(),
  basicAuth: basicAuthSchema.optional(),
  memoryMb: memoryMb.optional(),
  cpus: cpus.optional(),
  destroyGraceSeconds: graceSeconds.optional(),
  /** Most processes and threads one replica may run (default: the app's). */
  pidsLimit: pidsLimit.optional(),
});

/** A job run on a schedule in a one-off container of the app's current release. */
export const jobSchema = strictObject({
  /** Cron syntax (5 fields, or @daily-style names), in UTC. */
  schedule: z.string({ error: "must be a cron schedule such as \"0 3 * * *\" or @daily" }).superRefine((value, ctx) => {
    const problem = cronProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem, input: value });
  }),
  command: commandSchema,
  /** A run still going after this long is stopped and counted as failed. */
  timeoutSeconds: integer(1, 86400).default(3600),
  memoryMb: memoryMb.optional(),
});

/** A repository to push a built image to: [registry[:port]/]path, with an optional tag. */
const pushRepository = dockerReference(
  /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?$/,
  "an image repository such as ghcr.io/acme/web (a tag is optional; no digest)",
);

/** A path inside the project, or relative to it: no spaces at either end, no NUL. */
const projectPath = pattern(/^(?!\s)[^\0]{1,1024}(?<!\s)$/, "a path relative to the project directory, such as ../web or examples/app");

/**
 * Build the app's image from source on the Docker host that runs it (Dokku's model: no registry).
 * Exactly one of `image` and `build` is given.
 */
export const buildSchema = strictObject({
  /** The build context: a directory, relative to the project directory (where Pulumi.yaml is). */
  context: projectPath,
  /** The Dockerfile, relative to the context. */
  dockerfile: projectPath.default("Dockerfile"),
  /** The Dockerfile stage to build (`docker build --target`). */
  target: pattern(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, "a Dockerfile stage name").optional(),
  /** Build arguments (`--build-arg`). Plain config only: a secret belongs in berth:secrets, which reaches the container, not the image. */
  args: z.record(envName, envValue, { error: "must be a map of build argument names to values" }).default({}),
  /** Also push the built image to this repository, with the credentials of its `registries` entry. */
  push: pushRepository.optional(),
});

export const appSchema = strictObject({
  /** The image to run (exactly one of image and build). */
  image: imageRef.optional(),
  /** Build the image from source on the Docker host instead (exactly one of image and build). */
  build: buildSchema.optional(),
  /** Runs once per release (image, env, secrets or databases), before any new replica starts. */
  release: commandSchema.optional(),
  releaseTimeoutSeconds: integer(1, 86400).default(900),
  // The web process, written as before processes existed: hosts, port, replicas, health, basicAuth.
  hosts: hostList.optional(),
  port: integer(1, 65535).optional(),
  replicas: replicaCount.optional(),
  health: healthSchema.optional(),
  basicAuth: basicAuthSchema.optional(),
  processes: namedMap(resourceName, processSchema).default({}),
  jobs: namedMap(resourceName, jobSchema).default({}),
  env: z.record(envName, envValue, { error: "must be a map of variable names to values" }).default({}),
  secretEnv: z.array(envName, { error: "must be a list of variable names" }).default([]),
  databases: z.array(resourceName, { error: "must be a list of database names" }).default([]),
  /** Defaults for every process (and the release and jobs); a process may set its own. */
  memoryMb: memoryMb.default(512),
  cpus: cpus.optional(),
  destroyGraceSeconds: graceSeconds.default(30),
  /** Most processes and threads per container: every process's default, and the release's and jobs'. */
  pidsLimit: pidsLimit.default(DEFAULT_PIDS_LIMITS.app),
  /** Capabilities the app's containers add back (every one drops ALL); e.g. ["NET_RAW"] for ping. */
  capAdd: z.array(capability, { error: "must be a list of Linux capabilities such as NET_RAW" }).default([]),
});

export const databaseSchema = strictObject({
  engine: oneOf(ENGINES),
  image: imageRef.optional(),
  memoryMb: integer(64, 65536).default(512),
  /** Most processes and threads in the database's container (Postgres runs one process per connection). */
  pidsLimit: pidsLimit.default(DEFAULT_PIDS_LIMITS.database),
  /** Days of daily pg_dump backups to keep on the data volume (postgres on a droplet); 0: none. */
  backupKeepDays: integer(0, 365).optional(),
});

/** Default for `backupKeepDays` of a postgres database. */
export const DEFAULT_BACKUP_KEEP_DAYS = 7;

// --- Off-site backups (berth:backups) -------------------------------------------------------------

/** An age X25519 public key, as `age-keygen` prints it: "age1" and 58 lowercase bech32 characters. */
export const AGE_RECIPIENT = /^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/;

/** The backup job of every database, on a droplet: local dumps (postgres) and off-site, encrypted copies. */
export const backupsSchema = strictObject({
  /** Cron syntax (5 fields, or @daily-style names), in UTC: when every database is backed up. */
  schedule: z.string({ error: "must be a cron schedule such as \"0 3 * * *\" or @daily" }).superRefine((value, ctx) => {
    const problem = cronProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem, input: value });
  }).default("0 3 * * *"),
  /** Days an off-site backup is kept (the bucket's lifecycle rule and the job's own prune). */
  keepDays: integer(1, 3650).default(30),
  /** age public keys the backups are encrypted to; the private keys never reach the droplet or the stack. */
  ageRecipients: z
    .array(pattern(AGE_RECIPIENT, "an age public key: age1 followed by 58 lowercase letters and digits, as age-keygen prints it"), {
      error: "must be a list of age public keys (age1...)",
    })
    .default([]),
  /** healthchecks.io-style ping URL (set with --secret): pinged on success, `<url>/fail` on failure. */
  heartbeatUrl: pattern(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[^\s"\\?#]*)?$/, "an https URL such as https://hc-ping.com/<uuid>, without spaces, quotes, a query or a fragment").optional(),
  /** The Spaces bucket's name; default: the stack's prefix, "-backups-" and a random suffix. */
  bucket: pattern(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, "a Spaces bucket name: 3 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit").optional(),
  /** The Spaces region of the bucket; default: the droplet's region when it has Spaces. */
  spacesRegion: pattern(/^[a-z]{3}[0-9]$/, "a DigitalOcean region slug with Spaces, such as fra1 or nyc3").optional(),
  /** Upload encrypted backups to Spaces (default true on digitalocean; not available on local). */
  offsite: boolean().optional(),
});

/**
 * Regions with Spaces: the provider's own list (terraform-provider-digitalocean v2.99.1,
 * digitalocean/spaces/spaces_entities.go L16, SpacesRegions, which the bucket's region must be in).
 */
export const SPACES_REGIONS = ["ams3", "atl1", "blr1", "fra1", "lon1", "nyc3", "sfo2", "sfo3", "sgp1", "syd1", "tor1"] as const;

/** A registry address as Docker writes it: host[:port], e.g. ghcr.io or registry.example.com:5000. */
// At most DOCKER_NAME_MAX characters: the host is part of every repository name pushed to it.
const registryAddress = pattern(
  /^(?=.{1,255}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$/,
  "a registry address such as ghcr.io or registry.example.com:5000, at most 255 characters",
);

export const registrySchema = strictObject({
  address: registryAddress,
  username: pattern(/^\S{1,255}$/, "a registry user name without spaces"),
});

export const secretsSchema = strictObject({
  /** Secret environment values: app name → variable name → value. */
  env: namedMap(
    resourceName,
    z.record(envName, z.string({ error: "must be a string" }).refine(hasNoNul, { error: NUL_ERROR }), {
      error: "must be a map of variable names to secret values",
    }),
  ).default({}),
  /** Basic-auth passwords: app name → user name → password. */
  basicAuth: namedMap(
    resourceName,
    z.record(userName, z.string({ error: "must be a string" }).min(12, { error: "must be at least 12 characters" }), {
      error: "must be a map of user names to passwords",
    }),
  ).default({}),
  /** Registry passwords or tokens: registry address → password. */
  registries: namedMap(registryAddress, z.string({ error: "must be a string" }).min(1, { error: "must not be empty" })).default({}),
});

// --- Droplet backups (DigitalOcean's own weekly or daily images of the droplet) ---------------
export const DROPLET_BACKUP_PLANS = ["daily", "weekly"] as const;
export const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;
/** The hours a droplet's backup window may start at (terraform-provider-digitalocean docs/resources/droplet.md). */
export const DROPLET_BACKUP_HOURS = [0, 4, 8, 12, 16, 20] as const;
const BACKUP_HOUR_ERROR = `must be one of ${DROPLET_BACKUP_HOURS.join(", ")} (the hour the backup window starts)`;

/** When DigitalOcean backs the droplet up; without it, DigitalOcean's default (daily). */
export const dropletBackupPolicySchema = strictObject({
  plan: oneOf(DROPLET_BACKUP_PLANS).default("daily"),
  /** The day of a weekly backup (plan weekly only). */
  weekday: oneOf(WEEKDAYS).optional(),
  hour: z
    .number({ error: BACKUP_HOUR_ERROR })
    .refine((h) => (DROPLET_BACKUP_HOURS as readonly number[]).includes(h), { error: BACKUP_HOUR_ERROR })
    .optional(),
});
// ---------------------------------------------------------------------------------------------------

const md5Fingerprint = pattern(
  /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/,
  "an SSH key MD5 fingerprint such as 3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa",
);

/** A DNS label, as Tailscale takes a machine name (lowercase here, as MagicDNS names are). */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_LABEL_ALLOWED = "a DNS label: 1 to 63 lowercase letters, digits and '-', not starting or ending with '-'";

/** Tailscale's rule for an ACL tag (tailcfg.CheckTag, see components/server/tailscale.ts), lowercase. */
const tailscaleTag = pattern(/^tag:[a-z][a-z0-9-]*$/, "a Tailscale ACL tag such as tag:berth ('tag:', then a lowercase letter, then letters, digits or '-')");

export const stackSchema = strictObject({
  target: oneOf(TARGETS).default("digitalocean"),

  region: pattern(/^[a-z]{3}[0-9]$/, "a DigitalOcean region slug such as nyc3 or fra1").default("nyc3"),
  dropletSize: pattern(/^[a-z0-9-]+$/, "a DigitalOcean size slug such as s-1vcpu-2gb").default("s-2vcpu-4gb"),
  dropletImage: pattern(/^[a-z0-9.-]+$/, "a DigitalOcean image slug such as ubuntu-24-04-x64").default(
    "ubuntu-24-04-x64",
  ),
  sshKeys: z.array(md5Fingerprint, { error: "must be a list of SSH key fingerprints" }).default([]),
  sshAllowFrom: z.array(cidr, { error: "must be a list of CIDR blocks" }).default([]),
  tags: z
    // The DigitalOcean provider's own rule (tag.ValidateTag): refused there, so refused here first.
    .array(pattern(/^[a-zA-Z0-9_:-]{1,255}$/, "a DigitalOcean tag of 1 to 255 letters, digits, '_', ':' or '-'"), {
      error: 'must be a list of DigitalOcean tags such as ["production"]',
    })
    .default([]),
  ipv6: boolean().default(true),
  volumeSizeGb: integer(1, 16384).default(20),
  swapSizeGb: integer(0, 64).default(2),
  /** DigitalOcean's backups of the droplet (its disk, not the data volume); enabling them updates the droplet in place. */
  dropletBackups: boolean().default(false),
  /** When those backups run (requires dropletBackups: true). */
  dropletBackupPolicy: dropletBackupPolicySchema.optional(),
  /** The tailnet's MagicDNS domain: when set, the droplet joins it and Pulumi reaches SSH over Tailscale. */
  tailnet: pattern(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/,
    "a tailnet's MagicDNS domain such as tail1234.ts.net (lowercase DNS labels separated by dots)",
  ).optional(),
  /** The droplet's machine name in the tailnet; default the stack's prefix, e.g. berth-prod. */
  tailscaleHostname: pattern(DNS_LABEL, DNS_LABEL_ALLOWED).optional(),
  /** ACL tags the droplet advertises; its auth key must be allowed to apply them. Tagged nodes have key expiry off by default. */
  tailscaleTags: z
    .array(tailscaleTag, { error: "must be a list of Tailscale ACL tags such as tag:berth" })
    .min(1, { error: "must list at least one tag (an untagged node's key expires, and the droplet would drop off the tailnet)" })
    .default(["tag:berth"]),
  /** The auth key the droplet joins the tailnet with (set with --secret; never echoed in an error). */
  tailscaleAuthKey: pattern(/^\S+$/, "a Tailscale auth key such as tskey-auth-..., without spaces").optional(),

  zoneId: pattern(/^[0-9a-f]{32}$/, "a Cloudflare zone id (32 hex characters)").optional(),
  proxied: boolean().default(true),
  lockOriginToCloudflare: boolean().default(false),
  /** Whether this stack sets the zone's SSL mode to Full (strict). One stack per zone may own it. */
  manageZoneSsl: boolean().default(true),

  tlsMode: oneOf(TLS_MODES).optional(),
  // --- tlsMode acme (Let's Encrypt over Cloudflare DNS-01) and the uptime alerts; rules in rules.ts.
  /** The ACME account's contact address (tlsMode acme; required there). */
  acmeEmail: emailAddress.optional(),
  /** The ACME directory: Let's Encrypt production by default; its staging directory to try things out. */
  acmeServer: pattern(/^https:\/\/[^\s/]+(\/\S*)?$/, "an https URL of an ACME directory such as " + ACME_STAGING).default(ACME_PRODUCTION),
  /** Renew when the certificate has this many days left or fewer, on the next `pulumi up` (renew.yml runs one weekly). */
  acmeMinDaysRemaining: integer(ACME_MIN_DAYS.min, ACME_MIN_DAYS.max).default(30),
  /** The names the certificate is issued for (wildcards such as *.example.com allowed); default: every route host. */
  acmeCertificateNames: z.array(certificateName, { error: "must be a list of host names or wildcards such as *.example.com" }).default([]),
  /** Where DigitalOcean's uptime alerts go (addresses of the DigitalOcean team); none: no uptime check. */
  alertEmails: z.array(emailAddress, { error: "must be a list of email addresses" }).default([]),
  // --- end tlsMode acme.
  proxyImage: imageRef.default("haproxy:3.2"),
  /** Memory limit of the proxy's container, MiB (old workers finish their requests next to new ones after a reload). */
  proxyMemoryMb: integer(64, 65536).default(256),
  /** Most processes and threads in the proxy's container. */
  proxyPidsLimit: pidsLimit.default(DEFAULT_PIDS_LIMITS.proxy),
  registries: z.array(registrySchema, { error: "must be a list of { address, username }" }).default([]),
  httpPort: integer(1, 65535).optional(),
  httpsPort: integer(1, 65535).optional(),
  httpsRedirect: boolean().default(true),
  healthCheckInterMs: integer(100, 60000).default(500),
  healthCheckFall: integer(1, 10).default(2),
  healthCheckRise: integer(1, 10).default(2),

  apps: namedMap(resourceName, appSchema).refine((apps) => Object.keys(apps).length > 0, {
    error: "must define at least one app",
  }),
  databases: namedMap(resourceName, databaseSchema).default({}),
  /** Scheduled backups of every database: local dumps and encrypted off-site copies (droplet). */
  backups: backupsSchema.prefault({}),
  secrets: secretsSchema.prefault({}),
});

export type StackInput = z.input<typeof stackSchema>;
export type ParsedStack = z.output<typeof stackSchema>;
export type DatabaseConfig = z.output<typeof databaseSchema>;
export type ProcessInput = z.output<typeof processSchema>;
export type JobConfig = z.output<typeof jobSchema>;
export type Command = z.output<typeof commandSchema>;
export type BasicAuthConfig = z.output<typeof basicAuthSchema>;

/** Defaults that depend on the target. */
export const TARGET_DEFAULTS: Record<Target, { httpPort: number; httpsPort: number; bindAddress: string }> = {
  digitalocean: { httpPort: 80, httpsPort: 443, bindAddress: "0.0.0.0" },
  local: { httpPort: 8080, httpsPort: 8443, bindAddress: "127.0.0.1" },
};

export const DEFAULT_IMAGES: Record<Engine, string> = {
  postgres: "postgres:17",
  redis: "redis:7",
};
