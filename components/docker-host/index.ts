import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { dockerLabels } from "../naming";
import { ImageBuild, imageBuildInputs, localPlatform } from "./build";
import { SSH_USER, sshOptions } from "./ssh";

/** How a DockerHost reaches its engine. */
export type DockerEndpoint =
  | {
      kind: "ssh";
      /** Address of the droplet: its reserved IP, which survives droplet replacement. */
      address: pulumi.Input<string>;
      /** The droplet's SSH host public key (`ssh-ed25519 AAAA...`), pinned for every connection. */
      hostPublicKey: pulumi.Input<string>;
    }
  /** The local engine: DOCKER_HOST, or the default socket. */
  | { kind: "local" };

/**
 * How an operator's tool (the `berth` CLI) reaches the engine: the stack output `dockerHost`.
 * Holds no secret: the host key is public, and the user's own SSH key does the login.
 */
export type DockerHostAccess =
  | { kind: "ssh"; user: string; address: string; hostPublicKey: string }
  | { kind: "local" };

export interface DockerHostArgs {
  /** Where the Docker engine is and how to reach it. */
  endpoint: DockerEndpoint;
  /** Prefix of every Docker object's name, e.g. `berth-prod`. */
  namePrefix: string;
  /** Stack-wide labels put on every Docker object berth creates. */
  labels: Record<string, string>;
  /** Host directory for the files berth manages (proxy config, certificates), e.g. /etc/berth. */
  stateDir: string;
  /** Resources that must exist before anything talks to Docker (the droplet's readiness check). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** Registries to pull private images from; passwords are Pulumi secrets. */
  registries?: { address: string; username: string; password: pulumi.Input<string> }[];
  /**
   * Identity of the machine behind the endpoint (the droplet id). When it changes, the host is a
   * new, empty machine: every Docker object and host command is re-created on it in the same run.
   */
  hostId?: pulumi.Input<string>;
}

/** A command run on the Docker host: over SSH for a droplet, locally for the `local` target. */
export interface HostCommandArgs {
  /** Script run on create, and again whenever an input (such as stdin) changes. */
  create: pulumi.Input<string>;
  /** Script run on delete. */
  delete?: pulumi.Input<string>;
  /** Standard input: the only way secrets reach a host command. */
  stdin?: pulumi.Input<string>;
  /** Any change here replaces the command, i.e. runs `create` again. */
  triggers?: pulumi.Input<unknown>[];
}

/**
 * The Docker engine berth deploys onto, and the two networks its containers share:
 * `edge` for the proxy and the apps, and the internal `data` network for the apps and databases,
 * which the proxy never joins.
 */
export class DockerHost extends pulumi.ComponentResource {
  public readonly provider: docker.Provider;
  /** Network the proxy and every app replica join. */
  public readonly edgeNetwork: docker.Network;
  /** Internal network (no outside access) shared by apps and their databases. */
  public readonly dataNetwork: docker.Network;
  public readonly edgeNetworkName: pulumi.Output<string>;
  public readonly dataNetworkName: pulumi.Output<string>;
  /** How operators' tools reach this engine, derived from the endpoint the host was given. */
  public readonly access: pulumi.Output<DockerHostAccess>;

  private readonly endpoint: DockerEndpoint;
  private readonly ready: pulumi.Input<pulumi.Resource>[];
  private readonly hostId?: pulumi.Input<string>;
  /** Prefix of every Docker object's name. */
  public readonly namePrefix: string;
  private readonly stackLabels: Record<string, string>;
  /** Host directory for the files berth manages. */
  public readonly stateDir: string;
  /** Whether the host runs systemd, so berth can schedule jobs there (a droplet, not `local`). */
  public readonly hasSystemd: boolean;
  private readonly images = new Map<string, docker.RemoteImage>();
  private readonly registries: NonNullable<DockerHostArgs["registries"]>;

  constructor(name: string, args: DockerHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:index:DockerHost", name, {}, opts);
    this.endpoint = args.endpoint;
    this.ready = args.dependsOn ?? [];
    this.namePrefix = args.namePrefix;
    this.stackLabels = args.labels;
    this.stateDir = args.stateDir;
    this.hostId = args.hostId;
    this.registries = args.registries ?? [];
    this.hasSystemd = args.endpoint.kind === "ssh";

    const registryAuth = args.registries?.flatMap((r) =>
      providerRegistryKeys(r.address).map((address) => ({ address, username: r.username, password: pulumi.secret(r.password) })),
    );
    this.provider = new docker.Provider(
      `${name}-docker`,
      args.endpoint.kind === "ssh"
        ? {
            host: pulumi.interpolate`ssh://${SSH_USER}@${args.endpoint.address}`,
            sshOpts: pulumi.output(args.endpoint.hostPublicKey).apply(sshOptions),
            // No connection when the provider is configured: a `pulumi preview` on a pull request
            // runs where SSH to the droplet is not allowed.
            disableDockerDaemonCheck: true,
            registryAuth,
          }
        : { registryAuth },
      { parent: this, dependsOn: this.ready },
    );

    this.edgeNetwork = new docker.Network(
      `${name}-edge`,
      { name: `${args.namePrefix}-edge`, driver: "bridge", labels: this.labels() },
      this.dockerOptions(),
    );
    this.dataNetwork = new docker.Network(
      `${name}-data`,
      { name: `${args.namePrefix}-data`, driver: "bridge", internal: true, labels: this.labels() },
      this.dockerOptions(),
    );
    this.edgeNetworkName = this.edgeNetwork.name;
    this.dataNetworkName = this.dataNetwork.name;
    this.access = accessOf(args.endpoint);

    this.registerOutputs({ edgeNetworkName: this.edgeNetworkName, dataNetworkName: this.dataNetworkName, access: this.access });
  }

  /** Options for a Docker resource on this host: its provider, and readiness before anything else. */
  dockerOptions(extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    return {
      parent: this,
      ...extra,
      provider: this.provider,
      dependsOn: [...this.ready, ...toArray(extra.dependsOn)],
    };
  }

  /**
   * Labels for a Docker object on this host: the stack's, `extra`, and the host's identity. Labels
   * force replacement, so a new droplet gets every object re-created on it.
   */
  labels(extra: Record<string, string> = {}): pulumi.Input<{ label: string; value: pulumi.Input<string> }>[] {
    const labels: pulumi.Input<{ label: string; value: pulumi.Input<string> }>[] = dockerLabels({ ...this.stackLabels, ...extra });
    return this.hostId === undefined ? labels : [...labels, { label: "berth.host", value: this.hostId }];
  }

  /**
   * The engine's id of an image, pulled once per reference before any container uses it.
   * Containers must be given the id, not the reference: the provider reads a container's image
   * back as its id, so a reference would show a replacement on every update. A new reference
   * (a new tag) is a new image, and so rolls the containers that use it.
   */
  image(reference: string): pulumi.Output<string> {
    let image = this.images.get(reference);
    if (!image) {
      image = new docker.RemoteImage(
        `${this.namePrefix}-image-${reference.replace(/[^A-Za-z0-9.-]+/g, "-")}`,
        {
          name: reference,
          // The local engine's images may serve other projects too: never delete them there.
          keepLocally: this.endpoint.kind === "local",
          triggers: this.hostId === undefined ? undefined : { host: this.hostId },
        },
        this.dockerOptions(),
      );
      this.images.set(reference, image);
    }
    return image.imageId;
  }

  /**
   * The engine's id of an image built from source on this host (components/docker-host/build.ts).
   * The id changes exactly when the built image does, so it rolls the containers that use it.
   * With `push`, the registry's digest reference instead: the image is on the host under it too.
   */
  build(name: string, spec: ImageBuild, opts: { parent?: pulumi.Resource } = {}): pulumi.Output<string> {
    const image = new docker.Image(
      `${this.namePrefix}-build-${name}`,
      imageBuildInputs(spec, {
        localRepository: `${this.namePrefix}-${name}`,
        hostTag: this.hostId ?? "local",
        pushTag: this.namePrefix,
        platform: this.endpoint.kind === "ssh" ? "linux/amd64" : localPlatform(),
        registries: this.registries,
      }),
      // The provider's Diff never replaces an image (every change is an update that rebuilds):
      // stated all the same.
      this.dockerOptions({ deleteBeforeReplace: false, ...opts }),
    );
    return image.repoDigest;
  }

  /** `labels(extra)` as a plain map, for a container berth runs from a host script. */
  labelMap(extra: Record<string, string> = {}): pulumi.Output<Record<string, string>> {
    return pulumi.all(this.labels(extra)).apply((list) => Object.fromEntries(list.map((l) => [l.label, l.value])));
  }

  /** A path on the Docker host below berth's state directory. */
  hostPath(...parts: string[]): string {
    return [this.stateDir, ...parts].join("/");
  }

  /** Runs a script on the Docker host. */
  runOnHost(name: string, args: HostCommandArgs, opts: pulumi.CustomResourceOptions = {}): command.local.Command | command.remote.Command {
    const options = {
      parent: this,
      ...opts,
      dependsOn: [...this.ready, ...toArray(opts.dependsOn)],
      // A replacement must not run the old command's delete after the new one's create on the
      // same host, or it would undo what the new one just did. Without a delete, create-before-
      // delete, stated (pulumi-command has no default of its own: provider-model.ts, localCommand).
      deleteBeforeReplace: args.delete !== undefined || (opts.deleteBeforeReplace ?? false),
    };
    const common = {
      create: args.create,
      update: args.create,
      delete: args.delete,
      stdin: args.stdin,
      // A new machine behind the endpoint needs every host file written again.
      triggers: [...(args.triggers ?? []), ...(this.hostId === undefined ? [] : [this.hostId])],
    };
    if (this.endpoint.kind === "local") {
      return new command.local.Command(name, { ...common, interpreter: ["/bin/sh", "-c"] }, options);
    }
    const endpoint = this.endpoint;
    return new command.remote.Command(
      name,
      {
        ...common,
        connection: {
          host: endpoint.address,
          user: SSH_USER,
          hostKey: endpoint.hostPublicKey,
          // A fresh droplet takes a minute or two to accept SSH.
          dialErrorLimit: 40,
          perDialTimeout: 15,
        },
      },
      options,
    );
  }
}

function accessOf(endpoint: DockerEndpoint): pulumi.Output<DockerHostAccess> {
  if (endpoint.kind === "local") return pulumi.output({ kind: "local" as const });
  return pulumi
    .all([endpoint.address, endpoint.hostPublicKey])
    .apply(([address, hostPublicKey]) => ({ kind: "ssh" as const, user: SSH_USER, address, hostPublicKey }));
}

/** Names Docker Hub goes by in an image reference. */
const DOCKER_HUB = ["registry-1.docker.io", "docker.io", "index.docker.io", "registry.hub.docker.com"];

/**
 * The registry addresses the Docker provider may look credentials up under for a registry. On a
 * pull it takes the registry from the image reference, with `registry-1.docker.io` for one that
 * names none (`acme/web:1`), and looks up exactly that host: so Docker Hub credentials are given
 * under each of its names (kreuzwerker/terraform-provider-docker v4.5.0,
 * internal/provider/resource_docker_image_funcs.go L249-L265 and L290-L341).
 */
export function providerRegistryKeys(address: string): string[] {
  return DOCKER_HUB.includes(address) ? DOCKER_HUB : [address];
}

// berth always passes dependsOn as a plain list; a single resource is accepted too.
function toArray(value: pulumi.ResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value as pulumi.Input<pulumi.Resource>];
}
