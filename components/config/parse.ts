import { RunError } from "@pulumi/pulumi";
import type { z } from "zod";
import { shortKey } from "./fields";
import { crossFieldIssues, RuleIssue } from "./rules";
import { BackupsConfig, resolveBackups } from "../backup/config";
import { AppConfig, resolveApp } from "./processes";
import {
  DatabaseConfig,
  DEFAULT_BACKUP_KEEP_DAYS,
  DEFAULT_IMAGES,
  ParsedStack,
  stackSchema,
  Target,
  TARGET_DEFAULTS,
  TlsMode,
} from "./schema";

/** The validated stack config with every default resolved. `S` is how secret values are held. */
export interface StackConfig<S = string>
  extends Omit<ParsedStack, "tlsMode" | "httpPort" | "httpsPort" | "apps" | "databases" | "secrets" | "tailscaleAuthKey" | "backups"> {
  target: Target;
  tlsMode: TlsMode;
  httpPort: number;
  httpsPort: number;
  /** Host address the proxy publishes its ports on. */
  bindAddress: string;
  apps: Record<string, AppConfig>;
  databases: Record<string, DatabaseConfig & { image: string; backupKeepDays: number }>;
  secrets: {
    env: Record<string, Record<string, S>>;
    basicAuth: Record<string, Record<string, S>>;
    registries: Record<string, S>;
  };
  /** The auth key the droplet joins the tailnet with (`berth:tailscaleAuthKey`). */
  tailscaleAuthKey?: S;
  /** Scheduled backups (`berth:backups`), defaults resolved; the heartbeat URL is a secret. */
  backups: BackupsConfig<S>;
}

/**
 * Raised before any resource is registered; lists every problem found, one per line. A RunError,
 * because the Pulumi CLI prints only the message of a RunError and a stack trace for any other
 * error (@pulumi/pulumi 3.248.0, cmd/run/run.js, the program's uncaught-error handler).
 */
export class ConfigError extends RunError {
  constructor(public readonly problems: string[]) {
    super(`invalid berth config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const NAMESPACE = "berth";

/**
 * Validates raw config values (as Pulumi hands them over, keyed without the namespace) and resolves
 * defaults. Pure: used by the program and directly by the tests.
 */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
  const parsed = stackSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map(formatZodIssue));
  }
  const issues = crossFieldIssues(parsed.data);
  if (issues.length > 0) {
    throw new ConfigError(issues.map(formatRuleIssue));
  }
  return resolveDefaults(parsed.data);
}

function resolveDefaults(cfg: ParsedStack): StackConfig {
  const targetDefaults = TARGET_DEFAULTS[cfg.target];
  const databases = Object.fromEntries(
    Object.entries(cfg.databases).map(([name, db]) => [
      name,
      {
        ...db,
        image: db.image ?? DEFAULT_IMAGES[db.engine],
        backupKeepDays: db.backupKeepDays ?? (db.engine === "postgres" ? DEFAULT_BACKUP_KEEP_DAYS : 0),
      },
    ]),
  );
  return {
    ...cfg,
    tlsMode: cfg.tlsMode ?? (cfg.target === "local" ? "self-signed" : "cloudflare-origin"),
    httpPort: cfg.httpPort ?? targetDefaults.httpPort,
    httpsPort: cfg.httpsPort ?? targetDefaults.httpsPort,
    bindAddress: targetDefaults.bindAddress,
    apps: Object.fromEntries(Object.entries(cfg.apps).map(([name, app]) => [name, resolveApp(app)])),
    databases,
    backups: resolveBackups(cfg),
  };
}

export function keyPath(path: readonly PropertyKey[]): string {
  let out = NAMESPACE + ":";
  path.forEach((part, i) => {
    if (typeof part === "number") out += `[${part}]`;
    else out += (i === 0 ? "" : ".") + shortKey(String(part));
  });
  return out;
}

/** Keys whose values are secrets: set with --secret, never echoed back, not even in an error. */
export const SECRET_KEYS = ["secrets", "tailscaleAuthKey"] as const;

/** Secret values inside an otherwise plain key: set with `--secret --path`, never echoed back either. */
export const SECRET_PATHS = [["backups", "heartbeatUrl"]] as const;

function isSecretPath(path: readonly PropertyKey[]): boolean {
  return (SECRET_KEYS as readonly PropertyKey[]).includes(path[0]) || SECRET_PATHS.some((p) => p.every((part, i) => path[i] === part));
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function formatZodIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path;
  if (issue.code === "unrecognized_keys") {
    return `${keyPath(path)} ${issue.message}`;
  }
  if (issue.code === "invalid_key") {
    // A map key (an app, database, variable or user name) is wrong: name the key itself.
    // zod puts the offending key at the end of the path already.
    const inner = issue.issues[0]?.message ?? issue.message;
    return `${keyPath(path)}: the name ${inner} (got ${describe(issue.input)})`;
  }
  const got = isSecretPath(path) ? "" : ` (got ${describe(issue.input)})`;
  return `${keyPath(path)} ${issue.message}${got}`;
}

function formatRuleIssue(issue: RuleIssue): string {
  const got = "got" in issue && !isSecretPath(issue.path) ? ` (got ${describe(issue.got)})` : "";
  return `${keyPath(issue.path)} ${issue.message}${got}`;
}
