import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { runTool, tempDir } from "../harness/tools";

const SCRIPT = path.resolve(__dirname, "../../scripts/set-image-tag.sh");
const SHA = "4f9c2b7e1d0a8c6b5e3f2a1d9c8b7a6e5f4d3c2b";

/**
 * A fake `pulumi` on PATH: it records every call's arguments (one line each, tab-separated) and
 * answers `config get --path apps.<app>.image` from a file per app, failing like the CLI for an
 * app that has none.
 */
const FAKE_PULUMI = `#!/bin/sh
(IFS="$(printf '\\t')"; printf '%s\\n' "$*") >> "$FAKE_PULUMI_DIR/calls"
if [ "$1" = config ] && [ "$2" = get ]; then
  app="\${4#apps.}"
  app="\${app%.image}"
  if [ -f "$FAKE_PULUMI_DIR/images/$app" ]; then
    cat "$FAKE_PULUMI_DIR/images/$app"
  else
    echo "error: configuration key 'berth:apps' has no value at $4" >&2
    exit 255
  fi
fi
`;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Every call of the fake pulumi, as its argument list. */
  calls: string[][];
  /** The image each `config set` call set, by app. */
  set: Record<string, string>;
}

/** Runs scripts/set-image-tag.sh <stack> <tag> <apps...> against a stack config holding `images`. */
function setImageTag(stack: string, tag: string, apps: string[], images: Record<string, string>): Run {
  const dir = tempDir("set-image-tag");
  fs.mkdirSync(path.join(dir, "bin"));
  fs.mkdirSync(path.join(dir, "images"));
  fs.writeFileSync(path.join(dir, "bin", "pulumi"), FAKE_PULUMI, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "calls"), "");
  for (const [app, image] of Object.entries(images)) fs.writeFileSync(path.join(dir, "images", app), `${image}\n`);

  const result = spawnSync("bash", [SCRIPT, stack, tag, ...apps], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, FAKE_PULUMI_DIR: dir },
  });
  const calls = fs
    .readFileSync(path.join(dir, "calls"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split("\t"));
  const set: Record<string, string> = {};
  for (const call of calls.filter((c) => c[0] === "config" && c[1] === "set")) {
    set[call[3].replace(/^apps\./, "").replace(/\.image$/, "")] = call[4];
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls, set };
}

/** The image reference the script sets for one app whose current reference is `current`. */
function retagged(current: string, tag = SHA): string {
  const run = setImageTag("dev", tag, ["web"], { web: current });
  assert.equal(run.status, 0, run.stderr);
  return run.set.web;
}

describe("scripts/set-image-tag.sh (deploy.yml's image tags, with a fake pulumi)", () => {
  it("replaces the tag of a registry image with the commit's SHA", () => {
    assert.equal(retagged("ghcr.io/acme/web:1.0.0"), `ghcr.io/acme/web:${SHA}`);
  });

  it("keeps a registry host's port while replacing the tag", () => {
    assert.equal(retagged("registry:5000/app:1", "v1.4.2"), "registry:5000/app:v1.4.2");
    assert.equal(retagged("localhost:5000/team/sub/app:2024-11-01", "v2"), "localhost:5000/team/sub/app:v2");
  });

  it("adds a tag to a reference that has none, without mistaking a registry port for one", () => {
    assert.equal(retagged("registry:5000/app", "v3"), "registry:5000/app:v3");
    assert.equal(retagged("nginx", "v3"), "nginx:v3");
  });

  it("replaces a sha256 digest, with or without a tag before it", () => {
    const digest = `sha256:${"ab12".repeat(16)}`;
    assert.equal(retagged(`ghcr.io/acme/web@${digest}`, "v1.4.2"), "ghcr.io/acme/web:v1.4.2");
    assert.equal(retagged(`registry:5000/acme/web:1.0@${digest}`, "v1.4.2"), "registry:5000/acme/web:v1.4.2");
  });

  it("reads and sets berth:apps.<app>.image by path on the named stack, for every app listed", () => {
    const run = setImageTag("prod", "v1.4.2", ["web", "docs"], { web: "ghcr.io/acme/web:1.0.0", docs: "ghcr.io/acme/docs-site:2024-11-01" });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.calls, [
      ["config", "get", "--path", "apps.web.image", "-s", "prod"],
      ["config", "get", "--path", "apps.docs.image", "-s", "prod"],
      ["config", "set", "--path", "apps.web.image", "ghcr.io/acme/web:v1.4.2", "-s", "prod"],
      ["config", "set", "--path", "apps.docs.image", "ghcr.io/acme/docs-site:v1.4.2", "-s", "prod"],
    ]);
    assert.match(run.stdout, /berth:apps\.web\.image \(stack prod\): ghcr\.io\/acme\/web:1\.0\.0 -> ghcr\.io\/acme\/web:v1\.4\.2/);
  });

  it("does nothing, successfully, when no app is listed (BERTH_IMAGE_APPS empty)", () => {
    const run = setImageTag("dev", SHA, [], {});
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.calls, []);
  });

  it("fails before setting anything when a listed app has no image in the stack", () => {
    const run = setImageTag("dev", SHA, ["web", "site"], { web: "ghcr.io/acme/web:1.0.0" });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /berth:apps\.site\.image is not set in stack dev/);
    assert.deepEqual(run.set, {});
  });

  it("refuses a tag outside Docker's tag grammar, and an app name outside berth's, before calling pulumi", () => {
    for (const tag of ["v1.4.2+build", "-v1", ".hidden", "a b", "x".repeat(129), ""]) {
      const run = setImageTag("dev", tag, ["web"], { web: "ghcr.io/acme/web:1.0.0" });
      assert.equal(run.status, 2, `tag ${JSON.stringify(tag)}: ${run.stderr}`);
      assert.deepEqual(run.calls, [], `tag ${JSON.stringify(tag)}`);
    }
    for (const app of ["Web", "web.image", "apps[0]", "-s"]) {
      const run = setImageTag("dev", SHA, [app], {});
      assert.equal(run.status, 2, `app ${JSON.stringify(app)}: ${run.stderr}`);
      assert.deepEqual(run.calls, [], `app ${JSON.stringify(app)}`);
    }
  });

  it("needs a stack and a tag", () => {
    const result = spawnSync("bash", [SCRIPT, "dev"], { encoding: "utf8" });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /usage: scripts\/set-image-tag\.sh <stack> <tag> \[<app>\.\.\.\]/);
  });

  it("passes shellcheck", () => {
    const result = runTool("shellcheck", ["--severity=style", SCRIPT]);
    assert.equal(result.status, 0, result.stdout);
  });
});
