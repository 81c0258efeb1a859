import { strict as assert } from "assert";
import { parse } from "yaml";
import { renderCloudInit } from "../../components/server/cloud-init";
import { IMAGE_PRUNE_UNIT, renderImagePruneUnits } from "../../components/server/image-prune";
import { METADATA_BLOCK_SCRIPT, METADATA_BLOCK_UNIT, renderMetadataBlockScript, renderMetadataBlockUnit } from "../../components/server/metadata-block";

const userData = parse(
  renderCloudInit({
    volumeDevice: "/dev/disk/by-id/scsi-0DO_Volume_berth-dev-data",
    dataPath: "/mnt/berth",
    swapSizeGb: 2,
    hostKey: { privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----", publicKey: "ssh-ed25519 AAAA" },
  }),
);
const file = (p: string) => userData.write_files.find((f: any) => f.path === p);
const runcmd: string[] = userData.runcmd.map((c: string[]) => c.join(" "));

describe("droplet host guards (cloud-init)", () => {
  describe("the metadata service", () => {
    it("is refused to containers by a DOCKER-USER rule on the metadata address", () => {
      assert.match(renderMetadataBlockScript(), /^metadata=169\.254\.169\.254\/32$/m);
      assert.match(renderMetadataBlockScript(), /iptables -w "\$1" DOCKER-USER -d "\$metadata" -j REJECT/);
    });

    it("installs the rule's script, executable, and its unit", () => {
      assert.deepEqual(file(METADATA_BLOCK_SCRIPT), { path: METADATA_BLOCK_SCRIPT, permissions: "0755", content: renderMetadataBlockScript() });
      assert.equal(file(`/etc/systemd/system/${METADATA_BLOCK_UNIT}`).content, renderMetadataBlockUnit());
    });

    it("applies the rule before Docker starts, and again whenever Docker restarts", () => {
      const unit = renderMetadataBlockUnit();
      assert.match(unit, /^Before=docker\.service$/m);
      assert.match(unit, /^PartOf=docker\.service$/m);
      assert.match(unit, /^WantedBy=docker\.service$/m);
      assert.match(unit, /^RemainAfterExit=yes$/m);
    });

    it("is enabled and started at first boot, after the unit files are loaded", () => {
      const reload = runcmd.indexOf("systemctl daemon-reload");
      const enable = runcmd.indexOf(`systemctl enable --now ${METADATA_BLOCK_UNIT}`);
      assert.ok(reload >= 0 && enable > reload, runcmd.join("\n"));
    });
  });

  describe("dangling images", () => {
    it("are pruned by `docker image prune --force`, never with --all (only images no tag points at)", () => {
      const { service } = renderImagePruneUnits();
      assert.match(service, /^ExecStart=\/usr\/bin\/docker image prune --force$/m);
      assert.doesNotMatch(service, /--all|-a\b/);
    });

    it("are pruned daily, catching up on a run missed while the droplet was off", () => {
      const { timer } = renderImagePruneUnits();
      assert.match(timer, /^OnCalendar=daily$/m);
      assert.match(timer, /^Persistent=true$/m);
    });

    it("have their service and timer installed and the timer started at first boot", () => {
      const units = renderImagePruneUnits();
      assert.equal(file(`/etc/systemd/system/${IMAGE_PRUNE_UNIT}.service`).content, units.service);
      assert.equal(file(`/etc/systemd/system/${IMAGE_PRUNE_UNIT}.timer`).content, units.timer);
      assert.ok(runcmd.indexOf(`systemctl enable --now ${IMAGE_PRUNE_UNIT}.timer`) > runcmd.indexOf("systemctl daemon-reload"));
    });
  });
});
