import { shellQuote } from "../host/shell";

/**
 * Installing the backup job of one database on a droplet: its script (script.ts), a systemd
 * service and a timer on `berth:backups.schedule`, and the shared settings file every job reads.
 * Pure renderers; the Database component and settings.ts run them as host commands.
 */

/** Where the backup jobs keep their settings, status and scripts on the droplet. */
export const BACKUP_PATHS = {
  /** Settings directory (0700). */
  settingsDir: "/etc/berth/backup",
  /** The env file every job reads (0600: the Spaces secret key, the heartbeat URL). */
  envFile: "/etc/berth/backup/env",
  /** age recipients, one public key a line. */
  recipientsFile: "/etc/berth/backup/recipients",
  /** One `<db>.json` per database: last success, last failure and its reason (0700). */
  statusDir: "/var/lib/berth/backups",
  /** Where each job's script is installed. */
  scriptDir: "/usr/local/sbin",
} as const;

/**
 * The systemd unit (and script) name of a database's backup job. The same name as before off-site
 * backups, so an update replaces the old daily job instead of leaving it running beside the new one.
 */
export function backupUnitName(db: string): string {
  return `berth-backup-${db}`;
}

export interface BackupUnitSpec {
  /** Unit name without suffix (backupUnitName). */
  unit: string;
  /** Description= of the service. */
  description: string;
  /** OnCalendar= values (cronToOnCalendar of berth:backups.schedule). */
  onCalendar: string[];
  /** Absolute path of the job's script. */
  scriptPath: string;
}

/** `%` starts a specifier in most unit settings; a literal one is written `%%`. */
const unitText = (value: string) => value.replace(/%/g, "%%").replace(/\s*\n\s*/g, " ");

/** The job's service (oneshot; a failure leaves it failed, in `systemctl --failed`) and timer. */
export function renderBackupUnits(spec: BackupUnitSpec): { service: string; timer: string } {
  if (spec.onCalendar.length === 0) throw new Error(`${spec.unit}: a timer needs at least one OnCalendar value`);
  return {
    service: [
      "[Unit]",
      `Description=${unitText(spec.description)}`,
      "Requires=docker.service",
      "After=docker.service network-online.target",
      "Wants=network-online.target",
      "",
      "[Service]",
      "Type=oneshot",
      `ExecStart=${unitText(spec.scriptPath)}`,
      "# A backup yields to the apps for CPU and disk.",
      "Nice=10",
      "IOSchedulingClass=best-effort",
      "IOSchedulingPriority=7",
      `SyslogIdentifier=${spec.unit}`,
      "",
    ].join("\n"),
    timer: [
      "[Unit]",
      `Description=Schedule: ${unitText(spec.description)}`,
      "",
      "[Timer]",
      ...spec.onCalendar.map((value) => `OnCalendar=${value}`),
      "# Catches up a run missed while the droplet was off.",
      "Persistent=true",
      "AccuracySec=1min",
      `Unit=${spec.unit}.service`,
      "",
      "[Install]",
      "WantedBy=timers.target",
      "",
    ].join("\n"),
  };
}

/** Writes `content` to `path` with `mode`, by rename; the delimiter is one no line of the content equals. */
function writeFile(path: string, mode: string, content: string): string[] {
  const lines = content.replace(/\n$/, "").split("\n");
  let delimiter = "BERTH_EOF";
  while (lines.includes(delimiter)) delimiter += "_";
  return [
    `cat > ${shellQuote(`${path}.tmp`)} <<'${delimiter}'`,
    ...lines,
    delimiter,
    `chmod ${mode} ${shellQuote(`${path}.tmp`)}`,
    `mv -f ${shellQuote(`${path}.tmp`)} ${shellQuote(path)}`,
  ];
}

const header = (purpose: string) => ["#!/bin/sh", `# ${purpose.replace(/\s+/g, " ")}`, "set -eu", "umask 077"];

/** Installs (or updates) a database's backup script, service and timer, and enables the timer. */
export function renderInstallBackupJobScript(spec: BackupUnitSpec, backupScript: string): string {
  const units = renderBackupUnits(spec);
  return [
    ...header(`Written by berth: installs the ${spec.unit} backup job.`),
    `mkdir -p ${shellQuote(BACKUP_PATHS.statusDir)}`,
    `chmod 0700 ${shellQuote(BACKUP_PATHS.statusDir)}`,
    ...writeFile(spec.scriptPath, "0700", backupScript),
    ...writeFile(`/etc/systemd/system/${spec.unit}.service`, "0644", units.service),
    ...writeFile(`/etc/systemd/system/${spec.unit}.timer`, "0644", units.timer),
    "systemctl daemon-reload",
    `systemctl enable --now ${shellQuote(`${spec.unit}.timer`)}`,
    "",
  ].join("\n");
}

/**
 * Removes a database's job and its status file (a removed database must not keep the shared
 * heartbeat failing), but never a backup: local dumps and off-site objects stay.
 */
export function renderUninstallBackupJobScript(unit: string, db: string): string {
  return [
    ...header(`Written by berth: removes the ${unit} backup job (the backups stay).`),
    `systemctl disable --now ${shellQuote(`${unit}.timer`)} || true`,
    `rm -f ${shellQuote(`${BACKUP_PATHS.scriptDir}/${unit}`)} ${shellQuote(`/etc/systemd/system/${unit}.service`)} ${shellQuote(`/etc/systemd/system/${unit}.timer`)}`,
    `rm -f ${shellQuote(`${BACKUP_PATHS.statusDir}/${db}.json`)}`,
    "systemctl daemon-reload",
    "",
  ].join("\n");
}

/**
 * Writes the jobs' settings: the env file from standard input (it holds secrets, which never
 * appear in a command line), 0600, and the age recipients (public keys) given here.
 */
export function renderInstallBackupSettingsScript(recipients: string[]): string {
  return [
    ...header("Written by berth: stores the backup jobs' settings (standard input) and age recipients."),
    "# A droplet created before off-site backups has no age (cloud-init installs it on new ones).",
    "if ! command -v age >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then",
    "  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq age curl >/dev/null",
    "fi",
    `mkdir -p ${shellQuote(BACKUP_PATHS.settingsDir)} ${shellQuote(BACKUP_PATHS.statusDir)}`,
    `chmod 0700 ${shellQuote(BACKUP_PATHS.settingsDir)} ${shellQuote(BACKUP_PATHS.statusDir)}`,
    `cat > ${shellQuote(`${BACKUP_PATHS.envFile}.tmp`)}`,
    `chmod 0600 ${shellQuote(`${BACKUP_PATHS.envFile}.tmp`)}`,
    `mv -f ${shellQuote(`${BACKUP_PATHS.envFile}.tmp`)} ${shellQuote(BACKUP_PATHS.envFile)}`,
    ...writeFile(BACKUP_PATHS.recipientsFile, "0600", recipients.map((r) => `${r}\n`).join("") || "\n"),
    "",
  ].join("\n");
}

/** Removes the settings (the secret key and heartbeat URL with them); status files and backups stay. */
export function renderUninstallBackupSettingsScript(): string {
  return [
    ...header("Written by berth: removes the backup jobs' settings."),
    `rm -f ${shellQuote(BACKUP_PATHS.envFile)} ${shellQuote(BACKUP_PATHS.recipientsFile)}`,
    "",
  ].join("\n");
}
