// A Docker engine for the end-to-end tests: use the running one, or (as root on Debian) install
// Debian's docker.io and start dockerd ourselves. restart() restarts the daemon, for the test that
// checks containers come back by their restart policy.
import { execFile, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";

const execFileAsync = promisify(execFile);

export interface Engine {
  /** True when this process had to start dockerd. */
  startedByUs: boolean;
  /** Stop the Docker daemon and start it again; resolves once `docker info` answers. */
  restart(): Promise<void>;
}

const DAEMON_TIMEOUT_MS = 60_000;
export const DOCKERD_LOG = path.join(os.tmpdir(), "berth-e2e-dockerd.log");

// dockerd looks up iptables, runc and containerd on PATH; a test runner's PATH may lack the sbin dirs.
const SBIN_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
const daemonEnv = (): NodeJS.ProcessEnv => {
  const dirs = (process.env.PATH ?? "").split(":").filter(Boolean);
  return { ...process.env, PATH: [...dirs, ...SBIN_PATH.filter((d) => !dirs.includes(d))].join(":") };
};

export async function ensureEngine(): Promise<Engine> {
  if (await dockerAnswers()) return engine(false);

  requireRootOnDebian("a running Docker engine (Debian: apt-get install docker.io, then start dockerd)");
  if (!(await onPath("dockerd")) || !(await onPath("docker"))) await installDebianPackages(["docker.io"]);

  if (await systemdManagesDocker()) {
    await run("systemctl", ["start", "docker"]);
  } else if ((await dockerdPid()) === undefined) {
    startDockerd(["dockerd"]);
  } // else: a dockerd is already starting up; just wait for it
  await waitForDocker();
  return engine(true);
}

function engine(startedByUs: boolean): Engine {
  return { startedByUs, restart: restartDaemon };
}

async function restartDaemon(): Promise<void> {
  if (await systemdManagesDocker()) {
    await run("systemctl", ["restart", "docker"]);
    await waitForDocker();
    return;
  }
  // Started by us or by hand: stop the running dockerd and start it again with the same arguments.
  const pid = await dockerdPid();
  let argv = ["dockerd"];
  if (pid !== undefined) {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    if (cmdline.length > 0) argv = cmdline;
    process.kill(pid, "SIGTERM");
    await waitForExit(pid);
  }
  startDockerd(argv);
  await waitForDocker();
}

function startDockerd(argv: string[]): void {
  const log = fs.openSync(DOCKERD_LOG, "a");
  // Detached in its own session so it outlives the test process and is not hit by its signals.
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ["ignore", log, log], env: daemonEnv() });
  child.on("error", (err) => fs.appendFileSync(DOCKERD_LOG, `berth e2e: could not start dockerd: ${err.message}\n`));
  child.unref();
  fs.closeSync(log);
}

async function dockerAnswers(): Promise<boolean> {
  try {
    await execFileAsync("docker", ["info", "--format", "{{.ServerVersion}}"], { timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

async function waitForDocker(): Promise<void> {
  const deadline = Date.now() + DAEMON_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await dockerAnswers()) return;
    await sleep(500);
  }
  throw new Error(`Docker daemon did not answer within ${DAEMON_TIMEOUT_MS / 1000} s (log: ${DOCKERD_LOG})`);
}

async function waitForExit(pid: number): Promise<void> {
  const deadline = Date.now() + DAEMON_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!alive(pid)) return;
    await sleep(200);
  }
  throw new Error(`dockerd (pid ${pid}) did not exit within ${DAEMON_TIMEOUT_MS / 1000} s of SIGTERM`);
}

/** A zombie (exited, not yet reaped by its parent) counts as gone. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function dockerdPid(): Promise<number | undefined> {
  try {
    const { stdout } = await execFileAsync("pgrep", ["-x", "dockerd"]);
    // pgrep also lists zombies: a dockerd stopped earlier whose parent (e.g. a container's
    // init) never reaps it.
    return stdout
      .split("\n")
      .map((line) => Number.parseInt(line, 10))
      .find((pid) => Number.isFinite(pid) && alive(pid));
  } catch {
    return undefined; // pgrep exits 1 when nothing matches
  }
}

async function systemdManagesDocker(): Promise<boolean> {
  if (!fs.existsSync("/run/systemd/system")) return false; // not booted with systemd (e.g. a container)
  try {
    await execFileAsync("systemctl", ["is-active", "--quiet", "docker"]);
    return true;
  } catch {
    // Unit inactive: it manages docker only if dockerd is not running some other way.
    try {
      await execFileAsync("systemctl", ["cat", "docker.service"]);
      return (await dockerdPid()) === undefined;
    } catch {
      return false;
    }
  }
}

// ---- Helpers shared with images.ts ----

export function requireRootOnDebian(what: string): void {
  const root = process.getuid?.() === 0;
  const debian = fs.existsSync("/etc/debian_version");
  if (!root || !debian) {
    throw new Error(
      `The end-to-end tests need ${what}. They install it themselves only when run as root on Debian; ` +
        `this is ${debian ? "Debian" : "not Debian"} and ${root ? "root" : "not root"}, so install it by hand.`,
    );
  }
}

let aptUpdated = false;

/** apt-get install (no recommends) as root on Debian; runs apt-get update once per process. */
export async function installDebianPackages(packages: string[]): Promise<void> {
  requireRootOnDebian(packages.join(", "));
  const env = { ...daemonEnv(), DEBIAN_FRONTEND: "noninteractive" };
  if (!aptUpdated) {
    await run("apt-get", ["update", "-qq"], env);
    aptUpdated = true;
  }
  await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], env);
}

export async function onPath(command: string): Promise<boolean> {
  const dirs = (daemonEnv().PATH ?? "").split(":");
  return dirs.some((dir) => {
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

async function run(command: string, args: string[], env: NodeJS.ProcessEnv = daemonEnv()): Promise<void> {
  try {
    await execFileAsync(command, args, { env, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(" ")} failed: ${(e.stderr ?? "").trim() || e.message}`);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
