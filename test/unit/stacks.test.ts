import { strict as assert } from "assert";
import { ProgramRun, runProgram } from "../harness/program";
import { stackFileConfig, TYPES } from "../harness/stacks";

/** Resource counts by type token, components included. */
function census(run: ProgramRun): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of run.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}

describe("committed stacks", () => {
  it("dev: one small droplet, DNS, proxy, two databases and one replica", async () => {
    const run = await runProgram({ stack: "dev", config: stackFileConfig("dev") });
    assert.deepEqual(census(run), {
      "berth:index:Server": 1,
      "berth:index:Dns": 1,
      "berth:index:DockerHost": 1,
      "berth:index:Database": 2,
      "berth:index:App": 1,
      "berth:index:Certificate": 1,
      "berth:index:Proxy": 1,
      "berth:index:BackupStorage": 1,
      "digitalocean:index/spacesBucket:SpacesBucket": 1,
      "digitalocean:index/spacesKey:SpacesKey": 1,
      "random:index/randomString:RandomString": 1, // the bucket name's suffix
      [TYPES.droplet]: 1,
      [TYPES.reservedIp]: 1,
      [TYPES.reservedIpAssignment]: 1,
      [TYPES.volume]: 1,
      [TYPES.volumeAttachment]: 1,
      [TYPES.firewall]: 1,
      [TYPES.dnsRecord]: 2, // A + AAAA for dev.example.com
      [TYPES.originCert]: 1,
      "tls:index/privateKey:PrivateKey": 2, // host key + certificate key
      "tls:index/certRequest:CertRequest": 1,
      [TYPES.randomPassword]: 2,
      [TYPES.dockerProvider]: 1,
      [TYPES.network]: 2,
      [TYPES.remoteImage]: 4, // haproxy, postgres, redis, the app
      [TYPES.container]: 4, // proxy, postgres, redis, 1 replica
      [TYPES.remoteCommand]: 12, // ready, data grow, proxy config, certificate, reload, backup settings, postgres and redis backups, 1 replica's health gate, the PID limits of the proxy and both databases
    });
    assert.equal(run.get(TYPES.droplet, "berth-dev-droplet").inputs.size, "s-1vcpu-2gb");
    const names = run.outputs.replicaNames.value as Record<string, Record<string, string[]>>;
    assert.deepEqual(Object.keys(names.web), ["web"], "the app's hosts describe its web process");
    assert.equal(names.web.web.length, 1);
    assert.match(names.web.web[0], /^berth-dev-web-0-[0-9a-f]{7}$/);
  });

  it("prod: a larger droplet, three web replicas, a docs site, origin locked to Cloudflare", async () => {
    const run = await runProgram({ stack: "prod", config: stackFileConfig("prod") });
    assert.equal(run.get(TYPES.droplet, "berth-prod-droplet").inputs.size, "s-4vcpu-8gb");
    const replicas = run.ofType(TYPES.container).filter((c) => c.inputs.labels.some((l: any) => l.label === "berth.role" && l.value === "app"));
    assert.deepEqual(replicas.map((r) => r.name).sort(), [
      "berth-prod-docs-0",
      "berth-prod-docs-1",
      "berth-prod-web-0",
      "berth-prod-web-1",
      "berth-prod-web-2",
    ]);
    const web = run.get(TYPES.firewall, "berth-prod-firewall").inputs.inboundRules.find((r: any) => r.portRange === "443");
    assert.ok(!web.sourceAddresses.includes("0.0.0.0/0"), "443 must not be open to everyone in prod");
    assert.equal(run.ofType(TYPES.dnsRecord).length, 6); // 3 hosts × (A + AAAA)
    assert.deepEqual(run.outputs.appUrls.value, {
      web: ["https://example.com", "https://www.example.com"],
      docs: ["https://docs.example.com"],
    });
    assert.equal(run.outputs.sshCommand.value, "ssh root@203.0.113.10");
  });

  it("every container states its replacement order (the Docker provider's own default is delete-before-replace)", async () => {
    for (const stack of ["dev", "prod", "local"]) {
      const run = await runProgram({ stack, config: stackFileConfig(stack) });
      for (const c of run.ofType(TYPES.container)) assert.notEqual(c.deleteBeforeReplace, undefined, `${stack}: ${c.name}`);
    }
  });

  it("every host command states its replacement order", async () => {
    for (const stack of ["dev", "prod", "local"]) {
      const run = await runProgram({ stack, config: stackFileConfig(stack) });
      for (const c of [...run.ofType(TYPES.remoteCommand), ...run.ofType(TYPES.localCommand)]) {
        assert.notEqual(c.deleteBeforeReplace, undefined, `${stack}: ${c.name}`);
      }
    }
  });

  it("local: the same Docker-level components on the local engine, no cloud resources", async () => {
    const run = await runProgram({ stack: "local", config: stackFileConfig("local") });
    const cloud = run.resources.filter((r) => /^(digitalocean|cloudflare):/.test(r.type) || r.type === TYPES.remoteCommand);
    assert.deepEqual(cloud.map((r) => r.type), []);
    assert.equal(run.get(TYPES.dockerProvider, "host-docker").inputs.host, undefined);
    assert.equal(run.ofType(TYPES.selfSigned).length, 1);
    assert.equal(run.ofType(TYPES.dockerVolume).length, 3); // each database's data, and main's dumps
    assert.equal(run.ofType(TYPES.localCommand).length, 8); // proxy config, certificate, reload, one health gate per replica, the PID limits of the proxy and both databases
    assert.equal(run.outputs.reservedIp, undefined);
    assert.deepEqual(run.outputs.appUrls.value, { web: ["https://web.localhost:8443"] });
    const proxy = run.get(TYPES.container, "proxy");
    assert.deepEqual(
      proxy.inputs.ports.map((p: any) => [p.ip, p.external, p.internal]),
      [["127.0.0.1", 8080, 80], ["127.0.0.1", 8443, 443]],
    );
  });
});
