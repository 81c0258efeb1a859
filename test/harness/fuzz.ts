import type { z } from "zod";
import { keyPath, SECRET_KEYS } from "../../components/config/parse";
import { stackSchema } from "../../components/config/schema";
import { doConfig, localConfig, stackFileConfig } from "./stacks";

/**
 * A seeded config fuzzer: valid base configs, and mutations of them that a person could plausibly
 * write (a wrong type, a number out of range, an empty or huge string, a malformed host, CIDR, image
 * or cron schedule, an unknown key, a missing key, or a few of these at once).
 *
 * The config tree is walked generically, and the schema (components/config/schema.ts) is read for the
 * keys a config could have but does not: a key added to the schema is fuzzed without a change here.
 */

export type Path = (string | number)[];

/** The default seed; `BERTH_FUZZ_SEED=<n>` replays another run. */
export const DEFAULT_SEED = 20261205;

export function fuzzSeed(): number {
  const env = process.env.BERTH_FUZZ_SEED;
  if (env === undefined || env.trim() === "") return DEFAULT_SEED;
  const seed = Number(env);
  if (!Number.isSafeInteger(seed)) throw new Error(`BERTH_FUZZ_SEED must be an integer (got ${JSON.stringify(env)})`);
  return seed;
}

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---------------------------------------------------------------------------------------------
// Catalogues of values, per kind of key.

const HUGE = "a".repeat(100_000);

export const NASTY_HOSTS = [
  "", " ", "app .example.com", "App.Example.com", "app..example.com", "app.example.com.", ".example.com",
  "-app.example.com", "app-.example.com", "ñandú.example.com", "app\u200b.example.com", "a".repeat(64) + ".com",
  `${"a".repeat(63)}.`.repeat(4) + "com", "app.example.com:8080", "http://app.example.com", "*.example.com",
  "app_example.com", "127.0.0.1", "::1", "app.example.com\n", "app.example.com/", "app.example.com\u0000", "..", ".",
];
export const NASTY_CIDRS = [
  "10.0.0.0/33", "10.0.0.0", "10.0.0.0/", "/24", "10.0.0.0/-1", "10.0.0/24", "256.0.0.0/8", "10.0.0.0/24 ",
  " 10.0.0.0/24", "10.0.0.0/024", "2001:db8::/129", "2001:db8::/32/1", "office", "0.0.0.0/0", "::/0",
  "10.0.0.0/8,10.1.0.0/16", "10.0.0.1/32\n", "fe80::1%eth0/64", "١٢٣.0.0.0/8", "10.0.0.0/1e1", "10.0.0.0/9999",
];
export const NASTY_IMAGES = [
  "", " ", "nginx latest", "Nginx", "nginx:", ":latest", "nginx@sha256:short", `nginx@sha256:${"g".repeat(64)}`,
  `nginx:1@sha256:${"a".repeat(63)}`, "ghcr.io//web", "ghcr.io/acme/web:", "ghcr.io:port/web", "ghcr.io:99999999/web",
  "../web", "web/../x", "http://ghcr.io/web", `ghcr.io/acme/web:${"a".repeat(200)}`, "a".repeat(300), "ñginx",
  "nginx\n", "nginx;rm -rf /", "-nginx", "nginx:-tag", "nginx:.tag", "web..x", "web___x", "ghcr.io/acme/web:1.0.0.",
];
export const NASTY_CRONS = [
  "", " ", "60 * * * *", "* * *", "* * * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *", "* * * * 8",
  "*/0 * * * *", "5-1 * * * *", "@reboot", "@every 5m", "@DAILY", "@", "a b c d e", "-1 * * * *", "1,,2 * * * *",
  "* * * JAN-DEC MON", "*/99999999999999999999999 * * * *", "1e3 * * * *", "0x1 * * * *", "٣ * * * *",
  "0 3 * * *\n0 4 * * *", "\t* * * * *", "L * * * *", "? * * * *", "0-59/61 * * * *", "*/ * * * *", ", * * * *",
];
export const NASTY_STRINGS = [
  "", " ", "  padded  ", HUGE, "ñ", "😀", "\u0000", "line\nbreak", "tab\there", "$(reboot)", "`id`", "'; DROP TABLE x; --",
  "../../etc/passwd", "null", "undefined", "true", "0", "-1", "NaN", "{}", "[]", '"', "\\", "%s%n", "\u202e", "-",
];
export const NASTY_NUMBERS: unknown[] = [
  -1, 0, -2, 1e9, 2 ** 53, 1.5, 0.0001, -0.5, 65536, 100000, Number.MAX_VALUE, NaN, Infinity, -Infinity, 0.01, 10.05,
  "NaN", "Infinity", "1e3", "-0", "0x10", " 3 ", "3.", ".5", "3abc", "", "١", "00", "+5", "1_000", "99999999999999999999",
];
export const UNKNOWN_KEYS = [
  "replica", "Replicas", "__proto__", "constructor", "toString", "hasOwnProperty", "", " ", "a.b", "x-y", "ñ", "0",
  "k".repeat(5000),
];
const WRONG_TYPED: unknown[] = ["str", 42, -7.5, true, false, [], ["x"], [1, 2], {}, { a: 1 }, null];

/** The kind of a key, from its name: which catalogue of malformed values fits it. */
export type Kind = "host" | "cidr" | "image" | "cron" | "number" | "string" | "other";

function kindByName(path: Path): Kind | undefined {
  const name = [...path].reverse().find((p): p is string => typeof p === "string") ?? "";
  if (/^hosts?$|host(name)?$|domain|tailnet|^address$/i.test(name)) return "host";
  if (/cidr|allowfrom/i.test(name)) return "cidr";
  if (/image$|^push$|repository/i.test(name)) return "image";
  if (/schedule|cron/i.test(name)) return "cron";
  return undefined;
}

/** The kind of the node at `path`: its name first, then the schema's type, then the value's. */
export function kindOf(path: Path, value: unknown): Kind {
  const leaf = schemaTypeAt(path);
  if (leaf === "number") return "number";
  const byName = kindByName(path);
  if (byName && (leaf === "string" || typeof value === "string")) return byName;
  if (leaf === "string" || typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  return "other";
}

function catalogue(kind: Kind): readonly unknown[] {
  switch (kind) {
    case "host": return NASTY_HOSTS;
    case "cidr": return NASTY_CIDRS;
    case "image": return NASTY_IMAGES;
    case "cron": return NASTY_CRONS;
    case "number": return NASTY_NUMBERS;
    default: return NASTY_STRINGS;
  }
}

// ---------------------------------------------------------------------------------------------
// The schema, read generically (zod 4 definitions).

type AnyDef = { type: string; [key: string]: any };
const defOf = (s: z.ZodType): AnyDef => (s as any)._zod.def;

/** The schema nodes a node may be, with wrappers (optional, default, preprocess, ...) removed. */
function unwrap(s: z.ZodType): z.ZodType[] {
  const def = defOf(s);
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
      return unwrap(def.innerType);
    case "pipe":
      // z.preprocess(f, s) is pipe(transform, s); s.transform(f) is pipe(s, transform).
      return defOf(def.in).type === "transform" ? unwrap(def.out) : unwrap(def.in);
    case "union":
      return (def.options as z.ZodType[]).flatMap(unwrap);
    default:
      return [s];
  }
}

/** The schema nodes for the config node at `path` ([] when the schema does not know it). */
export function schemaAt(path: Path): z.ZodType[] {
  let nodes: z.ZodType[] = unwrap(stackSchema);
  for (const seg of path) {
    nodes = nodes.flatMap((n) => {
      const def = defOf(n);
      if (def.type === "object" && typeof seg === "string" && Object.prototype.hasOwnProperty.call(def.shape, seg)) return unwrap(def.shape[seg]);
      if (def.type === "record" && typeof seg === "string") return unwrap(def.valueType);
      if (def.type === "array" && typeof seg === "number") return unwrap(def.element);
      return [];
    });
  }
  return nodes;
}

function schemaTypeAt(path: Path): string | undefined {
  const types = schemaAt(path).map((n) => defOf(n).type);
  return types.includes("number") ? "number" : types.includes("string") ? "string" : types[0];
}

/** Keys the schema knows for the object at `path` (empty for a map or a non-object). */
export function knownKeys(path: Path): string[] {
  return schemaAt(path).flatMap((n) => (defOf(n).type === "object" ? Object.keys(defOf(n).shape) : []));
}

// ---------------------------------------------------------------------------------------------
// Base configs.

export interface Base {
  name: string;
  /** The stack the program runs as (its name decides resource names, not validity). */
  stack: string;
  config: Record<string, unknown>;
}

/** A marker in every base secret value: it must never appear in an error. */
export const SECRET_MARK = "S3CR3T-MARK";

/** A digitalocean stack using most of the schema: processes, jobs, builds, basic auth, registries, tailnet. */
function doFull(): Record<string, unknown> {
  return doConfig({
    region: "fra1",
    tags: ["production", "team:web"],
    ipv6: false,
    swapSizeGb: 4,
    tailnet: "tail1234.ts.net",
    tailscaleHostname: "berth-prod",
    tailscaleTags: ["tag:berth", "tag:web"],
    tailscaleAuthKey: `tskey-auth-${SECRET_MARK}`,
    sshAllowFrom: [],
    lockOriginToCloudflare: true,
    healthCheckInterMs: 1000,
    registries: [{ address: "ghcr.io", username: "acme-bot" }],
    apps: {
      web: {
        image: "ghcr.io/acme/web:1.0.0",
        hosts: ["app.example.com", "www.example.com"],
        port: 3000,
        replicas: 2,
        health: { path: "/health", intervalSeconds: 10, retries: 5 },
        basicAuth: { realm: "Staff only", users: ["alice"], paths: ["/admin"] },
        release: "npm run migrate",
        releaseTimeoutSeconds: 600,
        processes: {
          worker: { command: ["node", "worker.js"], replicas: 2, health: { command: ["test", "-f", "/tmp/ok"] }, memoryMb: 256, cpus: 0.5 },
          api: { hosts: ["app.example.com"], paths: ["/api"], stripPrefix: true, port: 4000, destroyGraceSeconds: 60 },
        },
        jobs: {
          nightly: { schedule: "0 3 * * *", command: "node job.js", timeoutSeconds: 600 },
          hourly: { schedule: "@hourly", command: ["node", "job.js"], memoryMb: 128 },
        },
        env: { NODE_ENV: "production", WORKERS: 4, DEBUG: false },
        secretEnv: ["API_KEY"],
        databases: ["main", "cache"],
        memoryMb: 1024,
        cpus: 1.5,
      },
      site: {
        build: { context: "examples/app", dockerfile: "Dockerfile", args: { NODE_MAJOR: "22" }, push: "ghcr.io/acme/site" },
        hosts: ["site.example.com"],
      },
    },
    databases: { main: { engine: "postgres", memoryMb: 1024, backupKeepDays: 14 }, cache: { engine: "redis", image: "redis:7" } },
    secrets: {
      env: { web: { API_KEY: `key-${SECRET_MARK}` } },
      basicAuth: { web: { alice: `password-${SECRET_MARK}` } },
      registries: { "ghcr.io": `token-${SECRET_MARK}` },
    },
  });
}

/** A digitalocean stack with the newer keys: ACME certificates, backups, droplet backups, hardening. */
function doNewer(): Record<string, unknown> {
  const base = doConfig();
  return doConfig({
    tlsMode: "acme",
    acmeEmail: "ops@example.com",
    acmeServer: "https://acme-staging-v02.api.letsencrypt.org/directory",
    acmeMinDaysRemaining: 30,
    acmeCertificateNames: ["app.example.com"],
    alertEmails: ["ops@example.com"],
    proxied: false,
    proxyPidsLimit: 256,
    dropletBackups: true,
    dropletBackupPolicy: { plan: "weekly", weekday: "SUN", hour: 4 },
    backups: {
      ...(base.backups as object),
      schedule: "30 2 * * *",
      keepDays: 14,
      bucket: "acme-backups",
      spacesRegion: "fra1",
      offsite: true,
      heartbeatUrl: `https://hc-ping.com/${SECRET_MARK}`,
    },
    apps: {
      web: {
        image: "ghcr.io/acme/web:1.0.0",
        hosts: ["app.example.com"],
        pidsLimit: 512,
        capAdd: ["NET_RAW"],
        databases: ["main", "cache"],
        processes: { worker: { command: "node worker.js", pidsLimit: 64 } },
      },
    },
    databases: { main: { engine: "postgres", pidsLimit: 200 }, cache: { engine: "redis" } },
  });
}

/** A local stack with workers, jobs and a build. */
function localFull(): Record<string, unknown> {
  return localConfig({
    httpPort: 9080,
    httpsPort: 9443,
    httpsRedirect: false,
    apps: {
      web: {
        image: "nginx:1.27",
        port: 80,
        hosts: ["web.localhost"],
        health: { path: "/" },
        databases: ["main"],
        processes: { worker: { command: "sleep infinity" } },
        jobs: { tick: { schedule: "*/15 * * * *", command: "true" } },
      },
      built: { build: { context: "examples/app" }, processes: { job: { command: ["node", "worker.js"] } } },
    },
  });
}

export function baseConfigs(): Base[] {
  return [
    { name: "Pulumi.dev.yaml", stack: "dev", config: stackFileConfig("dev") },
    { name: "Pulumi.prod.yaml", stack: "prod", config: stackFileConfig("prod") },
    { name: "Pulumi.local.yaml", stack: "local", config: stackFileConfig("local") },
    { name: "doConfig()", stack: "dev", config: doConfig() },
    { name: "localConfig()", stack: "local", config: localConfig() },
    { name: "doConfig(everything)", stack: "prod", config: doFull() },
    { name: "localConfig(everything)", stack: "local", config: localFull() },
    { name: "doConfig(acme, backups, hardening)", stack: "prod", config: doNewer() },
  ];
}

// ---------------------------------------------------------------------------------------------
// The config tree.

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every node of a config tree with its path, the root ([]) first. */
export function nodes(value: unknown, at: Path = []): { path: Path; value: unknown }[] {
  const out = [{ path: at, value }];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...nodes(v, [...at, i])));
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) out.push(...nodes(v, [...at, k]));
  return out;
}

export function getAt(root: unknown, path: Path): unknown {
  return path.reduce<any>((node, seg) => (node === undefined || node === null ? undefined : node[seg]), root);
}

/** A deep copy; own keys such as `__proto__` stay own keys, as JSON.parse makes them. */
export function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clone) as T;
  if (isObject(value)) {
    const out = {};
    for (const [k, v] of Object.entries(value)) define(out, k, clone(v));
    return out as T;
  }
  return value;
}

function define(obj: object, key: string | number, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function setAt(root: Record<string, unknown>, path: Path, value: unknown): void {
  const parent = getAt(root, path.slice(0, -1)) as any;
  const last = path[path.length - 1];
  if (Array.isArray(parent) && typeof last === "number") parent[last] = value;
  else define(parent, last, value);
}

function deleteAt(root: Record<string, unknown>, path: Path): void {
  const parent = getAt(root, path.slice(0, -1)) as any;
  const last = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete parent[last];
}

// ---------------------------------------------------------------------------------------------
// Mutations.

export const MUTATION_CLASSES = ["wrong-type", "out-of-range", "string", "malformed", "unknown-key", "missing-key", "absent-key", "combined"] as const;
export type MutationClass = (typeof MUTATION_CLASSES)[number];

export interface Change {
  class: Exclude<MutationClass, "combined">;
  path: Path;
  /** The value set (undefined for a deleted key). */
  value?: unknown;
}

export interface Mutation {
  index: number;
  class: MutationClass;
  base: Base;
  changes: Change[];
  config: Record<string, unknown>;
}

/** `apps.web.hosts[0] = "app..example.com"`, short enough for an assertion message. */
export function describeChange(c: Change): string {
  const where = keyPath(c.path);
  if (c.class === "missing-key") return `${where} deleted`;
  let text = c.value === undefined ? "undefined" : JSON.stringify(c.value) ?? String(c.value);
  if (typeof c.value === "number" && !Number.isFinite(c.value)) text = String(c.value);
  if (text.length > 120) text = `${text.slice(0, 100)}... (${text.length} characters)`;
  return `[${c.class}] ${where} = ${text}`;
}

function wrongType(rng: Rng, value: unknown): unknown {
  const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
  const others = WRONG_TYPED.filter((v) => typeOf(v) !== typeOf(value));
  return clone(rng.pick(others));
}

/** One change of `cls` to `config` (in place), or undefined when the config has no node it fits. */
function change(rng: Rng, cls: Change["class"], config: Record<string, unknown>): Change | undefined {
  const all = nodes(config);
  const inner = all.filter((n) => n.path.length > 0);
  switch (cls) {
    case "wrong-type": {
      const n = rng.pick(inner);
      const value = wrongType(rng, n.value);
      setAt(config, n.path, value);
      return { class: cls, path: n.path, value };
    }
    case "out-of-range": {
      const numeric = inner.filter((n) => kindOf(n.path, n.value) === "number");
      if (numeric.length === 0) return undefined;
      const n = rng.pick(numeric);
      const value = rng.pick(NASTY_NUMBERS);
      setAt(config, n.path, value);
      return { class: cls, path: n.path, value };
    }
    case "string": {
      const strings = inner.filter((n) => typeof n.value === "string");
      const n = rng.pick(strings);
      const value = rng.pick(["", " ", HUGE, "x".repeat(rng.pick([256, 4097, 70_000])), "ü", "\u0000"]);
      setAt(config, n.path, value);
      return { class: cls, path: n.path, value };
    }
    case "malformed": {
      const typed = inner.filter((n) => typeof n.value === "string" && ["host", "cidr", "image", "cron"].includes(kindOf(n.path, n.value)));
      const pool = typed.length > 0 && rng.chance(0.85) ? typed : inner.filter((n) => typeof n.value === "string");
      const n = rng.pick(pool);
      const value = rng.pick(catalogue(kindOf(n.path, n.value)));
      setAt(config, n.path, value);
      return { class: cls, path: n.path, value };
    }
    case "unknown-key": {
      const objects = all.filter((n) => isObject(n.value));
      const n = rng.pick(objects);
      const key = rng.pick(UNKNOWN_KEYS);
      // A copy of another node, but never of a secret one: a secret moved to a plain key is plain.
      const plain = inner.filter((n) => !(SECRET_KEYS as readonly unknown[]).includes(n.path[0]));
      const value = rng.chance(0.5) ? clone(rng.pick(WRONG_TYPED)) : clone(rng.pick(plain).value);
      setAt(config, [...n.path, key], value);
      return { class: cls, path: [...n.path, key], value };
    }
    case "missing-key": {
      const n = rng.pick(inner);
      deleteAt(config, n.path);
      return { class: cls, path: n.path };
    }
    case "absent-key": {
      // A key the schema knows but this config does not set: fuzzed as soon as the schema has it.
      const slots = all
        .filter((n) => isObject(n.value))
        .flatMap((n) => knownKeys(n.path).filter((k) => !(k in (n.value as object))).map((k) => [...n.path, k]));
      if (slots.length === 0) return undefined;
      const path = rng.pick(slots);
      const value = absentValue(rng, path);
      setAt(config, path, value);
      return { class: cls, path, value };
    }
  }
}

/** A value for a key the config does not set: nasty for its kind, or an object of nasty values. */
function absentValue(rng: Rng, path: Path): unknown {
  const keys = knownKeys(path);
  if (keys.length > 0 && rng.chance(0.6)) {
    const out: Record<string, unknown> = {};
    for (const k of keys) if (rng.chance(0.7)) define(out, k, absentValue(rng, [...path, k]));
    return out;
  }
  const types = schemaAt(path).map((n) => defOf(n).type);
  if (types.includes("array") && rng.chance(0.6)) return [rng.pick(catalogue(kindOf([...path, 0], "")))];
  if (types.includes("record") && rng.chance(0.6)) return { [rng.pick(UNKNOWN_KEYS.slice(0, 4))]: rng.pick(NASTY_STRINGS) };
  if (types.includes("boolean") && rng.chance(0.3)) return rng.pick([true, false, "true", "yes", 1]);
  if (types.includes("enum") && rng.chance(0.3)) return rng.pick([...Object.values(defOf(schemaAt(path).find((n) => defOf(n).type === "enum")!).entries), "other"]);
  return rng.chance(0.2) ? clone(rng.pick(WRONG_TYPED)) : rng.pick(catalogue(kindOf(path, "")));
}

/** `count` mutations, round-robin over the classes so each gets its share; the same for the same seed. */
export function mutations(seed: number, count: number): Mutation[] {
  const rng = new Rng(seed);
  const bases = baseConfigs();
  const out: Mutation[] = [];
  for (let index = 0; out.length < count; index++) {
    const cls = MUTATION_CLASSES[index % MUTATION_CLASSES.length];
    const base = rng.pick(bases);
    const config = clone(base.config);
    const changes: Change[] = [];
    const classes: Change["class"][] =
      cls === "combined"
        ? Array.from({ length: 2 + rng.int(2) }, () => rng.pick(MUTATION_CLASSES.filter((c): c is Change["class"] => c !== "combined")))
        : [cls];
    for (const c of classes) {
      const done = change(rng, c, config);
      if (done) changes.push(done);
    }
    if (changes.length === 0) continue;
    out.push({ index: out.length, class: cls, base, changes, config });
  }
  return out;
}
