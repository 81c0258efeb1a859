import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import { once } from "events";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";

/** A real haproxy (Debian's 2.6) running a rendered config, for the live artifact tests. */
export interface RunningHaproxy {
  process: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Writes `config` to `dir`/haproxy.cfg and starts haproxy in master-worker mode; resolves once
 * /.berth/ping answers on `httpPort`.
 */
export async function startHaproxy(dir: string, config: string, httpPort: number): Promise<RunningHaproxy> {
  const file = path.join(dir, "haproxy.cfg");
  fs.writeFileSync(file, config);
  const proxy = spawn("haproxy", ["-W", "-db", "-f", file]);
  let output = "";
  proxy.stdout!.on("data", (d) => (output += d));
  proxy.stderr!.on("data", (d) => (output += d));
  for (let i = 0; ; i++) {
    assert.equal(proxy.exitCode, null, `haproxy exited:\n${output}`);
    const up = await new Promise((resolve) =>
      http.get({ port: httpPort, host: "127.0.0.1", path: "/.berth/ping", agent: false }, (r) => resolve(r.resume().statusCode === 200)).on("error", () => resolve(false)),
    );
    if (up) break;
    assert.ok(i < 100, `haproxy did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    process: proxy,
    output: () => output,
    async stop() {
      if (proxy.exitCode === null) {
        proxy.kill("SIGTERM");
        await once(proxy, "exit");
      }
    },
  };
}
