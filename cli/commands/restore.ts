import { checkAge, identityPath } from "../age";
import { BackupEntry, classifyBackupName, listBackups, offsiteStore } from "../catalog";
import { confirm } from "../confirm";
import type { Context } from "../context";
import { formatBytes, listDumpsCommand, parseDumpListing } from "../dumps";
import { CliError, USAGE_EXIT } from "../errors";
import { openOffsiteBackup } from "../fetch-backup";
import { requireDatabase } from "../lookup";
import { isOffsiteEngine, OffsiteStore, requireBackupStorage } from "../offsite";
import { postgresContainer } from "../postgres";
import { ensureDatabase, restoreFromStream, restoreLocalDump } from "../restore-postgres";
import { restoreRedis } from "../restore-redis";
import { execCapture } from "../stdio";
import { holdEndUntil } from "../streams";
import type { Command } from "./command";

export const restore: Command = {
  spec: {
    name: "restore",
    summary: "restore a database from one of its backups, local or off-site",
    args: [
      { name: "db", description: "the database (postgres or redis)" },
      { name: "backup", description: "the backup, as berth backups lists it (default: the newest one)", optional: true },
    ],
    options: {
      yes: { type: "boolean", short: "y", description: "do not ask for confirmation (needed without a terminal)" },
      identity: { type: "string", short: "i", value: "file", description: "age identity file that decrypts off-site backups (default: $BERTH_AGE_IDENTITY)" },
    },
    details: [
      "Postgres: pg_restore --clean --if-exists --no-owner --single-transaction inside the database",
      "container: every object in the backup is dropped and re-created as it was; objects created since",
      "are left alone. All or nothing: a restore that fails changes nothing. A dropped database is",
      "created again first. The apps keep running and wait on its locks meanwhile.",
      "Redis: the container is stopped, the snapshot becomes its append-only file, and it is started",
      "again (seconds without Redis): afterwards exactly the snapshot's keys exist.",
      "Off-site backups are downloaded with your Spaces key (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)",
      "and decrypted here with age and your identity file; the key never leaves this machine.",
      "Everything written after the backup was taken is lost: take one first (berth backup) to be able",
      "to go back.",
    ],
  },
  async run(ctx, { args, options }) {
    const db = args.db;
    const { engine, container } = requireDatabase(await ctx.outputs(), ctx.stack, db);
    if (!isOffsiteEngine(engine)) throw new CliError(`berth cannot restore ${engine} databases`);
    const given = args.backup === undefined ? undefined : classifyBackupName(engine, db, args.backup);
    if (options.yes !== true && ctx.io.stdin.isTTY !== true) {
      throw new CliError(`restore: refusing to replace ${db} without confirmation: standard input is not a terminal; pass --yes`, USAGE_EXIT);
    }
    const say = (line: string) => ctx.io.stderr.write(`berth: ${line}\n`);

    // Which backup, and where it is.
    let chosen: BackupEntry;
    let store: OffsiteStore | undefined;
    // An off-site backup named: its prerequisites are checked before anything is listed.
    let identity = given?.where === "off-site" ? await offsitePrerequisites(ctx, options.identity) : undefined;
    if (given?.where === "local") {
      chosen = await findLocalDump(ctx, db, given.name);
    } else {
      if (given) requireBackupStorage(await ctx.outputs(), ctx.stack);
      const catalog = await listBackups(ctx, db, engine);
      store = catalog.store;
      if (given) {
        const found = catalog.entries.find((e) => e.where === "off-site" && e.name === given.name);
        if (!found) throw new CliError(`no backup ${given.name} in ${catalog.offsite} (berth backups ${db} lists them)`);
        chosen = found;
      } else {
        if (catalog.entries.length === 0) throw new CliError(`${db} has no backups yet (${[catalog.local, catalog.offsite].filter(Boolean).join("; ")})`);
        chosen = catalog.entries[0];
        say(`the newest backup of ${db} is ${chosen.name} (${chosen.where}, taken ${timeOf(chosen)}, ${formatBytes(chosen.bytes)})`);
      }
    }
    if (chosen.where === "off-site") identity ??= await offsitePrerequisites(ctx, options.identity);

    if (options.yes !== true && !(await confirm(ctx.io, `Replace the contents of ${db} (stack ${ctx.stack}) with ${chosen.name}, taken ${timeOf(chosen)}?`))) {
      say("not restored");
      return 1;
    }

    if (chosen.where === "local") {
      await restorePostgresLocal(ctx, db, chosen.name);
    } else {
      store ??= offsiteStore(ctx, await ctx.outputs());
      say(`downloading ${chosen.name} (${formatBytes(chosen.bytes)}) from ${store.describe()}, decrypting with ${identity}`);
      if (engine === "postgres") await restorePostgresOffsite(ctx, db, store, chosen.name, identity!);
      else await restoreRedisOffsite(ctx, db, container, store, chosen.name, identity!, say);
      store.close();
    }
    say(`restored ${db} from ${chosen.name}`);
    return 0;
  },
};

function timeOf(entry: BackupEntry): string {
  return entry.takenAt.toISOString().replace(/\.000Z$/, "Z");
}

/** The identity file and the age binary, checked before anything is downloaded or changed. */
async function offsitePrerequisites(ctx: Context, option: string | boolean | undefined): Promise<string> {
  const identity = identityPath(option, ctx.env);
  await checkAge();
  return identity;
}

async function findLocalDump(ctx: Context, db: string, name: string): Promise<BackupEntry> {
  const pg = await postgresContainer(ctx, db);
  const listing = await execCapture(pg.docker, pg.id, listDumpsCommand(db));
  const found = parseDumpListing(db, listing.stdout).find((d) => d.name === name);
  if (!found) throw new CliError(`no backup named ${name} in ${pg.dumps} (berth backups ${db} lists them)`);
  return { name, where: "local", bytes: found.bytes, takenAt: found.takenAt };
}

async function restorePostgresLocal(ctx: Context, db: string, name: string): Promise<void> {
  const pg = await postgresContainer(ctx, db);
  if (await ensureDatabase(pg.docker, pg.id, db)) ctx.io.stderr.write(`berth: database ${db} did not exist: created it again, owned by ${db}\n`);
  const result = await restoreLocalDump(pg.docker, pg.id, db, name);
  if (result.stdout) ctx.io.stdout.write(result.stdout);
  if (result.exitCode !== 0) throw new CliError(`pg_restore of ${name} into ${db} failed (exit ${result.exitCode}), nothing changed:\n${result.stderr.trim()}`);
  if (result.stderr.trim()) ctx.io.stderr.write(result.stderr);
}

/**
 * Download → age → pg_restore, streaming: the plaintext goes from age straight to pg_restore's
 * standard input in the container, its last chunk held back until age has authenticated the whole
 * backup, so pg_restore's single transaction commits only a complete, authentic dump.
 */
async function restorePostgresOffsite(ctx: Context, db: string, store: OffsiteStore, key: string, identity: string): Promise<void> {
  const opened = await openOffsiteBackup(store, key, identity, "postgres");
  try {
    const pg = await postgresContainer(ctx, db);
    if (await ensureDatabase(pg.docker, pg.id, db)) ctx.io.stderr.write(`berth: database ${db} did not exist: created it again, owned by ${db}\n`);
    const gated = opened.plaintext.pipe(holdEndUntil(opened.done));
    const result = await restoreFromStream(pg.docker, pg.id, db, gated);
    if (result.exitCode === 0) gated.resume(); // whatever pg_restore did not need: let age finish
    const decrypted = await (result.exitCode === 0 ? opened.done.then(() => undefined, (err: Error) => err) : Promise.resolve(undefined));
    if (result.stdout) ctx.io.stdout.write(result.stdout);
    if (result.inputError) {
      throw new CliError(`${result.inputError.message}; pg_restore saw an incomplete dump and rolled back: ${db} is as it was`);
    }
    if (result.exitCode !== 0) throw new CliError(`pg_restore of ${key} into ${db} failed (exit ${result.exitCode}), nothing changed:\n${result.stderr.trim()}`);
    if (decrypted) throw new CliError(`${decrypted.message} (after pg_restore had completed)`);
    if (result.stderr.trim()) ctx.io.stderr.write(result.stderr);
  } finally {
    opened.abort();
  }
}

async function restoreRedisOffsite(ctx: Context, db: string, container: string, store: OffsiteStore, key: string, identity: string, say: (line: string) => void): Promise<void> {
  const opened = await openOffsiteBackup(store, key, identity, "redis");
  try {
    const keys = await restoreRedis(await ctx.docker(), container, db, { stream: opened.plaintext, done: opened.done }, say);
    const total = Object.values(keys).reduce((a, b) => a + b, 0);
    say(`${db} is running on the snapshot: ${total} keys${Object.keys(keys).length > 1 ? ` (${Object.entries(keys).map(([d, n]) => `${d}: ${n}`).join(", ")})` : ""}`);
  } finally {
    opened.abort();
  }
}

