import { z } from "zod";
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

export const healthSchema = strictObject({
  /** HTTP path that answers 2xx/3xx when the replica can serve traffic. */
  path: pattern(/^\/[^\s]*$/, "an absolute URL path such as /health").default("/health"),
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
});

export const appSchema = strictObject({
  image: imageRef,
  replicas: integer(1, MAX_REPLICAS).default(1),
  port: integer(1, 65535).default(3000),
  hosts: z.array(hostName, { error: "must be a list of host names" }).min(1, { error: "must list at least one host" }),
  health: healthSchema.prefault({}),
  env: z.record(envName, envValue, { error: "must be a map of variable names to values" }).default({}),
  secretEnv: z.array(envName, { error: "must be a list of variable names" }).default([]),
  databases: z.array(resourceName, { error: "must be a list of database names" }).default([]),
  memoryMb: integer(16, 65536).default(512),
  // The Docker provider reads 0.01–0.09 back as "0.0" or "0.1", and some values such as 10.05 as
  // another number (see dockerCpus): cpus replaces the container, so on every up.
  cpus: decimal(0.1, 64)
    .refine((cpus) => Number(dockerCpus(cpus)) === cpus, {
      error: "must be a number of CPUs the Docker provider reads back unchanged, such as 0.25, 0.5, 1.5 or 2",
    })
    .optional(),
  destroyGraceSeconds: integer(0, 3600).default(30),
  basicAuth: basicAuthSchema.optional(),
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
export type AppConfig = z.output<typeof appSchema>;
export type DatabaseConfig = z.output<typeof databaseSchema>;
export type HealthConfig = z.output<typeof healthSchema>;
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
