import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { cloudflareIpRanges } from "../dns/cloudflare-ranges";

/** Who may reach the web ports: anyone, or only Cloudflare's proxy (then the origin is hidden). */
export type OriginAccess = "anywhere" | "cloudflare";

const ANYWHERE = ["0.0.0.0/0", "::/0"];

/**
 * Cloud firewall rules: 80/443 from anywhere or only from Cloudflare's published ranges, 22 only
 * from the configured CIDRs (no rule at all when there are none, as with Tailscale), ICMP from
 * anywhere, and all outbound traffic.
 *
 * Tailscale needs no inbound rule: tailscaled only dials out, UDP to its peers and STUN (replies
 * come back through this stateful firewall) and HTTPS to the coordination server and DERP relays,
 * which carry the traffic when no direct path opens. The outbound rules below allow all of it.
 */
export function firewallRules(
  sshAllowFrom: pulumi.Input<string>[],
  originAccess: OriginAccess,
): Pick<digitalocean.FirewallArgs, "inboundRules" | "outboundRules"> {
  const webSources: pulumi.Input<string[]> =
    originAccess === "cloudflare"
      ? cloudflareIpRanges()
      : ANYWHERE;
  return {
    inboundRules: [
      { protocol: "tcp", portRange: "80", sourceAddresses: webSources },
      { protocol: "tcp", portRange: "443", sourceAddresses: webSources },
      // No rule rather than a rule without sources: SSH is then closed to every public address.
      ...(sshAllowFrom.length > 0 ? [{ protocol: "tcp", portRange: "22", sourceAddresses: sshAllowFrom }] : []),
      { protocol: "icmp", sourceAddresses: ANYWHERE },
    ],
    outboundRules: [
      { protocol: "tcp", portRange: "1-65535", destinationAddresses: ANYWHERE },
      { protocol: "udp", portRange: "1-65535", destinationAddresses: ANYWHERE },
      { protocol: "icmp", destinationAddresses: ANYWHERE },
    ],
  };
}
