import * as pulumi from "@pulumi/pulumi";
import { strict as assert } from "assert";
import type { MockResourceArgs } from "@pulumi/pulumi/runtime/mocks";
import { ACME_PRODUCTION, ACME_STAGING } from "../../components/config/schema";
import { FAKE, fakeOutputs } from "../harness/fakes";
import { isSecretValue, plainOccurrences, ProgramRun, runProgram } from "../harness/program";
import { doConfig, localConfig, TYPES } from "../harness/stacks";
import { acmeCertificate, acmeRegistration, doUptimeAlert, doUptimeCheck, providerModel } from "../e2e/harness/provider-model";
import { COMMITS } from "../e2e/harness/sources";

/** What each TLS mode registers and hands the proxy; the acme mode's config rules are in tls-config.test.ts. */

const ACME = {
  provider: "pulumi:providers:acme",
  registration: "acme:index/registration:Registration",
  certificate: "acme:index/certificate:Certificate",
  certRequest: "tls:index/certRequest:CertRequest",
  privateKey: "tls:index/privateKey:PrivateKey",
} as const;

const CF_TOKEN = "cf-token-berth-test-0123456789";
const LEAF = "-----BEGIN CERTIFICATE-----\nMOCKACMELEAF\n-----END CERTIFICATE-----\n";
const ISSUER = "-----BEGIN CERTIFICATE-----\nMOCKACMEISSUER\n-----END CERTIFICATE-----\n";

const acmeConfig = (overrides: Record<string, unknown> = {}) =>
  doConfig({
    proxied: false,
    tlsMode: "acme",
    acmeEmail: "ops@example.com",
    alertEmails: ["oncall@example.com"],
    apps: { web: { image: "ghcr.io/acme/web:1", hosts: ["example.com", "app.example.com"] } },
    databases: {},
    ...overrides,
  });

/** The fake providers, plus what the ACME provider returns for an issued certificate. */
async function withAcmeOutputs(args: MockResourceArgs) {
  const result = fakeOutputs(args);
  if (args.type !== ACME.certificate) return result;
  return { ...result, state: { ...result.state, certificatePem: LEAF, issuerPem: ISSUER, certificateNotAfter: "2027-03-05T00:00:00Z" } };
}

/**
 * Runs the program with `cloudflare:apiToken` set, as a secret unless `plainToken`. The harness
 * marks only berth: keys secret, so the secret-key list is extended for this one key.
 */
async function run(config: Record<string, unknown>, opts: { token?: boolean; plainToken?: boolean } = {}): Promise<ProgramRun> {
  const setAllConfig = pulumi.runtime.setAllConfig;
  (pulumi.runtime as any).setAllConfig = (c: Record<string, string>, secretKeys?: string[]) =>
    setAllConfig(c, opts.plainToken ? secretKeys : [...(secretKeys ?? []), "cloudflare:apiToken"]);
  try {
    return await runProgram({
      stack: config.target === "local" ? "local" : "dev",
      config,
      providerConfig: opts.token === false ? {} : { "cloudflare:apiToken": CF_TOKEN },
      newResource: withAcmeOutputs,
    });
  } finally {
    (pulumi.runtime as any).setAllConfig = setAllConfig;
  }
}

const acmeTypes = (r: ProgramRun) => r.resources.filter((x) => x.type.startsWith("acme:") || x.type === ACME.provider);
const proxyPem = (r: ProgramRun, command: string) => r.get(command, "proxy-certificate");

describe("TLS modes", () => {
  describe("cloudflare-origin (the default with proxied records)", () => {
    let r: ProgramRun;
    before(async () => {
      r = await run(doConfig({ apps: { web: { image: "ghcr.io/acme/web:1", hosts: ["www.example.com", "example.com"] } }, databases: {} }));
    });

    it("registers a Cloudflare origin certificate for the sorted hosts, created before the old one is deleted", () => {
      const origin = r.get(TYPES.originCert, "tls-origin");
      assert.deepEqual(origin.inputs.hostnames, ["example.com", "www.example.com"]);
      assert.equal(origin.deleteBeforeReplace, false);
    });

    it("registers no ACME resource and no uptime check without alertEmails", () => {
      assert.deepEqual(acmeTypes(r).map((x) => x.type), []);
      assert.deepEqual(r.ofType("digitalocean:index/uptimeCheck:UptimeCheck"), []);
    });

    it("hands the proxy the certificate and the key as a secret", () => {
      const pem = proxyPem(r, TYPES.remoteCommand);
      assert.ok(isSecretValue(pem.wireInputs.stdin));
      assert.match(pem.inputs.stdin, /MOCKORIGINCA[\s\S]*END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMOCKPRIVATEKEYMATERIAL/);
    });
  });

  describe("self-signed (the local target's default)", () => {
    let r: ProgramRun;
    before(async () => {
      r = await run(localConfig());
    });

    it("registers a self-signed certificate and nothing from Cloudflare or an ACME CA", () => {
      assert.equal(r.ofType(TYPES.selfSigned).length, 1);
      assert.deepEqual(r.ofType(TYPES.originCert), []);
      assert.deepEqual(acmeTypes(r), []);
    });

    it("hands the proxy the certificate and the key as a secret", () => {
      const pem = proxyPem(r, TYPES.localCommand);
      assert.ok(isSecretValue(pem.wireInputs.stdin));
      assert.match(pem.inputs.stdin, /MOCKSELFSIGNED[\s\S]*MOCKPRIVATEKEYMATERIAL/);
    });
  });

  describe("acme", () => {
    let r: ProgramRun;
    before(async () => {
      r = await run(acmeConfig());
    });
    const one = (type: string) => {
      const found = r.ofType(type);
      assert.equal(found.length, 1, `one ${type}`);
      return found[0];
    };

    it("registers Let's Encrypt production as the ACME directory by default, through an explicit provider", () => {
      const provider = one(ACME.provider);
      assert.equal(provider.inputs.serverUrl, ACME_PRODUCTION);
      assert.ok(one(ACME.registration).provider.startsWith(provider.urn));
      assert.ok(one(ACME.certificate).provider.startsWith(provider.urn));
    });

    it("registers an account with the configured email and a key of its own, kept secret", () => {
      const registration = one(ACME.registration);
      assert.equal(registration.inputs.emailAddress, "ops@example.com");
      assert.ok(isSecretValue(registration.wireInputs.accountKeyPem));
      const accountKey = r.ofType(ACME.privateKey).find((k) => k.name.startsWith("tls-account-key-"));
      assert.ok(accountKey, "an account key");
      assert.ok(registration.dependencies.includes(accountKey.urn));
    });

    it("requests the certificate with a CSR of berth's own server key, for every route host, sorted", () => {
      const csr = r.get(ACME.certRequest, "tls-acme-csr");
      assert.deepEqual(csr.inputs.dnsNames, ["app.example.com", "example.com"]);
      assert.ok(csr.dependencies.includes(r.get(ACME.privateKey, "tls-key").urn));
      const certificate = one(ACME.certificate);
      assert.match(certificate.inputs.certificateRequestPem, /BEGIN CERTIFICATE REQUEST/);
      assert.ok(certificate.dependencies.includes(csr.urn));
      assert.equal(certificate.inputs.commonName, undefined);
      assert.equal(certificate.inputs.keyType, undefined);
    });

    it("proves the names over Cloudflare DNS-01 with cloudflare:apiToken, which stays a secret", () => {
      const certificate = one(ACME.certificate);
      assert.deepEqual(certificate.inputs.dnsChallenges, [{ provider: "cloudflare", config: { CF_DNS_API_TOKEN: CF_TOKEN } }]);
      assert.ok(isSecretValue(certificate.wireInputs.dnsChallenges[0].config.CF_DNS_API_TOKEN), "the token is a secret on the wire");
      const leaks = r.resources.flatMap((x) => plainOccurrences(x.wireInputs, CF_TOKEN).map((at) => `${x.type} ${x.name} ${at}`));
      assert.deepEqual(leaks, []);
      for (const [name, output] of Object.entries(r.outputs)) {
        if (JSON.stringify(output.value).includes(CF_TOKEN)) assert.equal(output.secret, true, name);
      }
    });

    it("renews 30 days before expiry by default and revokes a replaced certificate, as stated", () => {
      const certificate = one(ACME.certificate);
      assert.equal(certificate.inputs.minDaysRemaining, 30);
      assert.equal(certificate.inputs.revokeCertificateOnDestroy, true);
    });

    it("creates a new certificate and account before deleting the old ones", () => {
      assert.equal(one(ACME.certificate).deleteBeforeReplace, false);
      assert.equal(one(ACME.registration).deleteBeforeReplace, false);
      assert.equal(r.get(ACME.certRequest, "tls-acme-csr").deleteBeforeReplace, false);
    });

    it("states deleteBeforeReplace on every ACME resource, against what the provider model says a change does", () => {
      for (const x of r.resources.filter((x) => x.custom && x.type.startsWith("acme:"))) assert.equal(x.deleteBeforeReplace, false, x.name);
      // New names replace the certificate (and revoke the old one on delete); the renewal window and
      // the DNS token update it in place; renewal itself is an update.
      assert.equal(acmeCertificate.replaces("certificateRequestPem"), true);
      assert.equal(acmeCertificate.replaces("accountKeyPem"), true);
      assert.equal(acmeCertificate.replaces("minDaysRemaining"), false);
      assert.equal(acmeCertificate.replaces("dnsChallenges"), false);
      assert.ok(acmeCertificate.facts.revokeOnDestroy && acmeCertificate.facts.renewalInPlace);
      assert.equal(acmeRegistration.replaces("emailAddress"), true);
      assert.ok(acmeRegistration.facts.deleteDeactivates);
      assert.equal(providerModel(ACME.certificate), acmeCertificate);
    });

    it("rests on provider facts that each cite a repository, a full commit, a path and lines", () => {
      const models = [acmeCertificate, acmeRegistration, doUptimeCheck, doUptimeAlert];
      const sources = models.flatMap((m) => [m.deleteBeforeReplace.source, m.replaceSource, m.updateApplies.source, ...Object.values(m.facts)]);
      for (const s of sources) {
        assert.match(s.commit, /^[0-9a-f]{40}$/, JSON.stringify(s));
        assert.ok(s.repo && s.path && /^L\d+/.test(s.lines) && s.says, JSON.stringify(s));
      }
      assert.deepEqual([COMMITS.pulumiAcme, COMMITS.tfAcme].map((c) => c.length), [40, 40]);
    });

    it("hands the proxy the leaf, then the issuer chain, then the key, as a secret", () => {
      const pem = proxyPem(r, TYPES.remoteCommand);
      assert.ok(isSecretValue(pem.wireInputs.stdin));
      assert.equal(pem.inputs.stdin, `${LEAF}${ISSUER}${FAKE.privateKeyPem}`);
    });

    it("sends HSTS, as the certificate is publicly trusted", () => {
      assert.match(r.get(TYPES.remoteCommand, "proxy-config").inputs.stdin, /Strict-Transport-Security/);
    });

    it("registers no Cloudflare origin certificate and no self-signed one", () => {
      assert.deepEqual(r.ofType(TYPES.originCert), []);
      assert.deepEqual(r.ofType(TYPES.selfSigned), []);
    });
  });

  describe("acme settings", () => {
    it("issues for the configured names, wildcards included, sorted", async () => {
      const r = await run(acmeConfig({ acmeCertificateNames: ["example.com", "*.example.com"] }));
      assert.deepEqual(r.get(ACME.certRequest, "tls-acme-csr").inputs.dnsNames, ["*.example.com", "example.com"]);
    });

    it("uses the staging directory and the renewal window it is given", async () => {
      const r = await run(acmeConfig({ acmeServer: ACME_STAGING, acmeMinDaysRemaining: 45 }));
      assert.equal(r.ofType(ACME.provider)[0].inputs.serverUrl, ACME_STAGING);
      assert.equal(r.ofType(ACME.certificate)[0].inputs.minDaysRemaining, 45);
    });

    it("registers a new account and certificate, under new names, when the directory or the email changes", async () => {
      const names = async (overrides: Record<string, unknown>) =>
        (await run(acmeConfig(overrides))).resources.filter((x) => x.type.startsWith("acme:")).map((x) => x.name).sort();
      const production = await names({});
      const staging = await names({ acmeServer: ACME_STAGING });
      const otherEmail = await names({ acmeEmail: "admin@example.com" });
      assert.equal(production.length, 2);
      for (const other of [staging, otherEmail]) for (const name of other) assert.ok(!production.includes(name), name);
      assert.deepEqual(await names({}), production, "the same settings give the same names");
    });
  });

  describe("the Cloudflare token of tlsMode acme", () => {
    it("is required: without cloudflare:apiToken the program fails before registering anything", async () => {
      let registered = 0;
      const setAllConfig = pulumi.runtime.setAllConfig;
      await assert.rejects(
        runProgram({ stack: "dev", config: acmeConfig(), beforeRegister: () => registered++ }),
        /cloudflare:apiToken must be set with tlsMode acme .*pulumi config set --secret cloudflare:apiToken/,
      );
      assert.equal(pulumi.runtime.setAllConfig, setAllConfig);
      assert.equal(registered, 0);
    });

    it("must be stored as a secret: in plain text, the program fails before registering anything", async () => {
      await assert.rejects(run(acmeConfig(), { plainToken: true }), /cloudflare:apiToken must be set with --secret/);
    });
  });
});
