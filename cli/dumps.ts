import type { ContainerInspectInfo } from "dockerode";
import { DUMP_TIME_FORMAT, dumpFilePattern, DUMPS_DIR } from "../components/database/backup";
import { CliError } from "./errors";

/**
 * Postgres dumps as the CLI handles them: inside the database container, at /backups (the host
 * directory of the daily backups on a droplet, a named volume on `local`), named as the daily
 * backup names them (components/database/backup.ts), through the Docker API alone.
 */

/** `sh -c` script: pg_dump of database $1 to a temporary file, renamed when complete; prints the file's name. */
const DUMP_NOW = [
  "set -eu",
  "umask 077",
  `target="${DUMPS_DIR}/$1-$(date -u +${DUMP_TIME_FORMAT}).dump"`,
  `trap 'rm -f "$target.partial"' EXIT`,
  "# Local socket inside the container: no password needed, none on any command line.",
  'pg_dump -U "$1" -d "$1" --format=custom --file="$target.partial"',
  'if [ ! -s "$target.partial" ]; then echo "pg_dump of $1 produced nothing" >&2; exit 1; fi',
  'mv "$target.partial" "$target"',
  'echo "${target##*/}"',
].join("\n");

/** `sh -c` script: size and name of each dump of database $1 (GNU and busybox stat alike). */
const LIST = [`for f in "${DUMPS_DIR}/$1"-*.dump; do`, '  if [ -f "$f" ]; then stat -c "%s %n" "$f"; fi', "done"].join("\n");

export function dumpNowCommand(db: string): string[] {
  return ["sh", "-c", DUMP_NOW, "berth-backup", db];
}

export function listDumpsCommand(db: string): string[] {
  return ["sh", "-c", LIST, "berth-backups", db];
}

/**
 * Restores a dump over the database: objects in the dump are dropped and re-created, others are
 * left alone. One transaction: a restore that fails leaves the database as it was.
 */
export function restoreCommand(db: string, file: string): string[] {
  return ["pg_restore", "-U", db, "-d", db, "--clean", "--if-exists", "--no-owner", "--single-transaction", `${DUMPS_DIR}/${file}`];
}

export interface Dump {
  name: string;
  bytes: number;
  /** When pg_dump started, from the file name (UTC). */
  takenAt: Date;
}

/** Parses the listing; newest first. Files that are not dumps of this database are left out. */
export function parseDumpListing(db: string, text: string): Dump[] {
  const pattern = dumpFilePattern(db);
  return text
    .split("\n")
    .map((line) => /^(\d+) (.+)$/.exec(line.trim()))
    .flatMap((m) => {
      const name = m?.[2].split("/").pop() ?? "";
      const time = pattern.exec(name)?.[1];
      if (!m || !time) return [];
      const iso = `${time.slice(0, 4)}-${time.slice(4, 6)}-${time.slice(6, 8)}T${time.slice(9, 11)}:${time.slice(11, 13)}:${time.slice(13, 15)}Z`;
      return [{ name, bytes: Number(m[1]), takenAt: new Date(iso) }];
    })
    .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime() || b.name.localeCompare(a.name));
}

/** The name of a dump as `restore` takes it: its file name, or its path in the container. */
export function dumpName(db: string, given: string): string {
  const name = given.startsWith(`${DUMPS_DIR}/`) ? given.slice(DUMPS_DIR.length + 1) : given;
  if (!dumpFilePattern(db).test(name)) {
    throw new CliError(`'${given}' is not the name of a dump of ${db} (like ${db}-20261122T030512Z.dump; berth backups ${db} lists them)`);
  }
  return name;
}

/**
 * Where the container keeps its dumps: the source of its /backups mount. A container made by an
 * older berth has none: `pulumi up` replaces it with one that has (a short outage of the database).
 */
export function dumpsSource(db: string, stack: string, info: Pick<ContainerInspectInfo, "Mounts" | "Name">): string {
  const mount = info.Mounts.find((m) => m.Destination === DUMPS_DIR);
  if (!mount) {
    throw new CliError(
      `database ${db} (container ${info.Name.replace(/^\//, "")}) has no dumps directory at ${DUMPS_DIR}: it was created by an ` +
        `older berth; \`pulumi up -s ${stack}\` replaces it with one that has (a short outage of the database)`,
    );
  }
  return mount.Type === "volume" && mount.Name ? `volume ${mount.Name}` : mount.Source;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
