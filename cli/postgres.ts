import type Docker from "dockerode";
import type { Context } from "./context";
import { dumpsSource } from "./dumps";
import { CliError } from "./errors";
import { requirePostgres } from "./lookup";

/** A stack's running Postgres container, with the source of its dumps directory. */
export async function postgresContainer(ctx: Context, db: string): Promise<{ docker: Docker; id: string; name: string; dumps: string }> {
  const { container } = requirePostgres(await ctx.outputs(), ctx.stack, db);
  const docker = await ctx.docker();
  const info = await docker
    .getContainer(container)
    .inspect()
    .catch((err: { statusCode?: number }) => {
      if (err.statusCode === 404) throw new CliError(`database ${db}'s container ${container} is not on the engine (berth ps shows the stack's containers)`);
      throw err;
    });
  if (!info.State.Running) throw new CliError(`database ${db}'s container ${container} is not running (${info.State.Status})`);
  return { docker, id: info.Id, name: container, dumps: dumpsSource(db, ctx.stack, info) };
}
