import * as cloudflare from "@pulumi/cloudflare";
import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";

/** Who may reach the web ports: anyone, or only Cloudflare's proxy (then the origin is hidden). */
export type OriginAccess = "anywhere" | "cloudflare";

const ANYWHERE = ["0.0.0.0/0", "::/0"];

/**
 * Cloud firewall rules: 80/443 from anywhere or only from Cloudflare's published ranges, 22 only
 * from the configured CIDRs, ICMP from anywhere, and all outbound traffic.
 */
export function firewallRules(
  sshAllowFrom: pulumi.Input<pulumi.Input<string>[]>,
  originAccess: OriginAccess,
): Pick<digitalocean.FirewallArgs, "inboundRules" | "outboundRules"> {
  const webSources: pulumi.Input<string[]> =
    originAccess === "cloudflare"
      ? cloudflare.getIpRangesOutput().apply((r) => [...r.ipv4Cidrs, ...r.ipv6Cidrs])
      : ANYWHERE;
  return {
    inboundRules: [
      { protocol: "tcp", portRange: "80", sourceAddresses: webSources },
      { protocol: "tcp", portRange: "443", sourceAddresses: webSources },
      { protocol: "tcp", portRange: "22", sourceAddresses: sshAllowFrom },
      { protocol: "icmp", sourceAddresses: ANYWHERE },
    ],
    outboundRules: [
      { protocol: "tcp", portRange: "1-65535", destinationAddresses: ANYWHERE },
      { protocol: "udp", portRange: "1-65535", destinationAddresses: ANYWHERE },
      { protocol: "icmp", destinationAddresses: ANYWHERE },
    ],
  };
}
