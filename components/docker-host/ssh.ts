/** The user berth logs in to a droplet as (Docker provider, host commands, the `berth` CLI). */
export const SSH_USER = "root";

/**
 * A host public key as every pin compares it: `<type> <base64>`, without the comment or
 * surrounding whitespace (`ssh-ed25519 AAAA... comment\n` → `ssh-ed25519 AAAA...`).
 */
export function hostKeyLine(hostPublicKey: string): string {
  return hostPublicKey.trim().split(/\s+/).slice(0, 2).join(" ");
}

/**
 * ssh(1) options for the Docker provider's ssh:// connection.
 *
 * The droplet's host key is made by the stack and installed by cloud-init, so it stays the same
 * when the droplet behind the reserved IP is replaced. Instead of trusting whatever key answers
 * (StrictHostKeyChecking=no) or tripping over a stale ~/.ssh/known_hosts entry, the connection
 * checks against exactly that key, supplied by KnownHostsCommand (OpenSSH 8.5 or later).
 */
export function sshOptions(hostPublicKey: string): string[] {
  const key = hostKeyLine(hostPublicKey);
  return [
    "-o", "StrictHostKeyChecking=yes",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", `KnownHostsCommand=/bin/echo %H ${key}`,
    "-o", "BatchMode=yes",
    "-o", "ConnectTimeout=20",
    "-o", "ServerAliveInterval=15",
  ];
}
