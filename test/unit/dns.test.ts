import { strict as assert } from "assert";
import { FAKE } from "../harness/fakes";
import { runProgram } from "../harness/program";
import { doConfig, TYPES } from "../harness/stacks";

const apps = {
  web: { image: "ghcr.io/acme/web:1", hosts: ["example.com", "www.example.com"] },
  api: { image: "ghcr.io/acme/api:1", hosts: ["api.example.com"] },
};

describe("Dns", () => {
  it("publishes an A and an AAAA record per host, proxied, with automatic TTL", async () => {
    const run = await runProgram({ stack: "dev", config: doConfig({ apps, databases: {} }) });
    const records = run.ofType(TYPES.dnsRecord).map((r) => r.inputs);
    assert.equal(records.length, 6);
    for (const host of ["example.com", "www.example.com", "api.example.com"]) {
      const a = records.find((r) => r.name === host && r.type === "A");
      const aaaa = records.find((r) => r.name === host && r.type === "AAAA");
      assert.ok(a && aaaa, `records for ${host}`);
      assert.equal(a.content, FAKE.reservedIp);
      assert.equal(aaaa.content, FAKE.dropletIpv6);
      for (const r of [a, aaaa]) {
        assert.equal(r.zoneId, "023e105f4ecef8ad9ca31a8372d0c353");
        assert.equal(r.proxied, true);
        assert.equal(r.ttl, 1);
      }
    }
  });

  it("publishes only A records when IPv6 is off, unproxied when asked", async () => {
    const run = await runProgram({
      stack: "dev",
      config: doConfig({ apps, databases: {}, ipv6: false, proxied: false, tlsMode: "self-signed" }),
    });
    const records = run.ofType(TYPES.dnsRecord).map((r) => r.inputs);
    assert.deepEqual(records.map((r) => r.type), ["A", "A", "A"]);
    assert.ok(records.every((r) => r.proxied === false));
    assert.equal(run.get(TYPES.droplet, "berth-dev-droplet").inputs.ipv6, false);
  });
});
