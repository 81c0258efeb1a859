import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { renderWaitReadyScript } from "../host/scripts";
import { renderCloudInit } from "./cloud-init";
import { renderGrowFilesystemScript } from "./grow-filesystem";
import { firewallRules, OriginAccess } from "./firewall";
import { TailscaleArgs, tailnetAddress } from "./tailscale";

export interface ServerArgs {
  /** DigitalOcean region slug, e.g. `fra1`. */
  region: pulumi.Input<string>;
  /** Droplet size slug, e.g. `s-2vcpu-4gb`. */
  size: pulumi.Input<string>;
  /** Droplet image slug, e.g. `ubuntu-24-04-x64`. */
  image: pulumi.Input<string>;
  /** MD5 fingerprints of the DigitalOcean SSH keys allowed to log in as root. */
  sshKeys: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * CIDR blocks allowed to reach SSH (port 22). A plain list, because with none (possible with
   * `tailscale`) the firewall has no SSH rule at all.
   */
  sshAllowFrom: pulumi.Input<string>[];
  /** Who may reach ports 80 and 443: anyone, or only Cloudflare's proxy. */
  originAccess: OriginAccess;
  /** Tags for the droplet and volume (the stack's tag is always added); never on the firewall. */
  tags: pulumi.Input<string>[];
  /** Give the droplet an IPv6 address. */
  ipv6: boolean;
  /** Size of the data volume in GiB. */
  volumeSizeGb: pulumi.Input<number>;
  /** Swap file size in GiB (0 for none). */
  swapSizeGb: number;
  /** Where the data volume is mounted on the droplet. */
  dataPath: string;
  /**
   * Let a changed cloud-init replace the droplet in this run. Off by default: user data is then
   * ignored after the first create, so editing cloud-init never replaces the server by surprise.
   */
  applyCloudInit?: boolean;
  /**
   * Join the droplet to this tailnet at its first boot, and reach its SSH there (at
   * `<hostname>.<tailnet>`) instead of at the reserved IP. See tailscale.ts.
   */
  tailscale?: TailscaleArgs;
  /**
   * DigitalOcean's own backups of the droplet's disk (not of the data volume), with an optional
   * schedule; without `policy`, DigitalOcean's default (daily). Turning them on or off, or changing
   * the policy, updates the droplet in place (see doDroplet in the provider model).
   */
  backups?: { enabled: boolean; policy?: { plan: "daily" | "weekly"; weekday?: string; hour?: number } };
}

/**
 * One droplet and everything that must outlive it: a reserved IP that DNS points at, a protected
 * block-storage volume that holds all database data, a cloud firewall, and the SSH host key. A
 * readiness command waits for cloud-init, the volume and Docker before anything else runs.
 *
 * With `tailscale`, the droplet joins a tailnet at first boot and everything reaches its SSH there
 * (`sshAddress`), so port 22 need not be open to any public address.
 *
 * Replacing the droplet on purpose keeps the IP, the data and the host key. An ignored property
 * keeps its old value even through `--replace`, so a new cloud-init is rolled out with
 * `applyCloudInit` (BERTH_APPLY_CLOUD_INIT=1 pulumi up), which previews as a droplet replacement.
 */
export class Server extends pulumi.ComponentResource {
  public readonly droplet: digitalocean.Droplet;
  public readonly reservedIp: digitalocean.ReservedIp;
  public readonly volume: digitalocean.Volume;
  public readonly firewall: digitalocean.Firewall;
  /** The address everything points at. */
  public readonly ipAddress: pulumi.Output<string>;
  /** The droplet's IPv6 address ("" when IPv6 is off). */
  public readonly ipv6Address: pulumi.Output<string>;
  /**
   * Where Pulumi reaches the droplet's SSH: its tailnet name with `tailscale`, the reserved IP
   * otherwise. Everything that connects over SSH uses it; the pinned host key is the same.
   */
  public readonly sshAddress: pulumi.Output<string>;
  /** The droplet's SSH host key, `ssh-ed25519 AAAA...`, for pinning. */
  public readonly hostPublicKey: pulumi.Output<string>;
  /** Completes once cloud-init has finished, the volume is mounted and Docker answers. */
  public readonly ready: pulumi.Resource;

  constructor(name: string, args: ServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:index:Server", name, {}, opts);
    const child = { parent: this };
    const tags = [...args.tags, name];

    const hostKey = new tls.PrivateKey(`${name}-host-key`, { algorithm: "ED25519" }, child);
    this.hostPublicKey = hostKey.publicKeyOpenssh.apply((k) => k.trim());

    this.volume = new digitalocean.Volume(
      `${name}-data`,
      {
        name: `${name}-data`,
        region: args.region,
        size: args.volumeSizeGb,
        initialFilesystemType: "ext4",
        description: `berth data volume for ${name}`,
        tags,
      },
      // The data must survive `pulumi destroy` and any droplet replacement.
      { ...child, protect: true, retainOnDelete: true },
    );
    const volumeDevice = pulumi.interpolate`/dev/disk/by-id/scsi-0DO_Volume_${this.volume.name}`;

    const ts = args.tailscale;
    const cloudInit = pulumi
      .all([volumeDevice, hostKey.privateKeyOpenssh, hostKey.publicKeyOpenssh, ts?.authKey ?? ""])
      .apply(([device, privateKey, publicKey, authKey]) =>
        renderCloudInit({
          volumeDevice: device,
          dataPath: args.dataPath,
          swapSizeGb: args.swapSizeGb,
          hostKey: { privateKey, publicKey },
          tailscale: ts && { hostname: ts.hostname, tags: ts.tags, authKey },
        }),
      );
    // Secret: it carries the host's private key, and the tailnet auth key.
    const userData = pulumi.secret(cloudInit);

    this.droplet = new digitalocean.Droplet(
      `${name}-droplet`,
      {
        name,
        region: args.region,
        size: args.size,
        image: args.image,
        sshKeys: args.sshKeys,
        ipv6: args.ipv6,
        monitoring: true,
        tags,
        userData,
        // Databases get SIGTERM and a clean shutdown before a deliberate replacement.
        gracefulShutdown: true,
        // In place, never a replacement (doDroplet: backups and backupPolicy are not ForceNew).
        backups: args.backups?.enabled ?? false,
        backupPolicy: args.backups?.enabled ? args.backups.policy : undefined,
      },
      {
        ...child,
        // A cloud-init change must never replace the server by surprise; see the README to roll one.
        ignoreChanges: args.applyCloudInit ? [] : ["userData"],
        // Delete-before-replace, so the engine first deletes what the droplet id replaces, in
        // reverse dependency order: every container (databases stop cleanly, reached through the
        // reserved IP that still leads here), the volume attachment, the IP assignment; then this
        // droplet; then the new one. Pinned by test/unit/server-replacement.test.ts; the order is
        // the runbook's (docs/operations.md, "Replace the server").
        deleteBeforeReplace: true,
      },
    );

    this.reservedIp = new digitalocean.ReservedIp(`${name}-ip`, { region: args.region }, { ...child, protect: true });
    const ipAssignment = new digitalocean.ReservedIpAssignment(
      `${name}-ip-assignment`,
      { ipAddress: this.reservedIp.ipAddress, dropletId: this.droplet.id.apply(Number) },
      // Both halves name the same IP, and the old half's delete unassigns it from whatever droplet
      // it names (doReservedIpAssignment.facts.deleteUnassignsOwnDroplet): never two at once.
      { ...child, deleteBeforeReplace: true },
    );
    const volumeAttachment = new digitalocean.VolumeAttachment(
      `${name}-data-attachment`,
      { dropletId: this.droplet.id.apply(Number), volumeId: this.volume.id },
      // A new attachment is refused while the volume is on another droplet, and the old half's
      // delete detaches it from its droplet (doVolumeAttachment.facts.attachUnlessAlready,
      // deleteDetachesFromItsDroplet): detach first. Never replace it on its own: nothing that
      // uses the volume depends on it by input, so the databases would keep running.
      { ...child, deleteBeforeReplace: true },
    );

    this.firewall = new digitalocean.Firewall(
      `${name}-firewall`,
      {
        name: `${name}-firewall`,
        // By droplet id only: a firewall with tags applies to every droplet carrying them, in
        // every stack of the account, so dev's rules would open prod.
        dropletIds: [this.droplet.id.apply(Number)],
        ...firewallRules(args.sshAllowFrom, args.originAccess),
      },
      child,
    );

    this.ipAddress = this.reservedIp.ipAddress;
    this.ipv6Address = args.ipv6 ? this.droplet.ipv6Address : pulumi.output("");

    this.sshAddress = ts ? pulumi.output(tailnetAddress(ts)) : this.ipAddress;
    const sshConnection = {
      host: this.sshAddress,
      user: "root",
      hostKey: this.hostPublicKey,
      // A new droplet's tailnet name resolves only once cloud-init has joined it, after the package
      // upgrade and installs. pulumi-command dials through pulumi's retry.Until, at most 5 s apart
      // (sdk/go/common/util/retry: DefaultMaxDelay): about 20 minutes of tries instead of 5.
      dialErrorLimit: ts ? 240 : 60,
      perDialTimeout: 15,
    };
    this.ready = new command.remote.Command(
      `${name}-ready`,
      {
        connection: sshConnection,
        create: volumeDevice.apply((device) =>
          renderWaitReadyScript({ volumeDevice: device, dataPath: args.dataPath, timeoutSeconds: 900 }),
        ),
        // Wait again whenever the droplet behind the IP is a new one.
        triggers: [this.droplet.id],
      },
      // A check with no delete: the new one may run before the old one leaves state.
      { ...child, dependsOn: [ipAssignment, volumeAttachment, this.firewall], deleteBeforeReplace: false },
    );

    // Growing `volumeSizeGb` resizes the block device in place; the filesystem follows here.
    new command.remote.Command(
      `${name}-data-grow`,
      {
        connection: sshConnection,
        create: volumeDevice.apply((device) => renderGrowFilesystemScript({ volumeDevice: device })),
        triggers: [this.volume.size, this.droplet.id],
      },
      // No delete script: a new size simply runs again, next to nothing.
      { ...child, dependsOn: [this.ready], deleteBeforeReplace: false },
    );

    this.registerOutputs({
      ipAddress: this.ipAddress,
      ipv6Address: this.ipv6Address,
      sshAddress: this.sshAddress,
      hostPublicKey: this.hostPublicKey,
    });
  }
}
