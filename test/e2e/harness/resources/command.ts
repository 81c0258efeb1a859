import { spawn } from "child_process";
import { Inputs } from "../inputs";
import { Created, ResourceHandler } from "./types";

/**
 * command:local:Command, run for real: `create` on create, `update` (else `create`) on an update,
 * `delete` on delete (provider-model.ts, localCommand).
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
  i.take("triggers");
  i.done();
  const script = scripts[operation];
  if (script === undefined) throw new Error(`e2e harness: ${resourceName} has no ${operation} script`);

  const [program, ...args] = interpreter;
  const child = spawn(program, [...args, script], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  // A script that never reads its stdin may exit before we finish writing it: not an error.
  child.stdin.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") stderr += `stdin: ${err.message}`;
  });
  child.stdin.end(stdin ?? "");
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) {
    throw new Error(`command ${resourceName} (${operation}) failed with exit code ${code}: ${stderr.trim()}`);
  }
  // The provider trims the trailing newline of both streams.
  return { id: resourceName, outputs: { ...values, stdout: stdout.replace(/\n$/, ""), stderr: stderr.replace(/\n$/, "") } };
}
