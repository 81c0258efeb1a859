import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { TlsMode } from "../config/schema";
import { acmeCertificate, AcmeSettings } from "./acme";

export interface CertificateArgs {
  /**
   * `cloudflare-origin` (behind Cloudflare's proxy), `acme` (Let's Encrypt over Cloudflare
   * DNS-01, publicly trusted) or `self-signed` (local target, testing).
   */
  mode: TlsMode;
  /** Every host name the certificate must cover. */
  hosts: string[];
  /** Cloudflare zone id; required for `cloudflare-origin`. */
  zoneId?: pulumi.Input<string>;
  /** Set the zone's SSL mode to Full (strict) (`cloudflare-origin`); one stack per zone owns it. */
  manageZoneSsl?: boolean;
  /** Directory, account, renewal window, names and DNS token; required for `acme`. */
  acme?: AcmeSettings;
}

/**
 * The HTTPS certificate the proxy serves. The private key is made by the stack and is a secret
 * from the start; `pem` (chain + key, the form HAProxy loads) is therefore secret too.
 *
 * `cloudflare-origin`: a Cloudflare Origin CA certificate for the hosts, and the zone's SSL mode
 * set to Full (strict), so Cloudflare only talks to this origin over verified TLS.
 * `acme`: a Let's Encrypt certificate for the same key (see acme.ts), renewed by a `pulumi up`
 * inside its renewal window.
 */
export class Certificate extends pulumi.ComponentResource {
  /** Certificate chain followed by the private key, PEM. Secret. */
  public readonly pem: pulumi.Output<string>;
  /** The certificate alone (public). */
  public readonly certificatePem: pulumi.Output<string>;
  /** When an `acme` certificate expires (RFC 3339); undefined in the other modes. */
  public readonly notAfter: pulumi.Output<string> | undefined;

  constructor(name: string, args: CertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:index:Certificate", name, {}, opts);
    const child = { parent: this };
    const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
    const subject = { commonName: args.hosts[0], organization: "berth" };
    let chain: pulumi.Output<string>[] = [];

    if (args.mode === "cloudflare-origin") {
      if (args.zoneId === undefined) throw new pulumi.ResourceError("Certificate: cloudflare-origin needs a zoneId", this);
      const csr = new tls.CertRequest(
        `${name}-csr`,
        { privateKeyPem: key.privateKeyPem, subject, dnsNames: args.hosts },
        child,
      );
      const origin = new cloudflare.OriginCaCertificate(
        `${name}-origin`,
        // hostnames is an ordered list that forces replacement, so its order is fixed here.
        { csr: csr.certRequestPem, hostnames: [...args.hosts].sort(), requestType: "origin-ecc", requestedValidity: 5475 },
        // The new certificate exists (and the proxy serves it) before the old one is revoked.
        { ...child, deleteBeforeReplace: false },
      );
      if (args.manageZoneSsl) {
        // Zone-wide: the provider's delete leaves the value as it is, and two stacks that both
        // set it would overwrite each other on every up. One stack per zone owns it.
        new cloudflare.ZoneSetting(
          `${name}-ssl-strict`,
          { zoneId: args.zoneId, settingId: "ssl", value: "strict" },
          // Its delete changes nothing in the zone, so the order does not matter; stated all the same.
          { ...child, deleteBeforeReplace: false },
        );
      }
      this.certificatePem = origin.certificate;
    } else if (args.mode === "acme") {
      if (args.acme === undefined) throw new pulumi.ResourceError("Certificate: acme needs its settings (server, email, names, DNS token)", this);
      if (args.acme.names.length === 0) throw new pulumi.ResourceError("Certificate: acme needs at least one name", this);
      const issued = acmeCertificate(name, args.acme, key, this);
      this.certificatePem = issued.certificatePem;
      this.notAfter = issued.notAfter;
      // HAProxy sends the chain it loads: the leaf, then the issuer chain.
      chain = [issued.issuerPem];
    } else {
      const cert = new tls.SelfSignedCert(
        `${name}-self-signed`,
        {
          privateKeyPem: key.privateKeyPem,
          subject,
          dnsNames: args.hosts,
          validityPeriodHours: 24 * 365,
          earlyRenewalHours: 24 * 30,
          allowedUses: ["key_encipherment", "digital_signature", "server_auth"],
        },
        child,
      );
      this.certificatePem = cert.certPem;
    }
    this.pem = pulumi.secret(
      pulumi
        .all([this.certificatePem, ...chain, key.privateKeyPem])
        .apply((parts) => parts.map((p) => `${p.trim()}\n`).join("")),
    );
    this.registerOutputs({ certificatePem: this.certificatePem, pem: this.pem, notAfter: this.notAfter });
  }
}
