import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { renderCloudInit } from "../../components/server/cloud-init";
import { IMAGE_PRUNE_UNIT, renderImagePruneUnits } from "../../components/server/image-prune";
import { METADATA_BLOCK_UNIT, renderMetadataBlockScript, renderMetadataBlockUnit } from "../../components/server/metadata-block";
import { runTool, tempDir } from "../harness/tools";

/**
 * The droplet's host guards, checked by the real tools: the metadata block's script by shellcheck
 * and by iptables in a network namespace of its own, the units by systemd-analyze, and the user data
 * that carries them by cloud-init.
 */
const REJECT_RULE = "-A DOCKER-USER -d 169.254.169.254/32 -j REJECT --reject-with icmp-port-unreachable";

function verifyUnits(dir: string, ...units: string[]): void {
  const result = runTool("systemd-analyze", ["verify", "--man=no", ...units.map((u) => path.join(dir, u))], { debianPackage: "systemd" });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr.trim(), "");
}

describe("host guards (checked by cloud-init, shellcheck, systemd-analyze and iptables)", () => {
  it("the user data that carries them passes cloud-init schema", () => {
    const file = path.join(tempDir("host-guards"), "user-data.yaml");
    fs.writeFileSync(
      file,
      renderCloudInit({
        volumeDevice: "/dev/disk/by-id/scsi-0DO_Volume_x",
        dataPath: "/mnt/berth",
        swapSizeGb: 2,
        hostKey: { privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----", publicKey: "ssh-ed25519 AAAA" },
      }),
    );
    const result = runTool("cloud-init", ["schema", "--config-file", file]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it("the metadata block's script passes shellcheck as POSIX sh", () => {
    const result = runTool("shellcheck", ["--shell=sh", "--severity=style", "-"], { input: renderMetadataBlockScript() });
    assert.equal(result.status, 0, result.stdout);
  });

  it("the metadata block's unit passes systemd-analyze verify", () => {
    const dir = tempDir("metadata-block");
    // ExecStart must name an existing executable: the script, where the unit says it is.
    const script = path.join(dir, "berth-block-metadata");
    fs.writeFileSync(script, renderMetadataBlockScript(), { mode: 0o755 });
    fs.writeFileSync(path.join(dir, METADATA_BLOCK_UNIT), renderMetadataBlockUnit(script));
    verifyUnits(dir, METADATA_BLOCK_UNIT);
  });

  it("the image prune service and its timer pass systemd-analyze verify", () => {
    const dir = tempDir("image-prune");
    const units = renderImagePruneUnits();
    fs.writeFileSync(path.join(dir, `${IMAGE_PRUNE_UNIT}.service`), units.service);
    fs.writeFileSync(path.join(dir, `${IMAGE_PRUNE_UNIT}.timer`), units.timer);
    verifyUnits(dir, `${IMAGE_PRUNE_UNIT}.service`, `${IMAGE_PRUNE_UNIT}.timer`);
  });

  it("a broken unit is caught by systemd-analyze (the check is real)", () => {
    const dir = tempDir("host-guards-broken");
    fs.writeFileSync(path.join(dir, "broken.timer"), renderImagePruneUnits().timer.replace("OnCalendar=daily", "OnCalendar=dialy"));
    const result = runTool("systemd-analyze", ["verify", "--man=no", path.join(dir, "broken.timer")], { debianPackage: "systemd" });
    assert.notEqual(result.status, 0);
  });

  describe("the metadata block's script, run by iptables in a network namespace of its own", () => {
    let script: string;
    /** Runs `setup`, then the script `times` times, in a new network namespace; its filter rules. */
    const rulesAfter = (times: number, setup = "") => {
      const run = Array.from({ length: times }, () => script).join(" && ");
      const result = runTool("unshare", ["--net", "sh", "-ec", `${setup}\n${run}\niptables -w -S`], { debianPackage: "util-linux" });
      assert.equal(result.status, 0, result.stderr);
      return result.stdout.trim().split("\n");
    };

    before(function () {
      if (runTool("unshare", ["--net", "iptables", "-w", "-S"]).status !== 0) {
        // Needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN), as the droplet's own boot does.
        this.skip();
      }
      script = path.join(tempDir("metadata-block-run"), "berth-block-metadata");
      fs.writeFileSync(script, renderMetadataBlockScript(), { mode: 0o755 });
    });

    it("refuses forwarded traffic to 169.254.169.254 from DOCKER-USER, reached from FORWARD, before Docker has started", () => {
      const rules = rulesAfter(1);
      assert.ok(rules.includes("-N DOCKER-USER"), rules.join("\n"));
      assert.ok(rules.includes(REJECT_RULE), rules.join("\n"));
      assert.ok(rules.includes("-A FORWARD -j DOCKER-USER"), rules.join("\n"));
    });

    it("adds nothing the second time it runs (Docker restarts run it again)", () => {
      assert.deepEqual(rulesAfter(2), rulesAfter(1));
    });

    it("puts the refusal ahead of the RETURN that older Docker engines append to DOCKER-USER", () => {
      const rules = rulesAfter(1, "iptables -w -N DOCKER-USER\niptables -w -A DOCKER-USER -j RETURN\niptables -w -A FORWARD -j DOCKER-USER");
      const userChain = rules.filter((r) => r.startsWith("-A DOCKER-USER"));
      assert.deepEqual(userChain, [REJECT_RULE, "-A DOCKER-USER -j RETURN"]);
      assert.equal(rules.filter((r) => r === "-A FORWARD -j DOCKER-USER").length, 1);
    });
  });
});
