import { strict as assert } from "assert";
import { runProgram } from "../harness/program";
import { doConfig, localConfig, TYPES } from "../harness/stacks";
import { runTool } from "../harness/tools";

/** Every shell script a stack ships: host commands, and health checks run inside containers. */
async function shippedScripts(): Promise<Map<string, string>> {
  const scripts = new Map<string, string>();
  const runs = [
    ["dev", await runProgram({ stack: "dev", config: doConfig() })],
    ["local", await runProgram({ stack: "local", config: localConfig() })],
  ] as const;
  for (const [stack, run] of runs) {
    for (const command of [...run.ofType(TYPES.remoteCommand), ...run.ofType(TYPES.localCommand)]) {
      for (const phase of ["create", "update", "delete"] as const) {
        const text = command.inputs[phase];
        if (typeof text === "string") scripts.set(`${stack}: ${command.name} (${phase})`, text);
      }
    }
    for (const container of run.ofType(TYPES.container)) {
      const [kind, probe] = container.inputs.healthcheck?.tests ?? [];
      if (kind === "CMD-SHELL") scripts.set(`${stack}: ${container.name} health check`, `#!/bin/sh\n${probe}\n`);
    }
  }
  // The backup job's script (bash, installed through a heredoc) is checked in offsite-backup.test.ts.
  return scripts;
}

describe("shell scripts (checked by shellcheck)", () => {
  it("every script the program ships passes shellcheck as POSIX sh", async () => {
    const scripts = await shippedScripts();
    assert.ok(scripts.size >= 10, `expected the readiness, proxy and health scripts, found ${[...scripts.keys()].join(", ")}`);
    const failures: string[] = [];
    for (const [where, text] of scripts) {
      const result = runTool("shellcheck", ["--shell=sh", "--severity=style", "-"], { input: text });
      if (result.status !== 0) failures.push(`${where}:\n${result.stdout}`);
    }
    assert.deepEqual(failures, []);
  });

  it("shellcheck flags a real mistake (the check is real)", () => {
    const result = runTool("shellcheck", ["--shell=sh", "-"], { input: '#!/bin/sh\nrm -rf $dir/*\n' });
    assert.notEqual(result.status, 0);
  });
});
