import { strict as assert } from "assert";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { OneOffOptions, renderEnvFile, renderOneOffScript } from "../../components/app/one-off";
import { e2eEnvironment } from "./support/environment";
import { tempDir } from "../harness/tools";

/**
 * The one-off runner (the release phase and every job run through it), run for real on the e2e
 * tier's Docker engine with the stand-in images' base image: output, exit codes, the time limit,
 * secrets kept off every command line, and no container left behind, however it ends.
 */

const SECRET = "s3cret: it's \"quoted\"\nsecond line $HOME `id` \\";

interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the start to the first output, and to the exit. */
  firstOutputMs?: number;
  exitMs: number;
}

/** Runs a runner script with `sh`; `during` is called with the process once it is started. */
function runScript(text: string, input: string, during?: (pid: number) => Promise<void>): Promise<RunResult> {
  const file = path.join(tempDir("one-off-run"), "run.sh");
  fs.writeFileSync(file, text);
  const started = Date.now();
  const child = spawn("sh", [file], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let firstOutputMs: number | undefined;
  child.stdout.on("data", (chunk) => {
    firstOutputMs ??= Date.now() - started;
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => (stderr += chunk));
  child.stdin.end(input);
  const exited = new Promise<RunResult>((resolve) =>
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr, firstOutputMs, exitMs: Date.now() - started })),
  );
  return during ? during(child.pid!).then(() => exited) : exited;
}

const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/** Names of the containers (running or not) with exactly this name. */
const containersNamed = (name: string) => docker("ps", "-a", "--filter", `name=^/${name}$`, "--format", "{{.Names}}");

async function waitUntilRunning(name: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      if (docker("inspect", "-f", "{{.State.Running}}", name) === "true") return;
    } catch {
      // not created yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`container ${name} did not start`);
}

describe("One-off runner (run against the local Docker engine)", function () {
  this.timeout(120_000);
  const suffix = `${process.pid}`;
  const networks = [`berth-artifact-oneoff-a-${suffix}`, `berth-artifact-oneoff-b-${suffix}`];
  let image: string;
  let count = 0;
  let container: string;

  function options(overrides: Partial<OneOffOptions> = {}): OneOffOptions {
    return {
      container,
      image,
      networks,
      command: ["sh", "-c", "echo hello from the run"],
      envNames: ["SECRET_VALUE", "PLAIN"],
      envFile: "stdin",
      timeoutSeconds: 60,
      memoryMb: 128,
      pidsLimit: 64,
      capAdd: [],
      labels: { "berth.stack": "artifact", "berth.test": "one-off" },
      what: "the release of shop",
      ...overrides,
    };
  }
  const run = (overrides: Partial<OneOffOptions> = {}, env: Record<string, string> = {}, during?: (pid: number) => Promise<void>) =>
    runScript(renderOneOffScript(options(overrides)), renderEnvFile(env), during);

  before(async function () {
    await e2eEnvironment(this); // the engine, and the stand-in images built from Debian packages
    // The stand-ins' base: a shell, coreutils, and `bash` as its own CMD.
    image = docker("images", "--format", "{{.Repository}}:{{.Tag}}", "berth-standin/base").split("\n")[0];
    assert.ok(image, "the e2e environment builds berth-standin/base");
    for (const network of networks) docker("network", "create", network);
  });

  after(() => {
    if (!image) return;
    for (const network of networks) docker("network", "rm", network);
  });

  beforeEach(() => {
    container = `berth-artifact-oneoff-${suffix}-${++count}`;
  });

  afterEach(() => {
    if (containersNamed(container)) docker("rm", "-f", container); // never leave one to the next test
  });

  it("streams the run's output while it runs, stdout and stderr apart", async () => {
    const result = await run({ command: ["sh", "-c", "echo first; sleep 2; echo second >&2"] });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, "first\n");
    assert.match(result.stderr, /(^|\n)second\n$/);
    assert.ok(result.exitMs - result.firstOutputMs! >= 1500, `first output at ${result.firstOutputMs} ms, exit at ${result.exitMs} ms`);
    assert.equal(containersNamed(container), "");
  });

  it("exits 0 without a message when the run succeeds", async () => {
    const result = await run();
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, "hello from the run\n");
    assert.doesNotMatch(result.stderr, /berth:/);
    assert.equal(containersNamed(container), "");
  });

  it("passes the run's exit code through and says so in one line", async () => {
    const result = await run({ command: ["sh", "-c", "exit 3"] });
    assert.equal(result.status, 3);
    assert.deepEqual(result.stderr.match(/^berth:.*$/gm), ["berth: the release of shop exited with code 3"]);
    assert.equal(containersNamed(container), "");
  });

  it("runs the image's own CMD when no command is given", async () => {
    const result = await run({ command: undefined });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(containersNamed(container), "");
  });

  it("stops a run past its time limit, even one that ignores SIGTERM, and says so", async () => {
    const result = await run({ timeoutSeconds: 2, command: ["sh", "-c", 'trap "" TERM; echo started; while :; do sleep 1; done'] });
    assert.equal(result.stdout, "started\n");
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /^berth: the release of shop ran past 2 s and was stopped$/m);
    assert.ok(result.exitMs < 30_000, `took ${result.exitMs} ms`);
    assert.equal(containersNamed(container), "");
  });

  it("gives the container the values from stdin exactly: newlines, quotes, $ and backticks", async () => {
    const result = await run({ command: ["sh", "-c", 'printf "%s|%s" "$SECRET_VALUE" "$PLAIN"'] }, { SECRET_VALUE: SECRET, PLAIN: "plain" });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `${SECRET}|plain`);
    assert.equal(containersNamed(container), "");
  });

  it("reads the values from a host env file written with renderEnvFile (a job)", async () => {
    const envFile = path.join(tempDir("one-off-env"), "env");
    fs.writeFileSync(envFile, renderEnvFile({ SECRET_VALUE: SECRET }), { mode: 0o600 });
    const text = renderOneOffScript(options({ envFile, command: ["sh", "-c", 'printf "%s" "$SECRET_VALUE"'] }));
    const result = await runScript(text, "");
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, SECRET);
    assert.ok(fs.existsSync(envFile), "the job's env file stays for the next run");
    assert.equal(containersNamed(container), "");
  });

  it("keeps the secret out of docker inspect's Args, Cmd and Labels, and out of the script", async () => {
    const text = renderOneOffScript(options({ command: ["sleep", "3"] }));
    assert.ok(!text.includes("s3cret"));
    let inspected: any;
    const result = await runScript(text, renderEnvFile({ SECRET_VALUE: SECRET, PLAIN: "plain" }), async () => {
      await waitUntilRunning(container);
      [inspected] = JSON.parse(docker("inspect", container));
    });
    assert.equal(result.status, 0, result.stderr);
    for (const field of [inspected.Path, inspected.Args, inspected.Config.Cmd, inspected.Config.Entrypoint, inspected.Config.Labels]) {
      assert.ok(!JSON.stringify(field ?? null).includes("s3cret"), JSON.stringify(field));
    }
    assert.ok(inspected.Config.Env.includes(`SECRET_VALUE=${SECRET}`), "the value reached the container's environment");
    assert.equal(inspected.Config.Labels["berth.test"], "one-off");
    assert.deepEqual(Object.keys(inspected.NetworkSettings.Networks).sort(), [...networks].sort());
    assert.equal(inspected.HostConfig.Init, true);
    assert.deepEqual(inspected.HostConfig.SecurityOpt, ["no-new-privileges:true"]);
    assert.equal(inspected.HostConfig.Memory, 128 * 1024 * 1024);
    assert.equal(inspected.HostConfig.MemorySwap, 256 * 1024 * 1024);
    assert.equal(containersNamed(container), "");
  });

  it("removes a leftover container of the same name first", async () => {
    docker("create", "--name", container, "--label", "berth.test=leftover", image, "sleep", "60");
    const result = await run();
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, "hello from the run\n");
    assert.equal(containersNamed(container), "");
  });

  it("removes the container when the runner is stopped (as systemd stops a job)", async () => {
    const result = await run({ command: ["sleep", "60"] }, {}, async (pid) => {
      await waitUntilRunning(container);
      process.kill(pid, "SIGTERM");
    });
    assert.equal(result.status, 143);
    assert.ok(result.exitMs < 30_000, `took ${result.exitMs} ms`);
    assert.equal(containersNamed(container), "");
  });
});
