import { z } from "zod";
import { cronProblem } from "../app/schedule";
import { dockerCpus } from "../docker-host/limits";
import {
  boolean,
  cidr,
  decimal,
  envName,
  hostName,
  imageRef,
  integer,
  namedMap,
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
export const TLS_MODES = ["cloudflare-origin", "self-signed"] as const;

export type Target = (typeof TARGETS)[number];
export type Engine = (typeof ENGINES)[number];
export type TlsMode = (typeof TLS_MODES)[number];

const userName = pattern(/^[a-z_][a-z0-9_.-]{0,31}$/, "a lowercase user name of at most 32 characters");
const envValue = z
  .union([z.string(), z.number(), z.boolean()], { error: "must be a string, number or boolean" })
  .transform(String);

const COMMAND_ERROR =
  "must be a command: a string (run by the image's shell, as in a Procfile) or a non-empty list of arguments (exec form)";
/** A process's command: a string runs through the image's shell (as in a Procfile), a list in exec form. */
export const commandSchema = z.union(
  [
    z.string({ error: COMMAND_ERROR }).trim().min(1, { error: COMMAND_ERROR }).max(4096, { error: COMMAND_ERROR }),
    z
      .array(z.string({ error: COMMAND_ERROR }).min(1, { error: COMMAND_ERROR }).max(4096, { error: COMMAND_ERROR }), { error: COMMAND_ERROR })
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
const pushRepository = pattern(
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
});

export const databaseSchema = strictObject({
  engine: oneOf(ENGINES),
  image: imageRef.optional(),
  memoryMb: integer(64, 65536).default(512),
  /** Days of daily pg_dump backups to keep on the data volume (postgres on a droplet); 0: none. */
  backupKeepDays: integer(0, 365).optional(),
});

/** Default for `backupKeepDays` of a postgres database. */
export const DEFAULT_BACKUP_KEEP_DAYS = 7;

/** A registry address as Docker writes it: host[:port], e.g. ghcr.io or registry.example.com:5000. */
const registryAddress = pattern(
  /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$/,
  "a registry address such as ghcr.io or registry.example.com:5000",
);

export const registrySchema = strictObject({
  address: registryAddress,
  username: pattern(/^\S{1,255}$/, "a registry user name without spaces"),
});

export const secretsSchema = strictObject({
  /** Secret environment values: app name → variable name → value. */
  env: namedMap(resourceName, z.record(envName, z.string({ error: "must be a string" }))).default({}),
  /** Basic-auth passwords: app name → user name → password. */
  basicAuth: namedMap(
    resourceName,
    z.record(userName, z.string({ error: "must be a string" }).min(12, { error: "must be at least 12 characters" })),
  ).default({}),
  /** Registry passwords or tokens: registry address → password. */
  registries: namedMap(registryAddress, z.string({ error: "must be a string" }).min(1, { error: "must not be empty" })).default({}),
});

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
    .array(pattern(/^[a-zA-Z0-9_:-]{1,255}$/, "a DigitalOcean tag of 1 to 255 letters, digits, '_', ':' or '-'"))
    .default([]),
  ipv6: boolean().default(true),
  volumeSizeGb: integer(1, 16384).default(20),
  swapSizeGb: integer(0, 64).default(2),
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
  proxyImage: imageRef.default("haproxy:3.2"),
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
