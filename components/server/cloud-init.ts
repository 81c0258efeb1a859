import { stringify } from "yaml";
import { imagePruneCloudConfig } from "./image-prune";
import { metadataBlockCloudConfig } from "./metadata-block";
import { tailscaleCloudConfig } from "./tailscale";

/** What the droplet's first boot needs to know. */
export interface CloudInitOptions {
  /** Device path of the block-storage volume, e.g. /dev/disk/by-id/scsi-0DO_Volume_berth-prod-data. */
  volumeDevice: string;
  /** Where the volume is mounted; every database keeps its data below it. */
  dataPath: string;
  /** Swap file size in GiB; 0 for none. */
  swapSizeGb: number;
  /** The droplet's SSH host key (OpenSSH private and public form), fixed by the stack so that a
   * replaced droplet behind the same reserved IP still matches the pinned host key. */
  hostKey: { privateKey: string; publicKey: string };
  /** Join this tailnet at first boot (see tailscale.ts); the plain auth key makes the result secret. */
  tailscale?: { hostname: string; tags: string[]; authKey: string };
}

/** Docker's apt repository signing key (docs.docker.com/engine/install/ubuntu). */
export const DOCKER_APT_KEY_FINGERPRINT = "9DC858229FC7DD38854AE2D88D81803C0EBFCD88";

const SSHD_HARDENING = [
  "# Managed by berth: keys only, for every user including root.",
  "PasswordAuthentication no",
  "KbdInteractiveAuthentication no",
  "PermitRootLogin prohibit-password",
  "PermitEmptyPasswords no",
  "",
].join("\n");

const DOCKER_DAEMON = {
  "log-driver": "json-file",
  "log-opts": { "max-size": "10m", "max-file": "5" },
  // Containers keep running while dockerd restarts or upgrades.
  "live-restore": true,
};

const AUTO_UPGRADES = ['APT::Periodic::Update-Package-Lists "1";', 'APT::Periodic::Unattended-Upgrade "1";', ""].join("\n");

// Security updates only, and never an unplanned reboot of the only server.
const UNATTENDED_UPGRADES = [
  "Unattended-Upgrade::Allowed-Origins {",
  '  "${distro_id}:${distro_codename}-security";',
  '  "${distro_id}ESMApps:${distro_codename}-apps-security";',
  '  "${distro_id}ESM:${distro_codename}-infra-security";',
  "};",
  'Unattended-Upgrade::Automatic-Reboot "false";',
  'Unattended-Upgrade::Remove-Unused-Dependencies "true";',
  "",
].join("\n");

/**
 * Renders the droplet's cloud-init user data: Docker Engine from Docker's apt repository,
 * unattended security upgrades, key-only SSH, swap, Docker log rotation and live-restore, and the
 * data volume mounted by its device path with `nofail` (so a missing volume never blocks boot); with
 * `tailscale`, Tailscale from its apt repository and a one-time join of the tailnet. Two host guards
 * on every droplet: containers cannot reach the metadata service (metadata-block.ts), and dangling
 * images are pruned daily (image-prune.ts).
 */
export function renderCloudInit(opts: CloudInitOptions): string {
  const ts = opts.tailscale && tailscaleCloudConfig(opts.tailscale);
  // Host guards: no container reads the metadata service; dangling images are pruned daily.
  const guards = [metadataBlockCloudConfig(), imagePruneCloudConfig()];
  const config: Record<string, unknown> = {
    package_update: true,
    package_upgrade: true,
    apt: {
      sources: {
        "docker.list": {
          source: "deb [arch=amd64 signed-by=$KEY_FILE] https://download.docker.com/linux/ubuntu $RELEASE stable",
          keyid: DOCKER_APT_KEY_FINGERPRINT,
        },
        ...ts?.aptSources,
      },
    },
    packages: [
      "docker-ce",
      "docker-ce-cli",
      "containerd.io",
      "docker-compose-plugin",
      "unattended-upgrades",
      // The backup jobs encrypt with age and upload with curl (components/backup/script.ts).
      "age",
      "curl",
      ...(ts?.packages ?? []),
    ],
    ssh_pwauth: false,
    // Root keeps key-only login: Pulumi and the Docker provider connect as root.
    disable_root: false,
    ssh_deletekeys: true,
    ssh_keys: {
      ed25519_private: opts.hostKey.privateKey.trim() + "\n",
      ed25519_public: opts.hostKey.publicKey.trim(),
    },
    write_files: [
      { path: "/etc/ssh/sshd_config.d/10-berth.conf", permissions: "0644", content: SSHD_HARDENING },
      { path: "/etc/docker/daemon.json", permissions: "0644", content: JSON.stringify(DOCKER_DAEMON, null, 2) + "\n" },
      { path: "/etc/apt/apt.conf.d/20auto-upgrades", permissions: "0644", content: AUTO_UPGRADES },
      { path: "/etc/apt/apt.conf.d/52berth-unattended-upgrades", permissions: "0644", content: UNATTENDED_UPGRADES },
      ...(ts?.writeFiles ?? []),
      ...guards.flatMap((g) => g.writeFiles),
    ],
    mounts: [[opts.volumeDevice, opts.dataPath, "ext4", "defaults,nofail,discard,noatime", "0", "2"]],
    ...(opts.swapSizeGb > 0 ? { swap: { filename: "/swapfile", size: `${opts.swapSizeGb}G`, maxsize: `${opts.swapSizeGb}G` } } : {}),
    runcmd: [
      ["systemctl", "restart", "ssh"],
      // Early: until the droplet is on the tailnet, Pulumi cannot reach it there.
      ...(ts?.runcmd ?? []),
      ["systemctl", "enable", "--now", "docker", "unattended-upgrades"],
      ["systemctl", "daemon-reload"],
      ...guards.flatMap((g) => g.runcmd),
      ["mkdir", "-p", opts.dataPath],
    ],
  };
  return "#cloud-config\n" + stringify(config, { lineWidth: 0 });
}
