import { spawn } from "child_process";
import { Inputs } from "../inputs";
import { Created, ResourceHandler } from "./types";

/**
 * command:local:Command, run for real: `create` on create, `update` (else `create`) on an update,
 * `delete` on delete (provider-model.ts, localCommand).
 *
 * A non-zero exit fails the step with the provider's plain error (localCommand.facts.runError,
 * createReturnsError, plainErrorNoState): no id and no state, so the engine stores nothing for a
 * failed create and keeps the old state after a failed update (ENGINE.failedCreateNotStored,
 * failedUpdateKeepsOld), and the next up runs it again. The lines the provider streams to
 * `pulumi up` while it runs (localCommand.facts.loggingDefault, outputStreamed, linesAsStatus) come
 * back as `log`, on the result or on the error.
 */
export const localCommandHandler: ResourceHandler = {
  async create(resourceName, values) {
    return run(resourceName, values, "create");
  },
  async update(old, inputs, changed) {
    // The engine's update of a command with init errors and no change runs nothing.
    if (changed.length === 0) return { id: old.id, outputs: old.outputs };
    return run(old.name, inputs, inputs.update !== undefined ? "update" : "create");
  },
  async delete(old) {
    if (old.inputs.delete !== undefined) await run(old.name, old.inputs, "delete");
  },
};

async function run(resourceName: string, values: Record<string, any>, operation: "create" | "update" | "delete"): Promise<Created> {
  const i = new Inputs(`command.local.Command ${resourceName}`, values);
  const scripts = { create: i.take<string>("create"), update: i.take<string>("update"), delete: i.take<string>("delete") };
  const stdin = i.take<string>("stdin");
  const interpreter = i.take<string[]>("interpreter") ?? ["/bin/sh", "-c"];
  const logging = i.take<string>("logging");
  i.take("triggers");
  i.done();
  const script = scripts[operation];
  if (script === undefined) throw new Error(`e2e harness: ${resourceName} has no ${operation} script`);
  // localCommand.facts.loggingDefault: unset logs both streams.
  const logStdout = logging === undefined || logging === "stdout" || logging === "stdoutAndStderr";
  const logStderr = logging === undefined || logging === "stderr" || logging === "stdoutAndStderr";

  const [program, ...args] = interpreter;
  const child = spawn(program, [...args, script], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  /** Both streams as written: the provider's stdouterrbuf, which goes into its error. */
  let combined = "";
  /** The streams the provider logs, as written: what it streams to `pulumi up`. */
  let logged = "";
  child.stdout.on("data", (c) => {
    stdout += c;
    combined += c;
    if (logStdout) logged += c;
  });
  child.stderr.on("data", (c) => {
    stderr += c;
    combined += c;
    if (logStderr) logged += c;
  });
  // A script that never reads its stdin may exit before we finish writing it: not an error.
  child.stdin.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") stderr += `stdin: ${err.message}`;
  });
  child.stdin.end(stdin ?? "");
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (c, s) => resolve([c, s]));
  });
  // localCommand.facts.linesAsStatus: one status message per line (bufio.Scanner drops "\n" and a "\r" before it).
  const log = logged === "" ? [] : logged.replace(/\n$/, "").split("\n").map((line) => line.replace(/\r$/, ""));
  if (code !== 0) {
    // localCommand.facts.runError: Go's "exit status N" (or "signal: ..."), the script quoted as %q does (JSON here).
    const status = code === null ? `signal: ${signal}` : `exit status ${code}`;
    throw Object.assign(new Error(`${status}: running ${JSON.stringify(script)}:\n${combined}`), { log });
  }
  // localCommand.facts.outputsTrimmed
  return { id: resourceName, outputs: { ...values, stdout: stdout.replace(/\n$/, ""), stderr: stderr.replace(/\n$/, "") }, log };
}
