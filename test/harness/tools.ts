import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface ToolResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a real tool; a missing tool fails the test with how to install it. */
export function runTool(tool: string, args: string[], opts: { input?: string; debianPackage?: string } = {}): ToolResult {
  const result = spawnSync(tool, args, { input: opts.input, encoding: "utf8" });
  if (result.error && (result.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new Error(`${tool} is not installed: apt-get install -y ${opts.debianPackage ?? tool} (bash .ci/run does this)`);
  }
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

const tempDirs: string[] = [];
process.on("exit", () => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `berth-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}
