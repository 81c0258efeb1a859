import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ConfigError, parseStackConfig } from "../../components/config/parse";

const ROOT = path.resolve(__dirname, "../..");

/** The `berth:` settings of a committed stack file (Pulumi.<stack>.yaml), keys without namespace. */
export function stackFileConfig(stack: string): Record<string, unknown> {
  const file = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(file.config)
      .filter(([key]) => key.startsWith("berth:"))
      .map(([key, value]) => [key.slice("berth:".length), value]),
  );
}

/** A small valid digitalocean config to derive test cases from. */
export function doConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    target: "digitalocean",
    zoneId: "023e105f4ecef8ad9ca31a8372d0c353",
    sshKeys: ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"],
    sshAllowFrom: ["203.0.113.0/24"],
    apps: {
      web: { image: "ghcr.io/acme/web:1.0.0", hosts: ["app.example.com"], replicas: 2, databases: ["main", "cache"] },
    },
    databases: { main: { engine: "postgres" }, cache: { engine: "redis" } },
    // Off-site backups need a recipient; this one's private key was never kept.
    backups: { ageRecipients: [SAMPLE_AGE_RECIPIENT] },
    ...overrides,
  };
}

/** A valid age public key (berth:backups.ageRecipients) whose private half was discarded. */
export const SAMPLE_AGE_RECIPIENT = "age14pttezml4ff8enfxaka42czg9kdap23v63whg8050es3qdx75flq3cgruf";

/** A small valid local config. */
export function localConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    target: "local",
    apps: { web: { image: "nginx:1.27", port: 80, hosts: ["web.localhost"], health: { path: "/" }, databases: ["main"] } },
    databases: { main: { engine: "postgres" } },
    ...overrides,
  };
}

export const TYPES = {
  container: "docker:index/container:Container",
  network: "docker:index/network:Network",
  dockerVolume: "docker:index/volume:Volume",
  remoteImage: "docker:index/remoteImage:RemoteImage",
  image: "docker:index/image:Image",
  dockerProvider: "pulumi:providers:docker",
  droplet: "digitalocean:index/droplet:Droplet",
  reservedIp: "digitalocean:index/reservedIp:ReservedIp",
  reservedIpAssignment: "digitalocean:index/reservedIpAssignment:ReservedIpAssignment",
  volume: "digitalocean:index/volume:Volume",
  volumeAttachment: "digitalocean:index/volumeAttachment:VolumeAttachment",
  firewall: "digitalocean:index/firewall:Firewall",
  dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
  originCert: "cloudflare:index/originCaCertificate:OriginCaCertificate",
  zoneSetting: "cloudflare:index/zoneSetting:ZoneSetting",
  selfSigned: "tls:index/selfSignedCert:SelfSignedCert",
  remoteCommand: "command:remote:Command",
  localCommand: "command:local:Command",
  randomPassword: "random:index/randomPassword:RandomPassword",
} as const;

/** The problems a config produces, or [] when it is valid. */
export function configProblems(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}
