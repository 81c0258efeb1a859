import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { Client, ConnectConfig, utils } from "ssh2";
import type { Duplex } from "stream";
import { hostKeyLine } from "../components/docker-host/ssh";
import { CliError } from "./errors";

/**
 * The droplet's Docker engine over SSH, pinned to the stack's host key.
 *
 * docker-modem's own `protocol: "ssh"` (lib/ssh.js, 5.0.7) opens a new SSH connection, handshake
 * and login included, for every API request; a `berth run` makes about ten. This agent opens one
 * connection per CLI run and gives each HTTP request its own channel running
 * `docker system dial-stdio` (what docker-modem and the docker CLI run too): the same transport,
 * one handshake. Dockerode takes it as a plain HTTP agent.
 */

export interface SshTarget {
  address: string;
  user: string;
  /** `ssh-ed25519 AAAA...`: the only key the server may present. */
  hostPublicKey: string;
  port?: number;
}

/** What ssh2 needs to accept exactly one host key: the algorithms to offer, and the check. */
export function pinnedHostKey(hostPublicKey: string): { algorithms: string[]; verify: (key: Buffer) => boolean } {
  const [type, base64] = hostKeyLine(hostPublicKey).split(" ");
  if (!type || !base64) throw new CliError(`the stack's host public key is not an OpenSSH public key: '${hostPublicKey}'`);
  const expected = Buffer.from(base64, "base64");
  return {
    // An RSA key is signed with SHA-2 (RFC 8332) or, from old servers, SHA-1.
    algorithms: type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type],
    // ssh2 passes the key blob as the server sent it: the base64-decoded middle of the key line.
    verify: (key) => key.equals(expected),
  };
}

/** The user's SSH identity: their ssh-agent, and an unencrypted default key file if there is one. */
export function sshIdentity(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): Pick<ConnectConfig, "agent" | "privateKey"> {
  const agent = env.SSH_AUTH_SOCK || undefined;
  const keyFile = ["id_ed25519", "id_ecdsa", "id_rsa"].map((f) => path.join(home, ".ssh", f)).find((f) => fs.existsSync(f));
  let privateKey: Buffer | undefined;
  if (keyFile) {
    const content = fs.readFileSync(keyFile);
    // An encrypted key needs its passphrase: only the agent can use it.
    if (!(utils.parseKey(content) instanceof Error)) privateKey = content;
  }
  if (!agent && !privateKey) {
    throw new CliError(
      "no SSH key to log in with: start an ssh-agent holding a key listed in berth:sshKeys " +
        "(`eval $(ssh-agent)`, `ssh-add`), as `pulumi up` needs too",
    );
  }
  return { agent, privateKey };
}

export class SshDockerAgent extends http.Agent {
  private client?: Promise<Client>;

  constructor(
    private readonly target: SshTarget,
    private readonly identity: Pick<ConnectConfig, "agent" | "privateKey">,
  ) {
    // No keep-alive: a channel is not a net.Socket (it has no setKeepAlive or unref).
    super({ keepAlive: false });
  }

  createConnection(_options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const done = callback ?? (() => {});
    this.connect().then(
      (client) =>
        client.exec("docker system dial-stdio", (err, channel) => {
          if (err) return done(this.explain(err), undefined as unknown as Duplex);
          let stderr = "";
          channel.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
          channel.on("exit", (code: number | null) => {
            if (!code) return;
            channel.emit("error", new CliError(`docker system dial-stdio on ${this.target.address} exited with ${code}: ${stderr.trim()}`));
            channel.destroy();
          });
          done(null, channel);
        }),
      (err: Error) => done(err, undefined as unknown as Duplex),
    );
    return undefined;
  }

  /** Ends the connection; the process can then exit. */
  close(): void {
    this.destroy();
    void this.client?.then((c) => c.end(), () => undefined);
  }

  private connect(): Promise<Client> {
    this.client ??= new Promise((resolve, reject) => {
      const pin = pinnedHostKey(this.target.hostPublicKey);
      const client = new Client();
      client.once("ready", () => resolve(client));
      client.on("error", (err) => reject(this.explain(err)));
      client.connect({
        host: this.target.address,
        port: this.target.port ?? 22,
        username: this.target.user,
        ...this.identity,
        algorithms: { serverHostKey: pin.algorithms as never },
        hostVerifier: pin.verify,
        readyTimeout: 20_000,
        keepaliveInterval: 15_000,
      });
    });
    return this.client;
  }

  private explain(err: Error & { level?: string }): Error {
    const where = `${this.target.user}@${this.target.address}`;
    if (/Host denied/.test(err.message)) {
      return new CliError(`${this.target.address} did not present the stack's pinned SSH host key: refusing to connect`);
    }
    if (err.level === "client-authentication") {
      return new CliError(`${where} accepted none of your SSH keys: add one listed in berth:sshKeys to your ssh-agent (ssh-add)`);
    }
    if (err.level === "client-timeout") return new CliError(`${where}: no SSH answer within 20 s`);
    return new CliError(`could not reach ${where} over SSH: ${err.message}`);
  }
}
