import { strict as assert } from "assert";
import { parseStackConfig } from "../../components/config/parse";
import { ACME_PRODUCTION } from "../../components/config/schema";
import { certificateNames, covers, uncoveredHosts } from "../../components/tls/names";
import { configProblems, doConfig, localConfig } from "../harness/stacks";

/** The config rules of the TLS modes: what is refused, and the message that says so. */

const apps = { web: { image: "ghcr.io/acme/web:1", hosts: ["example.com", "app.example.com"] } };
const acme = (overrides: Record<string, unknown> = {}) =>
  doConfig({ proxied: false, tlsMode: "acme", acmeEmail: "ops@example.com", alertEmails: ["oncall@example.com"], apps, databases: {}, ...overrides });

describe("TLS config", () => {
  describe("defaults", () => {
    it("keeps cloudflare-origin with proxied records and self-signed on the local target", () => {
      assert.equal(parseStackConfig(doConfig({ databases: {}, apps })).tlsMode, "cloudflare-origin");
      assert.equal(parseStackConfig(localConfig()).tlsMode, "self-signed");
    });

    it("defaults acme to Let's Encrypt production, a 30-day renewal window and the route hosts as names", () => {
      const cfg = parseStackConfig(acme());
      assert.equal(cfg.acmeServer, ACME_PRODUCTION);
      assert.equal(cfg.acmeMinDaysRemaining, 30);
      assert.deepEqual(cfg.acmeCertificateNames, []);
      assert.deepEqual(certificateNames(cfg.acmeCertificateNames, ["example.com", "app.example.com"]), ["app.example.com", "example.com"]);
    });

    it("accepts a complete acme config", () => {
      assert.deepEqual(configProblems(acme({ acmeCertificateNames: ["example.com", "*.example.com"] })), []);
    });
  });

  describe("refuses", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["acme on the local target", localConfig({ tlsMode: "acme", acmeEmail: "ops@example.com" }), /^berth:tlsMode must be self-signed on the local target \(got "acme"\)$/],
      ["acme without an email", acme({ acmeEmail: undefined }), /^berth:acmeEmail is required with tlsMode acme/],
      ["an email that is not one", acme({ acmeEmail: "ops at example.com" }), /^berth:acmeEmail must be an email address such as ops@example.com \(got "ops at example.com"\)$/],
      ["acme without alert addresses", acme({ alertEmails: [] }), /^berth:alertEmails must list at least one address with tlsMode acme \(the ssl_expiry alert is how a failed renewal gets noticed\)/],
      ["an alert address that is not one", acme({ alertEmails: ["oncall"] }), /^berth:alertEmails\[0\] must be an email address/],
      ["a renewal window shorter than two weekly runs before the alert", acme({ acmeMinDaysRemaining: 14 }), /^berth:acmeMinDaysRemaining must be an integer from 21 to 60 \(got 14\)$/],
      ["a renewal window longer than 60 of the 90 days", acme({ acmeMinDaysRemaining: 90 }), /^berth:acmeMinDaysRemaining must be an integer from 21 to 60 \(got 90\)$/],
      ["a directory that is not an https URL", acme({ acmeServer: "http://acme.example.com/directory" }), /^berth:acmeServer must be an https URL of an ACME directory/],
      [
        "names that leave a route host uncovered",
        acme({ acmeCertificateNames: ["*.example.com"] }),
        /^berth:acmeCertificateNames must cover every route host; not covered: example\.com \(a wildcard such as \*\.example\.com covers one label/,
      ],
      ["a wildcard of more than one label", acme({ acmeCertificateNames: ["*.*.example.com"] }), /^berth:acmeCertificateNames\[0\] must be a lowercase host name such as app\.example\.com, or a wildcard such as \*\.example\.com/],
      [
        "acme with nothing to issue for",
        acme({ apps: { worker: { image: "ghcr.io/acme/worker:1", processes: { jobs: { command: "run" } } } } }),
        /^berth:tlsMode acme needs a name to issue for: no process has hosts, and acmeCertificateNames is empty/,
      ],
      ["a name listed twice", acme({ acmeCertificateNames: ["example.com", "*.example.com", "example.com"] }), /^berth:acmeCertificateNames\[2\] must be listed once/],
      ["acmeEmail with another tlsMode", doConfig({ apps, databases: {}, acmeEmail: "ops@example.com" }), /^berth:acmeEmail applies to tlsMode acme only \(tlsMode is its default\)/],
      ["certificate names with another tlsMode", doConfig({ tlsMode: "cloudflare-origin", acmeCertificateNames: ["*.example.com"] }), /^berth:acmeCertificateNames applies to tlsMode acme only \(tlsMode is cloudflare-origin\)/],
      ["alerts on the local target", localConfig({ alertEmails: ["oncall@example.com"] }), /^berth:alertEmails applies to the digitalocean target only/],
      ["an origin certificate on unproxied records, naming acme as the way out", doConfig({ proxied: false }), /^berth:tlsMode must be self-signed when proxied is false, or acme for a Let's Encrypt certificate/],
    ];
    for (const [what, config, message] of cases) {
      it(what, () => {
        const problems = configProblems(config);
        assert.ok(problems.some((p) => message.test(p)), problems.join("\n"));
      });
    }
  });

  describe("certificate names", () => {
    it("a wildcard covers exactly one label below its domain", () => {
      assert.equal(covers("*.example.com", "app.example.com"), true);
      assert.equal(covers("*.example.com", "example.com"), false);
      assert.equal(covers("*.example.com", "a.b.example.com"), false);
      assert.equal(covers("*.example.com", "app.example.org"), false);
    });

    it("a host name covers only itself", () => {
      assert.equal(covers("example.com", "example.com"), true);
      assert.equal(covers("example.com", "www.example.com"), false);
    });

    it("lists the hosts no name covers", () => {
      assert.deepEqual(uncoveredHosts(["*.example.com"], ["example.com", "app.example.com", "a.b.example.com"]), ["example.com", "a.b.example.com"]);
    });

    it("issues for the configured names when there are any, else the hosts; sorted, each once", () => {
      assert.deepEqual(certificateNames(["example.com", "*.example.com"], ["app.example.com"]), ["*.example.com", "example.com"]);
      assert.deepEqual(certificateNames([], ["www.example.com", "example.com", "example.com"]), ["example.com", "www.example.com"]);
    });
  });
});
