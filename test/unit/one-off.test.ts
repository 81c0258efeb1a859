import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { OneOffOptions, renderEnvFile, renderOneOffScript } from "../../components/app/one-off";
import { tempDir } from "../harness/tools";

/** Values that break naive quoting: newlines, both quotes, $, backticks, backslashes. */
const AWKWARD: Record<string, string> = {
  NEWLINES: "line one\nline two\n",
  QUOTES: `it's "quoted" ''`,
  DOLLARS: "$HOME ${PATH} $(id) $1",
  BACKTICKS: "`id` \\`x\\`",
  BACKSLASH: "C:\\path\\n\\",
  EMPTY: "",
  SPACES: "  padded  ",
};

/** Sources an env file in real `sh` with `set -a`, as the runner does, and reads back the environment. */
function sourceInSh(text: string): Record<string, string> {
  const file = path.join(tempDir("envfile"), "env");
  fs.writeFileSync(file, text);
  const result = spawnSync("sh", ["-c", 'set -a; . "$1"; exec env -0', "sh", file], { encoding: "utf8", env: {} });
  assert.equal(result.status, 0, result.stderr);
  const env: Record<string, string> = {};
  for (const entry of result.stdout.split("\0").filter(Boolean)) {
    const eq = entry.indexOf("=");
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

function options(overrides: Partial<OneOffOptions> = {}): OneOffOptions {
  return {
    container: "berth-test-shop-release",
    image: "sha256:0123abcd",
    networks: ["berth-test-apps", "berth-test-data"],
    command: ["npm", "run", "migrate"],
    envNames: ["DATABASE_URL", "SECRET_KEY"],
    envFile: "stdin",
    timeoutSeconds: 900,
    memoryMb: 512,
    pidsLimit: 512,
    capAdd: [],
    labels: { "berth.stack": "test", "berth.app": "shop" },
    what: "the release of shop",
    ...overrides,
  };
}

describe("One-off runs (release phase and jobs)", () => {
  describe("renderEnvFile", () => {
    it("writes one single-quoted NAME='value' line per variable", () => {
      assert.equal(renderEnvFile({ A: "1", B: "it's" }), `A='1'\nB='it'"'"'s'\n`);
    });

    it("gives back every value exactly when sourced by sh: newlines, quotes, $, backticks", () => {
      const env = sourceInSh(renderEnvFile(AWKWARD));
      for (const [name, value] of Object.entries(AWKWARD)) assert.equal(env[name], value, name);
    });

    it("is empty for no variables", () => {
      assert.equal(renderEnvFile({}), "");
    });

    it("refuses a name the shell would not read as a variable", () => {
      assert.throws(() => renderEnvFile({ "BAD-NAME": "x" }), /"BAD-NAME" is not an environment variable name/);
      assert.throws(() => renderEnvFile({ "A;rm -rf /": "x" }), /not an environment variable name/);
    });
  });

  describe("renderOneOffScript (text)", () => {
    it("creates the container with an init, no new privileges, and memory with as much swap", () => {
      const text = renderOneOffScript(options());
      assert.match(text, /^ {2}--init \\$/m);
      assert.match(text, /^ {2}--security-opt no-new-privileges:true \\$/m);
      assert.match(text, /^ {2}--memory 512m --memory-swap 1024m \\$/m);
      assert.doesNotMatch(text, /--cpus/);
      assert.match(renderOneOffScript(options({ cpus: "0.5" })), /^ {2}--cpus '0\.5' \\$/m);
    });

    it("passes each variable by name only", () => {
      const text = renderOneOffScript(options());
      assert.match(text, /^ {2}-e DATABASE_URL \\\n {2}-e SECRET_KEY \\$/m);
      assert.doesNotMatch(text, /-e [A-Z_]+=/);
    });

    it("labels the container, each label one quoted word", () => {
      const text = renderOneOffScript(options({ labels: { "berth.app": "shop", "berth.note": "it's x" } }));
      assert.match(text, /^ {2}--label 'berth\.app=shop' \\$/m);
      assert.match(text, /^ {2}--label 'berth\.note=it'"'"'s x' \\$/m);
    });

    it("joins the first network at create and connects the others before the start", () => {
      const text = renderOneOffScript(options({ networks: ["a", "b", "c"] }));
      assert.match(text, /^ {2}--network 'a' \\$/m);
      const connects = text.indexOf(`network connect 'b'`);
      assert.ok(connects > 0 && text.indexOf(`network connect 'c'`) > connects);
      assert.ok(text.indexOf("start -a") > text.indexOf(`network connect 'c'`));
    });

    it("puts the command after the image, each word quoted; without one the image's CMD runs", () => {
      assert.match(renderOneOffScript(options()), /^ {2}'sha256:0123abcd' 'npm' 'run' 'migrate' >\/dev\/null; then$/m);
      assert.match(renderOneOffScript(options({ command: undefined })), /^ {2}'sha256:0123abcd' >\/dev\/null; then$/m);
    });

    it("from stdin, keeps the env file in a private temporary file and removes it on exit", () => {
      const text = renderOneOffScript(options());
      assert.match(text, /^umask 077\nenv_file=\$\(mktemp\)\ncat > "\$env_file"$/m);
      assert.match(text, /^trap '.*rm -f "\$env_file"' EXIT$/m);
    });

    it("from a host file, sources that file and never removes it", () => {
      const text = renderOneOffScript(options({ envFile: "/var/lib/berth/jobs/shop/env" }));
      assert.match(text, /^env_file='\/var\/lib\/berth\/jobs\/shop\/env'$/m);
      assert.doesNotMatch(text, /mktemp|rm -f "\$env_file"/);
    });

    it("stops the run at the time limit with the timeout command", () => {
      assert.match(renderOneOffScript(options({ timeoutSeconds: 42 })), /^timeout_seconds=42$/m);
      assert.match(renderOneOffScript(options()), /^timeout -k 10 "\$timeout_seconds" "\$docker" start -a "\$container" &$/m);
    });

    it("traps exit, hang-up, interrupt and termination", () => {
      const text = renderOneOffScript(options());
      for (const signal of ["EXIT", "HUP", "INT", "TERM"]) assert.match(text, new RegExp(`^trap '.*' ${signal}$`, "m"));
    });

    it("refuses DOCKER_* variables, which the docker CLI starting the run would obey", () => {
      assert.throws(() => renderOneOffScript(options({ envNames: ["DOCKER_HOST"] })), /the release of shop cannot be given DOCKER_HOST/);
    });

    it("refuses a variable name the shell would not read", () => {
      assert.throws(() => renderOneOffScript(options({ envNames: ["A-B"] })), /"A-B" is not an environment variable name/);
    });
  });

  describe("renderOneOffScript (run with a stand-in docker CLI)", () => {
    let dir: string;
    let bin: string;
    /** Each docker call: its arguments, and for create the environment it was given. */
    const calls = () => fs.readFileSync(path.join(dir, "calls"), "utf8").trimEnd().split("\n");
    const createEnv = () => {
      const env: Record<string, string> = {};
      for (const entry of fs.readFileSync(path.join(dir, "create-env"), "utf8").split("\0").filter(Boolean)) {
        env[entry.slice(0, entry.indexOf("="))] = entry.slice(entry.indexOf("=") + 1);
      }
      return env;
    };

    beforeEach(() => {
      dir = tempDir("one-off");
      bin = path.join(dir, "bin");
      fs.mkdirSync(bin);
      fs.mkdirSync(path.join(dir, "tmp"));
      // Records its calls; `create` also records its environment, `start` prints and exits $FAKE_EXIT.
      // By absolute paths: a test gives the app a PATH of its own.
      fs.writeFileSync(
        path.join(bin, "docker"),
        [
          "#!/bin/sh",
          `echo "$*" >> '${dir}/calls'`,
          "case $1 in",
          `  create) /usr/bin/env -0 > '${dir}/create-env' ;;`,
          '  start) echo "out from the container"; echo "err from the container" >&2; exit "${FAKE_EXIT:-0}" ;;',
          "esac",
          "",
        ].join("\n"),
        { mode: 0o755 },
      );
    });

    function run(opts: Partial<OneOffOptions>, input: string, env: Record<string, string> = {}) {
      const file = path.join(dir, "run.sh");
      fs.writeFileSync(file, renderOneOffScript(options(opts)));
      return spawnSync("sh", [file], {
        input,
        encoding: "utf8",
        env: { PATH: `${bin}:${process.env.PATH}`, TMPDIR: path.join(dir, "tmp"), ...env },
      });
    }

    it("gives docker create the values in its environment and never as arguments", () => {
      const result = run({ envNames: Object.keys(AWKWARD) }, renderEnvFile(AWKWARD));
      assert.equal(result.status, 0, result.stderr);
      const env = createEnv();
      for (const [name, value] of Object.entries(AWKWARD)) assert.equal(env[name], value, name);
      const args = calls().join("\n");
      assert.doesNotMatch(args, /line one|quoted|C:\\/);
    });

    it("keeps the app's variables from every docker call but the create", () => {
      fs.writeFileSync(path.join(bin, "docker"), `#!/bin/sh\nenv >> '${dir}/all-env'\n`, { mode: 0o755 });
      run({}, renderEnvFile({ SECRET_KEY: "s3cret" }));
      const seen = fs.readFileSync(path.join(dir, "all-env"), "utf8");
      assert.equal(seen.split("SECRET_KEY=s3cret").length - 1, 1, "only docker create sees the value");
    });

    it("is not thrown off by app variables named like its own, PATH or IFS", () => {
      const appEnv = { container: "evil", docker: "/bin/false", env_file: "/nowhere", PATH: "/nonexistent", IFS: "e", HOME: "/app" };
      const result = run({ envNames: Object.keys(appEnv) }, renderEnvFile(appEnv));
      assert.equal(result.status, 0, result.stderr);
      assert.match(calls().find((c) => c.startsWith("create"))!, /^create --name berth-test-shop-release /);
      assert.equal(createEnv().PATH, "/nonexistent", "the container still gets the app's own value");
      assert.equal(createEnv().DOCKER_CONFIG, undefined, "no HOME in the runner's environment: nothing to keep");
    });

    it("keeps the docker CLI's config in the runner's HOME when the app sets its own", () => {
      run({ envNames: ["HOME"] }, renderEnvFile({ HOME: "/app" }), { HOME: "/root" });
      assert.equal(createEnv().DOCKER_CONFIG, "/root/.docker");
      assert.equal(createEnv().HOME, "/app");
    });

    it("removes a leftover container first, then creates, connects, starts, stops and removes it", () => {
      run({ networks: ["a", "b"] }, "");
      const sequence = calls().map((c) => c.split(" ").slice(0, 2).join(" "));
      assert.deepEqual(sequence, ["rm -f", "create --name", "network connect", "start -a", "stop -t", "rm -f"]);
      assert.equal(calls()[0], "rm -f berth-test-shop-release");
      assert.equal(calls()[4], "stop -t 10 berth-test-shop-release", "a run still going gets SIGTERM first");
      assert.equal(calls()[5], "rm -f berth-test-shop-release");
    });

    it("streams the run's output and exits 0 without a message", () => {
      const result = run({}, "");
      assert.equal(result.status, 0);
      assert.equal(result.stdout, "out from the container\n");
      assert.equal(result.stderr, "err from the container\n");
    });

    it("passes a failing exit code through and says so in one line", () => {
      const result = run({}, "", { FAKE_EXIT: "3" });
      assert.equal(result.status, 3);
      assert.equal(result.stderr, "err from the container\nberth: the release of shop exited with code 3\n");
    });

    it("tells the app's own exit code 124 from a timeout", () => {
      const result = run({ timeoutSeconds: 60 }, "", { FAKE_EXIT: "124" });
      assert.equal(result.status, 124);
      assert.match(result.stderr, /berth: the release of shop exited with code 124/);
      assert.doesNotMatch(result.stderr, /ran past/);
    });

    it("removes its private copy of the env file", () => {
      run({}, renderEnvFile({ SECRET_KEY: "s3cret" }), { FAKE_EXIT: "3" });
      assert.deepEqual(fs.readdirSync(path.join(dir, "tmp")), []);
    });

    it("fails and says so when the container cannot be created", () => {
      fs.writeFileSync(path.join(bin, "docker"), '#!/bin/sh\n[ "$1" != create ] || { echo "no such image" >&2; exit 125; }\n', { mode: 0o755 });
      const result = run({}, "");
      assert.equal(result.status, 1);
      assert.equal(result.stderr, "no such image\nberth: could not create the container for the release of shop\n");
    });
  });
});
