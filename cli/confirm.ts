import * as readline from "readline";
import type { Terminal } from "./stdio";

/** Asks a yes/no question on the terminal; only `y` or `yes` is a yes. */
export async function confirm(io: Terminal, question: string): Promise<boolean> {
  io.stderr.write(`${question} [y/N] `);
  const lines = readline.createInterface({ input: io.stdin, terminal: false });
  const answer = await new Promise<string>((resolve) => {
    lines.once("line", resolve);
    lines.once("close", () => resolve(""));
  });
  lines.close();
  io.stdin.pause();
  return /^y(es)?$/i.test(answer.trim());
}
