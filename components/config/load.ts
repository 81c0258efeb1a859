import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, SECRET_KEYS, SECRET_PATHS, StackConfig } from "./parse";

export type LoadedConfig = StackConfig<pulumi.Output<string>>;

const NAMESPACE = "berth";

/**
 * Reads the `berth:` config of the current stack, validates it and returns it with every secret
 * value wrapped as a Pulumi secret. Throws a ConfigError, before any resource exists, on bad input.
 */
export function loadStackConfig(): LoadedConfig {
  const raw = readNamespace();
  const plain = SECRET_KEYS.filter((key) => raw[key] !== undefined && isStoredInPlainText(`${NAMESPACE}:${key}`));
  const plainPaths = plainSecretPaths(raw);
  if (plain.length + plainPaths.length > 0) {
    throw new ConfigError([
      ...plain.map((key) => `${NAMESPACE}:${key} must be set with --secret (e.g. ${SET_SECRET[key]}); it is stored in plain text now`),
      ...plainPaths,
    ]);
  }
  const cfg = parseStackConfig(raw);
  const secret = (values: Record<string, string>) =>
    Object.fromEntries(Object.entries(values).map(([key, value]) => [key, pulumi.secret(value)]));
  const secretPerApp = (byApp: Record<string, Record<string, string>>) =>
    Object.fromEntries(Object.entries(byApp).map(([app, values]) => [app, secret(values)]));
  return {
    ...cfg,
    secrets: {
      env: secretPerApp(cfg.secrets.env),
      basicAuth: secretPerApp(cfg.secrets.basicAuth),
      registries: secret(cfg.secrets.registries),
    },
    tailscaleAuthKey: cfg.tailscaleAuthKey === undefined ? undefined : pulumi.secret(cfg.tailscaleAuthKey),
    backups: { ...cfg.backups, heartbeatUrl: cfg.backups.heartbeatUrl === undefined ? undefined : pulumi.secret(cfg.backups.heartbeatUrl) },
  };
}

/**
 * A secret inside a plain key (`--secret --path`): Pulumi marks the whole top-level key secure when
 * any value inside it is (pulumi/pulumi v3.248.0, sdk/go/common/resource/config/map.go L104-L113
 * SecureKeys, and map_test.go L288, an object with one secure leaf is a secure object value).
 */
function plainSecretPaths(raw: Record<string, unknown>): string[] {
  return SECRET_PATHS.filter(([key, field]) => {
    const value = raw[key];
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[field] !== undefined && isStoredInPlainText(`${NAMESPACE}:${key}`);
  }).map(
    ([key, field]) =>
      `${NAMESPACE}:${key}.${field} must be set with --secret (e.g. pulumi config set --secret --path '${key}.${field}' https://hc-ping.com/<uuid>); it is stored in plain text now`,
  );
}

/** How to set each secret key the right way, for the error that finds it in plain text. */
const SET_SECRET: Record<(typeof SECRET_KEYS)[number], string> = {
  secrets: "pulumi config set --secret --path 'secrets.env.web.API_KEY' ...",
  tailscaleAuthKey: "pulumi config set --secret tailscaleAuthKey tskey-auth-...",
};

/** Every `berth:` key, structured values parsed from the JSON text Pulumi passes them as. */
function readNamespace(): Record<string, unknown> {
  // fromEntries makes every key an own property: `berth:__proto__` stays a key (an unknown one), where
  // an assignment would set the object's prototype instead and the key would vanish.
  return Object.fromEntries(
    Object.entries(pulumi.runtime.allConfig())
      .filter(([key]) => key.startsWith(`${NAMESPACE}:`))
      .map(([key, value]) => [key.slice(NAMESPACE.length + 1), parseStructured(value)]),
  );
}

function parseStructured(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value;
    }
  }
  return value;
}

// The SDK knows which keys were set with --secret but does not export the check in its typings.
function isStoredInPlainText(fullKey: string): boolean {
  const check = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
  return typeof check === "function" && !check(fullKey);
}
