/**
 * The `http-request` rules of an app backend that depend on the request's path: basic auth on some
 * prefixes, and removing the prefix a route claims. Both read `txn.path`, the path as the client
 * sent it, which the frontends capture before any rule rewrites it.
 */
import { longestFirst, prefixPattern, regexLiteral } from "./path-prefix";

/** Basic auth as a backend applies it (users are in the userlist). */
export interface AuthRule {
  /** Shown by the browser's login prompt. */
  realm: string;
  /** Prefixes that require the login; "/" among them: every request. */
  paths: string[];
  /** The userlist holding the users' hashes. */
  userlist: string;
}

/**
 * Paths an app may read as being under a protected prefix although they do not start with it: an
 * empty segment (`//downloads`), a dot segment (`/x/../downloads`, `/./downloads`, also `..;` as
 * servlet containers read it). Browsers never send dot segments, so requiring the login there costs
 * real users nothing.
 */
const AMBIGUOUS_PATHS = ["//", "(^|/)[.][.]?([/;]|$)"];

/**
 * Asks for the login on the requests under the auth paths (all of them for "/"), and keeps the
 * proxy's credentials from the app.
 */
export function basicAuthRules(auth: AuthRule): string[] {
  const challenge = `http-request auth realm "${auth.realm}"`;
  const valid = `{ http_auth(${auth.userlist}) }`;
  if (auth.paths.includes("/")) {
    // The app never sees the proxy's credentials.
    return [`${challenge} unless ${valid}`, "http-request del-header Authorization"];
  }
  // Compared decoded and in lower case, so `/%64ownloads` or `/Downloads` (which an app may decode,
  // or route case-insensitively, to /downloads) need the login too; a segment ends at `;` as well
  // (`/downloads;x/file`). A path that does not decode keeps the placeholder "//": ambiguous.
  const protectedPaths = [...longestFirst(auth.paths.map((p) => p.toLowerCase())).map((p) => prefixPattern(p, "([/;]|$)")), ...AMBIGUOUS_PATHS];
  return [
    "http-request set-var(txn.auth_path) str(//)",
    "http-request set-var(txn.auth_path) var(txn.path),url_dec,lower",
    `acl auth_required var(txn.auth_path) -m reg ${protectedPaths.join(" ")}`,
    `${challenge} if auth_required !${valid}`,
    // The app never sees the proxy's credentials: not where they are required, and not elsewhere
    // either, where a browser may send them unasked (after a login at /downloads, to every path
    // under /). Any other Authorization (the app's own tokens or logins) reaches the app.
    `http-request del-header Authorization if auth_required || ${valid}`,
  ];
}

/**
 * Removes from the path the longest of the route's prefixes the request came in on (at most one:
 * the rules are exclusive), keeping the query string, and tells the app which in X-Forwarded-Prefix.
 * "/" removes nothing, so it sets no header.
 */
export function stripPrefixRules(paths: string[]): string[] {
  const prefixes = longestFirst(paths.filter((p) => p !== "/"));
  if (prefixes.length === 0) return [];
  return [
    ...prefixes.map((p, i) => {
      const unset = i === 0 ? "" : "!{ var(txn.strip_prefix) -m found } ";
      return `http-request set-var(txn.strip_prefix) str(${p}) if ${unset}{ var(txn.path) -m reg ${prefixPattern(p)} }`;
    }),
    // `/api` → `/`, `/api/x` → `/x`, `/api//x` → `//x`: the prefix and no more.
    ...prefixes.map((p) => `http-request replace-path ^${regexLiteral(p)}/?(.*) /\\1 if { var(txn.strip_prefix) -m str ${p} }`),
    "http-request set-header X-Forwarded-Prefix %[var(txn.strip_prefix)] if { var(txn.strip_prefix) -m found }",
  ];
}
