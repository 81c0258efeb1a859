/**
 * berth's guardrails, one policy each. Pure: no resource is created here and nothing is served, so
 * tests call each policy's validateResource / validateStack directly (index.ts serves them).
 *
 * During a preview some inputs are unknown (a new droplet's id, a new image's id); reading one
 * throws @pulumi/policy's UnknownValueError, and the pack then reports the policy as not runnable
 * (advisory) for that resource. The checks below read only what they judge, so an unknown value
 * elsewhere on a resource (the `berth.host` label, a container's image id) does not stop them.
 */
import {
  Policies,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
  UnknownValueError,
} from "@pulumi/policy";
import { DEFAULT_PROD_STACKS, describeStack, isProductionStack, stackFromEnvironment } from "./environment";

/** The resource types the policies look at. */
export const TYPES = {
  container: "docker:index/container:Container",
  remoteImage: "docker:index/remoteImage:RemoteImage",
  /** An image built from source (`imageName` is the name the build is tagged with). */
  builtImage: "docker:index/image:Image",
  volume: "digitalocean:index/volume:Volume",
  reservedIp: "digitalocean:index/reservedIp:ReservedIp",
  firewall: "digitalocean:index/firewall:Firewall",
} as const;

/** The labels berth puts on its containers (components/database, components/app, components/proxy). */
export const LABELS = { role: "berth.role", app: "berth.app", process: "berth.process" } as const;

type Props = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// Reading resources
// ---------------------------------------------------------------------------------------------

/**
 * A label's value on a Docker resource, whose `labels` input is a list of `{ label, value }`
 * (docker:index/container:Container, ContainerLabel). Only the asked-for entry's value is read.
 */
export function labelValue(props: Props, name: string): string | undefined {
  const labels = props.labels;
  if (Array.isArray(labels)) {
    for (const entry of labels) if (entry?.label === name) return entry.value;
    return undefined;
  }
  // A map, in case a label set is ever given as one.
  return labels && typeof labels === "object" && typeof labels[name] === "string" ? labels[name] : undefined;
}

function hasLabel(props: Props, name: string): boolean {
  const labels = props.labels;
  if (Array.isArray(labels)) return labels.some((entry) => entry?.label === name);
  return Boolean(labels && typeof labels === "object" && name in labels);
}

/**
 * Whether a container is a replica of a routed (web) process: an app container that is the app's
 * `web` process (no `berth.process` label), or that joins a network under an alias, which is how
 * the proxy finds a routed process (components/app/index.ts). A worker has neither.
 */
export function isRoutedAppContainer(props: Props): boolean {
  if (labelValue(props, LABELS.role) !== "app") return false;
  if (!hasLabel(props, LABELS.process)) return true;
  const networks = props.networksAdvanced;
  return Array.isArray(networks) && networks.some((n) => Array.isArray(n?.aliases) && n.aliases.length > 0);
}

/** `app/process` of an app container, e.g. `shop/web`. */
export function processKey(props: Props): string {
  return `${labelValue(props, LABELS.app) ?? "?"}/${labelValue(props, LABELS.process) ?? "web"}`;
}

/** The value `read` returns, or undefined when it is not known yet (a preview). */
function whenKnown<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (err instanceof UnknownValueError) return undefined;
    throw err;
  }
}

/**
 * Why an image reference is not pinned, or undefined when it is: pinned means a digest
 * (`repo@sha256:...`), or a tag other than `latest`. The tag is what follows the last `:` of the
 * last path component, so `registry:5000/app` has a registry port and no tag; no tag means latest.
 */
export function imagePinProblem(reference: string): string | undefined {
  const ref = reference.trim();
  if (ref === "") return "is empty";
  const at = ref.indexOf("@");
  if (at >= 0) {
    const digest = ref.slice(at + 1);
    return /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/.test(digest) ? undefined : `has a malformed digest "${digest}"`;
  }
  const last = ref.slice(ref.lastIndexOf("/") + 1);
  const colon = last.lastIndexOf(":");
  if (colon < 0) return "has no tag, which means latest";
  const tag = last.slice(colon + 1);
  if (tag === "") return "has an empty tag";
  if (tag === "latest") return "is tagged latest";
  return undefined;
}

/** An engine image id (`sha256:<hex>`), which is what berth gives containers, not a reference. */
function isImageId(image: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(image);
}

/**
 * Whether a DigitalOcean firewall rule lets TCP reach `port`. A missing port range, `all` or `0`
 * is every port (DigitalOcean's API); a range the policy cannot read counts as covering it.
 */
export function ruleCoversPort(rule: Props, port: number): boolean {
  if (String(rule?.protocol ?? "").toLowerCase() !== "tcp") return false;
  const range = rule.portRange === undefined || rule.portRange === null ? "" : String(rule.portRange).trim();
  if (range === "" || range === "all" || range === "0") return true;
  const m = /^(\d+)(?:-(\d+))?$/.exec(range);
  if (!m) return true;
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  return low <= port && port <= high;
}

/** Whether a CIDR block is a whole address family: `0.0.0.0/0`, `::/0`, or any other `/0`. */
export function isWholeInternet(cidr: string): boolean {
  const slash = cidr.trim().lastIndexOf("/");
  return slash >= 0 && /^0+$/.test(cidr.trim().slice(slash + 1));
}

// ---------------------------------------------------------------------------------------------
// Policies that hold in every stack
// ---------------------------------------------------------------------------------------------

export const noPublishedDatabasePort: ResourceValidationPolicy = {
  name: "no-published-database-port",
  description: "Database containers (label berth.role=database) publish no port on the host: they are reachable only on the internal data network.",
  severity: "critical",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.container || labelValue(args.props, LABELS.role) !== "database") return;
    const ports = args.props.ports;
    if (Array.isArray(ports) && ports.length > 0) {
      const published = ports.map((p: Props) => `${p.external ?? "(any)"}->${p.internal}`).join(", ");
      reportViolation(`Database container ${args.name} publishes ports ${published}: remove \`ports\`; apps reach it on the data network.`);
    }
    if (args.props.publishAllPorts === true) {
      reportViolation(`Database container ${args.name} sets publishAllPorts: every exposed port would be published on the host.`);
    }
    if (args.props.networkMode === "host") {
      reportViolation(`Database container ${args.name} uses the host's network: its port would be open on the droplet.`);
    }
  },
};

export const webProcessHealthChecked: ResourceValidationPolicy = {
  name: "web-process-health-checked",
  description:
    "Every replica of a routed (web) process has a Docker health check and is created with wait: true, so a rollout waits for it to be healthy. Workers are not checked.",
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.container || !isRoutedAppContainer(args.props)) return;
    const process = processKey(args.props);
    const tests = args.props.healthcheck?.tests;
    if (!Array.isArray(tests) || tests.length === 0 || tests[0] === "NONE") {
      reportViolation(`Replica ${args.name} of web process ${process} has no health check: give the process health.path (or health.command).`);
    }
    if (args.props.wait !== true) {
      reportViolation(`Replica ${args.name} of web process ${process} is created without wait: true: a rollout would not wait for it to be healthy.`);
    }
  },
};

export const sshNotOpenToWorld: ResourceValidationPolicy = {
  name: "ssh-not-open-to-world",
  description: "No cloud firewall rule opens SSH (TCP 22) to 0.0.0.0/0 or ::/0.",
  severity: "critical",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.firewall) return;
    const rules = args.props.inboundRules;
    if (!Array.isArray(rules)) return;
    for (const rule of rules) {
      // The port first: other rules' sources (Cloudflare's ranges) may be unknown in a preview.
      if (!ruleCoversPort(rule, 22)) continue;
      const sources: unknown[] = Array.isArray(rule.sourceAddresses) ? rule.sourceAddresses : [];
      const open = sources.filter((s): s is string => typeof s === "string" && isWholeInternet(s));
      if (open.length > 0) {
        reportViolation(
          `Firewall ${args.name} opens SSH (tcp ${rule.portRange ?? "all ports"}) to ${open.join(", ")}: list your own CIDR blocks in berth:sshAllowFrom.`,
        );
      }
    }
  },
};

export const imagesPinned: ResourceValidationPolicy = {
  name: "images-pinned",
  description:
    "Images are pinned: a RemoteImage's name, a built Image's imageName and any container image given by reference carry a tag other than latest, or a digest.",
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (args.type === TYPES.remoteImage) {
      const problem = imagePinProblem(String(args.props.name ?? ""));
      if (problem) reportViolation(`Image ${args.props.name} (${args.name}) ${problem}: pin a version tag (ghcr.io/acme/web:1.4.2) or a digest (@sha256:...).`);
    } else if (args.type === TYPES.builtImage) {
      // Built from source on the Docker host, so no registry can move it under us, and containers
      // run it by id or digest: any explicit tag will do. But `latest` (or no tag) is what every
      // other build on the host, and any `docker pull` of that name, overwrites; so not that.
      // A name made of values not known yet (a build tagged with a new droplet's id) is checked
      // in `pulumi up`, once they are.
      const imageName = whenKnown(() => args.props.imageName);
      if (typeof imageName !== "string") return;
      const problem = imagePinProblem(imageName);
      if (problem) reportViolation(`Built image ${imageName} (${args.name}) ${problem}: tag each build, e.g. with its version or commit.`);
    } else if (args.type === TYPES.container) {
      // berth gives containers a RemoteImage's id; a reference here would bypass the check above.
      const image = whenKnown(() => args.props.image);
      if (typeof image !== "string" || image === "" || isImageId(image)) return;
      const problem = imagePinProblem(image);
      if (problem) reportViolation(`Container ${args.name} runs image ${image}, which ${problem}: pin a version tag or a digest.`);
    }
  },
};

export const containerReplacementOrder: ResourceValidationPolicy = {
  name: "container-replacement-order",
  description:
    "Every container states its replacement order (the deleteBeforeReplace option, true or false): the Docker provider's own default is delete-before-replace.",
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.container) return;
    if (args.opts.deleteBeforeReplace === undefined) {
      reportViolation(
        `Container ${args.name} does not state deleteBeforeReplace: set false for replicas that must start before the old ones stop, true for a container that owns a host port or a data directory.`,
      );
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Production policies
// ---------------------------------------------------------------------------------------------

/** Where the prod policies learn the stack's name; tests give their own. */
export interface PolicyOptions {
  /** The stack being checked; by default what the engine passes in the environment. */
  stack?: () => string | undefined;
}

/** Config of the prod policies (`--policy-pack-config`, keyed by policy name). */
export interface ProdConfig {
  /** Stack names checked as production; default ["prod"]. */
  prodStacks?: string[];
}

const prodStacksSchema = {
  type: "array" as const,
  items: { type: "string" as const },
  default: [...DEFAULT_PROD_STACKS],
  description: "Stack names checked as production.",
};

/** The stack's name when it is a production stack; otherwise marks the policy not applicable. */
function productionStack(args: { getConfig<T extends object>(): T; notApplicable(reason?: string): never }, options: PolicyOptions): string | undefined {
  const stack = (options.stack ?? stackFromEnvironment)();
  const prodStacks = args.getConfig<ProdConfig>().prodStacks ?? DEFAULT_PROD_STACKS;
  if (!isProductionStack(stack, prodStacks)) args.notApplicable(`stack "${stack}" is not a production stack (${prodStacks.join(", ")})`);
  return stack;
}

export function prodDataProtected(options: PolicyOptions = {}): ResourceValidationPolicy {
  return {
    name: "prod-data-protected",
    description: "In production, the data volume and the reserved IP are protected (the protect option), so no update or destroy can delete them.",
    severity: "critical",
    configSchema: { properties: { prodStacks: prodStacksSchema } },
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      const kind = args.type === TYPES.volume ? "Volume" : args.type === TYPES.reservedIp ? "Reserved IP" : undefined;
      if (kind === undefined) return;
      const stack = productionStack(args, options);
      if (args.opts.protect !== true) {
        reportViolation(`${kind} ${args.name} is not protected in ${describeStack(stack)}: create it with { protect: true }.`);
      }
    },
  };
}

/** Config of prod-web-replicas. */
export interface ReplicasConfig extends ProdConfig {
  /** The fewest replicas a web process may have in production; default 2. */
  minReplicas?: number;
}

export const DEFAULT_MIN_REPLICAS = 2;

export function prodWebReplicas(options: PolicyOptions = {}): StackValidationPolicy {
  return {
    name: "prod-web-replicas",
    description: "In production, every routed (web) process of every app runs at least 2 replicas, so a rollout or a crash never leaves it without one.",
    severity: "high",
    configSchema: {
      properties: {
        prodStacks: prodStacksSchema,
        minReplicas: { type: "integer", minimum: 1, default: DEFAULT_MIN_REPLICAS, description: "The fewest replicas a web process may have." },
      },
    },
    validateStack: (args, reportViolation) => {
      const stack = productionStack(args, options);
      const min = args.getConfig<ReplicasConfig>().minReplicas ?? DEFAULT_MIN_REPLICAS;
      // URNs, not resources: both halves of a replacement may be listed.
      const replicas = new Map<string, Set<string>>();
      for (const r of args.resources) {
        if (r.type !== TYPES.container || !isRoutedAppContainer(r.props)) continue;
        const key = processKey(r.props);
        if (!replicas.has(key)) replicas.set(key, new Set());
        replicas.get(key)!.add(r.urn);
      }
      for (const [process, urns] of replicas) {
        if (urns.size < min) {
          reportViolation(
            `Web process ${process} has ${urns.size} replica${urns.size === 1 ? "" : "s"} in ${describeStack(stack)}; it needs at least ${min}: raise its replicas.`,
            [...urns][0],
          );
        }
      }
    },
  };
}

/** Every policy of the pack. */
export function berthPolicies(options: PolicyOptions = {}): Policies {
  return [
    noPublishedDatabasePort,
    webProcessHealthChecked,
    prodDataProtected(options),
    prodWebReplicas(options),
    sshNotOpenToWorld,
    imagesPinned,
    containerReplacementOrder,
  ];
}
