import { processBaseName, WEB_PROCESS } from "../naming";
import { buildIssues } from "./build-rules";
import { shortKey } from "./fields";
import { PROCESS_DEFAULTS, WEB_SHORTHAND_KEYS, writtenProcesses } from "./processes";
import { ParsedStack, ProcessInput, TARGET_DEFAULTS } from "./schema";
import { tailscaleIssues, usesTailnet } from "./tailscale-rules";
import { backupsIssues } from "../backup/config";
import { dropletBackupIssues } from "./droplet-backup-rules";
import { acmeIssues } from "../tls/rules";

/**
 * Rules that span several keys. Each problem is reported with the key path it concerns and what is
 * allowed, the same way as a single-field error.
 */
export interface RuleIssue {
  path: (string | number)[];
  message: string;
  got?: unknown;
}

const INJECTED_ENV = { postgres: "DATABASE_URL", redis: "REDIS_URL" } as const;

export function crossFieldIssues(cfg: ParsedStack): RuleIssue[] {
  return [
    ...targetIssues(cfg),
    ...tailscaleIssues(cfg),
    ...dropletBackupIssues(cfg),
    ...tlsIssues(cfg),
    ...processIssues(cfg),
    ...routeIssues(cfg),
    ...backupIssues(cfg),
    ...backupsIssues(cfg),
    ...databaseReferenceIssues(cfg),
    ...envIssues(cfg),
    ...secretIssues(cfg),
    ...registryIssues(cfg),
    ...buildIssues(cfg),
  ];
}

function targetIssues(cfg: ParsedStack): RuleIssue[] {
  const issues: RuleIssue[] = [];
  if (cfg.target === "digitalocean") {
    if (!cfg.zoneId) {
      issues.push({ path: ["zoneId"], message: "is required for the digitalocean target (the Cloudflare zone id)" });
    }
    if (cfg.sshKeys.length === 0) {
      issues.push({
        path: ["sshKeys"],
        message: "must list at least one SSH key fingerprint for the digitalocean target (password login is off)",
        got: cfg.sshKeys,
      });
    }
    // Over Tailscale, port 22 may stay closed to every public address.
    if (cfg.sshAllowFrom.length === 0 && !usesTailnet(cfg)) {
      issues.push({
        path: ["sshAllowFrom"],
        message:
          "must list at least one CIDR for the digitalocean target (Pulumi reaches Docker over SSH), " +
          "unless berth:tailnet is set (then Pulumi reaches SSH over Tailscale)",
        got: cfg.sshAllowFrom,
      });
    }
  }
  if (cfg.lockOriginToCloudflare && !cfg.proxied) {
    issues.push({
      path: ["lockOriginToCloudflare"],
      message: "can only be true when proxied is true (unproxied visitors would be blocked)",
      got: true,
    });
  }
  const ports = TARGET_DEFAULTS[cfg.target];
  const httpsPort = cfg.httpsPort ?? ports.httpsPort;
  if ((cfg.httpPort ?? ports.httpPort) === httpsPort) {
    issues.push({ path: ["httpsPort"], message: "must differ from httpPort", got: httpsPort });
  }
  return issues;
}

function tlsIssues(cfg: ParsedStack): RuleIssue[] {
  if (cfg.target === "local" && cfg.tlsMode !== undefined && cfg.tlsMode !== "self-signed") {
    return [{ path: ["tlsMode"], message: "must be self-signed on the local target", got: cfg.tlsMode }];
  }
  if (cfg.target === "digitalocean" && !cfg.proxied && (cfg.tlsMode ?? "cloudflare-origin") === "cloudflare-origin") {
    return [
      {
        path: ["tlsMode"],
        message:
          "must be self-signed when proxied is false, or acme for a Let's Encrypt certificate that browsers trust (a Cloudflare origin certificate is trusted only behind Cloudflare's proxy)",
        got: cfg.tlsMode ?? "cloudflare-origin (the default)",
      },
      ...acmeIssues(cfg),
    ];
  }
  return acmeIssues(cfg);
}

/** Where a process's settings are in the stack file: the app itself for the web shorthand. */
function processPath(cfg: ParsedStack, app: string, process: string): string[] {
  return process === WEB_PROCESS && cfg.apps[app].hosts !== undefined ? ["apps", app] : ["apps", app, "processes", process];
}

/** True when `path` is `prefix` or below it, segment by segment ("/" is above everything). */
function isUnderPrefix(path: string, prefix: string): boolean {
  return prefix === "/" || path === prefix || path.startsWith(prefix + "/");
}

const ROUTED_ONLY = ["paths", "stripPrefix", "port", "basicAuth"] as const;

function processIssues(cfg: ParsedStack): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const [app, spec] of Object.entries(cfg.apps)) {
    for (const key of WEB_SHORTHAND_KEYS) {
      if (spec[key] === undefined || key === "hosts") continue;
      if (spec.hosts === undefined) {
        issues.push({
          path: ["apps", app, key],
          message: "describes the web process, which then needs hosts: add hosts to the app, or move it under processes.<name>",
        });
      }
    }
    if (spec.hosts !== undefined && spec.processes[WEB_PROCESS] !== undefined) {
      for (const key of WEB_SHORTHAND_KEYS) {
        if (spec[key] !== undefined) {
          issues.push({
            path: ["apps", app, key],
            message: `is a setting of the web process, which processes.${WEB_PROCESS} also defines: set it in one place`,
          });
        }
      }
    }
    const processes = writtenProcesses(spec);
    if (Object.keys(processes).length === 0) {
      issues.push({ path: ["apps", app], message: "must run at least one process: give it hosts (its web process) or processes" });
    }
    for (const [name, p] of Object.entries(processes)) {
      issues.push(...oneProcessIssues(processPath(cfg, app, name), p));
      const base = processBaseName(app, name);
      if (name !== WEB_PROCESS && cfg.apps[base] !== undefined) {
        issues.push({
          path: ["apps", app, "processes", name],
          message: `has the same container names as app ${base} (${base}-0, ...): rename the process or the app`,
        });
      }
    }
  }
  return issues;
}

function oneProcessIssues(at: (string | number)[], p: ProcessInput): RuleIssue[] {
  const issues: RuleIssue[] = [];
  if (p.hosts === undefined) {
    const worker = "applies to routed processes only (this process has no hosts, so it is a worker)";
    for (const key of ROUTED_ONLY) {
      if (p[key] !== undefined) issues.push({ path: [...at, key], message: worker });
    }
    if (p.health?.path !== undefined) issues.push({ path: [...at, "health", "path"], message: worker });
    else if (p.health !== undefined && p.health.command === undefined) {
      issues.push({
        path: [...at, "health"],
        message: "needs command for a worker (a worker without one is healthy when it runs without restarting for a few seconds)",
      });
    }
    return issues;
  }
  const paths = p.paths ?? [...PROCESS_DEFAULTS.paths];
  paths.forEach((prefix, i) => {
    if (paths.indexOf(prefix) !== i) issues.push({ path: [...at, "paths", i], message: "must be listed once", got: prefix });
  });
  p.basicAuth?.paths.forEach((prefix, i) => {
    if (!paths.some((claimed) => isUnderPrefix(prefix, claimed))) {
      issues.push({
        path: [...at, "basicAuth", "paths", i],
        message: `must be under one of this process's paths (${paths.join(", ")}): no other request reaches it`,
        got: prefix,
      });
    }
  });
  return issues;
}

/** Each host and path prefix goes to one process, across every app. */
function routeIssues(cfg: ParsedStack): RuleIssue[] {
  const owner = new Map<string, string>();
  const issues: RuleIssue[] = [];
  for (const [app, spec] of Object.entries(cfg.apps)) {
    for (const [name, p] of Object.entries(writtenProcesses(spec))) {
      if (p.hosts === undefined) continue;
      const at = processPath(cfg, app, name);
      const label = at.join(".");
      const paths = p.paths ?? [...PROCESS_DEFAULTS.paths];
      p.hosts.forEach((host, i) => {
        paths.forEach((prefix, j) => {
          const key = `${host}${prefix === "/" ? "" : prefix}`;
          const first = owner.get(key);
          if (first === undefined) {
            owner.set(key, label);
          } else if (first !== label) {
            issues.push({
              path: p.paths === undefined ? [...at, "hosts", i] : [...at, "paths", j],
              message: `must not route ${key} again: berth:${first} already does (each host and path prefix goes to one process)`,
              got: p.paths === undefined ? host : prefix,
            });
          }
        });
      });
    }
  }
  return issues;
}

function backupIssues(cfg: ParsedStack): RuleIssue[] {
  return Object.entries(cfg.databases)
    .filter(([, db]) => db.engine === "redis" && db.backupKeepDays !== undefined)
    .map(([name, db]) => ({
      path: ["databases", name, "backupKeepDays"],
      message: "applies to postgres only (Redis persists with its append-only file on the data volume)",
      got: db.backupKeepDays,
    }));
}

function databaseReferenceIssues(cfg: ParsedStack): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const known = Object.keys(cfg.databases);
  for (const [app, spec] of Object.entries(cfg.apps)) {
    const engines = new Map<string, string>();
    spec.databases.forEach((name, i) => {
      const db = cfg.databases[name];
      if (!db) {
        issues.push({
          path: ["apps", app, "databases", i],
          message: `must name a database defined in berth:databases (defined: ${known.join(", ") || "none"})`,
          got: name,
        });
        return;
      }
      const other = engines.get(db.engine);
      if (other !== undefined) {
        issues.push({
          path: ["apps", app, "databases", i],
          message: `must name at most one ${db.engine} database per app (${other} already provides ${INJECTED_ENV[db.engine]})`,
          got: name,
        });
      }
      engines.set(db.engine, name);
    });
  }
  return issues;
}

function envIssues(cfg: ParsedStack): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const [app, spec] of Object.entries(cfg.apps)) {
    const injected = new Set<string>(spec.databases.map((d) => cfg.databases[d]).filter(Boolean).map((d) => INJECTED_ENV[d.engine]));
    for (const name of Object.keys(spec.env)) {
      if (injected.has(name)) {
        issues.push({ path: ["apps", app, "env", name], message: "is set by berth from the app's database; remove it" });
      }
      if (spec.secretEnv.includes(name)) {
        issues.push({ path: ["apps", app, "env", name], message: "is also in secretEnv; set it in one place only" });
      }
    }
    // The release and jobs start their containers with the docker CLI, given the app's variables
    // (components/app/one-off.ts); the CLI would obey DOCKER_HOST and the like itself.
    if (spec.release !== undefined || Object.keys(spec.jobs).length > 0) {
      const docker = "must not start with DOCKER_ in an app with a release or jobs (the docker CLI that starts their containers reads DOCKER_* itself)";
      for (const name of Object.keys(spec.env)) {
        if (name.startsWith("DOCKER_")) issues.push({ path: ["apps", app, "env", name], message: docker });
      }
      spec.secretEnv.forEach((name, i) => {
        if (name.startsWith("DOCKER_")) issues.push({ path: ["apps", app, "secretEnv", i], message: docker, got: name });
      });
    }
    spec.secretEnv.forEach((name, i) => {
      if (injected.has(name)) {
        issues.push({
          path: ["apps", app, "secretEnv", i],
          message: "is set by berth from the app's database; remove it",
          got: name,
        });
      }
    });
  }
  return issues;
}

function secretIssues(cfg: ParsedStack): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const [app, spec] of Object.entries(cfg.apps)) {
    spec.secretEnv.forEach((name, i) => {
      if (cfg.secrets.env[app]?.[name] === undefined) {
        issues.push({
          path: ["apps", app, "secretEnv", i],
          message: `needs a secret value: pulumi config set --secret --path 'secrets.env.${app}.${shortKey(name)}' <value>`,
          got: name,
        });
      }
    });
    for (const [name, p] of Object.entries(writtenProcesses(spec))) {
      p.basicAuth?.users.forEach((user, i) => {
        if (cfg.secrets.basicAuth[app]?.[user] === undefined) {
          issues.push({
            path: [...processPath(cfg, app, name), "basicAuth", "users", i],
            message: `needs a password: pulumi config set --secret --path 'secrets.basicAuth.${app}.${user}' <password>`,
            got: user,
          });
        }
      });
    }
  }
  // A secret nobody uses is almost always a typo in an app or variable name.
  for (const [kind, byApp] of [
    ["env", cfg.secrets.env],
    ["basicAuth", cfg.secrets.basicAuth],
  ] as const) {
    for (const [app, values] of Object.entries(byApp)) {
      const spec = cfg.apps[app];
      const used =
        spec === undefined
          ? undefined
          : kind === "env"
            ? spec.secretEnv
            : Object.values(writtenProcesses(spec)).flatMap((p) => p.basicAuth?.users ?? []);
      for (const name of Object.keys(values)) {
        if (!used?.includes(name)) {
          const where = kind === "env" ? `berth:apps.${app}.secretEnv` : `the basicAuth.users of one of app ${app}'s processes`;
          issues.push({
            path: ["secrets", kind, app, name],
            message: cfg.apps[app]
              ? `is not used: add ${shortKey(name)} to ${where} or remove the secret`
              : `belongs to no app (apps: ${Object.keys(cfg.apps).join(", ")})`,
          });
        }
      }
    }
  }
  return issues;
}

function registryIssues(cfg: ParsedStack): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const addresses = cfg.registries.map((r) => r.address);
  cfg.registries.forEach((registry, i) => {
    if (addresses.indexOf(registry.address) !== i) {
      issues.push({ path: ["registries", i, "address"], message: "must be listed once", got: registry.address });
    }
    if (cfg.secrets.registries[registry.address] === undefined) {
      issues.push({
        path: ["registries", i],
        message: `needs a password: pulumi config set --secret --path 'secrets.registries["${registry.address}"]' <token>`,
      });
    }
  });
  for (const address of Object.keys(cfg.secrets.registries)) {
    if (!addresses.includes(address)) {
      issues.push({ path: ["secrets", "registries", address], message: "is not used: add the registry to berth:registries or remove the secret" });
    }
  }
  return issues;
}
