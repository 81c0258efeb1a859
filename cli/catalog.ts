import { DUMPS_DIR, dumpFilePattern } from "../components/database/backup";
import { offsiteBackupKeyPattern } from "../components/naming";
import type { Context } from "./context";
import { listDumpsCommand, parseDumpListing } from "./dumps";
import { CliError } from "./errors";
import { isOffsiteEngine, OffsiteEngine, OffsiteStore, requireBackupStorage, spacesCredentials } from "./offsite";
import { postgresContainer } from "./postgres";
import type { StackOutputs } from "./outputs";
import { execCapture } from "./stdio";

/**
 * Every backup of a database, wherever it is: Postgres dumps in the database container's /backups
 * (local), and the age-encrypted objects in the stack's bucket (off-site; Postgres and Redis).
 */

export type Where = "local" | "off-site";

export interface BackupEntry {
  /** As `berth restore` takes it: a dump's file name, or an object's key. */
  name: string;
  where: Where;
  bytes: number;
  /** When the backup was taken (UTC). */
  takenAt: Date;
}

/** What a name given to `berth restore` is: a local dump's file name or an off-site object's key. */
export function classifyBackupName(engine: string, db: string, given: string): { where: Where; name: string } {
  const local = given.startsWith(`${DUMPS_DIR}/`) ? given.slice(DUMPS_DIR.length + 1) : given;
  if (engine === "postgres" && dumpFilePattern(db).test(local)) return { where: "local", name: local };
  if (isOffsiteEngine(engine) && offsiteBackupKeyPattern(engine, db).test(given)) return { where: "off-site", name: given };
  const example = isOffsiteEngine(engine) ? exampleKey(engine, db) : "";
  const forms = engine === "postgres" ? `like ${db}-20261122T030512Z.dump (local) or ${example} (off-site)` : `like ${example} (off-site)`;
  throw new CliError(`'${given}' is not the name of a backup of ${db} (${forms}; berth backups ${db} lists them)`);
}

function exampleKey(engine: OffsiteEngine, db: string): string {
  return `${engine}/${db}/${db}-20261122T030512Z.${engine === "postgres" ? "dump" : "rdb"}.age`;
}

/** Newest first; a local dump before an off-site copy taken at the same time (no download, no key needed). */
export function newestFirst(entries: BackupEntry[]): BackupEntry[] {
  return [...entries].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime() || (a.where === b.where ? b.name.localeCompare(a.name) : a.where === "local" ? -1 : 1));
}

export interface Catalog {
  entries: BackupEntry[];
  /** Where each kind of backup is kept, for people; absent when there is none of that kind. */
  local?: string;
  offsite?: string;
  /** Why there are no off-site backups to list, when there are none. */
  noOffsite?: string;
  store?: OffsiteStore;
}

/**
 * Lists the backups of a database. Off-site backups are listed when the stack has them
 * (backupStorage); then the operator's Spaces key is required. A Redis database has off-site
 * backups only, so a stack without backupStorage is an error for it.
 */
export async function listBackups(ctx: Context, db: string, engine: string): Promise<Catalog> {
  const outputs = await ctx.outputs();
  const catalog: Catalog = { entries: [] };
  if (engine !== "postgres" && !outputs.backupStorage) {
    requireBackupStorage(outputs, ctx.stack); // throws, saying off-site backups are off
  }
  // The operator's key is checked before anything connects.
  const store = outputs.backupStorage && isOffsiteEngine(engine) ? offsiteStore(ctx, outputs) : undefined;
  if (engine === "postgres") {
    const container = await postgresContainer(ctx, db);
    const listing = await execCapture(container.docker, container.id, listDumpsCommand(db));
    if (listing.exitCode !== 0) throw new CliError(`listing the dumps of ${db} failed (exit ${listing.exitCode}): ${listing.stderr.trim()}`);
    catalog.local = container.dumps;
    catalog.entries.push(...parseDumpListing(db, listing.stdout).map((d): BackupEntry => ({ name: d.name, where: "local", bytes: d.bytes, takenAt: d.takenAt })));
  }
  if (store && isOffsiteEngine(engine)) {
    catalog.store = store;
    catalog.offsite = store.describe();
    catalog.entries.push(...(await store.list(engine, db)).map((o): BackupEntry => ({ name: o.key, where: "off-site", bytes: o.bytes, takenAt: o.takenAt })));
  } else {
    catalog.noOffsite = `stack '${ctx.stack}' has no backupStorage output: off-site backups are off`;
  }
  catalog.entries = newestFirst(catalog.entries);
  return catalog;
}

/** The stack's bucket with the operator's key (errors say what is missing). */
export function offsiteStore(ctx: Context, outputs: StackOutputs): OffsiteStore {
  const storage = requireBackupStorage(outputs, ctx.stack);
  return new OffsiteStore(storage, spacesCredentials(ctx.env, storage));
}
