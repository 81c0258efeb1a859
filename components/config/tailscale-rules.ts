import type { RuleIssue } from "./rules";
import type { ParsedStack } from "./schema";

/**
 * The rules of the Tailscale keys (`tailnet`, `tailscaleHostname`, `tailscaleTags`,
 * `tailscaleAuthKey`). Like every droplet setting they apply to the digitalocean target only and are
 * ignored on `local`, which has no droplet to join to a tailnet.
 */
export function tailscaleIssues(cfg: ParsedStack): RuleIssue[] {
  if (cfg.target !== "digitalocean") return [];
  const issues: RuleIssue[] = [];
  if (cfg.tailnet !== undefined && cfg.tailscaleAuthKey === undefined) {
    issues.push({
      path: ["tailscaleAuthKey"],
      message:
        "is required when tailnet is set (the droplet joins the tailnet with it): " +
        "pulumi config set --secret tailscaleAuthKey <a pre-approved auth key tagged tag:berth>",
    });
  }
  if (cfg.tailnet === undefined) {
    // Set without a tailnet, they would do nothing: almost always a forgotten `tailnet`.
    for (const key of ["tailscaleHostname", "tailscaleAuthKey"] as const) {
      if (cfg[key] !== undefined) {
        issues.push({ path: [key], message: "only applies with berth:tailnet: set tailnet (e.g. tail1234.ts.net) or remove it" });
      }
    }
  }
  return issues;
}

/** Whether the stack reaches its droplet over Tailscale, so SSH need not be open to any address. */
export function usesTailnet(cfg: ParsedStack): boolean {
  return cfg.target === "digitalocean" && cfg.tailnet !== undefined;
}
