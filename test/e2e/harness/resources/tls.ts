import { execFile } from "child_process";
import { generateKeyPairSync } from "crypto";
import { mkdtemp, rm, writeFile } from "fs/promises";
import { tmpdir } from "os";
import { join } from "path";
import { promisify } from "util";
import { Inputs, strictObject } from "../inputs";
import { replaceOnly } from "./types";

/** tls.PrivateKey: a real key, so the proxy serves real TLS. */
export const privateKeyHandler = replaceOnly(async (resourceName, values) => {
  const i = new Inputs(`tls.PrivateKey ${resourceName}`, values);
  const algorithm = i.require<string>("algorithm");
  const curve = i.take<string>("ecdsaCurve") ?? "P224";
  i.done();
  if (algorithm !== "ECDSA" || curve !== "P256") throw new Error(`e2e harness: tls.PrivateKey ${algorithm}/${curve} is not implemented`);
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    id: resourceName,
    outputs: {
      ...values,
      privateKeyPem: privateKey.export({ format: "pem", type: "sec1" }).toString(),
      publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    },
  };
});

const KEY_USAGE: Record<string, string> = { key_encipherment: "keyEncipherment", digital_signature: "digitalSignature" };
const EXTENDED_KEY_USAGE: Record<string, string> = { server_auth: "serverAuth", client_auth: "clientAuth" };

/** tls.SelfSignedCert, made by openssl from the stack's key. */
export const selfSignedCertHandler = replaceOnly(async (resourceName, values) => {
  const i = new Inputs(`tls.SelfSignedCert ${resourceName}`, values);
  const key = i.require<string>("privateKeyPem");
  const subject = strictObject(`${resourceName} subject`, i.require("subject"), ["commonName", "organization"]);
  const dnsNames = i.take<string[]>("dnsNames") ?? [];
  const hours = i.require<number>("validityPeriodHours");
  i.take("earlyRenewalHours"); // only decides when the provider renews
  const uses = i.require<string[]>("allowedUses");
  i.done();

  const unknownUse = uses.find((u) => !KEY_USAGE[u] && !EXTENDED_KEY_USAGE[u]);
  if (unknownUse) throw new Error(`e2e harness: allowed use ${unknownUse} is not implemented`);
  const dir = await mkdtemp(join(tmpdir(), "berth-tls-"));
  try {
    await writeFile(join(dir, "key.pem"), key, { mode: 0o600 });
    const subj = `/CN=${subject.commonName}${subject.organization ? `/O=${subject.organization}` : ""}`;
    const { stdout } = await promisify(execFile)("openssl", [
      "req", "-x509", "-new", "-key", join(dir, "key.pem"), "-subj", subj, "-days", String(Math.ceil(hours / 24)),
      ...(dnsNames.length ? ["-addext", `subjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(",")}`] : []),
      "-addext", `keyUsage=critical,${uses.filter((u) => KEY_USAGE[u]).map((u) => KEY_USAGE[u]).join(",")}`,
      "-addext", `extendedKeyUsage=${uses.filter((u) => EXTENDED_KEY_USAGE[u]).map((u) => EXTENDED_KEY_USAGE[u]).join(",")}`,
    ]);
    return { id: resourceName, outputs: { ...values, certPem: stdout } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
