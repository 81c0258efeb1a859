import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "../..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const CI_RUN = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8");

/** The text of a `## ` section of the README, up to the next `## ` heading. */
function section(heading: string): string {
  const start = README.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `README has no section "## ${heading}"`);
  const rest = README.slice(start + heading.length + 5);
  const end = rest.search(/\n## /);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Every command line of the ```sh blocks of a text, without its trailing comment. */
function shellCommands(text: string): string[] {
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => m[1].split("\n"))
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/**
 * The quick start's commands that run here, on a machine with Node.js and nothing else set up:
 * npm, npx and bash. The rest are `pulumi ...` (the CLI, a backend, tokens), which CI cannot run.
 */
const QUICK_START = section("Quick start");
const runnable = () => shellCommands(QUICK_START).filter((c) => /^(npm|npx|bash) /.test(c));

/** The command lines of a shell script (comments and blank lines left out), trimmed. */
const scriptLines = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));

/** The command lines of the pull-request workflow's test job, in order. */
function testJobLines(): string[] {
  const wf = parse(fs.readFileSync(path.join(ROOT, ".github/workflows/preview.yml"), "utf8"));
  const steps: { run?: string }[] = wf.jobs.test.steps;
  return steps.filter((s) => s.run !== undefined).flatMap((s) => scriptLines(s.run!));
}

describe("README quick start (CI runs it as written)", () => {
  it("lists the commands that run without any account: npm ci, the type check, npm test and bash .ci/run", () => {
    assert.deepEqual(runnable(), ["npm ci", "npx tsc --noEmit", "npm test", "bash .ci/run"]);
  });

  it("runs each of them, except .ci/run itself, verbatim as a command line of .ci/run", () => {
    const lines = scriptLines(CI_RUN);
    for (const command of runnable().filter((c) => c !== "bash .ci/run")) {
      assert.ok(lines.includes(command), `.ci/run does not run "${command}" as written in the README`);
    }
  });

  it("runs them in .ci/run in the README's order, after installing the tools and with a missing Docker engine an error", () => {
    const lines = scriptLines(CI_RUN);
    const commands = runnable().filter((c) => c !== "bash .ci/run");
    const positions = commands.map((c) => lines.indexOf(c));
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, `.ci/run: ${lines.join("; ")}`);
    assert.ok(lines.indexOf("bash .ci/install-tools") >= 0 && lines.indexOf("bash .ci/install-tools") < positions[0]);
    assert.ok(lines.indexOf("export E2E=required") >= 0 && lines.indexOf("export E2E=required") < lines.indexOf("npm test"));
  });

  it("keeps .ci/run strict (set -euo pipefail) and run from the repository root", () => {
    const lines = scriptLines(CI_RUN);
    assert.equal(lines[0], "set -euo pipefail");
    assert.equal(lines[1], 'cd "$(dirname "$0")/.."');
  });

  it("runs the same commands verbatim, in the same order, in the pull-request workflow's test job", () => {
    const lines = testJobLines();
    const commands = runnable().filter((c) => c !== "bash .ci/run");
    const positions = commands.map((c) => lines.indexOf(c));
    assert.ok(positions.every((p) => p >= 0), `the test job runs ${lines.join("; ")}; the README says ${commands.join("; ")}`);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions);
    // What .ci/run does before them, the job does too.
    assert.ok(lines.indexOf("bash .ci/install-tools") < positions[0]);
  });

  it("says what deploying needs beyond these commands: the Pulumi CLI, tokens, an SSH key and Tailscale", () => {
    for (const need of ["Pulumi CLI", "token", "SSH key", "ssh-agent", "Tailscale", "Docker engine"]) {
      assert.ok(QUICK_START.includes(need), `the quick start does not mention ${need}`);
    }
  });

  it("points at sections that exist", () => {
    const anchors = [...QUICK_START.matchAll(/\]\(#([a-z0-9-]+)\)/g)].map((m) => m[1]);
    assert.ok(anchors.length > 0);
    const headings = [...README.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
      m[1]
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, "")
        .replace(/ /g, "-"),
    );
    for (const anchor of anchors) assert.ok(headings.includes(anchor), `no heading for #${anchor}`);
  });

  it("keeps the local stack's try accurate: pulumi up -s local, with the stack file it names", () => {
    const local = shellCommands(section("Try it locally"));
    assert.ok(local.includes("pulumi up -s local"), local.join("; "));
    assert.ok(fs.existsSync(path.join(ROOT, "Pulumi.local.yaml")));
  });
});
