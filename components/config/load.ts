import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, SECRET_KEYS, StackConfig } from "./parse";

export type LoadedConfig = StackConfig<pulumi.Output<string>>;

const NAMESPACE = "berth";

/**
 * Reads the `berth:` config of the current stack, validates it and returns it with every secret
 * value wrapped as a Pulumi secret. Throws a ConfigError, before any resource exists, on bad input.
 */
export function loadStackConfig(): LoadedConfig {
  const raw = readNamespace();
  const plain = SECRET_KEYS.filter((key) => raw[key] !== undefined && isStoredInPlainText(`${NAMESPACE}:${key}`));
  if (plain.length > 0) {
    throw new ConfigError(plain.map((key) => `${NAMESPACE}:${key} must be set with --secret (e.g. ${SET_SECRET[key]}); it is stored in plain text now`));
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
  };
}

/** How to set each secret key the right way, for the error that finds it in plain text. */
const SET_SECRET: Record<(typeof SECRET_KEYS)[number], string> = {
  secrets: "pulumi config set --secret --path 'secrets.env.web.API_KEY' ...",
  tailscaleAuthKey: "pulumi config set --secret tailscaleAuthKey tskey-auth-...",
};

/** Every `berth:` key, structured values parsed from the JSON text Pulumi passes them as. */
function readNamespace(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!key.startsWith(`${NAMESPACE}:`)) continue;
    out[key.slice(NAMESPACE.length + 1)] = parseStructured(value);
  }
  return out;
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
