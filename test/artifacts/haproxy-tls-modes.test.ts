import * as pulumi from "@pulumi/pulumi";
import { strict as assert } from "assert";
import type { MockResourceArgs } from "@pulumi/pulumi/runtime/mocks";
import * as fs from "fs";
import * as path from "path";
import { PROXY_PATHS } from "../../components/proxy/haproxy-config";
import { fakeOutputs } from "../harness/fakes";
import { runProgram } from "../harness/program";
import { doConfig, localConfig, TYPES } from "../harness/stacks";
import { runTool, tempDir } from "../harness/tools";

/**
 * For each TLS mode: the HAProxy config the program renders and the PEM file it assembles for the
 * proxy (from real certificates and a real key, made with openssl in the shape each provider
 * returns them), checked together by `haproxy -c`. HAProxy takes the first certificate of the file
 * as the one the key must match, so a PEM assembled in the wrong order fails here.
 */

/** Real certificate material: a server key, a root and an intermediate CA, and leaves for the key. */
function material(dir: string) {
  const ssl = (...args: string[]) => {
    const result = runTool("openssl", args);
    assert.equal(result.status, 0, result.stderr);
  };
  const file = (name: string) => path.join(dir, name);
  const read = (name: string) => fs.readFileSync(file(name), "utf8");
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  ssl("req", "-x509", ...ec, "-keyout", file("root.key"), "-out", file("root.pem"), "-days", "2", "-subj", "/CN=berth test root");
  ssl("req", ...ec, "-keyout", file("int.key"), "-out", file("int.csr"), "-subj", "/CN=berth test intermediate");
  fs.writeFileSync(file("ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
  ssl("x509", "-req", "-in", file("int.csr"), "-CA", file("root.pem"), "-CAkey", file("root.key"), "-CAcreateserial", "-out", file("int.pem"), "-days", "2", "-extfile", file("ca.ext"));
  ssl("req", ...ec, "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", "/CN=app.example.com");
  fs.writeFileSync(file("leaf.ext"), "subjectAltName=DNS:app.example.com,DNS:example.com\nextendedKeyUsage=serverAuth\n");
  const leaf = (name: string, ca: string) =>
    ssl("x509", "-req", "-in", file("server.csr"), "-CA", file(`${ca}.pem`), "-CAkey", file(`${ca}.key`), "-CAcreateserial", "-out", file(name), "-days", "2", "-extfile", file("leaf.ext"));
  leaf("by-root.pem", "root");
  leaf("by-int.pem", "int");
  ssl("x509", "-req", "-in", file("server.csr"), "-key", file("server.key"), "-out", file("self.pem"), "-days", "2", "-extfile", file("leaf.ext"));
  return { key: read("server.key"), selfSigned: read("self.pem"), originLeaf: read("by-root.pem"), acmeLeaf: read("by-int.pem"), acmeIssuer: read("int.pem") };
}

/** The fake providers, answering with the real material where a certificate or the server key is made. */
function realOutputs(m: ReturnType<typeof material>) {
  return async (args: MockResourceArgs) => {
    const result = fakeOutputs(args);
    const extra: Record<string, unknown> =
      args.type === "tls:index/privateKey:PrivateKey" && args.name === "tls-key"
        ? { privateKeyPem: m.key }
        : args.type === TYPES.selfSigned
          ? { certPem: m.selfSigned }
          : args.type === TYPES.originCert
            ? { certificate: m.originLeaf }
            : args.type === "acme:index/certificate:Certificate"
              ? { certificatePem: m.acmeLeaf, issuerPem: m.acmeIssuer }
              : {};
    return { ...result, state: { ...result.state, ...extra } };
  };
}

const apps = { web: { image: "ghcr.io/acme/web:1", hosts: ["app.example.com", "example.com"] } };
const MODES = [
  { mode: "cloudflare-origin", stack: "dev", config: doConfig({ apps, databases: {} }), parts: 2 },
  {
    mode: "acme",
    stack: "dev",
    config: doConfig({ apps, databases: {}, proxied: false, tlsMode: "acme", acmeEmail: "ops@example.com", alertEmails: ["oncall@example.com"] }),
    parts: 3,
  },
  { mode: "self-signed", stack: "local", config: localConfig({ apps: { web: { ...apps.web, port: 80, health: { path: "/" } } }, databases: {} }), parts: 2 },
] as const;

/** The proxy's config and PEM file as the program hands them to the host. */
async function rendered(entry: (typeof MODES)[number], m: ReturnType<typeof material>): Promise<{ config: string; pem: string }> {
  // cloudflare:apiToken, as a secret (tlsMode acme reads it; the harness marks only berth: keys).
  const setAllConfig = pulumi.runtime.setAllConfig;
  (pulumi.runtime as any).setAllConfig = (c: Record<string, string>, keys?: string[]) => setAllConfig(c, [...(keys ?? []), "cloudflare:apiToken"]);
  try {
    const run = await runProgram({
      stack: entry.stack,
      config: entry.config,
      providerConfig: { "cloudflare:apiToken": "cf-token-for-the-artifact-test" },
      newResource: realOutputs(m),
    });
    const command = entry.stack === "local" ? TYPES.localCommand : TYPES.remoteCommand;
    return { config: run.get(command, "proxy-config").inputs.stdin, pem: run.get(command, "proxy-certificate").inputs.stdin };
  } finally {
    (pulumi.runtime as any).setAllConfig = setAllConfig;
  }
}

// Outside Docker the app aliases and Docker's DNS do not resolve and no state file exists yet.
const EXPECTED_WARNINGS = [/could not resolve address '[a-z0-9-]+', disabling server/, /Can't open global server state file/, /resolvers 'docker': can't connect socket/];

function haproxyCheck(dir: string, config: string, pem: string) {
  const pemFile = path.join(dir, "site.pem");
  fs.writeFileSync(pemFile, pem, { mode: 0o600 });
  const file = path.join(dir, "haproxy.cfg");
  assert.ok(config.includes(PROXY_PATHS.certFile), "the config loads the certificate file");
  fs.writeFileSync(file, config.split(PROXY_PATHS.certFile).join(pemFile));
  const result = process.getuid?.() === 0 ? runTool("unshare", ["--net", "haproxy", "-c", "-f", file]) : runTool("haproxy", ["-c", "-f", file]);
  const output = result.stdout + result.stderr;
  const warnings = output.split("\n").filter((l) => /\[(WARNING|ALERT)\]/.test(l) && !EXPECTED_WARNINGS.some((re) => re.test(l)));
  return { status: result.status, output, warnings };
}

describe("HAProxy config and certificate of each TLS mode (checked by haproxy -c)", () => {
  let m: ReturnType<typeof material>;
  before(() => {
    m = material(tempDir("tls-material"));
  });

  for (const entry of MODES) {
    it(`loads the ${entry.mode} certificate file the program assembles, with no unexpected warning`, async () => {
      const { config, pem } = await rendered(entry, m);
      const certificates = pem.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
      assert.equal(certificates.length + 1, entry.parts, "certificates, then the key");
      const result = haproxyCheck(tempDir(`tls-${entry.mode}`), config, pem);
      assert.equal(result.status, 0, result.output);
      assert.match(result.output, /Configuration file is valid/);
      assert.deepEqual(result.warnings, []);
    });
  }

  it("refuses a certificate file whose chain comes before the leaf (the check is real)", async () => {
    const { config } = await rendered(MODES[1], m);
    const result = haproxyCheck(tempDir("tls-wrong-order"), config, `${m.acmeIssuer}${m.acmeLeaf}${m.key}`);
    assert.notEqual(result.status, 0, result.output);
    assert.match(result.output, /inconsistencies between private key and certificate|unable to load/i);
  });
});
