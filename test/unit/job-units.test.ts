import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
  JobUnitSpec,
  ON_FAILURE_HOOKS_DIR,
  ON_FAILURE_SCRIPT,
  ON_FAILURE_UNIT,
  renderInstallJobsScript,
  renderJobUnits,
  renderOnFailureScript,
  renderOnFailureUnit,
  renderUninstallJobsScript,
} from "../../components/app/job-units";
import { tempDir } from "../harness/tools";

const PREFIX = "berth-prod-shop_job-";
const JOBS_DIR = "/var/lib/berth/jobs/shop";

function spec(name: string, jobsDir = JOBS_DIR, overrides: Partial<JobUnitSpec> = {}): JobUnitSpec {
  return {
    unit: `${PREFIX}${name}`,
    description: `berth prod: job ${name} of shop`,
    onCalendar: ["Mon *-*-* 00:00:00 UTC", "*-*-01,15 00:00:00 UTC"],
    runScriptPath: `${jobsDir}/${name}.sh`,
    timeoutSeconds: 3600,
    ...overrides,
  };
}

const job = (name: string, jobsDir = JOBS_DIR) => ({ name, unit: spec(name, jobsDir), runScript: `#!/bin/sh\necho run ${name}\n` });

describe("Scheduled jobs (systemd units)", () => {
  describe("renderJobUnits", () => {
    const { service, timer } = renderJobUnits(spec("nightly-report"));

    it("runs the job's runner once per start, after Docker", () => {
      assert.match(service, /^Type=oneshot$/m);
      assert.match(service, /^ExecStart=\/var\/lib\/berth\/jobs\/shop\/nightly-report\.sh$/m);
      assert.match(service, /^Requires=docker\.service$/m);
      assert.match(service, /^After=docker\.service$/m);
    });

    it("gives the service a minute past the job's limit, which the runner enforces", () => {
      assert.match(service, /^TimeoutStartSec=3660$/m);
    });

    it("reports a failure through the on-failure template and logs under the unit's name", () => {
      assert.match(service, /^OnFailure=berth-on-failure@%N\.service$/m);
      assert.match(service, /^SyslogIdentifier=berth-prod-shop_job-nightly-report$/m);
    });

    it("fires the timer on every OnCalendar value, catching up missed runs, to the second", () => {
      assert.deepEqual(timer.match(/^OnCalendar=.*$/gm), ["OnCalendar=Mon *-*-* 00:00:00 UTC", "OnCalendar=*-*-01,15 00:00:00 UTC"]);
      assert.match(timer, /^Persistent=true$/m);
      assert.match(timer, /^AccuracySec=1s$/m);
      assert.match(timer, /^Unit=berth-prod-shop_job-nightly-report\.service$/m);
      assert.match(timer, /^\[Install\]\nWantedBy=timers\.target$/m);
    });

    it("escapes % in the description and runner path, where systemd reads specifiers", () => {
      const units = renderJobUnits(spec("x", JOBS_DIR, { description: "100% done", runScriptPath: "/srv/50%/x.sh" }));
      assert.match(units.service, /^Description=100%% done$/m);
      assert.match(units.service, /^ExecStart=\/srv\/50%%\/x\.sh$/m);
    });

    it("refuses a timer without any OnCalendar value", () => {
      assert.throws(() => renderJobUnits(spec("x", JOBS_DIR, { onCalendar: [] })), /at least one OnCalendar/);
    });
  });

  describe("the on-failure hook", () => {
    it("is a template unit that runs the hook script with the failed unit's name", () => {
      assert.equal(ON_FAILURE_UNIT, "berth-on-failure@.service");
      assert.equal(ON_FAILURE_SCRIPT, "/usr/local/sbin/berth-on-failure");
      assert.equal(ON_FAILURE_HOOKS_DIR, "/etc/berth/hooks/on-failure.d");
      const unit = renderOnFailureUnit();
      assert.match(unit, /^Type=oneshot$/m);
      assert.match(unit, /^ExecStart=\/usr\/local\/sbin\/berth-on-failure %i$/m);
    });

    describe("the hook script (run with its hooks directory in a temporary one)", () => {
      let dir: string;
      let hooks: string;
      const run = () => {
        const file = path.join(dir, "on-failure");
        fs.writeFileSync(file, renderOnFailureScript().replace(ON_FAILURE_HOOKS_DIR, hooks));
        return spawnSync("sh", [file, "berth-prod-shop_job-nightly"], { encoding: "utf8", env: { PATH: `${dir}/bin:${process.env.PATH}` } });
      };
      const hook = (name: string, body: string, mode = 0o755) => fs.writeFileSync(path.join(hooks, name), `#!/bin/sh\n${body}\n`, { mode });
      const logged = () => fs.readFileSync(path.join(dir, "logged"), "utf8");

      beforeEach(() => {
        dir = tempDir("on-failure");
        hooks = path.join(dir, "hooks");
        fs.mkdirSync(hooks);
        fs.mkdirSync(path.join(dir, "bin"));
        // A stand-in logger that records what would go to the journal.
        fs.writeFileSync(path.join(dir, "bin", "logger"), `#!/bin/sh\necho "$*" >> '${dir}/logged'\n`, { mode: 0o755 });
      });

      it("logs that the unit failed, tagged berth", () => {
        assert.equal(run().status, 0);
        assert.equal(logged(), "-t berth berth: berth-prod-shop_job-nightly failed\n");
      });

      it("runs every hook in name order with the unit's name, even after one fails, then fails", () => {
        hook("10-first", `echo "first $1" >> '${dir}/ran'`);
        hook("20-broken", "exit 7");
        hook("30-last", `echo "last $1" >> '${dir}/ran'`);
        const result = run();
        assert.equal(result.status, 1);
        assert.equal(fs.readFileSync(path.join(dir, "ran"), "utf8"), "first berth-prod-shop_job-nightly\nlast berth-prod-shop_job-nightly\n");
        assert.match(logged(), /on-failure hook .*20-broken failed for berth-prod-shop_job-nightly/);
      });

      it("skips files that are not executable or are named like backups, as run-parts does", () => {
        hook("plain", `echo plain >> '${dir}/ran'`, 0o644);
        hook("hook.dpkg-old", `echo old >> '${dir}/ran'`);
        hook("hook~", `echo backup >> '${dir}/ran'`);
        assert.equal(run().status, 0);
        assert.ok(!fs.existsSync(path.join(dir, "ran")));
      });
    });
  });

  describe("renderInstallJobsScript (text)", () => {
    const text = renderInstallJobsScript({ unitPrefix: PREFIX, jobsDir: JOBS_DIR, jobs: [job("nightly"), job("hourly")], schedule: true });

    it("stores the env file from standard input, private, by rename", () => {
      assert.match(text, /^umask 077$/m);
      assert.match(text, /^chmod 0700 "\$jobs_dir"$/m);
      assert.match(text, /^write_file "\$jobs_dir\/env" 0600$/m);
      assert.match(text, /^ {2}mv -f "\$tmp" "\$1"$/m);
    });

    it("writes each runner, its units and the on-failure hook, then enables each timer", () => {
      assert.match(text, /^write_file "\$jobs_dir"\/'nightly\.sh' 0700 <<'BERTH_EOF'\n#!\/bin\/sh\necho run nightly\nBERTH_EOF$/m);
      assert.match(text, /^write_file \/etc\/systemd\/system\/'berth-prod-shop_job-nightly\.service' 0644 <</m);
      assert.match(text, /^write_file \/etc\/systemd\/system\/'berth-prod-shop_job-hourly\.timer' 0644 <</m);
      assert.match(text, /^write_file \/usr\/local\/sbin\/berth-on-failure 0755 <</m);
      assert.match(text, /^write_file \/etc\/systemd\/system\/berth-on-failure@\.service 0644 <</m);
      assert.match(text, /^systemctl daemon-reload\nsystemctl enable --now 'berth-prod-shop_job-nightly\.timer'\nsystemctl enable --now 'berth-prod-shop_job-hourly\.timer'\n$/m);
    });

    it("without scheduling, writes the env file and runners only", () => {
      const local = renderInstallJobsScript({ unitPrefix: PREFIX, jobsDir: JOBS_DIR, jobs: [job("nightly")], schedule: false });
      assert.match(local, /^write_file "\$jobs_dir"\/'nightly\.sh' 0700/m);
      assert.doesNotMatch(local, /systemctl|\/etc\/systemd|berth-on-failure/);
    });

    it("picks a heredoc delimiter no line of a runner equals", () => {
      const tricky = { ...job("nightly"), runScript: "#!/bin/sh\ncat <<'BERTH_EOF'\nx\nBERTH_EOF\n" };
      const installer = renderInstallJobsScript({ unitPrefix: PREFIX, jobsDir: JOBS_DIR, jobs: [tricky], schedule: false });
      assert.match(installer, /<<'BERTH_EOF_'\n#!\/bin\/sh\ncat <<'BERTH_EOF'\nx\nBERTH_EOF\nBERTH_EOF_\n/);
    });

    it("refuses a job whose unit lacks the prefix or runs another runner than its own", () => {
      const base = { unitPrefix: PREFIX, jobsDir: JOBS_DIR, schedule: true };
      assert.throws(
        () => renderInstallJobsScript({ ...base, jobs: [{ ...job("a"), unit: { ...spec("a"), unit: "other-a" } }] }),
        /other-a does not start with berth-prod-shop_job-/,
      );
      assert.throws(
        () => renderInstallJobsScript({ ...base, jobs: [{ ...job("a"), unit: { ...spec("a"), runScriptPath: "/tmp/a.sh" } }] }),
        /must run \/var\/lib\/berth\/jobs\/shop\/a\.sh, not \/tmp\/a\.sh/,
      );
      assert.throws(() => renderInstallJobsScript({ ...base, jobs: [job("a"), job("a")] }), /job names repeat/);
    });

    it("refuses a jobs directory of / or with a trailing slash", () => {
      assert.throws(() => renderInstallJobsScript({ unitPrefix: PREFIX, jobsDir: "/", jobs: [], schedule: false }), /must name a directory/);
      assert.throws(() => renderUninstallJobsScript({ unitPrefix: PREFIX, jobsDir: "/srv/", schedule: false }), /must name a directory/);
    });
  });

  describe("renderUninstallJobsScript (text)", () => {
    it("disables each timer before removing the units, then removes the runners and env file", () => {
      const text = renderUninstallJobsScript({ unitPrefix: PREFIX, jobsDir: JOBS_DIR, schedule: true });
      const disable = text.indexOf('systemctl disable --now "$name.timer"');
      assert.ok(disable > 0);
      assert.ok(text.indexOf('rm -f "/etc/systemd/system/$name.timer"') > disable);
      assert.match(text, /^rm -rf "\$jobs_dir"$/m);
    });

    it("without scheduling, removes the runners and env file only", () => {
      const text = renderUninstallJobsScript({ unitPrefix: PREFIX, jobsDir: JOBS_DIR, schedule: false });
      assert.doesNotMatch(text, /systemctl/);
      assert.match(text, /^rm -rf "\$jobs_dir"$/m);
    });
  });

  /**
   * The installer and uninstaller run for real, with the system paths moved into a temporary
   * directory and a stand-in systemctl that records its calls.
   */
  describe("installing and removing jobs (run in a sandbox)", () => {
    let root: string;
    let jobsDir: string;
    const unitDir = () => path.join(root, "units");
    const sandboxed = (text: string) =>
      text
        .split("/etc/systemd/system")
        .join(unitDir())
        .split(ON_FAILURE_SCRIPT)
        .join(path.join(root, "berth-on-failure"))
        .split(ON_FAILURE_HOOKS_DIR)
        .join(path.join(root, "hooks"));
    const run = (text: string, input = "") => {
      const result = spawnSync("sh", ["-c", sandboxed(text)], { input, encoding: "utf8", env: { PATH: `${root}/bin:${process.env.PATH}` } });
      assert.equal(result.status, 0, result.stderr);
      return result;
    };
    const systemctl = () => (fs.existsSync(path.join(root, "systemctl")) ? fs.readFileSync(path.join(root, "systemctl"), "utf8").trimEnd().split("\n") : []);
    const install = (names: string[], schedule = true) =>
      run(renderInstallJobsScript({ unitPrefix: PREFIX, jobsDir, jobs: names.map((n) => job(n, jobsDir)), schedule }), "SECRET_KEY='s3cret'\n");
    const mode = (file: string) => fs.statSync(file).mode & 0o777;

    beforeEach(() => {
      root = tempDir("jobs");
      jobsDir = path.join(root, "jobs", "shop");
      fs.mkdirSync(unitDir());
      fs.mkdirSync(path.join(root, "bin"));
      fs.writeFileSync(path.join(root, "bin", "systemctl"), `#!/bin/sh\necho "$*" >> '${root}/systemctl'\n`, { mode: 0o755 });
    });

    it("stores the env file 0600 in a 0700 directory and each runner 0700", () => {
      install(["nightly"]);
      assert.equal(fs.readFileSync(path.join(jobsDir, "env"), "utf8"), "SECRET_KEY='s3cret'\n");
      assert.equal(mode(path.join(jobsDir, "env")), 0o600);
      assert.equal(mode(jobsDir), 0o700);
      assert.equal(fs.readFileSync(path.join(jobsDir, "nightly.sh"), "utf8"), "#!/bin/sh\necho run nightly\n");
      assert.equal(mode(path.join(jobsDir, "nightly.sh")), 0o700);
      assert.deepEqual(fs.readdirSync(jobsDir).sort(), ["env", "nightly.sh"], "no temporary files left");
    });

    it("installs the units and the on-failure hook, reloads systemd and enables each timer", () => {
      install(["nightly", "hourly"]);
      const units = renderJobUnits(spec("nightly", jobsDir));
      assert.equal(fs.readFileSync(path.join(unitDir(), `${PREFIX}nightly.service`), "utf8"), units.service.trimEnd() + "\n");
      assert.equal(fs.readFileSync(path.join(unitDir(), `${PREFIX}nightly.timer`), "utf8"), units.timer.trimEnd() + "\n");
      assert.equal(fs.readFileSync(path.join(unitDir(), ON_FAILURE_UNIT), "utf8"), sandboxed(renderOnFailureUnit()).trimEnd() + "\n");
      assert.equal(mode(path.join(root, "berth-on-failure")), 0o755);
      assert.ok(fs.statSync(path.join(root, "hooks")).isDirectory());
      assert.deepEqual(systemctl(), ["daemon-reload", `enable --now ${PREFIX}nightly.timer`, `enable --now ${PREFIX}hourly.timer`]);
    });

    it("removes this app's jobs no longer listed, timer first, with their runners", () => {
      install(["nightly", "hourly"]);
      fs.rmSync(path.join(root, "systemctl"));
      install(["nightly"]);
      assert.deepEqual(systemctl(), [
        `disable --now ${PREFIX}hourly.timer`,
        `stop ${PREFIX}hourly.service`,
        `reset-failed ${PREFIX}hourly.service ${PREFIX}hourly.timer`,
        "daemon-reload",
        `enable --now ${PREFIX}nightly.timer`,
      ]);
      assert.deepEqual(fs.readdirSync(unitDir()).sort(), [ON_FAILURE_UNIT, `${PREFIX}nightly.service`, `${PREFIX}nightly.timer`]);
      assert.deepEqual(fs.readdirSync(jobsDir).sort(), ["env", "nightly.sh"]);
    });

    it("leaves another app's units that share the prefix (shop and shop-job)", () => {
      const other = renderJobUnits({ ...spec("job-x"), runScriptPath: path.join(root, "jobs", "shop-job", "x.sh") });
      fs.writeFileSync(path.join(unitDir(), `${PREFIX}job-x.service`), other.service);
      fs.writeFileSync(path.join(unitDir(), `${PREFIX}job-x.timer`), other.timer);
      install(["nightly"]);
      run(renderUninstallJobsScript({ unitPrefix: PREFIX, jobsDir, schedule: true }));
      assert.ok(fs.existsSync(path.join(unitDir(), `${PREFIX}job-x.service`)));
      assert.ok(fs.existsSync(path.join(unitDir(), `${PREFIX}job-x.timer`)));
      assert.ok(!systemctl().some((call) => call.includes("job-x")));
    });

    it("uninstalls every job, timers disabled first, and the env file with the runners", () => {
      install(["nightly", "hourly"]);
      fs.rmSync(path.join(root, "systemctl"));
      const result = run(renderUninstallJobsScript({ unitPrefix: PREFIX, jobsDir, schedule: true }));
      assert.deepEqual(systemctl().slice(0, 2), [`disable --now ${PREFIX}hourly.timer`, `stop ${PREFIX}hourly.service`]);
      assert.ok(systemctl().includes(`disable --now ${PREFIX}nightly.timer`));
      assert.deepEqual(fs.readdirSync(unitDir()), [ON_FAILURE_UNIT], "the shared hook stays for other apps");
      assert.ok(!fs.existsSync(jobsDir));
      assert.match(result.stdout, /^berth: removed jobs: berth-prod-shop_job-hourly berth-prod-shop_job-nightly$/m);
    });

    it("without scheduling, writes the runners, removes unlisted ones and never calls systemctl", () => {
      install(["nightly", "hourly"], false);
      install(["nightly"], false);
      assert.deepEqual(fs.readdirSync(jobsDir).sort(), ["env", "nightly.sh"]);
      assert.deepEqual(fs.readdirSync(unitDir()), []);
      run(renderUninstallJobsScript({ unitPrefix: PREFIX, jobsDir, schedule: false }));
      assert.ok(!fs.existsSync(jobsDir));
      assert.deepEqual(systemctl(), []);
    });
  });
});
