import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

export interface DnsArgs {
  /** Cloudflare zone id that holds every host. */
  zoneId: pulumi.Input<string>;
  /** Host names to publish (one A record each, plus AAAA when `ipv6Address` is set). */
  hosts: string[];
  /** The reserved IPv4 address every A record points at. */
  ipAddress: pulumi.Input<string>;
  /** The droplet's IPv6 address; no AAAA records when unset. */
  ipv6Address?: pulumi.Input<string>;
  /** Route visitors through Cloudflare's proxy (hides the origin, required for origin certificates). */
  proxied: boolean;
}

/** Cloudflare DNS records for every app host, with automatic TTL. */
export class Dns extends pulumi.ComponentResource {
  /** Host name → record id (A). */
  public readonly records: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: DnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:index:Dns", name, {}, opts);
    for (const host of args.hosts) {
      const record = (type: "A" | "AAAA", content: pulumi.Input<string>) =>
        new cloudflare.DnsRecord(
          `${name}-${host}-${type.toLowerCase()}`,
          {
            zoneId: args.zoneId,
            name: host,
            type,
            content,
            ttl: 1, // 1 = automatic
            proxied: args.proxied,
            comment: "managed by berth",
          },
          { parent: this, deleteBeforeReplace: true },
        );
      this.records[host] = record("A", args.ipAddress).id;
      if (args.ipv6Address !== undefined) record("AAAA", args.ipv6Address);
    }
    this.registerOutputs({ records: this.records });
  }
}
