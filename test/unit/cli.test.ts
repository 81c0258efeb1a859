import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PassThrough } from "stream";
import { promisify } from "util";
import { parseCommandLine } from "../../cli/args";
import { COMMANDS } from "../../cli/commands";
import { imageNames, renderPs } from "../../cli/commands/ps";
import { healthOf, pickReplica, StackContainer, uptimeOf } from "../../cli/containers";
import { dumpName, dumpNowCommand, dumpsSource, formatBytes, parseDumpListing, restoreCommand } from "../../cli/dumps";
import { CliError } from "../../cli/errors";
import { byTime, formatLine, lineSink, LogLine, parseTimestamped, replicaLabel, sinceParameter, timestampNs } from "../../cli/log-lines";
import { main } from "../../cli/main";
import { oneOffContainer } from "../../cli/one-off";
import { parseStackOutputs, runPulumi } from "../../cli/outputs";
import { pinnedHostKey, sshIdentity } from "../../cli/ssh";
import { utils as sshUtils } from "ssh2";
import { FAKE } from "../harness/fakes";
import { runProgram } from "../harness/program";
import { doConfig, localConfig } from "../harness/stacks";
import { tempDir } from "../harness/tools";
import { fakePulumi as fakeStackCli } from "../harness/fake-pulumi";

const ROOT = path.resolve(__dirname, "../..");
const SPECS = COMMANDS.map((c) => c.spec);

/** The outputs of a small local stack, as `pulumi stack output --json` prints them. */
const OUTPUTS = {
  appUrls: { web: ["https://web.localhost:8443"] },
  databaseUrls: "[secret]",
  dockerHost: { kind: "local" },
  databases: { main: { engine: "postgres", container: "berth-known-db-main" }, cache: { engine: "redis", container: "berth-known-db-cache" } },
  replicaNames: { web: { web: ["berth-known-web-0-a1b2c3d"], worker: ["berth-known-web-worker-0-e4f5a6b"] } },
};

/** A stand-in `pulumi` on PATH that knows one stack, `known` (test/harness/fake-pulumi.ts). */
function fakePulumi(outputs: unknown = OUTPUTS): string {
  return fakeStackCli("known", outputs);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `berth <argv>` in this process, with the real Pulumi runner and `dir` first on PATH. */
async function berth(argv: string[], opts: { pulumiDir?: string; env?: NodeJS.ProcessEnv; stdinTty?: boolean } = {}): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = Object.assign(new PassThrough(), { isTTY: opts.stdinTty });
  let out = "";
  let err = "";
  stdout.on("data", (c) => (out += c));
  stderr.on("data", (c) => (err += c));
  const path0 = process.env.PATH;
  if (opts.pulumiDir) process.env.PATH = `${opts.pulumiDir}:${path0}`;
  try {
    const code = await main(argv, { stdin, stdout: stdout as any, stderr }, { ...opts.env }, runPulumi);
    return { code, stdout: out, stderr: err };
  } finally {
    process.env.PATH = path0;
  }
}

describe("berth CLI", () => {
  describe("command line", () => {
    it("lists every command in `berth --help`, `berth help` and `berth -h`", async () => {
      for (const argv of [["--help"], ["help"], ["-h"]]) {
        const { code, stdout } = await berth(argv);
        assert.equal(code, 0);
        for (const name of ["ps", "logs", "run", "exec", "backup", "backups", "restore"]) assert.match(stdout, new RegExp(`^  ${name} +\\S`, "m"));
      }
    });

    for (const spec of SPECS) {
      it(`has --help for ${spec.name}, listing its arguments and options and the stack option`, async () => {
        for (const argv of [[spec.name, "--help"], [spec.name, "-h"], ["help", spec.name]]) {
          const { code, stdout, stderr } = await berth(argv);
          assert.equal(code, 0, stderr);
          assert.match(stdout, new RegExp(`^Usage: berth ${spec.name} `, "m"));
          for (const arg of spec.args) assert.match(stdout, new RegExp(`<${arg.name}>`));
          for (const option of Object.keys(spec.options)) assert.match(stdout, new RegExp(`--${option}\\b`));
          assert.match(stdout, /-s, --stack <stack> +the Pulumi stack \(default: \$PULUMI_STACK\)/);
        }
      });
    }

    it("takes the stack from -s/--stack, before or after the command, else from PULUMI_STACK", () => {
      const stackOf = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
        const parsed = parseCommandLine(argv, SPECS, env);
        assert.equal(parsed.kind, "invoke");
        return parsed.kind === "invoke" ? parsed.invocation.stack : "";
      };
      assert.equal(stackOf(["ps", "-s", "prod"]), "prod");
      assert.equal(stackOf(["-s", "prod", "ps"]), "prod");
      assert.equal(stackOf(["--stack=acme/berth/prod", "ps"]), "acme/berth/prod");
      assert.equal(stackOf(["ps"], { PULUMI_STACK: "dev" }), "dev");
      assert.equal(stackOf(["ps", "-s", "prod"], { PULUMI_STACK: "dev" }), "prod", "the flag wins, as in pulumi");
    });

    it("refuses a command line without a stack, naming both ways to give one", async () => {
      const { code, stderr } = await berth(["ps"]);
      assert.equal(code, 2);
      assert.match(stderr, /^berth: ps: which stack\? Pass -s <stack>, or set PULUMI_STACK$/m);
    });

    it("parses logs options: process, follow, lines, timestamps", () => {
      const parsed = parseCommandLine(["logs", "web", "-p", "worker", "-f", "-n", "5", "-t", "-s", "prod"], SPECS, {});
      assert.ok(parsed.kind === "invoke");
      assert.deepEqual(parsed.invocation.args, { app: "web" });
      assert.deepEqual(parsed.invocation.options, { process: "worker", follow: true, lines: "5", timestamps: true });
    });

    it("takes the command of run and exec after --, verbatim, options included", () => {
      const parsed = parseCommandLine(["run", "web", "-s", "prod", "--", "node", "-e", "console.log(1)", "--", "-s"], SPECS, {});
      assert.ok(parsed.kind === "invoke");
      assert.deepEqual(parsed.invocation.args, { app: "web" });
      assert.deepEqual(parsed.invocation.passthrough, ["node", "-e", "console.log(1)", "--", "-s"]);
      const exec = parseCommandLine(["exec", "web", "--replica", "web-0-a1b2c3d", "--", "sh"], SPECS, { PULUMI_STACK: "prod" });
      assert.ok(exec.kind === "invoke");
      assert.deepEqual(exec.invocation.options, { replica: "web-0-a1b2c3d" });
    });

    it("says what is wrong with a command line, with the usage, and exits 2", async () => {
      const cases: [string[], RegExp][] = [
        [["deploy"], /^berth: unknown command 'deploy' \(commands: ps, logs, run, exec, backup, backups, restore; berth --help\)$/m],
        [["logs", "-s", "x"], /^berth: logs: missing <app>\nUsage: berth logs <app> \[options\]$/m],
        [["run", "web", "-s", "x"], /^berth: run: missing the command to run after --$/m],
        [["run", "web", "bash", "-s", "x"], /^berth: run: unexpected argument 'bash': put the command after --, e\.g\. berth run <app> -- bash$/m],
        [["ps", "--color", "-s", "x"], /^berth: ps: Unknown option '--color'$/m],
        [["ps", "-s", "x", "--", "sh"], /^berth: ps: takes no command after --$/m],
        [["restore", "-s", "x"], /^berth: restore: missing <db>\nUsage: berth restore <db> \[<backup>\] \[options\]$/m],
        [["logs", "web", "-n", "five", "-s", "known"], /^berth: logs: --lines must be a whole number \(got 'five'\)$/m],
        [[], /^berth: no command given$/m],
      ];
      const pulumiDir = fakePulumi();
      for (const [argv, message] of cases) {
        const { code, stderr } = await berth(argv, { pulumiDir });
        assert.equal(code, 2, `${argv.join(" ")}: ${stderr}`);
        assert.match(stderr, message);
      }
    });
  });

  describe("stack outputs", () => {
    it("reads them with `pulumi stack output --json -s <stack>`, never --show-secrets", async () => {
      const pulumiDir = fakePulumi();
      await berth(["logs", "nope", "-s", "known"], { pulumiDir });
      assert.equal(fs.readFileSync(path.join(pulumiDir, "calls"), "utf8"), "stack output --json -s known\n");
    });

    it("fails with Pulumi's own message when the stack does not exist (the real CLI exits 255)", async () => {
      const { code, stdout, stderr } = await berth(["ps", "-s", "nope"], { pulumiDir: fakePulumi() });
      assert.equal(code, 1);
      assert.equal(stdout, "");
      assert.equal(stderr, "berth: no stack named 'nope' found (pulumi stack output --json -s nope exited with 255)\n");
    });

    it("says how to get the Pulumi CLI when it is not on PATH", async () => {
      const emptyDir = tempDir("cli-no-pulumi");
      const path0 = process.env.PATH;
      process.env.PATH = emptyDir;
      try {
        const { code, stderr } = await berth(["ps", "-s", "prod"]);
        assert.equal(code, 1);
        assert.match(stderr, /^berth: the Pulumi CLI is not on PATH/);
      } finally {
        process.env.PATH = path0;
      }
    });

    it("parses the contract: dockerHost, databases, replicaNames; secrets and other outputs are ignored", () => {
      const outputs = parseStackOutputs("known", OUTPUTS);
      assert.deepEqual(outputs.dockerHost, { kind: "local" });
      assert.deepEqual(outputs.databases.main, { engine: "postgres", container: "berth-known-db-main" });
      assert.deepEqual(outputs.replicaNames.web.worker, ["berth-known-web-worker-0-e4f5a6b"]);
      const ssh = parseStackOutputs("prod", { ...OUTPUTS, dockerHost: { kind: "ssh", user: "root", address: "203.0.113.10", hostPublicKey: FAKE.hostPublicKey } });
      assert.deepEqual(ssh.dockerHost, { kind: "ssh", user: "root", address: "203.0.113.10", hostPublicKey: FAKE.hostPublicKey });
    });

    it("tells a stack deployed by an older berth to run pulumi up first", () => {
      const { dockerHost: _h, databases: _d, ...old } = OUTPUTS;
      assert.throws(
        () => parseStackOutputs("prod", old),
        (err: CliError) => err.message === "stack 'prod' has no dockerHost, databases outputs: it was deployed by an older berth, or never; run `pulumi up -s prod` with this one first",
      );
      assert.throws(() => parseStackOutputs("prod", { ...OUTPUTS, dockerHost: { kind: "ssh", address: "x" } }), /output dockerHost is not/);
      assert.throws(() => parseStackOutputs("prod", { ...OUTPUTS, replicaNames: { web: ["x"] } }), /output replicaNames is not/);
    });

    it("are exported by the program: the local engine, or the droplet with its pinned host key; no secret", async () => {
      const local = await runProgram({ stack: "local", config: localConfig() });
      assert.deepEqual(local.outputs.dockerHost, { value: { kind: "local" }, secret: false });
      assert.deepEqual(local.outputs.databases, { value: { main: { engine: "postgres", container: "berth-local-db-main" } }, secret: false });
      const dev = await runProgram({ stack: "dev", config: doConfig() });
      assert.deepEqual(dev.outputs.dockerHost, {
        value: { kind: "ssh", user: "root", address: FAKE.reservedIp, hostPublicKey: FAKE.hostPublicKey },
        secret: false,
      });
      assert.deepEqual(dev.outputs.databases.value, {
        main: { engine: "postgres", container: "berth-dev-db-main" },
        cache: { engine: "redis", container: "berth-dev-db-cache" },
      });
      // What the CLI reads must parse as it is exported.
      const plain = Object.fromEntries(Object.entries(dev.outputs).map(([k, o]) => [k, o.secret ? "[secret]" : o.value]));
      assert.equal(parseStackOutputs("dev", plain).dockerHost.kind, "ssh");
    });
  });

  describe("names checked against the stack before anything connects", () => {
    // dockerHost points nowhere: a command that got past the check would fail differently.
    const unreachable = { ...OUTPUTS, dockerHost: { kind: "ssh", user: "root", address: "192.0.2.1", hostPublicKey: FAKE.hostPublicKey } };

    it("an unknown app, for logs, run and exec", async () => {
      const pulumiDir = fakePulumi(unreachable);
      for (const argv of [["logs", "shop"], ["run", "shop", "--", "sh"], ["exec", "shop", "--", "sh"]]) {
        const { code, stderr } = await berth(["-s", "known", ...argv], { pulumiDir });
        assert.equal(code, 1);
        assert.equal(stderr, "berth: no app named 'shop' in stack 'known' (apps: web)\n");
      }
    });

    it("an unknown process", async () => {
      const { code, stderr } = await berth(["logs", "web", "-p", "clock", "-s", "known"], { pulumiDir: fakePulumi(unreachable) });
      assert.equal(code, 1);
      assert.equal(stderr, "berth: app 'web' has no process named 'clock' (processes: web, worker)\n");
    });

    it("an unknown database, for backup, backups and restore", async () => {
      const pulumiDir = fakePulumi(unreachable);
      for (const argv of [["backup", "orders"], ["backups", "orders"], ["restore", "orders", "orders-20261122T030512Z.dump", "--yes"]]) {
        const { code, stderr } = await berth([...argv, "-s", "known"], { pulumiDir });
        assert.equal(code, 1);
        assert.equal(stderr, "berth: no database named 'orders' in stack 'known' (databases: cache, main)\n");
      }
    });

    it("a Redis database: berth backup takes Postgres dumps only, and points at its off-site backups", async () => {
      const { code, stderr } = await berth(["backup", "cache", "-s", "known"], { pulumiDir: fakePulumi(unreachable) });
      assert.equal(code, 1);
      assert.match(stderr, /^berth: dumps are for postgres databases only: 'cache' is redis \(its backups are the scheduled off-site snapshots: berth backups cache lists them\)/);
    });

    it("a restore without a terminal and without --yes is refused, and so is a name that is not a dump", async () => {
      const pulumiDir = fakePulumi(unreachable);
      const refused = await berth(["restore", "main", "main-20261122T030512Z.dump", "-s", "known"], { pulumiDir, stdinTty: false });
      assert.equal(refused.code, 2);
      assert.equal(refused.stderr, "berth: restore: refusing to replace main without confirmation: standard input is not a terminal; pass --yes\n");
      const traversal = await berth(["restore", "main", "../../etc/passwd", "--yes", "-s", "known"], { pulumiDir });
      assert.equal(traversal.code, 1);
      assert.match(traversal.stderr, /'\.\.\/\.\.\/etc\/passwd' is not the name of a backup of main/);
    });
  });

  describe("logs", () => {
    const line = (label: string, timestamp: string, text: string, stream: LogLine["stream"] = "stdout"): LogLine => ({
      ...parseTimestamped(`${timestamp} ${text}`),
      label,
      stream,
    });

    it("labels each line with its replica's container name without the stack prefix", () => {
      assert.equal(replicaLabel("berth-prod-web-0-a1b2c3d", "berth-prod"), "web-0-a1b2c3d");
      assert.equal(replicaLabel("berth-prod-web-worker-1-e4f5a6b", "berth-prod"), "web-worker-1-e4f5a6b");
      assert.equal(replicaLabel("other", "berth-prod"), "other");
      const l = line("web-0-a1b2c3d", "2026-11-22T03:05:12.123456789Z", "GET / 200");
      assert.equal(formatLine(l, 16, false), "web-0-a1b2c3d    | GET / 200\n");
      assert.equal(formatLine(l, 13, true), "web-0-a1b2c3d | 2026-11-22T03:05:12.123456789Z GET / 200\n");
    });

    it("interleaves several replicas' lines by Docker's nanosecond timestamps, keeping ties in order", () => {
      const merged = byTime([
        line("a", "2026-11-22T03:05:12.000000002Z", "a2"),
        line("a", "2026-11-22T03:05:13Z", "a3"),
        line("b", "2026-11-22T03:05:12.000000001Z", "b1"),
        line("b", "2026-11-22T03:05:12.000000002Z", "b2"),
        line("b", "2026-11-22T03:05:12.5Z", "b-half"),
      ]);
      assert.deepEqual(merged.map((l) => l.text), ["b1", "a2", "b2", "b-half", "a3"]);
    });

    it("reads Docker's timestamps exactly, and gives `since` back in seconds.nanoseconds", () => {
      const at = timestampNs("2026-11-22T03:05:12.000000042Z");
      assert.equal(at, BigInt(Date.UTC(2026, 10, 22, 3, 5, 12)) * 1_000_000n + 42n);
      assert.equal(sinceParameter(at), `${Date.UTC(2026, 10, 22, 3, 5, 12) / 1000}.000000042`);
      assert.deepEqual(parseTimestamped("no timestamp here"), { at: 0n, timestamp: "", text: "no timestamp here" });
      assert.equal(parseTimestamped("2026-11-22T03:05:12Z ").text, "", "an empty line stays empty");
    });

    it("splits a stream into lines across chunk boundaries, and keeps a last line without a newline", async () => {
      const lines: string[] = [];
      const sink = lineSink((l) => lines.push(l));
      for (const chunk of ["one\ntw", "o\r\nthr", "ee"]) sink.write(Buffer.from(chunk));
      await new Promise((resolve) => sink.end(resolve));
      assert.deepEqual(lines, ["one", "two", "three"]);
    });
  });

  describe("ps", () => {
    const container = (name: string, labels: Record<string, string>, status: string, state = "running"): StackContainer => ({
      id: `${name}-id`,
      name,
      labels: { "berth.stack": "prod", ...labels },
      state,
      status,
      imageId: "sha256:1111111111111111111111111111111111111111111111111111111111111111",
    });

    it("reads health and uptime from Docker's status line", () => {
      assert.equal(healthOf("Up 3 hours (healthy)"), "healthy");
      assert.equal(healthOf("Up 2 seconds (health: starting)"), "starting");
      assert.equal(healthOf("Up 5 minutes (unhealthy)"), "unhealthy");
      assert.equal(healthOf("Up 5 minutes"), undefined);
      assert.equal(uptimeOf("Up 3 hours (healthy)"), "3 hours");
      assert.equal(uptimeOf("Up About a minute"), "About a minute");
      assert.equal(uptimeOf("Exited (1) 2 minutes ago"), undefined);
    });

    it("lists apps by app/process, then databases by engine, the proxy, and one-off containers", () => {
      const images = imageNames([{ Id: "sha256:1111111111111111111111111111111111111111111111111111111111111111", RepoTags: ["ghcr.io/acme/web:1.4.2"] }]);
      const table = renderPs(
        [
          container("berth-prod-proxy", { "berth.role": "proxy" }, "Up 2 days"),
          container("berth-prod-web_run-0badcafe", { "berth.role": "one-off", "berth.app": "web" }, "Up 3 seconds"),
          container("berth-prod-db-main", { "berth.role": "database", "berth.database": "main" }, "Up 2 days (healthy)"),
          container("berth-prod-web-worker-0-e4f5a6b", { "berth.role": "app", "berth.app": "web", "berth.process": "worker" }, "Exited (137) 1 minute ago", "exited"),
          container("berth-prod-web-1-b2c3d4e", { "berth.role": "app", "berth.app": "web" }, "Up 3 hours (healthy)"),
          container("berth-prod-web-0-a1b2c3d", { "berth.role": "app", "berth.app": "web" }, "Up 3 hours (unhealthy)"),
        ],
        images,
        { databases: { main: { engine: "postgres", container: "berth-prod-db-main" } } },
      );
      assert.equal(
        table,
        [
          "KIND      NAME        CONTAINER                        STATE    HEALTH     IMAGE                   UPTIME",
          "app       web/web     berth-prod-web-0-a1b2c3d         running  unhealthy  ghcr.io/acme/web:1.4.2  3 hours",
          "app       web/web     berth-prod-web-1-b2c3d4e         running  healthy    ghcr.io/acme/web:1.4.2  3 hours",
          "app       web/worker  berth-prod-web-worker-0-e4f5a6b  exited   -          ghcr.io/acme/web:1.4.2  Exited (137) 1 minute ago",
          "postgres  main        berth-prod-db-main               running  healthy    ghcr.io/acme/web:1.4.2  2 days",
          "proxy     proxy       berth-prod-proxy                 running  -          ghcr.io/acme/web:1.4.2  2 days",
          "one-off   web         berth-prod-web_run-0badcafe      running  -          ghcr.io/acme/web:1.4.2  3 seconds",
          "",
        ].join("\n"),
      );
    });

    it("runs exec in the replica named, else the first running healthy one", () => {
      const replicas = [
        container("berth-prod-web-0-a1b2c3d", { "berth.role": "app", "berth.app": "web" }, "Up 1 minute (unhealthy)"),
        container("berth-prod-web-1-b2c3d4e", { "berth.role": "app", "berth.app": "web" }, "Up 1 minute (healthy)"),
      ];
      assert.equal(pickReplica(replicas, "web/web").name, "berth-prod-web-1-b2c3d4e");
      assert.equal(pickReplica(replicas, "web/web", "web-0-a1b2c3d", "berth-prod").name, "berth-prod-web-0-a1b2c3d");
      assert.throws(() => pickReplica(replicas, "web", "web-9", "berth-prod"), /web has no replica named 'web-9'/);
      assert.throws(() => pickReplica([], "web/web"), /web\/web has no running replica/);
    });
  });

  describe("run", () => {
    it("copies the replica's release (image, env, user, working dir, networks, limits) but no alias, labelled one-off", () => {
      const { create, otherNetworks } = oneOffContainer(
        {
          Image: "sha256:abc",
          Config: {
            Env: ["DATABASE_URL=postgres://main:pw@db-main:5432/main", "PATH=/usr/bin"],
            WorkingDir: "/app",
            User: "node",
            Labels: { "berth.stack": "prod", "berth.project": "berth", "berth.role": "app", "berth.app": "web", "berth.host": "123" },
          },
          HostConfig: { Memory: 512 * 1024 * 1024, MemorySwap: 1024 * 1024 * 1024, NanoCpus: 0, SecurityOpt: ["no-new-privileges:true"] },
          NetworkSettings: { Networks: { "berth-prod-data": { Aliases: null }, "berth-prod-edge": { Aliases: ["app-web"] } } },
        } as any,
        { name: "berth-prod-web_run-0badcafe", app: "web", command: ["bin/rails", "console"], tty: false },
      );
      assert.equal(create.Image, "sha256:abc");
      assert.deepEqual(create.Cmd, ["bin/rails", "console"]);
      assert.deepEqual(create.Env, ["DATABASE_URL=postgres://main:pw@db-main:5432/main", "PATH=/usr/bin"]);
      assert.equal(create.User, "node");
      assert.equal(create.WorkingDir, "/app");
      assert.deepEqual(create.Labels, { "berth.project": "berth", "berth.stack": "prod", "berth.host": "123", "berth.role": "one-off", "berth.app": "web" });
      assert.equal(create.HostConfig!.NetworkMode, "berth-prod-data");
      assert.deepEqual(otherNetworks, ["berth-prod-edge"]);
      assert.equal(create.NetworkingConfig, undefined, "no alias: the proxy never routes to it");
      assert.equal(create.HostConfig!.Init, true);
      assert.equal(create.HostConfig!.Memory, 512 * 1024 * 1024);
      assert.equal(create.HostConfig!.NanoCpus, undefined);
      assert.deepEqual(create.HostConfig!.SecurityOpt, ["no-new-privileges:true"]);
      assert.equal(create.HostConfig!.RestartPolicy, undefined);
      assert.equal(create.Tty, false);
      assert.equal(create.OpenStdin, true);
    });
  });

  describe("backups", () => {
    it("takes a dump inside the container, via a temporary file, named like the daily backups", () => {
      const [sh, flag, script, $0, db] = dumpNowCommand("main");
      assert.deepEqual([sh, flag, $0, db], ["sh", "-c", "berth-backup", "main"]);
      assert.match(script, /pg_dump -U "\$1" -d "\$1" --format=custom --file="\$target\.partial"/);
      assert.match(script, /target="\/backups\/\$1-\$\(date -u \+%Y%m%dT%H%M%SZ\)\.dump"/);
      assert.match(script, /mv "\$target\.partial" "\$target"/);
      assert.match(script, /umask 077/);
    });

    it("restores in one transaction, dropping and re-creating what the dump holds", () => {
      assert.deepEqual(restoreCommand("main", "main-20261122T030512Z.dump"), [
        "pg_restore", "-U", "main", "-d", "main", "--clean", "--if-exists", "--no-owner", "--single-transaction", "/backups/main-20261122T030512Z.dump",
      ]);
    });

    it("lists dumps newest first, leaving out other files", () => {
      const dumps = parseDumpListing(
        "main",
        ["1234 /backups/main-20261121T030001Z.dump", "99 /backups/main-20261122T030512Z.dump", "5 /backups/main-x.dump", "7 /backups/mainly-20261122T030512Z.dump", ""].join("\n"),
      );
      assert.deepEqual(
        dumps.map((d) => [d.name, d.bytes, d.takenAt.toISOString()]),
        [
          ["main-20261122T030512Z.dump", 99, "2026-11-22T03:05:12.000Z"],
          ["main-20261121T030001Z.dump", 1234, "2026-11-21T03:00:01.000Z"],
        ],
      );
      assert.equal(formatBytes(99), "99 B");
      assert.equal(formatBytes(1234), "1.2 kB");
      assert.equal(formatBytes(5_500_000), "5.5 MB");
    });

    it("takes a dump by its name or its path in the container, and nothing else", () => {
      assert.equal(dumpName("main", "main-20261122T030512Z.dump"), "main-20261122T030512Z.dump");
      assert.equal(dumpName("main", "/backups/main-20261122T030512Z.dump"), "main-20261122T030512Z.dump");
      assert.throws(() => dumpName("main", "cache-20261122T030512Z.dump"), /not the name of a dump of main/);
      assert.throws(() => dumpName("main", "/backups/../main-20261122T030512Z.dump"), /not the name of a dump of main/);
    });

    it("says a database container without /backups was made by an older berth, and what replacing it costs", () => {
      assert.throws(
        () => dumpsSource("main", "prod", { Name: "/berth-prod-db-main", Mounts: [] }),
        /database main \(container berth-prod-db-main\) has no dumps directory at \/backups: it was created by an older berth; `pulumi up -s prod` replaces it with one that has \(a short outage of the database\)/,
      );
      assert.equal(dumpsSource("main", "prod", { Name: "/x", Mounts: [{ Destination: "/backups", Type: "bind", Source: "/mnt/berth/backups/postgres/main" }] } as any), "/mnt/berth/backups/postgres/main");
      assert.equal(dumpsSource("main", "local", { Name: "/x", Mounts: [{ Destination: "/backups", Type: "volume", Name: "berth-local-db-main-backups", Source: "/var/lib/docker/volumes/x" }] } as any), "volume berth-local-db-main-backups");
    });
  });

  describe("SSH", () => {
    it("pins exactly the stack's host key: its algorithm, and its key blob", () => {
      const pin = pinnedHostKey(`${FAKE.hostPublicKey}\n`);
      assert.deepEqual(pin.algorithms, ["ssh-ed25519"]);
      const blob = Buffer.from(FAKE.hostPublicKey.split(" ")[1], "base64");
      assert.equal(pin.verify(blob), true);
      assert.equal(pin.verify(Buffer.concat([blob, Buffer.from([0])])), false);
      assert.equal(pin.verify(Buffer.alloc(blob.length)), false);
      assert.deepEqual(pinnedHostKey("ssh-rsa AAAAB3NzaC1yc2E host").algorithms, ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
      assert.throws(() => pinnedHostKey(""), /not an OpenSSH public key/);
    });

    it("logs in with the ssh-agent, and an unencrypted default key file if there is one", () => {
      const home = tempDir("cli-home");
      assert.throws(() => sshIdentity({}, home), /no SSH key to log in with: start an ssh-agent holding a key listed in berth:sshKeys/);
      assert.deepEqual(sshIdentity({ SSH_AUTH_SOCK: "/run/agent.sock" }, home), { agent: "/run/agent.sock", privateKey: undefined });
      fs.mkdirSync(path.join(home, ".ssh"));
      const encrypted = sshUtils.generateKeyPairSync("ed25519", { passphrase: "secret", cipher: "aes256-ctr", rounds: 16 });
      fs.writeFileSync(path.join(home, ".ssh", "id_ed25519"), encrypted.private);
      assert.throws(() => sshIdentity({}, home), /no SSH key/, "an encrypted key is for the agent");
      const plain = sshUtils.generateKeyPairSync("ed25519");
      fs.writeFileSync(path.join(home, ".ssh", "id_ed25519"), plain.private);
      assert.equal(String(sshIdentity({}, home).privateKey), plain.private);
    });
  });

  describe("bin/berth.js", () => {
    it("runs the CLI from its TypeScript sources, from any directory", async () => {
      const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, "bin", "berth.js"), "ps", "--help"], { cwd: tempDir("cli-cwd") });
      assert.match(stdout, /^berth ps: /);
    });

    it("is the package's bin, so `npx berth` runs it in the project", () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
      assert.deepEqual(pkg.bin, { berth: "bin/berth.js" });
      assert.ok(fs.statSync(path.join(ROOT, "bin", "berth.js")).mode & 0o111, "executable");
    });
  });
});
