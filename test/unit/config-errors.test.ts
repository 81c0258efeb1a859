import * as pulumi from "@pulumi/pulumi";
import { strict as assert } from "assert";
import { loadStackConfig } from "../../components/config/load";
import { ConfigError } from "../../components/config/parse";
import { configProblems, doConfig } from "../harness/stacks";

/** Problems the config fuzzer (config-fuzz.test.ts) found, each pinned by a test of its own. */

function app(overrides: Record<string, unknown> = {}) {
  return { web: { image: "ghcr.io/acme/web:1.0.0", hosts: ["app.example.com"], ...overrides } };
}

/** Runs the loader as index.ts does, with `berth:` values as the Pulumi CLI hands them over. */
function loaderProblems(config: Record<string, string>): string[] {
  const saved = { ...pulumi.runtime.allConfig() };
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`berth:${k}`, v])), ["berth:secrets"]);
  try {
    loadStackConfig();
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  } finally {
    pulumi.runtime.setAllConfig(saved);
  }
}

describe("config errors found by the fuzzer", () => {
  it("says berth:tags must be a list of tags when it is given a string, not zod's 'Invalid input'", () => {
    assert.deepEqual(configProblems(doConfig({ tags: "production" })), [
      `berth:tags must be a list of DigitalOcean tags such as ["production"] (got "production")`,
    ]);
  });

  it("says an app's secret env values must be a map of variable names, without echoing the value", () => {
    assert.deepEqual(configProblems(doConfig({ secrets: { env: { web: "hunter2-secret" } } })), [
      "berth:secrets.env.web must be a map of variable names to secret values",
    ]);
  });

  it("says an app's basic-auth passwords must be a map of user names, without echoing the value", () => {
    assert.deepEqual(configProblems(doConfig({ secrets: { basicAuth: { web: "hunter2-secret" } } })), [
      "berth:secrets.basicAuth.web must be a map of user names to passwords",
    ]);
  });

  it("shortens a huge unknown setting's name in the error", () => {
    const key = "k".repeat(5000);
    const found = configProblems(doConfig({ apps: app({ [key]: 1 }) }));
    assert.equal(found.length, 1);
    assert.match(found[0], /^berth:apps\.web has unknown setting 'k{40}\.\.\. \(5000 characters\)' \(known: image, /);
  });

  it("shortens a huge map key (an app name) in the key path of the error", () => {
    const name = "a".repeat(5000);
    const found = configProblems(doConfig({ apps: { ...app(), [name]: { image: "nginx", hosts: ["b.example.com"] } } }));
    assert.ok(found.length > 0);
    for (const problem of found) {
      assert.ok(problem.length < 400, `too long: ${problem.length} characters`);
      assert.ok(problem.startsWith(`berth:apps.${"a".repeat(40)}... (5000 characters)`), problem.slice(0, 120));
    }
  });

  it("refuses a top-level berth:__proto__ key as unknown instead of ignoring it", () => {
    const entries = Object.entries(doConfig()).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]);
    // `berth:__proto__` is an ordinary key to the Pulumi CLI and SDK: an own property here too.
    const found = loaderProblems(Object.fromEntries([...entries, ["__proto__", JSON.stringify({ zoneId: "ignored" })]]));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^berth: has unknown setting '__proto__'/);
  });
});

describe("huge names in the messages of rules across keys", () => {
  const name = "A".repeat(100_000);

  it("shortens a huge secretEnv name in the hint to set its secret", () => {
    const found = configProblems(doConfig({ apps: app({ secretEnv: [name] }) })).filter((p) => p.startsWith("berth:apps"));
    assert.equal(found.length, 1, found.join("\n").slice(0, 500));
    assert.match(found[0], /^berth:apps\.web\.secretEnv\[0\] needs a secret value: pulumi config set --secret --path 'secrets\.env\.web\.A{40}\.\.\. \(100000 characters\)' <value> \(got "A+\.\.\.\)$/);
  });

  it("shortens a huge unused secret's name in the hint to use it", () => {
    const found = configProblems(doConfig({ secrets: { env: { web: { [name]: "value" } } } })).filter((p) => p.startsWith("berth:secrets"));
    assert.equal(found.length, 1, found.join("\n").slice(0, 500));
    assert.ok(found[0].length < 300, `${found[0].length} characters`);
  });
});

describe("image and registry names longer than Docker takes", () => {
  // Docker refuses a repository name (registry host included) over 255 characters:
  // moby/moby v20.10.24, vendor/github.com/docker/distribution/reference/reference.go:36-37,201.
  const longHost = `${"r".repeat(60)}.`.repeat(5) + "io";

  it("refuses a registry address longer than 255 characters, naming it without echoing it whole", () => {
    const found = configProblems(doConfig({ registries: [{ address: longHost, username: "bot" }], secrets: { registries: {} } }));
    assert.ok(found.some((p) => p.startsWith("berth:registries[0].address must be a registry address")), found.join("\n"));
    assert.ok(found.every((p) => p.length < 400), found.join("\n"));
  });

  it("refuses an image whose repository name is longer than 255 characters", () => {
    const found = configProblems(doConfig({ apps: app({ image: `${longHost}/acme/web:1.0.0` }) }));
    assert.ok(found.some((p) => /^berth:apps\.web\.image must be a Docker image reference .*at most 255 characters/.test(p)), found.join("\n"));
  });

  it("accepts an image whose repository name is 255 characters, with a tag and digest after it", () => {
    const name = `ghcr.io/${"a".repeat(255 - "ghcr.io/".length)}`;
    const found = configProblems(doConfig({ apps: app({ image: `${name}:1.0.0@sha256:${"a".repeat(64)}` }) }));
    assert.deepEqual(found.filter((p) => p.startsWith("berth:apps")), []);
  });

  it("refuses a build push repository longer than 255 characters, naming it", () => {
    const found = configProblems(doConfig({ apps: { web: { build: { context: "examples/app", push: `${longHost}/acme/web` }, hosts: ["app.example.com"] } } }));
    assert.ok(found.some((p) => /^berth:apps\.web\.build\.push must be an image repository .*at most 255 characters/.test(p)), found.join("\n"));
    assert.ok(found.every((p) => p.length < 400), found.join("\n"));
  });
});

describe("NUL characters, which no command or environment can carry", () => {
  // execve(2) takes NUL-terminated strings; Go refuses a NUL with EINVAL before the call:
  // moby/moby v20.10.24, vendor/golang.org/x/sys/unix/syscall.go:36-45 (ByteSliceFromString).
  it("refuses a NUL in a process's command string", () => {
    const found = configProblems(doConfig({ apps: app({ processes: { worker: { command: "run\u0000me" } } }) }));
    assert.ok(found.some((p) => p.startsWith("berth:apps.web.processes.worker.command must not contain a NUL character")), found.join("\n"));
  });

  it("refuses a NUL in one argument of an exec-form release command", () => {
    const found = configProblems(doConfig({ apps: app({ release: ["node", "migrate\u0000.js"] }) }));
    assert.ok(found.some((p) => p.startsWith("berth:apps.web.release[1] must not contain a NUL character")), found.join("\n"));
  });

  it("refuses a NUL in an env value and a build argument", () => {
    const env = configProblems(doConfig({ apps: app({ env: { MODE: "a\u0000b" } }) }));
    assert.ok(env.some((p) => p.startsWith("berth:apps.web.env.MODE must not contain a NUL character")), env.join("\n"));
    const args = configProblems(doConfig({ apps: { web: { build: { context: "examples/app", args: { NODE_MAJOR: "2\u00002" } }, hosts: ["a.example.com"] } } }));
    assert.ok(args.some((p) => p.startsWith("berth:apps.web.build.args.NODE_MAJOR must not contain a NUL character")), args.join("\n"));
  });

  it("refuses a NUL in a secret env value, without echoing it", () => {
    const found = configProblems(doConfig({ apps: app({ secretEnv: ["API_KEY"] }), secrets: { env: { web: { API_KEY: "abc\u0000def-secret" } } } }));
    assert.deepEqual(found, ["berth:secrets.env.web.API_KEY must not contain a NUL character (\\0): no command or environment can carry one"]);
  });
});

describe("values the fuzzer showed were accepted though malformed", () => {
  it("refuses a CIDR block whose address carries an interface name (fe80::1%eth0/64)", () => {
    assert.deepEqual(configProblems(doConfig({ sshAllowFrom: ["fe80::1%eth0/64"] })), [
      `berth:sshAllowFrom[0] must be a CIDR block such as 203.0.113.0/24 or 2001:db8::/32 (got "fe80::1%eth0/64")`,
    ]);
  });

  it("refuses a CIDR block whose prefix length has a leading zero (10.0.0.0/024)", () => {
    assert.equal(configProblems(doConfig({ sshAllowFrom: ["10.0.0.0/024"] })).length, 1);
  });

  it("still takes 0.0.0.0/0 and ::/0", () => {
    assert.deepEqual(configProblems(doConfig({ sshAllowFrom: ["0.0.0.0/0", "::/0"] })), []);
  });

  it("refuses a cron step as long as the field's span (*/61 minutes matches minute 0 alone)", () => {
    const found = configProblems(doConfig({ backups: { schedule: "*/61 * * * *" } }));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^berth:backups\.schedule must be a cron schedule.*minute \*\/61: the step must be less than 60/);
  });
});
