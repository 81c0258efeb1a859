import { ParsedStack, TARGET_DEFAULTS } from "./schema";

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
    ...tlsIssues(cfg),
    ...hostIssues(cfg),
    ...backupIssues(cfg),
    ...databaseReferenceIssues(cfg),
    ...envIssues(cfg),
    ...secretIssues(cfg),
    ...registryIssues(cfg),
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
    if (cfg.sshAllowFrom.length === 0) {
      issues.push({
        path: ["sshAllowFrom"],
        message: "must list at least one CIDR for the digitalocean target (Pulumi reaches Docker over SSH)",
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
  if (cfg.target === "local" && cfg.tlsMode === "cloudflare-origin") {
    return [{ path: ["tlsMode"], message: "must be self-signed on the local target", got: cfg.tlsMode }];
  }
  if (cfg.target === "digitalocean" && !cfg.proxied && (cfg.tlsMode ?? "cloudflare-origin") === "cloudflare-origin") {
    return [
      {
        path: ["tlsMode"],
        message:
          "must be self-signed when proxied is false (a Cloudflare origin certificate is trusted only behind Cloudflare's proxy)",
        got: cfg.tlsMode ?? "cloudflare-origin (the default)",
      },
    ];
  }
  return [];
}

function hostIssues(cfg: ParsedStack): RuleIssue[] {
  const owner = new Map<string, string>();
  const issues: RuleIssue[] = [];
  for (const [app, spec] of Object.entries(cfg.apps)) {
    spec.hosts.forEach((host, i) => {
      const first = owner.get(host);
      if (first !== undefined) {
        issues.push({
          path: ["apps", app, "hosts", i],
          message: `must be unique across apps (${host} is already a host of app ${first})`,
          got: host,
        });
      } else {
        owner.set(host, app);
      }
    });
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
          message: `needs a secret value: pulumi config set --secret --path 'secrets.env.${app}.${name}' <value>`,
          got: name,
        });
      }
    });
    spec.basicAuth?.users.forEach((user, i) => {
      if (cfg.secrets.basicAuth[app]?.[user] === undefined) {
        issues.push({
          path: ["apps", app, "basicAuth", "users", i],
          message: `needs a password: pulumi config set --secret --path 'secrets.basicAuth.${app}.${user}' <password>`,
          got: user,
        });
      }
    });
  }
  // A secret nobody uses is almost always a typo in an app or variable name.
  for (const [kind, byApp] of [
    ["env", cfg.secrets.env],
    ["basicAuth", cfg.secrets.basicAuth],
  ] as const) {
    for (const [app, values] of Object.entries(byApp)) {
      const used = kind === "env" ? cfg.apps[app]?.secretEnv : cfg.apps[app]?.basicAuth?.users;
      for (const name of Object.keys(values)) {
        if (!used?.includes(name)) {
          const listedIn = kind === "env" ? "secretEnv" : "basicAuth.users";
          issues.push({
            path: ["secrets", kind, app, name],
            message: cfg.apps[app]
              ? `is not used: add ${name} to berth:apps.${app}.${listedIn} or remove the secret`
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
