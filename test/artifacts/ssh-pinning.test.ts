import { strict as assert } from "assert";
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { sshOptions } from "../../components/docker-host/ssh";
import { freePort, keygen, startSshd as startServer, stopSshd as stopServer } from "../harness/sshd";
import { runTool, tempDir } from "../harness/tools";

/**
 * The Docker provider reaches a droplet with `ssh <sshOptions> root@<reserved IP>`. This runs the
 * real OpenSSH client with exactly those options against a real sshd on loopback: a server with
 * the pinned host key (the same droplet, or a replacement that cloud-init gave the same key) is
 * accepted with no known_hosts entry, and any other key is refused.
 */
describe("SSH host key pinning (real ssh against a real sshd)", function () {
  this.timeout(30000);
  let dir: string;
  let clientKey: string;
  let port: number;
  let sshd: ChildProcess | undefined;

  async function startSshd(hostKey: string): Promise<void> {
    sshd = await startServer(dir, port, hostKey);
  }

  async function stopSshd(): Promise<void> {
    await stopServer(sshd);
    sshd = undefined;
  }

  function connect(pinned: string) {
    return runTool("ssh", [...sshOptions(pinned), "-i", clientKey, "-p", String(port), "-o", "IdentitiesOnly=yes", "root@127.0.0.1", "echo connected"]);
  }

  before(async function () {
    if (!fs.existsSync("/usr/sbin/sshd")) throw new Error("sshd is not installed: apt-get install -y openssh-server (bash .ci/run does this)");
    if (process.getuid?.() !== 0) this.skip(); // sshd needs root for privilege separation
    dir = tempDir("ssh");
    clientKey = path.join(dir, "client");
    fs.writeFileSync(path.join(dir, "authorized_keys"), keygen(clientKey) + "\n");
    port = await freePort();
  });
  afterEach(stopSshd);

  it("connects to a server with the pinned key, with no known_hosts entry", async () => {
    const hostKey = path.join(dir, "host_a");
    const pinned = keygen(hostKey);
    await startSshd(hostKey);
    const result = connect(pinned);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), "connected");
  });

  it("still connects after the server is replaced by one with the same key", async () => {
    const hostKey = path.join(dir, "host_a");
    const pinned = fs.readFileSync(`${hostKey}.pub`, "utf8");
    await startSshd(hostKey);
    assert.equal(connect(pinned).status, 0);
    await stopSshd();
    await startSshd(hostKey);
    assert.equal(connect(pinned).status, 0);
  });

  it("refuses a server whose key is not the pinned one", async () => {
    const pinned = fs.readFileSync(path.join(dir, "host_a.pub"), "utf8");
    const otherKey = path.join(dir, "host_b");
    keygen(otherKey);
    await startSshd(otherKey);
    const result = connect(pinned);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /host key|HOST IDENTIFICATION/i);
  });
});
