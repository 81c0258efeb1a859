import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { ENGINE_SPECS, renderRedisConfig } from "../../components/database/engines";
import { runTool, tempDir } from "../harness/tools";

/**
 * The Redis config berth uploads into the container, run by a real redis-server (rendered with a
 * temporary data directory, and the port and address overridden to run outside a container), and probed
 * with the container's own health command.
 */
describe("Redis config (checked by a real redis-server)", function () {
  this.timeout(20000);
  const password = "pw0123456789abcdefABCDEF0123456789";
  let server: ChildProcess;
  let port: number;

  before(async () => {
    const dir = tempDir("redis");
    const conf = path.join(dir, "berth.conf");
    fs.writeFileSync(conf, renderRedisConfig(password, 256, dir));
    port = await new Promise<number>((ok) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => ok(p));
      });
    });
    if (runTool("redis-server", ["--version"], { debianPackage: "redis-server" }).status !== 0) throw new Error("redis-server does not run");
    server = spawn("redis-server", [conf, "--port", String(port), "--dir", dir, "--bind", "127.0.0.1"], { stdio: "ignore" });
    for (let i = 0; i < 50; i++) {
      const up = await new Promise((ok) => net.connect(port, "127.0.0.1").once("connect", function (this: net.Socket) { this.destroy(); ok(true); }).once("error", () => ok(false)));
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("redis-server did not start with berth's config");
  });
  after(() => server?.kill());

  const cli = (args: string[], auth?: string) =>
    runTool("env", [...(auth ? [`REDISCLI_AUTH=${auth}`] : ["-u", "REDISCLI_AUTH"]), "redis-cli", "-p", String(port), ...args]).stdout.trim();

  it("passes the container's health command when the password is in REDISCLI_AUTH", () => {
    const health = runTool("env", [`REDISCLI_AUTH=${password}`, "sh", "-c", ENGINE_SPECS.redis.healthCommand.replace("redis-cli", `redis-cli -p ${port}`)]);
    assert.equal(health.status, 0, health.stdout + health.stderr);
  });

  it("refuses clients without the password, and the health command notices", () => {
    assert.match(cli(["ping"]), /NOAUTH/);
    const health = runTool("env", ["-u", "REDISCLI_AUTH", "sh", "-c", ENGINE_SPECS.redis.healthCommand.replace("redis-cli", `redis-cli -p ${port}`)]);
    assert.notEqual(health.status, 0);
  });

  it("persists with the append-only file and caps memory without evicting", () => {
    assert.match(cli(["config", "get", "appendonly"], password), /appendonly\s+yes/);
    assert.match(cli(["config", "get", "maxmemory-policy"], password), /noeviction/);
    assert.match(cli(["config", "get", "maxmemory"], password), new RegExp(`maxmemory\\s+${192 * 1024 * 1024}`));
  });
});
