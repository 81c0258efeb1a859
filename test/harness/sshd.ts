import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { runTool } from "./tools";

/**
 * A real OpenSSH server on loopback for the tests that check host-key pinning: key login only, as
 * root, with `hostKey` as its only host key and `dir/authorized_keys` as its users' keys.
 */
export async function startSshd(dir: string, port: number, hostKey: string): Promise<ChildProcess> {
  fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const config = path.join(dir, "sshd_config");
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "StrictModes no",
      `PidFile ${path.join(dir, "sshd.pid")}`,
      "",
    ].join("\n"),
  );
  const sshd = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", config], { stdio: "ignore" });
  for (let i = 0; i < 50; i++) {
    const up = await new Promise<boolean>((ok) =>
      net
        .connect(port, "127.0.0.1")
        .once("connect", function (this: net.Socket) {
          this.destroy();
          ok(true);
        })
        .once("error", () => ok(false)),
    );
    if (up) return sshd;
    await new Promise((r) => setTimeout(r, 100));
  }
  sshd.kill();
  throw new Error("sshd did not start");
}

/** Stops an sshd from startSshd and waits for it to exit. */
export async function stopSshd(sshd: ChildProcess | undefined): Promise<void> {
  if (!sshd || sshd.exitCode !== null) return;
  const exited = new Promise((r) => sshd.once("exit", r));
  sshd.kill();
  await exited;
}

/** A new ed25519 key pair at `file` (and `file`.pub); returns the public key line. */
export function keygen(file: string): string {
  const made = runTool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file], { debianPackage: "openssh-client" });
  if (made.status !== 0) throw new Error(`ssh-keygen failed: ${made.stderr}`);
  return fs.readFileSync(`${file}.pub`, "utf8").trim();
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((ok) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (probe.address() as net.AddressInfo).port;
      probe.close(() => ok(p));
    });
  });
}
