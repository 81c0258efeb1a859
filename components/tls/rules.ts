import type { RuleIssue } from "../config/rules";
import type { ParsedStack } from "../config/schema";
import { uncoveredHosts } from "./names";

/** Every host some routed process is reached at, across every app (web shorthand included). */
function routeHosts(cfg: ParsedStack): string[] {
  const hosts = Object.values(cfg.apps).flatMap((app) => [
    ...(app.hosts ?? []),
    ...Object.values(app.processes).flatMap((p) => p.hosts ?? []),
  ]);
  return [...new Set(hosts)];
}

/**
 * The rules of tlsMode acme and the uptime alerts (called from config/rules.ts tlsIssues):
 *   1. acme needs the digitalocean target (the local target is self-signed) and an email;
 *   2. the certificate's names, when given, cover every route host;
 *   3. acme needs alertEmails: the ssl_expiry alert is how a failed renewal gets noticed;
 *   4. acme-only settings are refused with another tlsMode, and alerts on the local target.
 */
export function acmeIssues(cfg: ParsedStack): RuleIssue[] {
  const issues: RuleIssue[] = [];
  if (cfg.tlsMode === "acme") {
    if (cfg.acmeEmail === undefined) {
      issues.push({ path: ["acmeEmail"], message: "is required with tlsMode acme (the Let's Encrypt account's contact address)" });
    }
    cfg.acmeCertificateNames.forEach((name, i) => {
      if (cfg.acmeCertificateNames.indexOf(name) !== i) issues.push({ path: ["acmeCertificateNames", i], message: "must be listed once", got: name });
    });
    if (routeHosts(cfg).length === 0 && cfg.acmeCertificateNames.length === 0) {
      issues.push({ path: ["tlsMode"], message: "acme needs a name to issue for: no process has hosts, and acmeCertificateNames is empty", got: "acme" });
    }
    const uncovered = cfg.acmeCertificateNames.length === 0 ? [] : uncoveredHosts(cfg.acmeCertificateNames, routeHosts(cfg));
    if (uncovered.length > 0) {
      issues.push({
        path: ["acmeCertificateNames"],
        message: `must cover every route host; not covered: ${uncovered.join(", ")} (a wildcard such as *.example.com covers one label: app.example.com, not example.com or a.b.example.com)`,
        got: cfg.acmeCertificateNames,
      });
    }
    if (cfg.target === "digitalocean" && cfg.alertEmails.length === 0) {
      issues.push({
        path: ["alertEmails"],
        message: "must list at least one address with tlsMode acme (the ssl_expiry alert is how a failed renewal gets noticed)",
        got: cfg.alertEmails,
      });
    }
  } else {
    for (const key of ["acmeEmail", "acmeCertificateNames"] as const) {
      const value = cfg[key];
      if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
        issues.push({ path: [key], message: `applies to tlsMode acme only (tlsMode is ${cfg.tlsMode ?? "its default"})`, got: value });
      }
    }
  }
  if (cfg.target === "local" && cfg.alertEmails.length > 0) {
    issues.push({ path: ["alertEmails"], message: "applies to the digitalocean target only (the local target has no public endpoint to check)", got: cfg.alertEmails });
  }
  return issues;
}
