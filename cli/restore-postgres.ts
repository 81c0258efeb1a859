import type Docker from "dockerode";
import { restoreCommand } from "./dumps";
import { CliError } from "./errors";
import { Captured, execCapture, execWithInput } from "./stdio";

/**
 * Restoring a Postgres database, inside its container, from a dump in /backups (local) or from a
 * stream (an off-site backup, decrypted on the operator's machine): in both cases
 *
 *   1. the database is created again, owned by its user, if it was dropped (through the
 *      maintenance database `postgres`; the container's user is the cluster's superuser);
 *   2. pg_restore --clean --if-exists --no-owner --single-transaction: every object in the dump is
 *      dropped and re-created with the dump's contents, all or nothing.
 */

/** pg_restore of a dump read from standard input. */
export function restoreFromInputCommand(db: string): string[] {
  return ["pg_restore", "-U", db, "-d", db, "--clean", "--if-exists", "--no-owner", "--single-transaction"];
}

/** psql on the maintenance database, as the database's user (the local socket: no password). */
export function maintenanceSql(db: string, sql: string): string[] {
  return ["psql", "-U", db, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-X", "-tA", "-c", sql];
}

/** The SQL that finds the database, and that creates it again owned by its user. */
export function databaseSql(db: string): { exists: string; create: string } {
  // Database names are config names (lowercase letters, digits, '-'): quoting them is enough.
  if (!/^[a-z][a-z0-9-]*$/.test(db)) throw new CliError(`'${db}' is not a database name berth makes`);
  return { exists: `SELECT 1 FROM pg_database WHERE datname = '${db}'`, create: `CREATE DATABASE "${db}" OWNER "${db}"` };
}

/** Step 1: creates the database when it is missing; resolves with whether it did. */
export async function ensureDatabase(docker: Docker, containerId: string, db: string): Promise<boolean> {
  const sql = databaseSql(db);
  const found = await execCapture(docker, containerId, maintenanceSql(db, sql.exists));
  if (found.exitCode !== 0) throw new CliError(`checking that database ${db} exists failed (exit ${found.exitCode}): ${found.stderr.trim()}`);
  if (found.stdout.trim() === "1") return false;
  const created = await execCapture(docker, containerId, maintenanceSql(db, sql.create));
  if (created.exitCode !== 0) throw new CliError(`creating database ${db} again failed (exit ${created.exitCode}): ${created.stderr.trim()}`);
  return true;
}

/** Step 2 from a dump in the container's /backups. */
export function restoreLocalDump(docker: Docker, containerId: string, db: string, file: string): Promise<Captured> {
  return execCapture(docker, containerId, restoreCommand(db, file));
}

/** Step 2 from a stream: the dump never touches a disk on the server. */
export function restoreFromStream(docker: Docker, containerId: string, db: string, dump: NodeJS.ReadableStream): Promise<Captured & { inputError?: Error }> {
  return execWithInput(docker, containerId, restoreFromInputCommand(db), dump);
}
