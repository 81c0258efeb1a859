import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/parse";

/**
 * The Cloudflare token lego's DNS-01 challenge uses (tlsMode acme): the Cloudflare provider's own
 * `cloudflare:apiToken`, read as a Pulumi secret. Why this token and not a second, narrower one:
 * the provider token must already edit DNS records in the zone (the Dns component's records), which
 * is all DNS-01 needs; the stack's state already holds it (as a secret, in the provider's inputs);
 * and the renew workflow needs no new secret. A narrower token would shrink nothing the state or
 * the runner hold, and add one more secret to rotate.
 *
 * Checked before any resource is registered, like the `berth:` config: missing, or stored in plain
 * text, it is a ConfigError that says how to set it.
 */
export function cloudflareDnsToken(): pulumi.Output<string> {
  const key = "cloudflare:apiToken";
  const token = new pulumi.Config("cloudflare").getSecret("apiToken");
  if (token === undefined) {
    throw new ConfigError([`${key} must be set with tlsMode acme (lego's DNS-01 challenge writes its TXT records with it): pulumi config set --secret ${key} <token>`]);
  }
  if (isStoredInPlainText(key)) {
    throw new ConfigError([`${key} must be set with --secret (pulumi config set --secret ${key} <token>); it is stored in plain text now`]);
  }
  return token;
}

// The SDK knows which keys were set with --secret but does not export the check in its typings
// (the same check as config/load.ts).
function isStoredInPlainText(fullKey: string): boolean {
  const check = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
  return typeof check === "function" && !check(fullKey);
}
