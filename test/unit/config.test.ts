import * as pulumi from "@pulumi/pulumi";
import { strict as assert } from "assert";
import { ConfigError, parseStackConfig } from "../../components/config/parse";
import { runProgram } from "../harness/program";
import { configProblems, doConfig, localConfig } from "../harness/stacks";

const problems = configProblems;

function app(overrides: Record<string, unknown>) {
  return { web: { image: "ghcr.io/acme/web:1.0.0", hosts: ["app.example.com"], ...overrides } };
}

describe("config", () => {
  describe("valid configs", () => {
    it("accepts a minimal digitalocean config and fills in every default", () => {
      const cfg = parseStackConfig(doConfig());
      assert.equal(cfg.region, "nyc3");
      assert.equal(cfg.tlsMode, "cloudflare-origin");
      assert.equal(cfg.httpPort, 80);
      assert.equal(cfg.httpsPort, 443);
      assert.equal(cfg.proxyImage, "haproxy:3.2");
      assert.deepEqual(cfg.apps.web.processes.web.health, { path: "/health", intervalSeconds: 5, timeoutSeconds: 3, retries: 3, startPeriodSeconds: 10 });
      assert.equal(cfg.databases.main.image, "postgres:17");
      assert.equal(cfg.databases.cache.image, "redis:7");
    });

    it("gives the local target self-signed TLS on localhost ports", () => {
      const cfg = parseStackConfig(localConfig());
      assert.equal(cfg.tlsMode, "self-signed");
      assert.equal(cfg.httpPort, 8080);
      assert.equal(cfg.httpsPort, 8443);
      assert.equal(cfg.bindAddress, "127.0.0.1");
    });

    it("reads numbers and booleans given as strings, as Pulumi passes top-level values", () => {
      const cfg = parseStackConfig(doConfig({ volumeSizeGb: "50", ipv6: "false", healthCheckFall: "3" }));
      assert.equal(cfg.volumeSizeGb, 50);
      assert.equal(cfg.ipv6, false);
      assert.equal(cfg.healthCheckFall, 3);
    });
  });

  describe("rejects, naming the key, what is allowed and what was found", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["negative replicas", doConfig({ apps: app({ replicas: -2 }) }), /^berth:apps\.web\.replicas must be an integer from 0 to 50 \(got -2\)$/],
      ["too many replicas", doConfig({ apps: app({ replicas: 51 }) }), /^berth:apps\.web\.replicas must be an integer from 0 to 50 \(got 51\)$/],
      ["fractional replicas", doConfig({ apps: app({ replicas: 1.5 }) }), /^berth:apps\.web\.replicas must be an integer from 0 to 50 \(got 1\.5\)$/],
      ["a malformed host", doConfig({ apps: app({ hosts: ["bad host!.com"] }) }), /^berth:apps\.web\.hosts\[0\] must be a lowercase host name .* \(got "bad host!\.com"\)$/],
      ["an unknown engine", doConfig({ databases: { main: { engine: "mysql" } }, apps: app({}) }), /^berth:databases\.main\.engine must be one of postgres, redis \(got "mysql"\)$/],
      ["a bad CIDR", doConfig({ sshAllowFrom: ["10.0.0.0/33"] }), /^berth:sshAllowFrom\[0\] must be a CIDR block .* \(got "10\.0\.0\.0\/33"\)$/],
      ["a CIDR that is not an address", doConfig({ sshAllowFrom: ["office"] }), /^berth:sshAllowFrom\[0\] must be a CIDR block/],
      ["an image reference with spaces", doConfig({ apps: app({ image: "ghcr.io/acme/web: 1.0" }) }), /^berth:apps\.web\.image must be a Docker image reference .* \(got "ghcr\.io\/acme\/web: 1\.0"\)$/],
      ["an unknown target", doConfig({ target: "aws" }), /^berth:target must be one of digitalocean, local \(got "aws"\)$/],
      ["a port out of range", doConfig({ apps: app({ port: 70000 }) }), /^berth:apps\.web\.port must be an integer from 1 to 65535 \(got 70000\)$/],
      ["a health path that is not a path", doConfig({ apps: app({ health: { path: "health" } }) }), /^berth:apps\.web\.health\.path must be an absolute URL path/],
      ["a misspelt setting", doConfig({ apps: app({ replica: 2 }) }), /^berth:apps\.web has unknown setting 'replica' \(known: image, build, release, releaseTimeoutSeconds, hosts, port, replicas,/],
      ["an unknown top-level key", doConfig({ replicas: 3 }), /^berth: has unknown setting 'replicas'/],
      ["an app name with capitals", doConfig({ apps: { Web: { image: "nginx", hosts: ["a.example.com"] } } }), /^berth:apps\.Web: the name must be a lowercase name/],
      ["no apps at all", doConfig({ apps: {} }), /^berth:apps must define at least one app/],
      ["an app without hosts", doConfig({ apps: app({ hosts: [] }) }), /^berth:apps\.web\.hosts must list at least one host/],
      ["a bad SSH key fingerprint", doConfig({ sshKeys: ["not-a-fingerprint"] }), /^berth:sshKeys\[0\] must be an SSH key MD5 fingerprint/],
      ["a bad zone id", doConfig({ zoneId: "example.com" }), /^berth:zoneId must be a Cloudflare zone id \(32 hex characters\) \(got "example\.com"\)$/],
      ["a bad env name", doConfig({ apps: app({ env: { "1X": "a" } }) }), /^berth:apps\.web\.env\.1X: the name must be an environment variable name/],
      ["a tiny volume", doConfig({ volumeSizeGb: 0 }), /^berth:volumeSizeGb must be an integer from 1 to 16384 \(got 0\)$/],
      ["cpus below what the provider reads back", doConfig({ apps: app({ cpus: 0.05 }) }), /^berth:apps\.web\.cpus must be a number from 0\.1 to 64 \(got 0\.05\)$/],
      ["cpus the provider would read back as another number", doConfig({ apps: app({ cpus: 10.05 }) }), /^berth:apps\.web\.cpus must be a number of CPUs the Docker provider reads back unchanged/],
      // The DigitalOcean provider refuses '.' in a tag: refused here, before anything is created.
      ["a tag with a dot", doConfig({ tags: ["team.a"] }), /^berth:tags\[0\] must be a DigitalOcean tag of 1 to 255 letters, digits, '_', ':' or '-' \(got "team\.a"\)$/],
      ["a tag longer than 255 characters", doConfig({ tags: ["t".repeat(256)] }), /^berth:tags\[0\] must be a DigitalOcean tag of 1 to 255/],
    ];
    for (const [what, raw, expected] of cases) {
      it(what, () => {
        const found = problems(raw);
        assert.ok(found.some((p) => expected.test(p)), `expected a problem matching ${expected}, got:\n${found.join("\n")}`);
      });
    }
  });

  describe("rules across keys", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [
        "duplicate hosts across apps",
        doConfig({
          apps: {
            web: { image: "nginx", hosts: ["app.example.com"] },
            api: { image: "nginx", hosts: ["api.example.com", "app.example.com"] },
          },
          databases: {},
        }),
        /^berth:apps\.api\.hosts\[1\] must not route app\.example\.com again: berth:apps\.web already does \(each host and path prefix goes to one process\) \(got "app\.example\.com"\)$/,
      ],
      ["the digitalocean target without a zone", doConfig({ zoneId: undefined }), /^berth:zoneId is required for the digitalocean target/],
      ["the digitalocean target without SSH keys", doConfig({ sshKeys: [] }), /^berth:sshKeys must list at least one SSH key fingerprint/],
      ["the digitalocean target without SSH sources", doConfig({ sshAllowFrom: [] }), /^berth:sshAllowFrom must list at least one CIDR/],
      [
        "an app referring to a database that does not exist",
        doConfig({ apps: app({ databases: ["main", "sessions"] }) }),
        /^berth:apps\.web\.databases\[1\] must name a database defined in berth:databases \(defined: main, cache\) \(got "sessions"\)$/,
      ],
      [
        "two databases of one engine for one app",
        doConfig({ databases: { main: { engine: "postgres" }, other: { engine: "postgres" } }, apps: app({ databases: ["main", "other"] }) }),
        /^berth:apps\.web\.databases\[1\] must name at most one postgres database per app/,
      ],
      [
        "an env var that berth sets from a database",
        doConfig({ apps: app({ databases: ["main"], env: { DATABASE_URL: "x" } }) }),
        /^berth:apps\.web\.env\.DATABASE_URL is set by berth from the app's database/,
      ],
      ["an origin certificate on unproxied records", doConfig({ proxied: false }), /^berth:tlsMode must be self-signed when proxied is false/],
      ["locking the origin to Cloudflare without its proxy", doConfig({ proxied: false, tlsMode: "self-signed", lockOriginToCloudflare: true }), /^berth:lockOriginToCloudflare can only be true when proxied is true/],
      ["an origin certificate on the local target", localConfig({ tlsMode: "cloudflare-origin" }), /^berth:tlsMode must be self-signed on the local target/],
      ["the same port for HTTP and HTTPS", localConfig({ httpPort: 8443 }), /^berth:httpsPort must differ from httpPort \(got 8443\)$/],
      ["a secretEnv without a secret value", doConfig({ apps: app({ secretEnv: ["API_KEY"] }) }), /^berth:apps\.web\.secretEnv\[0\] needs a secret value: pulumi config set --secret --path 'secrets\.env\.web\.API_KEY'/],
      ["basic auth without a password", doConfig({ apps: app({ basicAuth: { users: ["alice"] } }) }), /^berth:apps\.web\.basicAuth\.users\[0\] needs a password/],
      [
        "a backup setting on redis",
        doConfig({ databases: { main: { engine: "postgres" }, cache: { engine: "redis", backupKeepDays: 3 } } }),
        /^berth:databases\.cache\.backupKeepDays applies to postgres only .* \(got 3\)$/,
      ],
      [
        "a registry without a password",
        doConfig({ registries: [{ address: "ghcr.io", username: "acme-bot" }] }),
        /^berth:registries\[0\] needs a password: pulumi config set --secret --path 'secrets\.registries\["ghcr\.io"\]'/,
      ],
      [
        "a registry password for no registry",
        doConfig({ secrets: { registries: { "ghcr.io": "token" } } }),
        /^berth:secrets\.registries\.ghcr\.io is not used/,
      ],
      ["a malformed registry address", doConfig({ registries: [{ address: "https://ghcr.io", username: "x" }] }), /^berth:registries\[0\]\.address must be a registry address/],
      ["a secret that no app uses", doConfig({ apps: app({}), secrets: { env: { web: { API_KEY: "x" } } } }), /^berth:secrets\.env\.web\.API_KEY is not used: add API_KEY to berth:apps\.web\.secretEnv/],
      ["a secret for an app that does not exist", doConfig({ apps: app({}), secrets: { env: { wbe: { API_KEY: "x" } } } }), /^berth:secrets\.env\.wbe\.API_KEY belongs to no app/],
    ];
    for (const [what, raw, expected] of cases) {
      it(what, () => {
        const found = problems(raw);
        assert.ok(found.some((p) => expected.test(p)), `expected a problem matching ${expected}, got:\n${found.join("\n")}`);
      });
    }

    it("lists every problem at once", () => {
      const found = problems(doConfig({ sshAllowFrom: ["x"], apps: app({ replicas: -1, port: 0 }) }));
      assert.equal(found.length, 3, found.join("\n"));
    });

    it("never echoes a secret value in an error", () => {
      const found = problems(doConfig({ apps: app({ basicAuth: { users: ["alice"] } }), secrets: { basicAuth: { web: { alice: "short-pw" } } } }));
      assert.ok(found.some((p) => /^berth:secrets\.basicAuth\.web\.alice must be at least 12 characters$/.test(p)), found.join("\n"));
      assert.ok(found.every((p) => !p.includes("short-pw")));
    });
  });

  describe("in the program", () => {
    const invalid: [string, Record<string, unknown>][] = [
      ["negative replicas", doConfig({ apps: app({ replicas: -2 }) })],
      ["a database that does not exist", doConfig({ apps: app({ databases: ["nope"] }) })],
      ["the digitalocean target without a zone", doConfig({ zoneId: undefined })],
    ];
    for (const [what, raw] of invalid) {
      it(`fails on ${what} before any resource is registered`, async () => {
        let registered = -1;
        await assert.rejects(
          runProgram({ stack: "dev", config: raw }).then((run) => (registered = run.resources.length)),
          (err: Error) => err instanceof ConfigError || /invalid berth config/.test(err.message),
        );
        assert.equal(registered, -1, "the program went on to register resources");
      });
    }

    it("fails with a RunError, whose message alone the Pulumi CLI prints (no stack trace)", async () => {
      // @pulumi/pulumi 3.248.0 cmd/run/run.js: `if (errors_1.RunError.isInstance(err)) { log.error(err.message); }`;
      // any other error is printed as "failed with an unhandled exception" with its stack.
      await assert.rejects(runProgram({ stack: "dev", config: doConfig({ apps: app({ replicas: -2 }) }) }), (err: Error) => {
        assert.ok(pulumi.RunError.isInstance(err), `a ${err.constructor.name}, not a RunError`);
        assert.equal(err.message, "invalid berth config:\n  - berth:apps.web.replicas must be an integer from 0 to 50 (got -2)");
        return true;
      });
    });

    it("refuses berth:secrets stored in plain text", async () => {
      const raw = doConfig({ apps: app({ secretEnv: ["API_KEY"] }), secrets: { env: { web: { API_KEY: "abc" } } } });
      await assert.rejects(runProgram({ stack: "dev", config: raw }), /berth:secrets must be set with --secret/);
      await runProgram({ stack: "dev", config: raw, secretKeys: ["secrets"] });
    });
  });
});
