/**
 * Keeps containers away from DigitalOcean's metadata service (169.254.169.254), which serves the
 * droplet's user data, and with it the SSH host private key and the Tailscale auth key, to anything
 * on the droplet that asks. Host processes (cloud-init, DigitalOcean's agent) still reach it:
 * only forwarded traffic, which is what containers on Docker's bridges send, is refused.
 *
 * Pure: rendered into cloud-init (cloud-init.ts), checked by shellcheck and systemd-analyze, and run
 * in a network namespace of its own, in the artifact tier.
 */

/** DigitalOcean's metadata service. */
export const METADATA_ADDRESS = "169.254.169.254";
export const METADATA_BLOCK_SCRIPT = "/usr/local/sbin/berth-block-metadata";
export const METADATA_BLOCK_UNIT = "berth-block-metadata.service";

/**
 * The rule, applied so it can run any number of times:
 * 1. The DOCKER-USER chain exists. Docker keeps an existing one with every rule in it, and sends
 *    each forwarded packet through it before its own rules (see DROPLET_DOCKER in the e2e provider
 *    model).
 * 2. Whatever is forwarded to the metadata address is refused there, ahead of anything else.
 * 3. FORWARD jumps to DOCKER-USER; when Docker starts, it moves that jump to the top.
 */
export function renderMetadataBlockScript(): string {
  return `#!/bin/sh
# Managed by berth: containers must not read the droplet's user data (its SSH host key, any
# auth key) from DigitalOcean's metadata service. Runs before Docker starts, and again
# whenever Docker restarts; each step is skipped when it is already done.
set -eu
metadata=${METADATA_ADDRESS}/32
iptables -w -n -L DOCKER-USER >/dev/null 2>&1 || iptables -w -N DOCKER-USER
reject() { iptables -w "$1" DOCKER-USER -d "$metadata" -j REJECT --reject-with icmp-port-unreachable; }
reject -C 2>/dev/null || reject -I
iptables -w -C FORWARD -j DOCKER-USER 2>/dev/null || iptables -w -I FORWARD -j DOCKER-USER
`;
}

/**
 * Ordered before Docker, so no container starts (restart policies included) before the rule is in
 * place; PartOf, so restarting Docker applies it again.
 */
export function renderMetadataBlockUnit(scriptPath = METADATA_BLOCK_SCRIPT): string {
  return `[Unit]
Description=berth: refuse container traffic to the droplet's metadata service
Before=docker.service
PartOf=docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${scriptPath}

[Install]
WantedBy=docker.service
`;
}

/** What cloud-init writes and runs to put the rule in place at first boot and every boot after. */
export function metadataBlockCloudConfig(): { writeFiles: { path: string; permissions: string; content: string }[]; runcmd: string[][] } {
  return {
    writeFiles: [
      { path: METADATA_BLOCK_SCRIPT, permissions: "0755", content: renderMetadataBlockScript() },
      { path: `/etc/systemd/system/${METADATA_BLOCK_UNIT}`, permissions: "0644", content: renderMetadataBlockUnit() },
    ],
    runcmd: [["systemctl", "enable", "--now", METADATA_BLOCK_UNIT]],
  };
}
