// Local stand-ins for the official images berth deploys, built from Debian packages because the
// tests cannot reach a container registry. A debootstrapped bookworm root is imported as one base
// image; each stand-in is a small `docker build` FROM it (test/e2e/images/<name>/). Every tag
// carries a hash of what went into it, so an image that exists is never built again.
// Contracts and caching: test/e2e/images/README.md.
import { spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_IMAGES, stackSchema } from "../../components/config/schema";
import { installDebianPackages, onPath, requireRootOnDebian } from "./engine";

export interface StandInImages {
  /** Official image reference (as the program uses it) → local stand-in tag. */
  registry: Record<string, string>;
  /** Example app tags. */
  app: { v1: string; v2: string; broken: string };
  /** Extra images for the benchmark. */
  nginx: string;
  caddy: string;
}

const IMAGES_DIR = path.join(__dirname, "images");
const APP_SOURCE_DIR = path.resolve(__dirname, "../../examples/app");
const APP_SOURCE_FILES = ["common.js", "server.js", "worker.js", "migrate.js", "job.js", "package.json", "package-lock.json"];

const SUITE = "bookworm"; // from debootstrap's default mirror
/** Everything every stand-in needs, in one base (they share its layers on disk). */
export const BASE_PACKAGES = [
  "bash",
  "ca-certificates",
  "curl",
  "procps",
  "iproute2",
  "util-linux", // setpriv
  "haproxy", // 2.6
  "postgresql", // 15
  "redis-server", // 7.0
  "redis-tools",
  "nodejs", // 18
  "nginx-light", // 1.22
  "caddy", // 2.6
];
const BASE_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"];

/** Official references the program deploys by default, plus the one Pulumi.local.yaml uses. */
function officialRefs() {
  return {
    postgres: DEFAULT_IMAGES.postgres,
    redis: DEFAULT_IMAGES.redis,
    haproxy: stackSchema.shape.proxyImage.parse(undefined),
    nginx: "nginx:1.27",
  };
}

type Log = (line: string) => void;

export async function ensureStandInImages(log: Log = () => {}): Promise<StandInImages> {
  return withBuildLock(log, () => ensureAll(log));
}

async function ensureAll(log: Log): Promise<StandInImages> {
  const built: string[] = [];
  const base = await ensureBase(log, built);
  const postgres = await ensureStandIn("postgres", base, log, built);
  const redis = await ensureStandIn("redis", base, log, built);
  const haproxy = await ensureStandIn("haproxy", base, log, built);
  const nginx = await ensureStandIn("nginx", base, log, built);
  const caddy = await ensureStandIn("caddy", base, log, built);
  const app = await ensureApp(base, log, built);
  if (built.length > 0) {
    await pruneOtherTags([base, postgres, redis, haproxy, nginx, caddy, app.v1, app.v2, app.broken]);
  }

  const refs = officialRefs();
  return {
    registry: {
      [refs.postgres]: postgres,
      [refs.redis]: redis,
      [refs.haproxy]: haproxy,
      [refs.nginx]: nginx,
    },
    app,
    nginx,
    caddy,
  };
}

// ---- Base: debootstrap → docker import ----

async function ensureBase(log: Log, built: string[]): Promise<string> {
  const recipe = JSON.stringify({ SUITE, BASE_PACKAGES, BASE_ENV });
  const tag = `berth-standin/base:${hashOf([["recipe", recipe], ...filesIn(path.join(IMAGES_DIR, "base"))])}`;
  if (await imageExists(tag)) return tag;

  requireRootOnDebian("debootstrap (to build the stand-in base image)");
  if (!(await onPath("debootstrap"))) await installDebianPackages(["debootstrap"]);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "berth-standin-rootfs-"));
  try {
    log(`images: building ${tag} (debootstrap ${SUITE}: ${BASE_PACKAGES.join(" ")})`);
    const include = `--include=${BASE_PACKAGES.join(",")}`;
    await run("debootstrap", ["--variant=minbase", include, SUITE, root], { log });
    await run("bash", [path.join(IMAGES_DIR, "base", "prepare-rootfs.sh"), root], { log });
    await importRootfs(root, tag);
  } finally {
    await removeRootfs(root);
  }
  built.push(tag);
  return tag;
}

/** `tar -C root -c . | docker import - tag`, without a shell. */
async function importRootfs(root: string, tag: string): Promise<void> {
  const changes = [...BASE_ENV.map((e) => `ENV ${e}`), 'CMD ["bash"]'].flatMap((c) => ["--change", c]);
  const tar = spawn("tar", ["--numeric-owner", "--exclude=./dev/*", "-C", root, "-c", "."], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const importer = spawn("docker", ["import", ...changes, "-", tag], { stdio: ["pipe", "pipe", "pipe"] });
  tar.stdout.pipe(importer.stdin);
  await Promise.all([finished(tar, "tar"), finished(importer, "docker import")]);
}

/** debootstrap mounts proc and sys inside the root; a failed run can leave them mounted. */
async function removeRootfs(root: string): Promise<void> {
  const mounts = fs
    .readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1])
    .filter((mount) => mount !== undefined && mount.startsWith(root + "/"))
    .sort((a, b) => b.length - a.length);
  for (const mount of mounts) await run("umount", ["-l", mount]).catch(() => undefined);
  fs.rmSync(root, { recursive: true, force: true });
}

// ---- Stand-ins: docker build FROM the base ----

async function ensureStandIn(name: string, base: string, log: Log, built: string[]): Promise<string> {
  const context = path.join(IMAGES_DIR, name);
  const tag = `berth-standin/${name}:${hashOf([["base", base], ...filesIn(context)])}`;
  if (await imageExists(tag)) return tag;
  log(`images: building ${tag}`);
  await dockerBuild(context, base, tag, log);
  built.push(tag);
  return tag;
}

async function ensureApp(base: string, log: Log, built: string[]): Promise<StandInImages["app"]> {
  const context = path.join(IMAGES_DIR, "app");
  const sources = APP_SOURCE_FILES.map((f): [string, Buffer] => [`examples/app/${f}`, fs.readFileSync(path.join(APP_SOURCE_DIR, f))]);
  const hash = hashOf([["base", base], ...filesIn(context), ...sources]);
  const tags = { v1: `berth-standin/app:${hash}-v1`, v2: `berth-standin/app:${hash}-v2`, broken: `berth-standin/app:${hash}-broken` };
  if ((await Promise.all(Object.values(tags).map(imageExists))).every(Boolean)) return tags;

  // A throwaway build context: the image files, the app's sources and its production node_modules.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-standin-app-"));
  try {
    fs.cpSync(context, dir, { recursive: true });
    for (const f of APP_SOURCE_FILES) fs.copyFileSync(path.join(APP_SOURCE_DIR, f), path.join(dir, f));
    log(`images: npm ci --omit=dev for the example app`);
    await run("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund"], { cwd: dir, log });
    for (const [target, tag] of Object.entries(tags)) {
      log(`images: building ${tag}`);
      await dockerBuild(dir, base, tag, log, target);
      built.push(tag);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return tags;
}

async function dockerBuild(context: string, base: string, tag: string, log: Log, target?: string): Promise<void> {
  const args = ["build", "--force-rm", "--build-arg", `BASE=${base}`, "-t", tag];
  if (target) args.push("--target", target);
  // The classic builder: it needs no buildx plugin and builds FROM a local image without a registry.
  await run("docker", [...args, context], { log, env: { ...process.env, DOCKER_BUILDKIT: "0" } });
}

/** Drop berth-standin tags from earlier versions of these files, so they do not pile up. */
async function pruneOtherTags(keep: string[]): Promise<void> {
  const listed = await run("docker", ["image", "ls", "--filter", "reference=berth-standin/*", "--format", "{{.Repository}}:{{.Tag}}"]);
  const stale = listed.split("\n").filter((t) => t && !t.endsWith(":<none>") && !keep.includes(t));
  // Stand-ins before bases (a base with children cannot go); an image still in use stays.
  stale.sort((a, b) => Number(a.startsWith("berth-standin/base:")) - Number(b.startsWith("berth-standin/base:")));
  for (const tag of stale) await run("docker", ["rmi", tag]).catch(() => undefined);
}

// ---- Helpers ----

const LOCK_FILE = path.join(os.tmpdir(), "berth-standin-images.lock");
const LOCK_WAIT_MS = 15 * 60_000;

/** One builder at a time across processes (test runs in parallel would build everything twice). */
async function withBuildLock<T>(log: Log, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  let waiting = false;
  for (;;) {
    try {
      fs.writeFileSync(LOCK_FILE, String(process.pid), { flag: "wx" });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let holder: number;
    try {
      holder = Number.parseInt(fs.readFileSync(LOCK_FILE, "utf8"), 10);
    } catch {
      continue; // released in the meantime
    }
    if (Number.isFinite(holder) && !processAlive(holder)) {
      fs.rmSync(LOCK_FILE, { force: true }); // left behind by a process that died
      continue;
    }
    if (Date.now() > deadline) throw new Error(`images: ${LOCK_FILE} held by process ${holder} for too long`);
    if (!waiting) log(`images: waiting for process ${holder}, which is building the stand-in images`);
    waiting = true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(LOCK_FILE, { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function imageExists(tag: string): Promise<boolean> {
  try {
    await run("docker", ["image", "inspect", "--format", "{{.Id}}", tag]);
    return true;
  } catch {
    return false;
  }
}

/** Files under dir (recursively) as [path relative to IMAGES_DIR, contents], sorted by path. */
function filesIn(dir: string): Array<[string, Buffer]> {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  return entries.flatMap((e): Array<[string, Buffer]> => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return filesIn(full);
    return [[path.relative(IMAGES_DIR, full), fs.readFileSync(full)]];
  });
}

/** First 12 hex digits of a SHA-256 over names and contents (length-prefixed, so unambiguous). */
function hashOf(parts: Array<[string, string | Buffer]>): string {
  const hash = createHash("sha256");
  for (const [name, content] of parts) {
    const data = typeof content === "string" ? Buffer.from(content) : content;
    hash.update(`${name.length}:${name}${data.length}:`).update(data);
  }
  return hash.digest("hex").slice(0, 12);
}

interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Receives every output line as it comes (stdout and stderr). */
  log?: Log;
}

/** Runs a command (no shell); resolves to its stdout, rejects with the tail of its output. */
function run(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  const tail: string[] = [];
  const collect = (stream: NodeJS.ReadableStream, keep: boolean) => {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      if (keep) stdout += chunk;
      const lines = (partial + chunk).split(/\r?\n/);
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (options.log && line.trim()) options.log(line);
        tail.push(line);
        if (tail.length > 40) tail.shift();
      }
    });
    stream.on("end", () => {
      if (partial) {
        options.log?.(partial);
        tail.push(partial);
      }
    });
  };
  collect(child.stdout, true);
  collect(child.stderr, false);
  return finished(child, `${command} ${args.join(" ")}`, () => tail.join("\n")).then(() => stdout);
}

function finished(child: ReturnType<typeof spawn>, what: string, output = () => ""): Promise<void> {
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer | string) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    child.on("error", (err) => reject(new Error(`${what}: ${err.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) return resolve();
      const detail = (output() || stderr).trim();
      reject(new Error(`${what} failed (${signal ?? `exit ${code}`})${detail ? `:\n${detail}` : ""}`));
    });
  });
}
