import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/parse";
import { DNS_LABEL } from "../config/schema";

/**
 * Tailscale on the droplet: how Pulumi (and CI) reach its SSH without opening port 22 to the world.
 *
 * cloud-init installs Tailscale from its apt repository and joins the tailnet once, at the
 * droplet's first boot, with an auth key from the stack's secret `berth:tailscaleAuthKey`. The key
 * travels only inside the (secret) user data: cloud-init writes it to a root-only 0600 file on
 * /run (a tmpfs, so never to disk), `tailscale up` reads it from there, and the file is removed
 * right after. It is never on a command line, so never in a process list or a log line.
 *
 * `tailscale up --auth-key=file:<path>`: "node authorization key; if it begins with "file:", then
 * it's a path to a file containing the authkey" (tailscale/tailscale cmd/tailscale/cli/up.go,
 * commit 0002b41154ac25d374ab9aa5417c59f8d50046f7: the `auth-key` flag, and resolveValueFromFile,
 * which reads the file and trims it). The same file has --hostname, --advertise-tags,
 * --accept-dns and --timeout. Tags are checked there with tailcfg.CheckTag ("tag:", then a letter,
 * then letters, digits or '-'; tailscale/tailscale tailcfg/tailcfg.go, commit
 * 00088aea1e30a0833c4875f84f1e75d1ad777357), which `berth:tailscaleTags` mirrors, lowercase.
 *
 * Tailscale needs no inbound port: it dials out (UDP for direct WireGuard paths, which the
 * stateful cloud firewall lets back in as replies, and HTTPS to its DERP relays otherwise), and
 * the firewall allows all outbound traffic (firewall.ts).
 */

/** What the droplet needs to join a tailnet. */
export interface TailscaleArgs {
  /** The tailnet's MagicDNS domain, e.g. `tail1234.ts.net`. */
  tailnet: string;
  /** The droplet's machine name in the tailnet, a DNS label, e.g. `berth-prod`. */
  hostname: string;
  /** ACL tags the droplet advertises, e.g. `["tag:berth"]`; the auth key must be allowed to apply them. */
  tags: string[];
  /** The auth key it joins with: a Pulumi secret, used once, at the droplet's first boot. */
  authKey: pulumi.Input<string>;
}

/**
 * The droplet's address on the tailnet, its MagicDNS name `<hostname>.<tailnet>`: the one place it
 * is made. The readiness check, the volume grow, the Docker provider and every host command connect
 * to it instead of the reserved IP; the pinned SSH host key is the same.
 */
export function tailnetAddress(ts: Pick<TailscaleArgs, "hostname" | "tailnet">): string {
  return `${ts.hostname}.${ts.tailnet}`;
}

/** The Tailscale settings of a validated stack config, or undefined when it names no tailnet. */
export function tailscaleArgs(
  cfg: { tailnet?: string; tailscaleHostname?: string; tailscaleTags: string[]; tailscaleAuthKey?: pulumi.Input<string> },
  stackPrefix: string,
): TailscaleArgs | undefined {
  if (cfg.tailnet === undefined) return undefined;
  // The rules require the key with a tailnet; this is only the type's narrowing.
  if (cfg.tailscaleAuthKey === undefined) throw new ConfigError(["berth:tailscaleAuthKey is required when tailnet is set"]);
  // Default: the stack's prefix (berth-prod), which a stack name can make too long or end in '-'.
  const hostname = cfg.tailscaleHostname ?? stackPrefix;
  if (!DNS_LABEL.test(hostname)) {
    throw new ConfigError([
      `berth:tailscaleHostname is needed: the default, the stack's prefix "${hostname}", is not a DNS label ` +
        "(1 to 63 lowercase letters, digits and '-', not starting or ending with '-'); pulumi config set tailscaleHostname <name>",
    ]);
  }
  return { tailnet: cfg.tailnet, hostname, tags: cfg.tailscaleTags, authKey: cfg.tailscaleAuthKey };
}

/**
 * Fingerprint of Tailscale's package repository signing key, "Tailscale Inc. (Package repository
 * signing key) <info@tailscale.com>", 2596 A99E AAB3 3821 893C 0A79 458C A832 957F 5868, as apt/dnf
 * import it from pkgs.tailscale.com (quoted in tailscale/tailscale issue #13284).
 */
export const TAILSCALE_APT_KEY_FINGERPRINT = "2596A99EAAB33821893C0A79458CA832957F5868";

/** Where cloud-init leaves the auth key for `tailscale up`: root-only, on a tmpfs, removed after the join. */
export const TAILSCALE_AUTH_KEY_FILE = "/run/berth/tailscale-auth-key";

/** How long the join may take before cloud-init moves on (and the readiness check reports it). */
const JOIN_TIMEOUT = "300s";

/** The parts of the cloud-config that install Tailscale and join the tailnet. */
export interface TailscaleCloudConfig {
  aptSources: Record<string, { source: string; keyid: string }>;
  packages: string[];
  writeFiles: { path: string; owner: string; permissions: string; content: string }[];
  runcmd: string[][];
}

/** Renders those parts; pure, for cloud-init.ts. `authKey` is the plain key: the result is secret. */
export function tailscaleCloudConfig(opts: { hostname: string; tags: string[]; authKey: string }): TailscaleCloudConfig {
  return {
    aptSources: {
      "tailscale.list": {
        // Tailscale's own repository for the droplet's release (noble for ubuntu-24-04-x64).
        source: "deb [signed-by=$KEY_FILE] https://pkgs.tailscale.com/stable/ubuntu $RELEASE main",
        keyid: TAILSCALE_APT_KEY_FINGERPRINT,
      },
    },
    packages: ["tailscale"],
    writeFiles: [{ path: TAILSCALE_AUTH_KEY_FILE, owner: "root:root", permissions: "0600", content: opts.authKey.trim() + "\n" }],
    runcmd: [
      ["systemctl", "enable", "--now", "tailscaled"],
      [
        "tailscale",
        "up",
        `--auth-key=file:${TAILSCALE_AUTH_KEY_FILE}`,
        `--hostname=${opts.hostname}`,
        `--advertise-tags=${opts.tags.join(",")}`,
        // The droplet resolves with its own resolver: apt, image pulls and the apps never depend
        // on the tailnet's DNS settings. Nothing on it needs to look up tailnet names.
        "--accept-dns=false",
        `--timeout=${JOIN_TIMEOUT}`,
      ],
      // Whether the join worked or not: the key never outlives the first boot on the droplet.
      ["rm", "-f", TAILSCALE_AUTH_KEY_FILE],
    ],
  };
}
