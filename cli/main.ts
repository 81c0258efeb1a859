import { parseCommandLine } from "./args";
import { COMMANDS } from "./commands";
import { Context } from "./context";
import { CliError } from "./errors";
import { PulumiRunner, runPulumi } from "./outputs";
import type { Terminal } from "./stdio";

/**
 * `berth <command>`: operations on a deployed stack (bin/berth.js runs it). Resolves with the exit
 * code; every failure the user can act on is one line, `berth: <what went wrong>`.
 */
export async function main(
  argv: string[],
  io: Terminal = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
  env: NodeJS.ProcessEnv = process.env,
  pulumi: PulumiRunner = runPulumi,
): Promise<number> {
  let ctx: Context | undefined;
  try {
    const parsed = parseCommandLine(argv, COMMANDS.map((c) => c.spec), env);
    if (parsed.kind === "help") {
      io.stdout.write(parsed.text);
      return 0;
    }
    const { invocation } = parsed;
    ctx = new Context(invocation.stack, io, pulumi, env);
    return await COMMANDS.find((c) => c.spec === invocation.command)!.run(ctx, invocation);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`berth: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    io.stderr.write(`berth: ${e.message}\n${env.BERTH_DEBUG ? `${e.stack}\n` : ""}`);
    return 1;
  } finally {
    ctx?.close();
  }
}

/** Runs main for the process, and exits once its output is written. */
export function runCli(): void {
  void main(process.argv.slice(2)).then((code) => {
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
  });
}
