import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { cronToOnCalendar } from "../../components/app/schedule";
import {
  BACKUP_PATHS,
  renderBackupUnits,
  renderInstallBackupJobScript,
  renderInstallBackupSettingsScript,
  renderUninstallBackupJobScript,
  renderUninstallBackupSettingsScript,
} from "../../components/backup/job";
import { BackupScriptOptions, renderBackupScript } from "../../components/backup/script";
import { runTool, tempDir } from "../harness/tools";

const common = { envFile: BACKUP_PATHS.envFile, statusDir: BACKUP_PATHS.statusDir };
const JOBS: [string, BackupScriptOptions][] = [
  ["a postgres job with local dumps", { engine: "postgres", name: "main", container: "berth-prod-db-main", localDir: "/mnt/berth/backups/postgres/main", localKeepDays: 7, ...common }],
  ["a postgres job, off-site only", { engine: "postgres", name: "main", container: "berth-prod-db-main", ...common }],
  ["a postgres job, local dumps only", { engine: "postgres", name: "main", container: "berth-prod-db-main", localDir: "/mnt/berth/backups/postgres/main", localKeepDays: 7, offsite: false, ...common }],
  ["a redis job", { engine: "redis", name: "cache", container: "berth-prod-db-cache", ...common }],
];

/** The rendered backup job, checked by the tools that run it: shellcheck and systemd-analyze. */
describe("Off-site backup job (checked by shellcheck and systemd-analyze)", () => {
  describe("shellcheck", () => {
    const shellcheck = (text: string, shell: "bash" | "sh") => {
      const result = runTool("shellcheck", [`--shell=${shell}`, "--severity=style", "-"], { input: text });
      assert.equal(result.status, 0, result.stdout + result.stderr);
    };

    for (const [what, opts] of JOBS) {
      it(`${what} passes shellcheck as bash`, () => shellcheck(renderBackupScript(opts), "bash"));
    }

    it("the job's installer and uninstaller pass shellcheck as POSIX sh", () => {
      const spec = { unit: "berth-backup-main", description: "d", onCalendar: ["*-*-* 03:00:00 UTC"], scriptPath: "/usr/local/sbin/berth-backup-main" };
      shellcheck(renderInstallBackupJobScript(spec, renderBackupScript(JOBS[0][1])), "sh");
      shellcheck(renderUninstallBackupJobScript("berth-backup-main", "main"), "sh");
    });

    it("the settings' installer and uninstaller pass shellcheck as POSIX sh", () => {
      shellcheck(renderInstallBackupSettingsScript(["age1pljm8z7ncwldskj2k7xlqp5aefc9e6ew6xkuczk8gce27tl2f4xsyv3sma"]), "sh");
      shellcheck(renderUninstallBackupSettingsScript(), "sh");
    });

    it("flags a broken script (the check is real)", () => {
      const result = runTool("shellcheck", ["--shell=bash", "--severity=style", "-"], { input: '#!/bin/bash\nrm -rf $dir/*\n' });
      assert.notEqual(result.status, 0);
    });
  });

  describe("systemd-analyze verify", () => {
    it("accepts the job's service and timer on a schedule with two calendar values", () => {
      const dir = tempDir("backup-units");
      const scriptPath = path.join(dir, "berth-backup-main");
      fs.writeFileSync(scriptPath, renderBackupScript(JOBS[0][1]), { mode: 0o700 });
      const unit = "berth-backup-main";
      const units = renderBackupUnits({ unit, description: "berth backup of Postgres database main (100% off-site)", onCalendar: cronToOnCalendar("0 3 13 * FRI"), scriptPath });
      fs.writeFileSync(path.join(dir, `${unit}.service`), units.service);
      fs.writeFileSync(path.join(dir, `${unit}.timer`), units.timer);
      const result = runTool("systemd-analyze", ["verify", "--man=no", path.join(dir, `${unit}.service`), path.join(dir, `${unit}.timer`)], { debianPackage: "systemd" });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr.trim(), "");
    });
  });
});
