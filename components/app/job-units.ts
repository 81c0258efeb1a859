import { script, shellQuote } from "../host/shell";

/**
 * An app's scheduled jobs on a droplet: one systemd service and timer per job, running the job's
 * one-off runner (see one-off.ts), and a shared hook that reports failed runs. The `local` target
 * gets the runners and their env file but no timers. Pure renderers; the App component installs
 * them with a host command.
 */

/** Template unit every job's OnFailure= starts, with the failed unit's name as its instance. */
export const ON_FAILURE_UNIT = "berth-on-failure@.service";
/** The script that template runs. */
export const ON_FAILURE_SCRIPT = "/usr/local/sbin/berth-on-failure";
/** Executables here run, in name order, with the failed unit's name (e.g. to ping a heartbeat URL). */
export const ON_FAILURE_HOOKS_DIR = "/etc/berth/hooks/on-failure.d";

const UNIT_DIR = "/etc/systemd/system";

/** Extra time the service gets past the job's own limit: the runner stops the run and cleans up. */
const STOP_MARGIN_SECONDS = 60;

export interface JobUnitSpec {
  /** Unit name without suffix, e.g. berth-prod-shop_job-nightly-report (naming.ts, jobUnitName). */
  unit: string;
  /** Description= of the service (the timer's says it schedules it). */
  description: string;
  /** OnCalendar= values (see cronToOnCalendar); the timer fires on any of them. */
  onCalendar: string[];
  /** Absolute path of the job's runner on the host. */
  runScriptPath: string;
  /** The job's time limit, which the runner enforces. */
  timeoutSeconds: number;
}

/** `%` starts a specifier in most unit settings; a literal one is written `%%`. */
const unitText = (value: string) => value.replace(/%/g, "%%").replace(/\s*\n\s*/g, " ");

/** The job's service and timer. */
export function renderJobUnits(job: JobUnitSpec): { service: string; timer: string } {
  if (job.onCalendar.length === 0) throw new Error(`${job.unit}: a timer needs at least one OnCalendar value`);
  return {
    service: [
      "[Unit]",
      `Description=${unitText(job.description)}`,
      "Requires=docker.service",
      "After=docker.service",
      "OnFailure=berth-on-failure@%N.service",
      "",
      "[Service]",
      "Type=oneshot",
      `ExecStart=${unitText(job.runScriptPath)}`,
      "# The runner stops the run at the job's own limit and removes its container; this is a backstop.",
      `TimeoutStartSec=${job.timeoutSeconds + STOP_MARGIN_SECONDS}`,
      `SyslogIdentifier=${job.unit}`,
      "",
    ].join("\n"),
    // Runs never overlap: while a oneshot service is still starting (running), the timer's next
    // start request joins it instead of starting a second run.
    timer: [
      "[Unit]",
      `Description=Schedule: ${unitText(job.description)}`,
      "",
      "[Timer]",
      ...job.onCalendar.map((spec) => `OnCalendar=${spec}`),
      "# Catches up a run missed while the droplet was down. A run still going when the next is due",
      "# is not started twice: the oneshot service is still active, so the timer leaves it be.",
      "Persistent=true",
      "AccuracySec=1s",
      `Unit=${job.unit}.service`,
      "",
      "[Install]",
      "WantedBy=timers.target",
      "",
    ].join("\n"),
  };
}

/** The template that reports a failed unit: `berth-on-failure@<unit>.service`. */
export function renderOnFailureUnit(): string {
  return [
    "[Unit]",
    "Description=berth: report the failure of %i",
    "",
    "[Service]",
    "Type=oneshot",
    `ExecStart=${ON_FAILURE_SCRIPT} %i`,
    "",
  ].join("\n");
}

/** Logs the failure, then runs each hook (run-parts style); one failing hook does not stop the rest. */
export function renderOnFailureScript(): string {
  return script("Written by berth: reports a failed berth unit to the journal and to every on-failure hook.", [
    'unit=${1:?"usage: berth-on-failure UNIT"}',
    `hooks=${shellQuote(ON_FAILURE_HOOKS_DIR)}`,
    'logger -t berth "berth: $unit failed"',
    "status=0",
    'for hook in "$hooks"/*; do',
    "  # As run-parts: executable files with plain names only (no editor backups, no .dpkg-old).",
    '  case ${hook##*/} in *[!A-Za-z0-9_-]*) continue ;; esac',
    '  if [ ! -f "$hook" ] || [ ! -x "$hook" ]; then continue; fi',
    '  if ! "$hook" "$unit"; then',
    '    logger -t berth "berth: on-failure hook $hook failed for $unit"',
    "    status=1",
    "  fi",
    "done",
    'exit "$status"',
  ]);
}

export interface InstallJobsOptions {
  /** Prefix every unit of this app's jobs starts with, e.g. berth-prod-shop_job-. */
  unitPrefix: string;
  /** Host directory of the app's job runners and their env file, e.g. /var/lib/berth/jobs/shop. */
  jobsDir: string;
  /** Each job: its runner goes to `${jobsDir}/<name>.sh`, which its unit must run. */
  jobs: { name: string; unit: JobUnitSpec; runScript: string }[];
  /** Install systemd timers (a droplet); false writes only the runners and env (the `local` target). */
  schedule: boolean;
}

/**
 * Installs an app's jobs: the env file from standard input, each job's runner and (with
 * `schedule`) its units, and removes the jobs of this app no longer listed. Files are replaced by
 * rename, so a run in progress keeps reading the runner it started with.
 */
export function renderInstallJobsScript(opts: InstallJobsOptions): string {
  checkDir(opts.jobsDir);
  const names = opts.jobs.map((job) => job.name);
  for (const job of opts.jobs) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(job.name)) throw new Error(`${JSON.stringify(job.name)} is not a job name`);
    if (!job.unit.unit.startsWith(opts.unitPrefix)) throw new Error(`${job.unit.unit} does not start with ${opts.unitPrefix}`);
    const expected = `${opts.jobsDir}/${job.name}.sh`;
    if (job.unit.runScriptPath !== expected) throw new Error(`${job.unit.unit} must run ${expected}, not ${job.unit.runScriptPath}`);
  }
  if (new Set(names).size !== names.length) throw new Error(`job names repeat: ${names.join(", ")}`);

  const lines = [
    ...prelude(opts.jobsDir),
    "write_file() { # PATH MODE, content on standard input",
    '  tmp="$1.tmp.$$"',
    '  cat > "$tmp"',
    '  chmod "$2" "$tmp"',
    '  mv -f "$tmp" "$1"',
    "}",
    "# Secrets arrive on standard input, never as arguments.",
    'write_file "$jobs_dir/env" 0600',
    ...opts.jobs.flatMap((job) => heredoc(`"$jobs_dir"/${shellQuote(`${job.name}.sh`)} 0700`, job.runScript)),
  ];
  const keepScripts = names.map((name) => `${name}.sh`);
  if (!opts.schedule) {
    lines.push(...removeScripts(keepScripts));
    return script(`Written by berth: installs the job runners in ${oneLine(opts.jobsDir)} (no timers on this target).`, lines);
  }
  const keepUnits = opts.jobs.map((job) => job.unit.unit);
  lines.push(
    ...removeUnits(opts.unitPrefix, keepUnits, false),
    ...removeScripts(keepScripts),
    ...heredoc(ON_FAILURE_SCRIPT + " 0755", renderOnFailureScript()),
    ...heredoc(`${UNIT_DIR}/${ON_FAILURE_UNIT} 0644`, renderOnFailureUnit()),
    `mkdir -p ${ON_FAILURE_HOOKS_DIR}`,
    ...opts.jobs.flatMap((job) => {
      const units = renderJobUnits(job.unit);
      return [
        ...heredoc(`${UNIT_DIR}/${shellQuote(`${job.unit.unit}.service`)} 0644`, units.service),
        ...heredoc(`${UNIT_DIR}/${shellQuote(`${job.unit.unit}.timer`)} 0644`, units.timer),
      ];
    }),
    "systemctl daemon-reload",
    ...keepUnits.map((unit) => `systemctl enable --now ${shellQuote(`${unit}.timer`)}`),
  );
  return script(`Written by berth: installs the scheduled jobs ${oneLine(opts.unitPrefix)}* and their runners.`, lines);
}

/** Removes every job of an app: timers first, then services, runners and the env file. */
export function renderUninstallJobsScript(opts: { unitPrefix: string; jobsDir: string; schedule: boolean }): string {
  checkDir(opts.jobsDir);
  const timers = opts.schedule ? ` and their timers ${oneLine(opts.unitPrefix)}*` : "";
  return script(`Written by berth: removes the jobs in ${oneLine(opts.jobsDir)}${timers}.`, [
    `jobs_dir=${shellQuote(opts.jobsDir)}`,
    ...(opts.schedule ? removeUnits(opts.unitPrefix, [], true) : []),
    'rm -rf "$jobs_dir"',
  ]);
}

/** For the script's header comment: a line break would turn the rest into commands. */
const oneLine = (text: string) => text.replace(/\s+/g, " ");

function checkDir(dir: string): void {
  if (dir.replace(/\/+$/, "") === "" || dir.endsWith("/")) throw new Error(`jobsDir ${JSON.stringify(dir)} must name a directory, without a trailing /`);
}

function prelude(jobsDir: string): string[] {
  return [`jobs_dir=${shellQuote(jobsDir)}`, "umask 077", 'mkdir -p "$jobs_dir"', 'chmod 0700 "$jobs_dir"'];
}

/** Writes `content` with write_file; the delimiter is one no line of the content equals. */
function heredoc(pathAndMode: string, content: string): string[] {
  const lines = content.replace(/\n$/, "").split("\n");
  let delimiter = "BERTH_EOF";
  while (lines.includes(delimiter)) delimiter += "_";
  return [`write_file ${pathAndMode} <<'${delimiter}'`, ...lines, delimiter];
}

/**
 * Stops and removes this app's units not in `keep`. A unit is this app's when its name has the
 * prefix and its service runs a runner from this app's jobs directory: another app whose name
 * extends this one's (shop and shop-job) has units with the same prefix, and keeps them.
 * `reload`: systemd reloads here, not in a later step of the same script.
 */
function removeUnits(unitPrefix: string, keep: string[], reload: boolean): string[] {
  return [
    `keep_units=${shellQuote(` ${keep.join(" ")} `)}`,
    "removed=",
    `for file in ${UNIT_DIR}/${shellQuote(unitPrefix)}*.timer ${UNIT_DIR}/${shellQuote(unitPrefix)}*.service; do`,
    '  [ -e "$file" ] || continue',
    '  name=${file##*/}; name=${name%.*}',
    '  case $keep_units in *" $name "*) continue ;; esac',
    `  grep -qsF "ExecStart=$jobs_dir/" "${UNIT_DIR}/$name.service" || continue`,
    '  systemctl disable --now "$name.timer" 2>/dev/null || true',
    "  # Stopping the service stops a run in progress; its runner removes the container.",
    '  systemctl stop "$name.service" 2>/dev/null || true',
    '  systemctl reset-failed "$name.service" "$name.timer" 2>/dev/null || true',
    `  rm -f "${UNIT_DIR}/$name.timer" "${UNIT_DIR}/$name.service"`,
    '  removed="$removed $name"',
    "done",
    'if [ -n "$removed" ]; then',
    ...(reload ? ["  systemctl daemon-reload"] : []),
    '  echo "berth: removed jobs:$removed"',
    "fi",
  ];
}

/** Removes runners in the jobs directory not in `keep`. */
function removeScripts(keep: string[]): string[] {
  return [
    `keep_scripts=${shellQuote(` ${keep.join(" ")} `)}`,
    'for file in "$jobs_dir"/*.sh; do',
    '  [ -e "$file" ] || continue',
    '  case $keep_scripts in *" ${file##*/} "*) continue ;; esac',
    '  rm -f "$file"',
    "done",
  ];
}
