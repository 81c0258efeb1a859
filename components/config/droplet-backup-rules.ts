import type { RuleIssue } from "./rules";
import type { ParsedStack } from "./schema";

/**
 * The rules of `dropletBackups` and `dropletBackupPolicy`. Like every droplet setting they apply to
 * the digitalocean target only and are ignored on `local`.
 */
export function dropletBackupIssues(cfg: ParsedStack): RuleIssue[] {
  const policy = cfg.dropletBackupPolicy;
  if (cfg.target !== "digitalocean" || policy === undefined) return [];
  const issues: RuleIssue[] = [];
  if (!cfg.dropletBackups) {
    // The provider refuses it too, but only mid-deploy (resource_droplet.go: errDropletBackupPolicy).
    issues.push({ path: ["dropletBackupPolicy"], message: "can only be set when dropletBackups is true (a policy without backups does nothing)" });
  }
  if (policy.weekday !== undefined && policy.plan !== "weekly") {
    issues.push({ path: ["dropletBackupPolicy", "weekday"], message: "can only be set with plan: weekly (a daily backup runs every day)", got: policy.weekday });
  }
  return issues;
}
