import { CliError } from "../errors";
import { dumpNowCommand } from "../dumps";
import { postgresContainer } from "../postgres";
import { execCapture } from "../stdio";
import type { Command } from "./command";

export const backup: Command = {
  spec: {
    name: "backup",
    summary: "take a backup of a Postgres database now",
    args: [{ name: "db", description: "the database (postgres)" }],
    options: {},
    details: [
      "Runs pg_dump --format=custom inside the database container and writes the dump next to the",
      "daily ones (/backups in the container: on a droplet /mnt/berth/backups/postgres/<db> on the data",
      "volume, on local the volume berth-<stack>-db-<db>-backups). Prints the dump's name, which",
      "berth restore takes. The daily backup prunes dumps older than backupKeepDays, these too.",
    ],
  },
  async run(ctx, { args }) {
    const db = await postgresContainer(ctx, args.db);
    const result = await execCapture(db.docker, db.id, dumpNowCommand(args.db));
    if (result.exitCode !== 0) throw new CliError(`pg_dump of ${args.db} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
    const name = result.stdout.trim();
    ctx.io.stderr.write(`berth: backed up ${args.db} to ${name} (in ${db.dumps})\n`);
    ctx.io.stdout.write(`${name}\n`);
    return 0;
  },
};
