import { strict as assert } from "assert";
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { Deployment } from "./harness/deployment";
import { e2eEnvironment } from "./support/environment";
import { fetchVia } from "./support/http";
import { EXAMPLE_WORKER, exampleApp, exampleStack } from "./support/stack";
import { tempDir } from "../harness/tools";
import { fakePulumi as fakeStackCli } from "../harness/fake-pulumi";
import { freePort, keygen, startSshd, stopSshd } from "../harness/sshd";

const STACK = "e2e-cli";
const DB = `berth-${STACK}-db-main`;
const ROOT = path.resolve(__dirname, "../..");
/** Apart from the other suites' 18080/18443 and the `local` stack's 8080/8443. */
const PORTS = { httpPort: 28080, httpsPort: 28443 };
/** Outputs `pulumi stack output --json` prints as `[secret]` (without --show-secrets, as berth runs it). */
const SECRET_OUTPUTS = ["databaseUrls"];

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The operations CLI, run as a user runs it (`node bin/berth.js ...`, a child process without a
 * terminal) against a stack deployed on the real engine. Its outputs come from a stand-in `pulumi`
 * on PATH that prints what the harness's deploy exported, as the real CLI prints them, so the
 * CLI's own code path (pulumi stack output --json -s e2e-cli) runs unchanged.
 */
describe("e2e: the berth CLI (ps, logs, run, exec, backup, backups, restore)", function () {
  this.timeout(300_000);
  let deployment: Deployment;
  let outputs: Record<string, unknown>;
  let replicaNames: Record<string, Record<string, string[]>>;
  let pulumiDir: string;

  before(async function () {
    const env = await e2eEnvironment(this);
    this.timeout(300_000);
    deployment = new Deployment(STACK, env.registry);
    await deployment.sweep();
    const up = await deployment.up(exampleStack({ web: exampleApp({ replicas: 2, processes: { worker: EXAMPLE_WORKER } }) }, PORTS));
    outputs = up.outputs;
    replicaNames = outputs.replicaNames as typeof replicaNames;
    pulumiDir = fakePulumi(outputs);
  });

  after(async function () {
    this.timeout(120_000);
    await deployment?.sweep();
  });

  const cli = (args: string[], opts: { env?: NodeJS.ProcessEnv; pulumi?: string } = {}) => berth(args, { pulumiDir: opts.pulumi ?? pulumiDir, env: opts.env });
  const allReplicas = () => Object.values(replicaNames.web).flat();
  const databasePassword = () => new URL((outputs.databaseUrls as Record<string, string>).main).password;

  it("ps lists every replica with its health and image, and the databases and the proxy", async () => {
    const { code, stdout, stderr } = await cli(["ps", "-s", STACK]);
    assert.equal(code, 0, stderr);
    const rows = stdout.trim().split("\n").map((line) => line.split(/\s{2,}/));
    assert.deepEqual(rows[0], ["KIND", "NAME", "CONTAINER", "STATE", "HEALTH", "IMAGE", "UPTIME"]);
    const row = (container: string) => rows.find((r) => r[2] === container);
    for (const [process, names] of Object.entries(replicaNames.web)) {
      for (const name of names) {
        const r = row(name);
        assert.ok(r, `${name} is listed:\n${stdout}`);
        assert.deepEqual(r.slice(0, 5), ["app", `web/${process}`, name, "running", process === "web" ? "healthy" : "-"]);
        assert.equal(r[5], await imageTag(name), "the image, by its tag");
        assert.match(r[6], /second|minute/, "uptime");
      }
    }
    assert.deepEqual(row(DB)?.slice(0, 5), ["postgres", "main", DB, "running", "healthy"]);
    assert.deepEqual(row(`berth-${STACK}-db-cache`)?.slice(0, 2), ["redis", "cache"]);
    assert.deepEqual(row(`berth-${STACK}-proxy`)?.slice(0, 4), ["proxy", "proxy", `berth-${STACK}-proxy`, "running"]);
  });

  it("logs -n 5 shows each replica's last lines, labelled with its name", async () => {
    const { code, stdout, stderr } = await cli(["logs", "web", "-n", "5", "-s", STACK]);
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split("\n");
    for (const name of allReplicas()) {
      const label = name.slice(`berth-${STACK}-`.length);
      const own = lines.filter((l) => l.startsWith(`${label} `));
      assert.ok(own.length >= 1 && own.length <= 5, `${label}: ${own.length} lines in\n${stdout}`);
      assert.ok(own.every((l) => /^\S+ +\| /.test(l)), "label, padding, a bar, then the line");
    }
    assert.ok(lines.some((l) => / \| .*berth-example-app v1 listening on :3000/.test(l)), "a web replica's start line");
    const onlyWorker = await cli(["logs", "web", "-p", "worker", "-n", "1", "-s", STACK]);
    assert.deepEqual(onlyWorker.stdout.trim().split("\n").map((l) => l.split(" ")[0]), replicaNames.web.worker.map((n) => n.slice(`berth-${STACK}-`.length)));
  });

  it("logs -f prints the last lines, then each new line once, as it comes", async () => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin", "berth.js"), "logs", "web", "-p", "worker", "-f", "-n", "1", "-s", STACK], {
      env: { ...process.env, PATH: `${pulumiDir}:${process.env.PATH}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout!.on("data", (c) => (stdout += c));
    const exited = new Promise((resolve) => child.on("close", resolve));
    try {
      await waitFor(async () => stdout.includes("started"));
      const reply = await fetchVia(`https://127.0.0.1:${PORTS.httpsPort}`, "web.localhost", "/items", { method: "POST", body: JSON.stringify({ name: "followed" }) });
      const { id } = JSON.parse(reply.body);
      await waitFor(async () => stdout.includes(`worker: stored ${id}`));
      const label = replicaNames.web.worker[0].slice(`berth-${STACK}-`.length);
      const lines = stdout.trim().split("\n");
      assert.equal(lines.filter((l) => l.includes("started")).length, 1, "the last line, once");
      assert.equal(lines.filter((l) => l.includes(`stored ${id}`)).length, 1, "the new line, once");
      assert.ok(lines.every((l) => l.startsWith(`${label} | `)), stdout);
    } finally {
      child.kill("SIGINT");
      await exited;
    }
  });

  it("run: a one-off container of the release, with the app's env and database, removed afterwards; no secret on any command line", async () => {
    const count = (await sql("SELECT count(*) FROM items")).trim();
    const script =
      "const { Client } = require('pg'); const c = new Client({ connectionString: process.env.DATABASE_URL });" +
      "setTimeout(() => c.connect().then(() => c.query('SELECT count(*) AS n FROM items')).then((r) => { console.log('items: ' + r.rows[0].n); return c.end(); }), 1500);";
    const running = berth(["run", "web", "-s", STACK, "--", "node", "-e", script], { pulumiDir });
    // While it runs: its container is there, labelled, and no process anywhere has the password in its arguments.
    const container = await waitFor(async () => (await docker("ps", "-q", "--filter", `label=berth.stack=${STACK}`, "--filter", "label=berth.role=one-off")).trim());
    assert.equal((await docker("inspect", "-f", "{{index .Config.Labels \"berth.app\"}}", container)).trim(), "web");
    assert.deepEqual(commandLinesHolding(databasePassword()), []);
    const { code, stdout, stderr } = await running;
    assert.equal(code, 0, stderr);
    assert.equal(stdout, `items: ${count}\n`);
    assert.equal((await docker("ps", "-aq", "--filter", `label=berth.stack=${STACK}`, "--filter", "label=berth.role=one-off")).trim(), "", "removed");
  });

  it("run passes the command's exit code and standard input through", async () => {
    const failed = await cli(["run", "web", "-s", STACK, "--", "sh", "-c", "echo oops >&2; exit 7"]);
    assert.equal(failed.code, 7);
    assert.equal(failed.stderr, "oops\n");
    const piped = await berth(["run", "web", "-s", STACK, "--", "sh", "-c", "wc -l"], { pulumiDir, input: "one\ntwo\nthree\n" });
    assert.equal(piped.stdout.trim(), "3");
    assert.equal((await docker("ps", "-aq", "--filter", `label=berth.stack=${STACK}`, "--filter", "label=berth.role=one-off")).trim(), "");
  });

  it("exec runs a command inside a running replica, and passes its exit code through", async () => {
    const { code, stdout, stderr } = await cli(["exec", "web", "-s", STACK, "--", "node", "-e", "console.log(require('os').hostname())"]);
    assert.equal(code, 0, stderr);
    const ids = await Promise.all(replicaNames.web.web.map(async (n) => (await docker("inspect", "-f", "{{.Config.Hostname}}", n)).trim()));
    assert.ok(ids.includes(stdout.trim()), `${stdout} is one of the web replicas (${ids.join(", ")})`);
    const worker = replicaNames.web.worker[0];
    const named = await cli(["exec", "web", "--replica", worker.slice(`berth-${STACK}-`.length), "-s", STACK, "--", "hostname"]);
    assert.equal(named.stdout.trim(), (await docker("inspect", "-f", "{{.Config.Hostname}}", worker)).trim());
    assert.equal((await cli(["exec", "web", "-s", STACK, "--", "sh", "-c", "exit 4"])).code, 4);
  });

  it("backup, backups and restore: a row added after the backup is gone, the earlier ones are intact", async () => {
    await sql("INSERT INTO items (id, name, stored_by) SELECT gen_random_uuid(), 'before-' || n, 'cli-test' FROM generate_series(1, 3) AS n");
    const before = (await sql("SELECT name FROM items ORDER BY name")).trim();

    const backup = await cli(["backup", "main", "-s", STACK]);
    assert.equal(backup.code, 0, backup.stderr);
    const dump = backup.stdout.trim();
    assert.match(dump, /^main-\d{8}T\d{6}Z\.dump$/);
    assert.match(backup.stderr, new RegExp(`backed up main to ${dump} \\(in volume berth-${STACK}-db-main-backups\\)`));

    const listed = await cli(["backups", "main", "-s", STACK]);
    assert.equal(listed.code, 0, listed.stderr);
    const [header, first] = listed.stdout.trim().split("\n").map((l) => l.split(/\s{2,}/));
    assert.deepEqual(header, ["NAME", "SIZE", "TAKEN", "WHERE"]);
    assert.equal(first[0], dump);
    assert.match(first[1], /^\d+(\.\d)? (B|kB|MB)$/);
    assert.match(first[2], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.equal(first[3], "local");

    await sql("INSERT INTO items (id, name, stored_by) VALUES (gen_random_uuid(), 'after-backup', 'cli-test')");
    const refused = await cli(["restore", "main", dump, "-s", STACK]);
    assert.equal(refused.code, 2, "no terminal and no --yes: refused");
    assert.equal((await sql("SELECT count(*) FROM items WHERE name = 'after-backup'")).trim(), "1", "nothing restored");

    const restored = await cli(["restore", "main", dump, "--yes", "-s", STACK]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stderr, new RegExp(`restored main from ${dump}`));
    assert.equal((await sql("SELECT count(*) FROM items WHERE name = 'after-backup'")).trim(), "0", "the row added after the backup is gone");
    assert.equal((await sql("SELECT name FROM items ORDER BY name")).trim(), before, "every earlier row is intact");
    assert.equal((await fetchVia(`https://127.0.0.1:${PORTS.httpsPort}`, "web.localhost", "/health")).status, 200, "the app still serves");
  });

  it("exits non-zero with a clear message for an unknown app, database or stack", async () => {
    const app = await cli(["logs", "shop", "-s", STACK]);
    assert.equal(app.code, 1);
    assert.equal(app.stderr, `berth: no app named 'shop' in stack '${STACK}' (apps: web)\n`);
    const db = await cli(["backups", "orders", "-s", STACK]);
    assert.equal(db.code, 1);
    assert.equal(db.stderr, `berth: no database named 'orders' in stack '${STACK}' (databases: cache, main)\n`);
    const redis = await cli(["backup", "cache", "-s", STACK]);
    assert.equal(redis.code, 1);
    assert.match(redis.stderr, /dumps are for postgres databases only: 'cache' is redis/);
    const stack = await cli(["ps", "-s", "e2e-nope"]);
    assert.equal(stack.code, 1);
    assert.equal(stack.stderr, "berth: no stack named 'e2e-nope' found (pulumi stack output --json -s e2e-nope exited with 255)\n");
  });

  describe("over SSH, pinned to the stack's host key (a real sshd in front of this engine)", () => {
    let dir: string;
    let sshd: ChildProcess | undefined;
    let port: number;
    let hostKey: string;
    let home: string;

    before(async function () {
      if (process.getuid?.() !== 0 || !fs.existsSync("/usr/sbin/sshd")) this.skip(); // sshd needs root; bash .ci/run installs it
      dir = tempDir("cli-sshd");
      home = path.join(dir, "home");
      fs.mkdirSync(path.join(home, ".ssh"), { recursive: true });
      const clientKey = keygen(path.join(home, ".ssh", "id_ed25519"));
      hostKey = keygen(path.join(dir, "host_key"));
      fs.writeFileSync(path.join(dir, "authorized_keys"), `${clientKey}\n`);
      port = await freePort();
      sshd = await startSshd(dir, port, path.join(dir, "host_key"));
    });

    after(() => stopSshd(sshd));

    /** The CLI with a stack whose dockerHost is this sshd, presenting `presented`, and only the key file in HOME. */
    const overSsh = (args: string[], pinned: string) => {
      const stack = { ...outputs, dockerHost: { kind: "ssh", user: "root", address: "127.0.0.1", port, hostPublicKey: pinned } };
      return cli(args, { pulumi: fakePulumi(stack), env: { HOME: home, SSH_AUTH_SOCK: "" } });
    };

    it("reaches the engine with the pinned key: ps and a one-off run", async () => {
      const ps = await overSsh(["ps", "-s", STACK], hostKey);
      assert.equal(ps.code, 0, ps.stderr);
      for (const name of allReplicas()) assert.match(ps.stdout, new RegExp(`^app .* ${name} +running`, "m"));
      const run = await overSsh(["run", "web", "-s", STACK, "--", "node", "-e", "console.log(process.env.DATABASE_URL.startsWith('postgres://main:'))"], hostKey);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, "true\n");
    });

    it("refuses a server presenting any other host key", async () => {
      const other = keygen(path.join(dir, `other-${Date.now()}`));
      const { code, stdout, stderr } = await overSsh(["ps", "-s", STACK], other);
      assert.equal(code, 1);
      assert.equal(stdout, "");
      assert.equal(stderr, "berth: 127.0.0.1 did not present the stack's pinned SSH host key: refusing to connect\n");
    });
  });
});

/** A stand-in `pulumi` that knows this suite's stack, printing secret outputs as the real CLI does without --show-secrets. */
function fakePulumi(outputs: Record<string, unknown>): string {
  const printed = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, SECRET_OUTPUTS.includes(k) ? "[secret]" : v]));
  return fakeStackCli(STACK, printed);
}

/** `node bin/berth.js <args>` with the stand-in pulumi first on PATH; stdin is /dev/null unless `input` is given. */
function berth(args: string[], opts: { pulumiDir: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin", "berth.js"), ...args], {
      env: { ...process.env, PULUMI_STACK: "", ...opts.env, PATH: `${opts.pulumiDir}:${process.env.PATH}` },
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c) => (stdout += c));
    child.stderr!.on("data", (c) => (stderr += c));
    child.stdin?.end(opts.input);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every process command line on this machine that holds `secret`. */
function commandLinesHolding(secret: string): string[] {
  return fs.readdirSync("/proc").flatMap((pid) => {
    if (!/^\d+$/.test(pid)) return [];
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      return cmdline.includes(secret) ? [`${pid}: ${cmdline}`] : [];
    } catch {
      return []; // gone meanwhile
    }
  });
}

async function imageTag(container: string): Promise<string> {
  const image = (await docker("inspect", "-f", "{{.Image}}", container)).trim();
  const tags = JSON.parse(await docker("image", "inspect", "-f", "{{json .RepoTags}}", image)) as string[];
  return tags.sort()[0];
}

async function sql(query: string): Promise<string> {
  return docker("exec", DB, "psql", "-U", "main", "-d", "main", "-tAc", query);
}

async function docker(...args: string[]): Promise<string> {
  return (await promisify(execFile)("docker", args)).stdout;
}

async function waitFor<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}
