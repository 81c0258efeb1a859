import type { CommandSpec, Invocation } from "../args";
import type { Context } from "../context";

/** A `berth <command>`: its spec (arguments, options, help) and what it does; resolves with the exit code. */
export interface Command {
  spec: CommandSpec;
  run(ctx: Context, invocation: Invocation): Promise<number>;
}
