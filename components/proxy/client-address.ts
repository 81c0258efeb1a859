/**
 * The frontend rules that tell an app who its client is. Pure: rendered into both frontends of
 * haproxy.cfg (haproxy-config.ts), unit-tested, and run by a live haproxy in the artifact tier.
 *
 * 1. The client is the connection's source address.
 * 2. Only when that source is one of the trusted proxies (Cloudflare's published ranges, with
 *    proxied records) is the address Cloudflare puts in CF-Connecting-IP taken instead; a value
 *    that is not an IP address is ignored (req.hdr_ip parses RFC 7239's forms only).
 * 3. X-Forwarded-For and X-Real-IP are set to that one address, replacing whatever the client
 *    sent. Not `option forwardfor`: it appends, "since this header is always appended at the end of
 *    the existing header list, the server must be configured to always use the last occurrence"
 *    (HAProxy 2.6 configuration.txt, "option forwardfor"), so an app reading the first value would
 *    read the client's own.
 * 4. Other headers that claim a client address are removed, so no app can be fooled by reading
 *    one: CF-Connecting-IP unless the connection is Cloudflare's (which always sets it), and always
 *    True-Client-IP (Cloudflare sets it only on Enterprise plans that enable it, and may otherwise
 *    pass the client's own) and Forwarded (RFC 7239, which berth does not set).
 */
import { isCidr } from "../config/fields";

/** The ACL that matches a connection from a trusted proxy. */
const TRUSTED_ACL = "from_trusted_proxy";
/** HAProxy accepts at most 64 words on a line; a long list of ranges is split over several lines. */
const RANGES_PER_LINE = 32;

/**
 * `http-request` rules (with the ACL lines they use) that set the client address headers.
 * `trustedProxies`: CIDRs whose CF-Connecting-IP is believed; [] believes no one.
 */
export function clientAddressRules(trustedProxies: string[]): string[] {
  const invalid = trustedProxies.filter((c) => !isCidr(c));
  if (invalid.length > 0) throw new Error(`trusted proxy ranges must be CIDR blocks (got ${invalid.join(", ")})`);
  const ranges = [...new Set(trustedProxies)].sort();
  const acls: string[] = [];
  for (let i = 0; i < ranges.length; i += RANGES_PER_LINE) acls.push(`acl ${TRUSTED_ACL} src ${ranges.slice(i, i + RANGES_PER_LINE).join(" ")}`);
  const trusted = ranges.length > 0;
  // With no trusted upstream, the source address is used directly: no variable to allocate on
  // every request (the common case, and the benchmark's overhead scenario).
  const client = trusted ? "%[var(txn.client_ip)]" : "%[src]";
  return [
    ...acls,
    ...(trusted
      ? ["http-request set-var(txn.client_ip) src", `http-request set-var(txn.client_ip) req.hdr_ip(CF-Connecting-IP) if ${TRUSTED_ACL}`]
      : []),
    `http-request set-header X-Forwarded-For ${client}`,
    `http-request set-header X-Real-IP ${client}`,
    `http-request del-header CF-Connecting-IP${trusted ? ` unless ${TRUSTED_ACL}` : ""}`,
    "http-request del-header True-Client-IP",
    "http-request del-header Forwarded",
  ];
}
