import { listDumpsCommand, formatBytes, parseDumpListing } from "../dumps";
import { CliError } from "../errors";
import { postgresContainer } from "../postgres";
import { execCapture } from "../stdio";
import type { Command } from "./command";
import { formatTable } from "./ps";

export const backups: Command = {
  spec: {
    name: "backups",
    summary: "list the backups of a Postgres database, newest first",
    args: [{ name: "db", description: "the database (postgres)" }],
    options: {},
    details: ["TAKEN is when pg_dump started, in UTC. Restore one with berth restore <db> <name>."],
  },
  async run(ctx, { args }) {
    const db = await postgresContainer(ctx, args.db);
    const result = await execCapture(db.docker, db.id, listDumpsCommand(args.db));
    if (result.exitCode !== 0) throw new CliError(`listing the dumps of ${args.db} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
    const dumps = parseDumpListing(args.db, result.stdout);
    if (dumps.length === 0) {
      ctx.io.stderr.write(`berth: no backups of ${args.db} yet (in ${db.dumps}); berth backup ${args.db} takes one\n`);
      return 0;
    }
    ctx.io.stdout.write(
      formatTable(
        ["NAME", "SIZE", "TAKEN"],
        dumps.map((d) => [d.name, formatBytes(d.bytes), d.takenAt.toISOString().replace(/\.000Z$/, "Z")]),
      ),
    );
    return 0;
  },
};
