import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
  ON_FAILURE_SCRIPT,
  ON_FAILURE_UNIT,
  renderInstallJobsScript,
  renderJobUnits,
  renderOnFailureScript,
  renderOnFailureUnit,
  renderUninstallJobsScript,
} from "../../components/app/job-units";
import { renderOneOffScript } from "../../components/app/one-off";
import { cronToOnCalendar } from "../../components/app/schedule";
import { runTool, tempDir } from "../harness/tools";

/** A moment both systemd and the expectations below count from: Monday 1 January 2024, 00:00 UTC. */
const BASE = "2024-01-01 00:00:00 UTC";

/**
 * The next `count` times systemd would fire a timer with these OnCalendar values after BASE, as
 * `systemd-analyze calendar` prints them (UTC; a timer fires on the earliest of its values).
 */
function nextElapses(specs: string[], count: number): string[] {
  const times = new Set<string>();
  for (const spec of specs) {
    const result = spawnSync("systemd-analyze", ["calendar", `--base-time=${BASE}`, `--iterations=${count}`, spec], {
      encoding: "utf8",
      env: { ...process.env, TZ: "UTC" },
    });
    if (result.error) throw new Error("systemd-analyze is not installed: apt-get install -y systemd (bash .ci/run does this)");
    assert.equal(result.status, 0, `systemd-analyze refused ${JSON.stringify(spec)}: ${result.stderr}`);
    for (const match of result.stdout.matchAll(/^\s*(?:Next elapse|Iter\. #\d+): (.*)$/gm)) times.add(match[1]);
  }
  // "Mon 2024-01-01 03:00:00 UTC" sorts by its date once the weekday is dropped.
  return [...times].sort((a, b) => a.slice(4).localeCompare(b.slice(4))).slice(0, count);
}

/** Cron expressions and, worked out by hand with a calendar, their first three runs after BASE. */
const SCHEDULES: [string, string[]][] = [
  ["*/15 * * * *", ["Mon 2024-01-01 00:15:00 UTC", "Mon 2024-01-01 00:30:00 UTC", "Mon 2024-01-01 00:45:00 UTC"]],
  ["0 3 * * *", ["Mon 2024-01-01 03:00:00 UTC", "Tue 2024-01-02 03:00:00 UTC", "Wed 2024-01-03 03:00:00 UTC"]],
  ["5 */6 * JAN,JUL *", ["Mon 2024-01-01 00:05:00 UTC", "Mon 2024-01-01 06:05:00 UTC", "Mon 2024-01-01 12:05:00 UTC"]],
  ["30 2 * * MON-FRI", ["Mon 2024-01-01 02:30:00 UTC", "Tue 2024-01-02 02:30:00 UTC", "Wed 2024-01-03 02:30:00 UTC"]],
  ["0 0 * * 7", ["Sun 2024-01-07 00:00:00 UTC", "Sun 2024-01-14 00:00:00 UTC", "Sun 2024-01-21 00:00:00 UTC"]],
  ["0 0 * * 1/2", ["Wed 2024-01-03 00:00:00 UTC", "Fri 2024-01-05 00:00:00 UTC", "Mon 2024-01-08 00:00:00 UTC"]],
  ["0 9 */10 * *", ["Mon 2024-01-01 09:00:00 UTC", "Thu 2024-01-11 09:00:00 UTC", "Sun 2024-01-21 09:00:00 UTC"]],
  // Day-of-month written from *: cron requires both, odd days that are Mondays.
  ["0 0 */2 * 1", ["Mon 2024-01-15 00:00:00 UTC", "Mon 2024-01-29 00:00:00 UTC", "Mon 2024-02-05 00:00:00 UTC"]],
  // Both days restricted: cron runs on either, every Friday and on the 13th (a Saturday).
  ["0 0 13 * FRI", ["Fri 2024-01-05 00:00:00 UTC", "Fri 2024-01-12 00:00:00 UTC", "Sat 2024-01-13 00:00:00 UTC"]],
  ["0 12 1,15 * 0", ["Mon 2024-01-01 12:00:00 UTC", "Sun 2024-01-07 12:00:00 UTC", "Sun 2024-01-14 12:00:00 UTC"]],
  ["0 0 29 2 *", ["Thu 2024-02-29 00:00:00 UTC", "Tue 2028-02-29 00:00:00 UTC", "Sun 2032-02-29 00:00:00 UTC"]],
  ["@hourly", ["Mon 2024-01-01 01:00:00 UTC", "Mon 2024-01-01 02:00:00 UTC", "Mon 2024-01-01 03:00:00 UTC"]],
  ["@weekly", ["Sun 2024-01-07 00:00:00 UTC", "Sun 2024-01-14 00:00:00 UTC", "Sun 2024-01-21 00:00:00 UTC"]],
  ["@monthly", ["Thu 2024-02-01 00:00:00 UTC", "Fri 2024-03-01 00:00:00 UTC", "Mon 2024-04-01 00:00:00 UTC"]],
  ["@yearly", ["Wed 2025-01-01 00:00:00 UTC", "Thu 2026-01-01 00:00:00 UTC", "Fri 2027-01-01 00:00:00 UTC"]],
];

const JOBS_DIR = "/var/lib/berth/jobs/shop";
const runner = (name: string, envFile: string) =>
  renderOneOffScript({
    container: `berth-prod-shop-job-${name}`,
    image: "sha256:0123abcd",
    networks: ["berth-prod-apps", "berth-prod-data"],
    command: ["sh", "-c", 'echo "report for $SHOP_NAME"'],
    envNames: ["SHOP_NAME", "SECRET_KEY"],
    envFile,
    timeoutSeconds: 3600,
    memoryMb: 512,
    cpus: "0.5",
    pidsLimit: 512,
    capAdd: ["CAP_NET_RAW"],
    labels: { "berth.stack": "prod", "berth.app": "shop" },
    what: `job ${name} of shop`,
  });
const job = (name: string, schedule: string) => ({
  name,
  unit: {
    unit: `berth-prod-shop-job-${name}`,
    description: `berth prod: job ${name} of shop`,
    onCalendar: cronToOnCalendar(schedule),
    runScriptPath: `${JOBS_DIR}/${name}.sh`,
    timeoutSeconds: 3600,
  },
  runScript: runner(name, `${JOBS_DIR}/env`),
});

describe("Scheduled jobs (checked by systemd-analyze and shellcheck)", () => {
  describe("systemd-analyze calendar", () => {
    for (const [cron, expected] of SCHEDULES) {
      it(`fires "${cron}" when cron would`, () => {
        assert.deepEqual(nextElapses(cronToOnCalendar(cron), 3), expected);
      });
    }

  });

  describe("systemd-analyze verify", () => {
    let dir: string;
    /** Verifies unit files in `dir`; any message (even a warning) fails. */
    const verify = (...units: string[]) => {
      const result = runTool("systemd-analyze", ["verify", "--man=no", ...units.map((u) => path.join(dir, u))], { debianPackage: "systemd" });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr.trim(), "");
    };

    beforeEach(() => {
      dir = tempDir("job-units");
    });

    it("accepts a job's service and timer", () => {
      // ExecStart must name an existing executable: the runner, written where the unit says.
      const runScriptPath = path.join(dir, "nightly-report.sh");
      fs.writeFileSync(runScriptPath, runner("nightly-report", path.join(dir, "env")), { mode: 0o700 });
      const unit = "berth-prod-shop-job-nightly-report";
      const units = renderJobUnits({
        unit,
        description: "berth prod: job nightly-report of shop",
        onCalendar: cronToOnCalendar("0 0 13 * FRI"),
        runScriptPath,
        timeoutSeconds: 3600,
      });
      fs.writeFileSync(path.join(dir, `${unit}.service`), units.service);
      fs.writeFileSync(path.join(dir, `${unit}.timer`), units.timer);
      verify(`${unit}.service`, `${unit}.timer`);
    });

    it("accepts the on-failure template", () => {
      // Its script lives in /usr/local/sbin on a droplet; here, in the temporary directory.
      const script = path.join(dir, "berth-on-failure");
      fs.writeFileSync(script, renderOnFailureScript(), { mode: 0o755 });
      fs.writeFileSync(path.join(dir, ON_FAILURE_UNIT), renderOnFailureUnit().replace(ON_FAILURE_SCRIPT, script));
      verify(ON_FAILURE_UNIT);
    });

    it("flags a broken unit (the check is real)", () => {
      fs.writeFileSync(path.join(dir, "broken.timer"), "[Timer]\nOnCalendar=*-*-* 25:00:00 UTC\n");
      const result = runTool("systemd-analyze", ["verify", "--man=no", path.join(dir, "broken.timer")], { debianPackage: "systemd" });
      assert.notEqual(result.status, 0);
    });
  });

  describe("shellcheck", () => {
    const scripts: Record<string, string> = {
      "a runner reading the env file from stdin (the release phase)": runner("release", "stdin"),
      "a runner reading a host env file (a job)": runner("nightly", `${JOBS_DIR}/env`),
      "a runner of the image's own CMD on one network": renderOneOffScript({
        container: "c",
        image: "shop:v1",
        networks: ["n"],
        envNames: [],
        envFile: "stdin",
        timeoutSeconds: 60,
        memoryMb: 256,
        pidsLimit: 512,
        capAdd: [],
        labels: {},
        what: "the release of shop",
      }),
      "the jobs installer (droplet)": renderInstallJobsScript({
        unitPrefix: "berth-prod-shop-job-",
        jobsDir: JOBS_DIR,
        jobs: [job("nightly", "0 3 * * *"), job("report", "0 0 1,15 * MON")],
        schedule: true,
      }),
      "the jobs installer (local)": renderInstallJobsScript({
        unitPrefix: "berth-local-shop-job-",
        jobsDir: "/srv/berth/local/jobs/shop",
        jobs: [],
        schedule: false,
      }),
      "the jobs uninstaller (droplet)": renderUninstallJobsScript({ unitPrefix: "berth-prod-shop-job-", jobsDir: JOBS_DIR, schedule: true }),
      "the jobs uninstaller (local)": renderUninstallJobsScript({ unitPrefix: "berth-local-shop-job-", jobsDir: JOBS_DIR, schedule: false }),
      "the on-failure hook script": renderOnFailureScript(),
    };
    for (const [what, text] of Object.entries(scripts)) {
      it(`${what} passes shellcheck as POSIX sh`, () => {
        const result = runTool("shellcheck", ["--shell=sh", "--severity=style", "-"], { input: text });
        assert.equal(result.status, 0, result.stdout);
      });
    }
  });
});
