import { script, shellQuote } from "../host/shell";

/**
 * Scheduled Postgres backups on the droplet: a daily `pg_dump` (custom format, restorable with
 * pg_restore) written to the data volume, so backups outlive the droplet, with old dumps pruned.
 * Pure renderers; the Database component installs them with a host command.
 */

/** Where a Postgres container sees its dumps (the host directory or named volume they are kept in). */
export const DUMPS_DIR = "/backups";

/** `date -u` format of a dump's time in its file name: `main-20261122T030512Z.dump`. */
export const DUMP_TIME_FORMAT = "%Y%m%dT%H%M%SZ";

/** Matches the file name of a dump of database `name`; group 1 is its UTC time. */
export function dumpFilePattern(name: string): RegExp {
  return new RegExp(`^${name.replace(/[^A-Za-z0-9]/g, "\\$&")}-(\\d{8}T\\d{6}Z)\\.dump$`);
}

export interface PostgresBackupOptions {
  /** Database name: also the Postgres user and database. */
  name: string;
  /** The database container. */
  container: string;
  /** Directory the dumps go to, e.g. /mnt/berth/backups/postgres/main. */
  directory: string;
  /** Dumps older than this many days are deleted after a successful dump. */
  keepDays: number;
}

/** The backup script itself: dump to a temporary file, rename when complete, prune old dumps. */
export function renderPostgresBackupScript(opts: PostgresBackupOptions): string {
  return script(`Written by berth: dumps Postgres database ${opts.name} and prunes old dumps.`, [
    `name=${shellQuote(opts.name)}`,
    `container=${shellQuote(opts.container)}`,
    `dir=${shellQuote(opts.directory)}`,
    `keep_days=${opts.keepDays}`,
    "umask 077",
    'mkdir -p "$dir"',
    `target="$dir/$name-$(date -u +${DUMP_TIME_FORMAT}).dump"`,
    'trap \'rm -f "$target.partial"\' EXIT',
    "# Local socket inside the container: no password needed, none on any command line.",
    'docker exec "$container" pg_dump -U "$name" -d "$name" --format=custom > "$target.partial"',
    'if [ ! -s "$target.partial" ]; then',
    '  echo "berth: pg_dump of $name produced nothing" >&2',
    "  exit 1",
    "fi",
    'mv "$target.partial" "$target"',
    'find "$dir" -maxdepth 1 -name "$name-*.dump" -type f -mtime +"$keep_days" -delete',
    'echo "berth: backed up $name to $target"',
  ]);
}

/** systemd service and timer that run the backup daily, catching up after downtime. */
export function renderBackupUnits(unit: string, scriptPath: string, description: string): { service: string; timer: string } {
  return {
    service: [
      "[Unit]",
      `Description=${description}`,
      "Requires=docker.service",
      "After=docker.service",
      "",
      "[Service]",
      "Type=oneshot",
      `ExecStart=${scriptPath}`,
      "",
    ].join("\n"),
    timer: [
      "[Unit]",
      `Description=Daily: ${description}`,
      "",
      "[Timer]",
      "OnCalendar=*-*-* 03:00:00 UTC",
      "RandomizedDelaySec=30min",
      "Persistent=true",
      `Unit=${unit}.service`,
      "",
      "[Install]",
      "WantedBy=timers.target",
      "",
    ].join("\n"),
  };
}

/** Installs (or updates) the backup script and its timer on the host. */
export function renderInstallBackupScript(unit: string, backupScript: string, description: string): string {
  const scriptPath = `/usr/local/sbin/${unit}`;
  const units = renderBackupUnits(unit, scriptPath, description);
  const write = (path: string, mode: string, content: string) => [
    `cat > ${path} <<'BERTH_EOF'`,
    content.replace(/\n$/, ""),
    "BERTH_EOF",
    `chmod ${mode} ${path}`,
  ];
  return script(`Written by berth: installs the ${unit} backup job.`, [
    ...write(scriptPath, "0700", backupScript),
    ...write(`/etc/systemd/system/${unit}.service`, "0644", units.service),
    ...write(`/etc/systemd/system/${unit}.timer`, "0644", units.timer),
    "systemctl daemon-reload",
    `systemctl enable --now ${unit}.timer`,
  ]);
}

/** Removes the job but never the dumps. */
export function renderUninstallBackupScript(unit: string): string {
  return script(`Written by berth: removes the ${unit} backup job (the dumps stay).`, [
    `systemctl disable --now ${unit}.timer || true`,
    `rm -f /usr/local/sbin/${unit} /etc/systemd/system/${unit}.service /etc/systemd/system/${unit}.timer`,
    "systemctl daemon-reload",
  ]);
}
