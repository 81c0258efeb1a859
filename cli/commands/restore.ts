import { confirm } from "../confirm";
import { dumpName, listDumpsCommand, parseDumpListing, restoreCommand } from "../dumps";
import { CliError, USAGE_EXIT } from "../errors";
import { requirePostgres } from "../lookup";
import { postgresContainer } from "../postgres";
import { execCapture } from "../stdio";
import type { Command } from "./command";

export const restore: Command = {
  spec: {
    name: "restore",
    summary: "restore a Postgres database from one of its backups",
    args: [
      { name: "db", description: "the database (postgres)" },
      { name: "dump", description: "the backup's name, as berth backups lists it" },
    ],
    options: {
      yes: { type: "boolean", short: "y", description: "do not ask for confirmation (needed without a terminal)" },
    },
    details: [
      "Runs pg_restore --clean --if-exists --no-owner --single-transaction inside the database",
      "container: every object in the dump is dropped and re-created as it was; objects created since",
      "are left alone. All or nothing: a restore that fails changes nothing. The apps keep running and",
      "wait on its locks meanwhile. Take a backup first (berth backup) to be able to go back.",
    ],
  },
  async run(ctx, { args, options }) {
    const name = dumpName(args.db, args.dump);
    requirePostgres(await ctx.outputs(), ctx.stack, args.db);
    if (options.yes !== true && ctx.io.stdin.isTTY !== true) {
      throw new CliError(`restore: refusing to replace ${args.db} without confirmation: standard input is not a terminal; pass --yes`, USAGE_EXIT);
    }
    const db = await postgresContainer(ctx, args.db);
    const listing = await execCapture(db.docker, db.id, listDumpsCommand(args.db));
    if (!parseDumpListing(args.db, listing.stdout).some((d) => d.name === name)) {
      throw new CliError(`no backup named ${name} in ${db.dumps} (berth backups ${args.db} lists them)`);
    }
    if (options.yes !== true && !(await confirm(ctx.io, `Replace the contents of ${args.db} (stack ${ctx.stack}) with ${name}?`))) {
      ctx.io.stderr.write("berth: not restored\n");
      return 1;
    }
    const result = await execCapture(db.docker, db.id, restoreCommand(args.db, name));
    if (result.stdout) ctx.io.stdout.write(result.stdout);
    if (result.exitCode !== 0) throw new CliError(`pg_restore of ${name} into ${args.db} failed (exit ${result.exitCode}), nothing changed:\n${result.stderr.trim()}`);
    if (result.stderr.trim()) ctx.io.stderr.write(result.stderr);
    ctx.io.stderr.write(`berth: restored ${args.db} from ${name}\n`);
    return 0;
  },
};
