import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

/**
 * Cloudflare's published proxy ranges (IPv4 and IPv6 CIDRs), read at every run from Cloudflare's
 * API (the `cloudflare.getIpRanges` data source). The one source of both the firewall's origin lock
 * (server/firewall.ts) and the proxy's trusted CF-Connecting-IP (proxy/client-address.ts), so the
 * two always agree.
 */
export function cloudflareIpRanges(): pulumi.Output<string[]> {
  return cloudflare.getIpRangesOutput().apply((r) => [...r.ipv4Cidrs, ...r.ipv6Cidrs]);
}
