import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { HaproxyRoute, PROXY_PATHS, renderHaproxyConfig } from "../../components/proxy/haproxy-config";
import { sha512Crypt } from "../../components/proxy/password-hash";
import { runProgram } from "../harness/program";
import { doConfig, stackFileConfig, TYPES } from "../harness/stacks";
import { runTool, tempDir } from "../harness/tools";

/** A throwaway certificate + key, so `haproxy -c` can load the bind line as it would in the container. */
function testPem(dir: string): string {
  const key = path.join(dir, "key.pem");
  const cert = path.join(dir, "cert.pem");
  const made = runTool("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=berth.test"]);
  assert.equal(made.status, 0, made.stderr);
  const pem = path.join(dir, "site.pem");
  fs.writeFileSync(pem, fs.readFileSync(cert, "utf8") + fs.readFileSync(key, "utf8"));
  return pem;
}

// Outside Docker (and inside a network namespace with no network) the app aliases do not
// resolve, Docker's DNS is not there and no state file exists yet: all three are expected.
const EXPECTED_WARNINGS = [
  /could not resolve address '[a-z0-9-]+', disabling server/,
  /Can't open global server state file/,
  /resolvers 'docker': can't connect socket for nameserver 'dockerdns'/,
];

function check(config: string) {
  const dir = tempDir("haproxy");
  const file = path.join(dir, "haproxy.cfg");
  fs.writeFileSync(file, config.split(PROXY_PATHS.certFile).join(testPem(dir)));
  // Without a network the app aliases fail to resolve at once instead of after DNS timeouts.
  const result = process.getuid?.() === 0 ? runTool("unshare", ["--net", "haproxy", "-c", "-f", file]) : runTool("haproxy", ["-c", "-f", file]);
  const warnings = (result.stdout + result.stderr)
    .split("\n")
    .filter((l) => /\[(WARNING|ALERT)\]/.test(l))
    .filter((l) => !EXPECTED_WARNINGS.some((re) => re.test(l)));
  return { ...result, warnings };
}

async function renderedConfig(stack: string, config: Record<string, unknown>, secretKeys: string[] = []): Promise<string> {
  const run = await runProgram({ stack, config, secretKeys });
  const command = stack === "local" ? TYPES.localCommand : TYPES.remoteCommand;
  return run.get(command, "proxy-config").inputs.stdin;
}

describe("HAProxy config (checked by haproxy -c)", () => {
  before(function () {
    const version = runTool("haproxy", ["-v"]).stdout.split("\n")[0];
    console.log(`      using ${version}`);
  });

  for (const stack of ["dev", "prod", "local"]) {
    it(`the ${stack} stack's config is valid, with no unexpected warning`, async () => {
      const result = check(await renderedConfig(stack, stackFileConfig(stack)));
      assert.equal(result.status, 0, result.stdout + result.stderr);
      assert.match(result.stdout + result.stderr, /Configuration file is valid/);
      assert.deepEqual(result.warnings, []);
    });
  }

  it("a config with basic auth, plain HTTP and custom health timing is valid", async () => {
    const config = await renderedConfig(
      "dev",
      doConfig({
        httpsRedirect: false,
        healthCheckInterMs: 2000,
        healthCheckFall: 3,
        healthCheckRise: 4,
        apps: {
          web: { image: "ghcr.io/acme/web:1", hosts: ["app.example.com"] },
          docs: { image: "ghcr.io/acme/docs:1", hosts: ["docs.example.com"], basicAuth: { realm: "Team docs", users: ["alice", "bob"] } },
        },
        databases: {},
        secrets: { basicAuth: { docs: { alice: "alice-long-password", bob: "bob-long-password!" } } },
      }),
      ["secrets"],
    );
    const result = check(config);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.deepEqual(result.warnings, []);
  });

  for (const httpsRedirect of [true, false]) {
    it(`a config with path routes, prefix stripping and per-path basic auth is valid${httpsRedirect ? "" : " on plain HTTP too"}`, () => {
      const route = (name: string, paths: string[], more: Partial<HaproxyRoute> = {}): HaproxyRoute => ({
        name,
        hosts: ["shop.example.com", "www.shop.example.com"],
        paths,
        stripPrefix: false,
        servers: [`berth-dev-${name}-0-1234567`],
        port: 3000,
        healthPath: "/health",
        ...more,
      });
      const users = [{ name: "team", passwordHash: sha512Crypt("team-long-password", "haproxyCheck1234") }];
      const config = renderHaproxyConfig({
        routes: [
          route("shop", ["/"], { basicAuth: { realm: "Team", users, paths: ["/downloads", "/private/v1.0"] } }),
          route("shop-api", ["/api", "/api/v1.0"], { stripPrefix: true, basicAuth: { realm: "API admin", users, paths: ["/api/admin"] } }),
          route("shop-v2", ["/api/v2"]),
          route("docs", ["/"], { hosts: ["docs.example.com"], basicAuth: { realm: "Team docs", users, paths: ["/"] } }),
        ],
        health: { interMs: 1000, fall: 2, rise: 2 },
        httpsRedirect,
        publicHttpsPort: 443,
        hsts: true,
      });
      const result = check(config);
      assert.equal(result.status, 0, result.stdout + result.stderr);
      assert.deepEqual(result.warnings, []);
    });
  }

  it("rejects a broken config (the check is real)", async () => {
    const config = await renderedConfig("dev", stackFileConfig("dev"));
    const result = check(config.replace("balance roundrobin", "balance no-such-algorithm"));
    assert.notEqual(result.status, 0);
  });
});
