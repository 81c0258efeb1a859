import * as acme from "@pulumiverse/acme";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { createHash } from "crypto";

/** What an ACME (Let's Encrypt) certificate needs; see CertificateArgs.acme. */
export interface AcmeSettings {
  /** The ACME directory URL (`berth:acmeServer`): Let's Encrypt production or staging. */
  server: string;
  /** The account's contact address (`berth:acmeEmail`). */
  email: string;
  /** Renew on a `pulumi up` once the certificate has this many days left or fewer. */
  minDaysRemaining: number;
  /** The names the certificate is issued for (host names or wildcards), sorted, each once. */
  names: string[];
  /** Cloudflare API token with DNS edit rights on the zone (a Pulumi secret). */
  dnsToken: pulumi.Input<string>;
}

export interface AcmeCertificate {
  /** The leaf certificate, PEM. */
  certificatePem: pulumi.Output<string>;
  /** The issuer chain Let's Encrypt returned with it, PEM. */
  issuerPem: pulumi.Output<string>;
  /** When it expires (RFC 3339). */
  notAfter: pulumi.Output<string>;
}

/**
 * A Let's Encrypt certificate for berth's own key, proven over Cloudflare DNS-01. Named steps:
 *   1. an explicit acme provider for the configured directory (production or staging);
 *   2. an account key and a registration of it, with the contact address;
 *   3. a CSR of the server key for the names (so the key is berth's, and a secret from the start);
 *   4. the certificate, the DNS-01 challenge written with the Cloudflare token.
 * The account's resources (1, 2, 4) are named after the directory and the email: changing either
 * registers a new account and issues a new certificate alongside the old one, and the old ones
 * are deleted (the certificate revoked, then the account deactivated) only at the end of the
 * update, once the proxy serves the new certificate (ENGINE.oldHalfDeletedAtEnd). Reusing one
 * account key instead would be unsafe: a replaced registration's delete deactivates the account
 * (acmeRegistration.facts.deleteDeactivates), and the new registration of the same key would be
 * that same, now deactivated, account.
 */
export function acmeCertificate(
  name: string,
  settings: AcmeSettings,
  serverKey: tls.PrivateKey,
  parent: pulumi.Resource,
): AcmeCertificate {
  const account = createHash("sha256").update(`${settings.server}\n${settings.email}`).digest("hex").slice(0, 8);
  const provider = new acme.Provider(
    `${name}-acme-${account}`,
    { serverUrl: settings.server },
    // A provider resource takes no deleteBeforeReplace (its options are ResourceOptions); it has
    // no delete of its own to order, and a new directory is a new provider, named after it.
    { parent },
  );
  const opts = { parent, provider };

  const accountKey = new tls.PrivateKey(
    `${name}-account-key-${account}`,
    { algorithm: "ECDSA", ecdsaCurve: "P256" },
    // Every input replaces it (the model's tls:index/privateKey); nothing outside Pulumi holds it.
    { parent, deleteBeforeReplace: false },
  );
  const registration = new acme.Registration(
    `${name}-account-${account}`,
    { accountKeyPem: accountKey.privateKeyPem, emailAddress: settings.email },
    // Every input is ForceNew and its delete deactivates the account (acmeRegistration in the
    // provider model): the new account must exist before the old one goes, and certificates of the
    // old account are revoked (deleted) before it, as they depend on it.
    { ...opts, deleteBeforeReplace: false },
  );

  // The CSR names only the SANs: Let's Encrypt takes the common name from them.
  const csr = new tls.CertRequest(
    `${name}-acme-csr`,
    { privateKeyPem: serverKey.privateKeyPem, dnsNames: settings.names },
    // A CertRequest is only data in the state; a new one replaces the certificate, which is ordered below.
    { parent, deleteBeforeReplace: false },
  );
  const certificate = new acme.Certificate(
    `${name}-acme-cert-${account}`,
    {
      accountKeyPem: registration.accountKeyPem,
      certificateRequestPem: csr.certRequestPem,
      // lego's cloudflare provider reads CF_DNS_API_TOKEN (acmeCertificate.facts.cloudflareToken).
      // The value is a Pulumi secret, so the engine stores this input encrypted.
      dnsChallenges: [{ provider: "cloudflare", config: { CF_DNS_API_TOKEN: settings.dnsToken } }],
      // Inside this many days, the next `pulumi up` renews in place (acmeCertificate.facts.renewalInPlace).
      minDaysRemaining: settings.minDaysRemaining,
      // The provider's default, stated: a replaced or destroyed certificate is revoked
      // (acmeCertificate.facts.revokeOnDestroy).
      revokeCertificateOnDestroy: true,
    },
    // New names (a new CSR) or a new account replace the certificate, and its delete revokes it
    // (acmeCertificate in the provider model): create-before-delete, so the new certificate is
    // issued and served by the proxy before the old one is revoked at the end of the update.
    { ...opts, deleteBeforeReplace: false },
  );
  return { certificatePem: certificate.certificatePem, issuerPem: certificate.issuerPem, notAfter: certificate.certificateNotAfter };
}
