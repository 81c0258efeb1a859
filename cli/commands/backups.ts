import { BackupEntry, listBackups } from "../catalog";
import { formatBytes } from "../dumps";
import { requireDatabase } from "../lookup";
import type { Command } from "./command";
import { formatTable } from "./ps";

export const backups: Command = {
  spec: {
    name: "backups",
    summary: "list the backups of a database, local and off-site, newest first",
    args: [{ name: "db", description: "the database (postgres or redis)" }],
    options: {},
    details: [
      "Local: Postgres dumps in the database container's /backups (berth backup and the daily ones).",
      "Off-site: the encrypted backups in the stack's bucket (output backupStorage), Postgres and Redis;",
      "listing them needs your Spaces key in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
      "TAKEN is when the backup was taken, in UTC. Restore one with berth restore <db> <name>.",
    ],
  },
  async run(ctx, { args }) {
    const { engine } = requireDatabase(await ctx.outputs(), ctx.stack, args.db);
    const catalog = await listBackups(ctx, args.db, engine);
    catalog.store?.close();
    const where = [catalog.local && `local: ${catalog.local}`, catalog.offsite && `off-site: ${catalog.offsite}`].filter(Boolean).join("; ");
    if (catalog.noOffsite) ctx.io.stderr.write(`berth: ${catalog.noOffsite}\n`);
    if (catalog.entries.length === 0) {
      ctx.io.stderr.write(`berth: no backups of ${args.db} yet (${where})${engine === "postgres" ? `; berth backup ${args.db} takes one` : ""}\n`);
      return 0;
    }
    ctx.io.stdout.write(renderBackups(catalog.entries));
    ctx.io.stderr.write(`berth: ${where}\n`);
    return 0;
  },
};

export function renderBackups(entries: BackupEntry[]): string {
  return formatTable(
    ["NAME", "SIZE", "TAKEN", "WHERE"],
    entries.map((e) => [e.name, formatBytes(e.bytes), e.takenAt.toISOString().replace(/\.000Z$/, "Z"), e.where]),
  );
}
