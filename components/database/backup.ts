/**
 * Where and how Postgres dumps are kept: the dumps directory of a Postgres container and the names
 * of its dump files, shared by the backup job (components/backup/script.ts) and the `berth` CLI.
 */

/** Where a Postgres container sees its dumps (the host directory or named volume they are kept in). */
export const DUMPS_DIR = "/backups";

/** `date -u` format of a dump's time in its file name: `main-20261122T030512Z.dump`. */
export const DUMP_TIME_FORMAT = "%Y%m%dT%H%M%SZ";

/** Matches the file name of a dump of database `name`; group 1 is its UTC time. */
export function dumpFilePattern(name: string): RegExp {
  return new RegExp(`^${name.replace(/[^A-Za-z0-9]/g, "\\$&")}-(\\d{8}T\\d{6}Z)\\.dump$`);
}
