import { strict as assert } from "assert";
import { parse } from "yaml";
import { FAKE } from "../harness/fakes";
import { ProgramRun, runProgram } from "../harness/program";
import { doConfig, TYPES } from "../harness/stacks";

describe("Server", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ stack: "dev", config: doConfig({ region: "fra1", tags: ["team-a"] }) });
  });

  it("creates the droplet from config with monitoring, IPv6, SSH keys and tags", () => {
    const droplet = run.get(TYPES.droplet, "berth-dev-droplet").inputs;
    assert.equal(droplet.region, "fra1");
    assert.equal(droplet.size, "s-2vcpu-4gb");
    assert.equal(droplet.image, "ubuntu-24-04-x64");
    assert.deepEqual(droplet.sshKeys, ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"]);
    assert.equal(droplet.monitoring, true);
    assert.equal(droplet.ipv6, true);
    assert.deepEqual(droplet.tags, ["berth", "team-a", "berth-dev"]);
  });

  it("never replaces the droplet because cloud-init changed", () => {
    assert.deepEqual(run.get(TYPES.droplet, "berth-dev-droplet").ignoreChanges, ["userData"]);
  });

  it("points a protected reserved IP at the droplet", () => {
    const ip = run.get(TYPES.reservedIp, "berth-dev-ip");
    assert.equal(ip.protect, true);
    const assignment = run.get(TYPES.reservedIpAssignment, "berth-dev-ip-assignment").inputs;
    assert.equal(assignment.ipAddress, FAKE.reservedIp);
    assert.equal(assignment.dropletId, Number(FAKE.dropletId));
  });

  it("keeps the data volume on destroy and on droplet replacement", () => {
    const volume = run.get(TYPES.volume, "berth-dev-data");
    assert.equal(volume.protect, true);
    assert.equal(volume.retainOnDelete, true);
    assert.equal(volume.inputs.initialFilesystemType, "ext4");
    assert.equal(volume.inputs.size, 20);
    const attachment = run.get(TYPES.volumeAttachment, "berth-dev-data-attachment").inputs;
    assert.equal(attachment.volumeId, "berth-dev-data-id");
    assert.equal(attachment.dropletId, Number(FAKE.dropletId));
  });

  it("mounts the volume by its device path, with nofail, through cloud-init", () => {
    const userData: string = run.get(TYPES.droplet, "berth-dev-droplet").inputs.userData;
    const cloudConfig = parse(userData);
    assert.deepEqual(cloudConfig.mounts, [
      ["/dev/disk/by-id/scsi-0DO_Volume_berth-dev-data", "/mnt/berth", "ext4", "defaults,nofail,discard,noatime", "0", "2"],
    ]);
  });

  it("keeps the droplet's user data secret (it carries the SSH host key)", () => {
    const wire = run.get(TYPES.droplet, "berth-dev-droplet").wireInputs.userData;
    assert.equal(typeof wire, "object", "userData must be a secret on the wire");
  });

  it("waits for cloud-init, the volume and Docker before anything uses Docker", () => {
    const ready = run.get(TYPES.remoteCommand, "berth-dev-ready");
    assert.match(ready.inputs.create, /cloud-init status --wait/);
    assert.match(ready.inputs.create, /mountpoint -q "\$data_path"/);
    assert.match(ready.inputs.create, /docker info/);
    assert.equal(ready.inputs.connection.host, FAKE.reservedIp);
    assert.equal(ready.inputs.connection.hostKey, FAKE.hostPublicKey);
    const needs = (type: string, name: string) => assert.ok(ready.dependencies.includes(run.get(type, name).urn), `ready must wait for ${name}`);
    needs(TYPES.reservedIpAssignment, "berth-dev-ip-assignment");
    needs(TYPES.volumeAttachment, "berth-dev-data-attachment");
    needs(TYPES.firewall, "berth-dev-firewall");

    const dockerResources = run.resources.filter((r) => r.type.startsWith("docker:") || r.type === TYPES.dockerProvider);
    assert.ok(dockerResources.length > 0);
    for (const r of dockerResources) {
      assert.ok(r.dependencies.includes(ready.urn), `${r.type} ${r.name} must depend on the readiness command`);
    }
  });

  describe("cloud firewall", () => {
    const rule = (r: ProgramRun, port: string) =>
      r.get(TYPES.firewall, "berth-dev-firewall").inputs.inboundRules.find((x: any) => x.portRange === port);

    it("opens 80 and 443 to everyone by default", () => {
      for (const port of ["80", "443"]) {
        assert.deepEqual(rule(run, port), { protocol: "tcp", portRange: port, sourceAddresses: ["0.0.0.0/0", "::/0"] });
      }
    });

    it("opens 80 and 443 only to Cloudflare when the origin is locked", async () => {
      const locked = await runProgram({ stack: "dev", config: doConfig({ lockOriginToCloudflare: true }) });
      const cloudflare = [...FAKE.cloudflareIpv4, ...FAKE.cloudflareIpv6];
      for (const port of ["80", "443"]) {
        assert.deepEqual(rule(locked, port).sourceAddresses, cloudflare);
      }
    });

    it("applies to this stack's droplet by id only, never by tag (a tag would reach every stack's droplets)", () => {
      const fw = run.get(TYPES.firewall, "berth-dev-firewall").inputs;
      assert.deepEqual(fw.dropletIds, [Number(FAKE.dropletId)]);
      assert.equal(fw.tags, undefined);
    });

    it("opens SSH only to the configured CIDRs", () => {
      assert.deepEqual(rule(run, "22").sourceAddresses, ["203.0.113.0/24"]);
    });

    it("allows ICMP in and everything out", () => {
      const fw = run.get(TYPES.firewall, "berth-dev-firewall").inputs;
      assert.ok(fw.inboundRules.some((r: any) => r.protocol === "icmp"));
      assert.deepEqual(
        fw.outboundRules.map((r: any) => [r.protocol, r.portRange ?? "", r.destinationAddresses]),
        [
          ["tcp", "1-65535", ["0.0.0.0/0", "::/0"]],
          ["udp", "1-65535", ["0.0.0.0/0", "::/0"]],
          ["icmp", "", ["0.0.0.0/0", "::/0"]],
        ],
      );
      assert.deepEqual(fw.dropletIds, [Number(FAKE.dropletId)]);
    });
  });
});

describe("Server: growing the data volume", () => {
  it("grows the filesystem on the droplet whenever volumeSizeGb changes", async () => {
    const grow = (size: number) =>
      runProgram({ stack: "dev", config: doConfig({ volumeSizeGb: size }) }).then((run) => ({ run, grow: run.get(TYPES.remoteCommand, "berth-dev-data-grow") }));
    const [small, large] = [await grow(20), await grow(40)];
    assert.equal(large.run.get(TYPES.volume, "berth-dev-data").inputs.size, 40);
    assert.match(large.grow.inputs.create, /resize2fs "\$device"/);
    assert.match(large.grow.inputs.create, /scsi-0DO_Volume_berth-dev-data/);
    assert.notDeepEqual(large.grow.inputs.triggers, small.grow.inputs.triggers, "a new size must run the resize again");
    assert.ok(large.grow.dependencies.includes(large.run.get(TYPES.remoteCommand, "berth-dev-ready").urn), "after the volume is mounted");
  });
});

describe("Server: rolling a new cloud-init on purpose", () => {
  const saved = process.env.BERTH_APPLY_CLOUD_INIT;
  after(() => {
    if (saved === undefined) delete process.env.BERTH_APPLY_CLOUD_INIT;
    else process.env.BERTH_APPLY_CLOUD_INIT = saved;
  });

  it("stops ignoring user data only when BERTH_APPLY_CLOUD_INIT=1 is set for the run", async () => {
    process.env.BERTH_APPLY_CLOUD_INIT = "1";
    const run = await runProgram({ stack: "dev", config: doConfig() });
    const droplet = run.get(TYPES.droplet, "berth-dev-droplet");
    assert.deepEqual(droplet.ignoreChanges, []);
    assert.equal(droplet.deleteBeforeReplace, true, "the volume moves to the new droplet only after the old one is gone");
    assert.equal(droplet.inputs.gracefulShutdown, true);
  });
});
