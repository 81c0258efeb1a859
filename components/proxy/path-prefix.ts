/**
 * Path prefixes as HAProxy matches them. A prefix claims whole path segments: `/api` matches `/api`
 * and `/api/...`, never `/apix`; `/` matches every path.
 */

/** What config accepts as a prefix: "/" or "/seg[/seg…]", no trailing slash. */
export const PATH_PREFIX = /^\/([A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*)?$/;

/** Throws on a prefix config should have rejected: it is written into regexes and the config file. */
export function assertPathPrefix(prefix: string): void {
  if (!PATH_PREFIX.test(prefix)) throw new Error(`not a path prefix: ${JSON.stringify(prefix)} (expected "/" or "/seg[/seg…]")`);
}

/**
 * The prefix as a regex literal. Of its characters only '.' means something in a regex; a bracket
 * expression escapes it without a backslash, which HAProxy's config parser would interpret first.
 */
export function regexLiteral(prefix: string): string {
  return prefix.replace(/\./g, "[.]");
}

/** A regex matching the paths under `prefix` (not "/"): the prefix, then `end` (the end of a segment). */
export function prefixPattern(prefix: string, end = "(/|$)"): string {
  return `^${regexLiteral(prefix)}${end}`;
}

/** The prefixes, longest (most specific) first, each once. */
export function longestFirst(prefixes: string[]): string[] {
  return [...new Set(prefixes)].sort((a, b) => b.length - a.length || a.localeCompare(b));
}
