import { strict as assert } from "assert";
import { clientAddressRules } from "../../components/proxy/client-address";
import { HaproxyOptions, renderHaproxyConfig } from "../../components/proxy/haproxy-config";
import { FAKE } from "../harness/fakes";
import { runProgram } from "../harness/program";
import { doConfig, localConfig, TYPES } from "../harness/stacks";

const OPTIONS: HaproxyOptions = {
  routes: [{ name: "web", hosts: ["app.example.com"], paths: ["/"], stripPrefix: false, servers: ["berth-dev-web-0-abc1234"], port: 3000, healthPath: "/health" }],
  health: { interMs: 500, fall: 2, rise: 2 },
  httpsRedirect: false,
  publicHttpsPort: 443,
  hsts: true,
};

/** The lines of one section of a rendered config, trimmed. */
function sectionOf(config: string, header: string): string[] {
  const block = config.split(/\n\n/).find((b) => b.split("\n")[0] === header);
  assert.ok(block, `no section "${header}" in:\n${config}`);
  return block.split("\n").slice(1).map((l) => l.trim());
}

describe("client addresses (rendered rules)", () => {
  it("sets X-Forwarded-For and X-Real-IP to the connection's source, replacing what the client sent", () => {
    const rules = clientAddressRules([]);
    assert.ok(rules.includes("http-request set-header X-Forwarded-For %[src]"));
    assert.ok(rules.includes("http-request set-header X-Real-IP %[src]"));
  });

  it("behind a trusted upstream, sets both headers from the client address it chose", () => {
    const rules = clientAddressRules(["173.245.48.0/20"]);
    assert.ok(rules.includes("http-request set-var(txn.client_ip) src"));
    assert.ok(rules.includes("http-request set-header X-Forwarded-For %[var(txn.client_ip)]"));
    assert.ok(rules.includes("http-request set-header X-Real-IP %[var(txn.client_ip)]"));
  });

  it("believes CF-Connecting-IP from no one when there is no trusted upstream, and removes it", () => {
    const rules = clientAddressRules([]);
    assert.equal(rules.filter((r) => r.includes("CF-Connecting-IP")).join("\n"), "http-request del-header CF-Connecting-IP");
  });

  it("believes CF-Connecting-IP only from the trusted ranges, and removes it from anyone else", () => {
    const rules = clientAddressRules(["173.245.48.0/20", "2400:cb00::/32"]);
    assert.ok(rules.includes("acl from_trusted_proxy src 173.245.48.0/20 2400:cb00::/32"));
    assert.ok(rules.includes("http-request set-var(txn.client_ip) req.hdr_ip(CF-Connecting-IP) if from_trusted_proxy"));
    assert.ok(rules.includes("http-request del-header CF-Connecting-IP unless from_trusted_proxy"));
  });

  it("removes True-Client-IP and Forwarded, which only a proxy may set, from every request", () => {
    for (const trusted of [[], ["173.245.48.0/20"]]) {
      const rules = clientAddressRules(trusted);
      assert.ok(rules.includes("http-request del-header True-Client-IP"));
      assert.ok(rules.includes("http-request del-header Forwarded"));
    }
  });

  it("spreads a long list of ranges over several ACL lines, within HAProxy's 64 words a line", () => {
    const ranges = Array.from({ length: 70 }, (_, i) => `10.${i}.0.0/16`);
    const acls = clientAddressRules(ranges).filter((r) => r.startsWith("acl "));
    assert.ok(acls.length > 1);
    for (const acl of acls) assert.ok(acl.split(" ").length <= 64, acl);
    assert.deepEqual(acls.flatMap((a) => a.split(" ").slice(3)).sort(), [...ranges].sort());
  });

  it("refuses a trusted range that is not a CIDR block, instead of rendering it", () => {
    assert.throws(() => clientAddressRules(["173.245.48.0/20", "any"]), /trusted proxy ranges must be CIDR blocks \(got any\)/);
    assert.throws(() => clientAddressRules(["10.0.0.0/33"]), /got 10\.0\.0\.0\/33/);
  });
});

describe("client addresses (haproxy.cfg)", () => {
  it("never appends to a client's X-Forwarded-For (no `option forwardfor`)", () => {
    assert.doesNotMatch(renderHaproxyConfig(OPTIONS), /option forwardfor/);
  });

  for (const frontend of ["frontend http", "frontend https"]) {
    it(`sets the client address headers in the ${frontend.split(" ")[1]} frontend before any routing rule`, () => {
      const lines = sectionOf(renderHaproxyConfig({ ...OPTIONS, trustedProxies: ["173.245.48.0/20"] }), frontend);
      const setXff = lines.indexOf("http-request set-header X-Forwarded-For %[var(txn.client_ip)]");
      assert.ok(setXff >= 0, lines.join("\n"));
      assert.ok(lines.includes("acl from_trusted_proxy src 173.245.48.0/20"));
      const firstRoute = lines.findIndex((l) => l.startsWith("use_backend") || l.startsWith("default_backend"));
      assert.ok(firstRoute > setXff);
    });
  }
});

describe("client addresses (stacks)", () => {
  const proxyConfig = async (stack: string, config: Record<string, unknown>) => {
    const run = await runProgram({ stack, config });
    const type = config.target === "local" ? TYPES.localCommand : TYPES.remoteCommand;
    return run.get(type, "proxy-config").inputs.stdin as string;
  };

  it("trusts Cloudflare's published ranges, from the same data source as the firewall, when records are proxied", async () => {
    const config = await proxyConfig("dev", doConfig());
    const trusted = sectionOf(config, "frontend https").filter((l) => l.startsWith("acl from_trusted_proxy src"));
    const listed = trusted.flatMap((l) => l.split(" ").slice(3)).sort();
    assert.deepEqual(listed, [...FAKE.cloudflareIpv4, ...FAKE.cloudflareIpv6].sort());
  });

  it("trusts no upstream when records are not proxied", async () => {
    const config = await proxyConfig("dev", doConfig({ proxied: false, tlsMode: "self-signed" }));
    assert.doesNotMatch(config, /from_trusted_proxy|req\.hdr_ip/);
    assert.match(config, /http-request del-header CF-Connecting-IP$/m);
  });

  it("trusts no upstream on the local target", async () => {
    const config = await proxyConfig("local", localConfig());
    assert.doesNotMatch(config, /from_trusted_proxy|req\.hdr_ip/);
    assert.match(config, /http-request set-header X-Forwarded-For %\[src\]/);
  });
});
