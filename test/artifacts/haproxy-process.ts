import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import { once } from "events";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { PROXY_PATHS } from "../../components/proxy/haproxy-config";
import { runTool } from "../harness/tools";

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

/**
 * A rendered config made runnable here: listeners on 127.0.0.1 test ports (plain HTTP only), the
 * admin socket and state file in `dir`, no user switch unless this runs as root with a haproxy
 * user. `extra` substitutions are applied too; each one must match, so a renderer change cannot
 * silently make a test run something else.
 */
export function localConfig(
  config: string,
  dir: string,
  ports: { http: number; https: number; stats: number },
  extra: [string | RegExp, string][] = [],
): string {
  const substitutions: [string | RegExp, string][] = [
    ["bind :80", `bind 127.0.0.1:${ports.http}`],
    [/bind :443 .*/, `bind 127.0.0.1:${ports.https}`],
    [PROXY_PATHS.adminSocket, path.join(dir, "admin.sock")],
    [`127.0.0.1:${PROXY_PATHS.adminTcpPort}`, `127.0.0.1:${ports.stats}`],
    [PROXY_PATHS.stateFile, path.join(dir, "server-state")],
    ...extra,
  ];
  const haproxyUser = process.getuid?.() === 0 && runTool("id", ["haproxy"]).status === 0;
  if (!haproxyUser) substitutions.push([/^ *(user|group) haproxy\n/gm, ""]);
  for (const [from, to] of substitutions) {
    assert.match(config, typeof from === "string" ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : from);
    config = config.replace(from, to);
  }
  return config;
}
