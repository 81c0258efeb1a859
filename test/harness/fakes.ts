import type { MockCallArgs, MockCallResult, MockResourceArgs, MockResourceResult } from "@pulumi/pulumi/runtime/mocks";
import { createHash } from "crypto";

/**
 * What the mocked providers answer: each resource gets its inputs back plus the outputs a real
 * provider would compute, with fake but well-formed values. Any invoke that is not listed here
 * throws, so the program cannot depend on a data source the tests do not know about.
 */

const short = (s: string, n = 8) => createHash("sha256").update(s).digest("hex").slice(0, n);

/** The id the fake Docker engine gives a pulled image. */
export function fakeImageId(reference: string): string {
  return `sha256:${createHash("sha256").update(reference).digest("hex")}`;
}

/** The password the fake random provider "generates" for a resource name: alphanumeric, 32 chars. */
export function fakePassword(resourceName: string): string {
  return `pw${short(resourceName, 30)}`;
}

export const FAKE = {
  reservedIp: "203.0.113.10",
  dropletIpv6: "2001:db8::10",
  dropletId: "424242",
  hostPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockHostKeyForBerthTests berth",
  privateKeyPem: "-----BEGIN PRIVATE KEY-----\nMOCKPRIVATEKEYMATERIAL\n-----END PRIVATE KEY-----\n",
  cloudflareIpv4: ["173.245.48.0/20", "103.21.244.0/22"],
  cloudflareIpv6: ["2400:cb00::/32"],
};

type Outputs = Record<string, unknown>;

const COMPUTED: Record<string, (args: MockResourceArgs) => Outputs> = {
  "digitalocean:index/droplet:Droplet": () => ({ ipv6Address: FAKE.dropletIpv6, ipv4Address: "198.51.100.7" }),
  "digitalocean:index/reservedIp:ReservedIp": () => ({ ipAddress: FAKE.reservedIp }),
  "tls:index/privateKey:PrivateKey": () => ({
    privateKeyPem: FAKE.privateKeyPem,
    privateKeyOpenssh: "-----BEGIN OPENSSH PRIVATE KEY-----\nMOCKOPENSSHKEY\n-----END OPENSSH PRIVATE KEY-----\n",
    publicKeyOpenssh: FAKE.hostPublicKey + "\n",
  }),
  "tls:index/certRequest:CertRequest": () => ({ certRequestPem: "-----BEGIN CERTIFICATE REQUEST-----\nMOCK\n-----END CERTIFICATE REQUEST-----\n" }),
  "tls:index/selfSignedCert:SelfSignedCert": () => ({ certPem: "-----BEGIN CERTIFICATE-----\nMOCKSELFSIGNED\n-----END CERTIFICATE-----\n" }),
  "cloudflare:index/originCaCertificate:OriginCaCertificate": () => ({
    certificate: "-----BEGIN CERTIFICATE-----\nMOCKORIGINCA\n-----END CERTIFICATE-----\n",
  }),
  "random:index/randomPassword:RandomPassword": (a) => ({ result: fakePassword(a.name) }),
  "random:index/randomString:RandomString": (a) => ({ result: `salt${short(a.name, 12)}` }),
  // Like the real provider, a container without a name is auto-named from its resource name.
  "docker:index/container:Container": (a) => ({ name: a.inputs.name ?? `${a.name}-${short(a.name, 7)}` }),
  "docker:index/remoteImage:RemoteImage": (a) => ({ imageId: fakeImageId(a.inputs.name), repoDigest: `${a.inputs.name}@sha256:0` }),
  // With skipPush the provider's repoDigest is the built image's id (pulumi-docker provider/image.go).
  "docker:index/image:Image": (a) => ({
    repoDigest: a.inputs.skipPush ? fakeImageId(JSON.stringify(a.inputs.build)) : `${String(a.inputs.imageName).replace(/:[^:/]+$/, "")}@sha256:${short(JSON.stringify(a.inputs.build), 64)}`,
  }),
  "command:local:Command": () => ({ stdout: "", stderr: "" }),
  "command:remote:Command": () => ({ stdout: "", stderr: "" }),
};

/** Per-run changes to the fake provider answers, e.g. a new droplet id for a replaced droplet. */
export interface FakeOverrides {
  dropletId?: string;
}

export function fakeOutputs(args: MockResourceArgs, overrides: FakeOverrides = {}): MockResourceResult {
  const computed = COMPUTED[args.type]?.(args) ?? {};
  const id = args.type === "digitalocean:index/droplet:Droplet" ? overrides.dropletId ?? FAKE.dropletId : `${args.name}-id`;
  return { id, state: { ...args.inputs, ...computed } };
}

export function fakeInvoke(args: MockCallArgs): MockCallResult {
  if (args.token === "cloudflare:index/getIpRanges:getIpRanges") {
    return { ipv4Cidrs: FAKE.cloudflareIpv4, ipv6Cidrs: FAKE.cloudflareIpv6, etag: "mock", jdcloudCidrs: [] };
  }
  throw new Error(`unmocked invoke ${args.token}: add it to test/harness/fakes.ts`);
}
