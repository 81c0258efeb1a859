/**
 * Which names a certificate covers. Pure: used by the config rules (every route host must be
 * covered) and by the acme certificate (the names it is issued for).
 */

/** True when `name` (a host name, or a wildcard such as *.example.com) covers `host`. */
export function covers(name: string, host: string): boolean {
  if (!name.startsWith("*.")) return name === host;
  // A wildcard stands for exactly one label (RFC 6125 6.4.3): *.example.com covers
  // app.example.com, not example.com and not a.b.example.com.
  const dot = host.indexOf(".");
  return dot > 0 && host.slice(dot + 1) === name.slice(2);
}

/** The route hosts that none of `names` covers. */
export function uncoveredHosts(names: readonly string[], hosts: readonly string[]): string[] {
  return hosts.filter((host) => !names.some((name) => covers(name, host)));
}

/**
 * The names the certificate is issued for: the configured ones, or else every route host; sorted
 * and listed once, so that the same names always make the same request.
 */
export function certificateNames(configured: readonly string[], hosts: readonly string[]): string[] {
  return [...new Set(configured.length > 0 ? configured : hosts)].sort();
}
