import type { RuleIssue } from "../config/rules";
import { ParsedStack, SPACES_REGIONS } from "../config/schema";

/**
 * berth:backups: the cross-key rules and the defaults that depend on other keys (the target, the
 * droplet's region, whether the stack has databases). Pure; parse.ts and rules.ts call these.
 */

/** berth:backups with every default resolved. `S` is how the heartbeat URL (a secret) is held. */
export interface BackupsConfig<S = string> {
  /** Cron schedule (UTC) of every database's backup job. */
  schedule: string;
  /** Days an off-site backup is kept. */
  keepDays: number;
  /** age public keys the off-site backups are encrypted to. */
  ageRecipients: string[];
  /** Ping URL (secret): `<url>` on success, `<url>/fail` on failure; unset: no pings. */
  heartbeatUrl?: S;
  /** The bucket's name; unset: berth names it (prefix, "-backups-", random suffix). */
  bucket?: string;
  /** The bucket's Spaces region; set whenever off-site backups run. */
  spacesRegion?: string;
  /** Whether backups go off-site (digitalocean only). */
  offsite: boolean;
}

const isSpacesRegion = (region: string) => (SPACES_REGIONS as readonly string[]).includes(region);

/** Whether this stack uploads off-site: a droplet with databases and `offsite` not false. */
export function offsiteEnabled(cfg: ParsedStack): boolean {
  return cfg.target === "digitalocean" && Object.keys(cfg.databases).length > 0 && cfg.backups.offsite !== false;
}

export function resolveBackups(cfg: ParsedStack): BackupsConfig {
  const offsite = offsiteEnabled(cfg);
  return {
    ...cfg.backups,
    offsite,
    spacesRegion: offsite ? (cfg.backups.spacesRegion ?? cfg.region) : cfg.backups.spacesRegion,
  };
}

export function backupsIssues(cfg: ParsedStack): RuleIssue[] {
  const b = cfg.backups;
  if (cfg.target === "local") {
    if (b.offsite !== true) return [];
    return [
      {
        path: ["backups", "offsite"],
        message:
          "is not available on the local target (it has no scheduler to run backup jobs and no Spaces bucket); " +
          "remove it, or use `berth backup` for a local dump",
        got: true,
      },
    ];
  }
  if (!offsiteEnabled(cfg)) return [];
  const issues: RuleIssue[] = [];
  if (b.ageRecipients.length === 0) {
    issues.push({
      path: ["backups", "ageRecipients"],
      message:
        "must list at least one age public key when the stack has databases: off-site backups are encrypted to it " +
        "(create one with age-keygen and keep the private key off the droplet), or set berth:backups.offsite to false to keep only local dumps",
      got: b.ageRecipients,
    });
  }
  b.ageRecipients.forEach((key, i) => {
    if (b.ageRecipients.indexOf(key) !== i) issues.push({ path: ["backups", "ageRecipients", i], message: "must be listed once", got: key });
  });
  const region = b.spacesRegion ?? cfg.region;
  if (!isSpacesRegion(region)) {
    issues.push(
      b.spacesRegion === undefined
        ? {
            path: ["backups", "spacesRegion"],
            message: `is needed: the droplet's region ${cfg.region} has no Spaces; set a Spaces region (${SPACES_REGIONS.join(", ")}) or berth:backups.offsite to false`,
          }
        : {
            path: ["backups", "spacesRegion"],
            message: `must be a region with Spaces (${SPACES_REGIONS.join(", ")})`,
            got: b.spacesRegion,
          },
    );
  }
  return issues;
}
