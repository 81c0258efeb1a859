import { contextDigest, readBuildContext } from "./build-context";
import { Source, source } from "./sources";

/**
 * The provider model: what the real providers do, each fact with its source (sources.ts). Every
 * type the local target registers is here, and the harness refuses any other; the e2e harness
 * applies exactly this (deployment.ts and the handlers in resources/). The digitalocean target's
 * cloud types are here for the facts berth's options depend on (model.test.ts).
 *
 * Per type:
 *   - deleteBeforeReplace: the provider's default, which the engine takes unless the program sets
 *     the option itself;
 *   - replaces(field): whether a change to that input replaces the resource (ForceNew) or is
 *     updated in place;
 *   - updateApplies: what the provider's Update really applies to the object (the rest of an
 *     "update" changes only Pulumi's state);
 *   - withDefaults: the defaults the provider fills into the inputs before it diffs;
 *   - readBack: how values read back into state (the engine diffs the next inputs against these).
 */
export interface TypeModel {
  type: string;
  deleteBeforeReplace: { value: boolean; source: Source };
  replaces(field: string): boolean;
  replaceSource: Source;
  updateApplies: { fields: string[]; source: Source };
  withDefaults(inputs: Record<string, any>): Record<string, any>;
  /** Inputs whose new value differs from the provider's state. */
  diff(oldOutputs: Record<string, any>, oldInputs: Record<string, any>, news: Record<string, any>): string[];
  /** Every other fact about this type, for the record and for its tests. */
  facts: Record<string, Source>;
}

// ---------------------------------------------------------------------------------------------
// Shared by the Terraform-bridged providers (docker, digitalocean, cloudflare, random, tls).

interface TfSpec {
  type: string;
  deleteBeforeReplace: { value: boolean; source: Source };
  /** Inputs that are NOT ForceNew; every other input replaces. */
  inPlace: string[];
  replaceSource: Source;
  updateApplies?: { fields: string[]; source: Source };
  /** Schema defaults (top-level, or inside an object input or each element of a list input). */
  defaults?: Record<string, unknown>;
  elementDefaults?: Record<string, Record<string, unknown>>;
  /** Set-typed inputs: order does not matter to the diff. */
  sets?: string[];
  /** Optional+Computed inputs: unset in the program means "whatever the provider read". */
  computed?: string[];
  /** Optional, not Computed, inputs that Read sets from the engine even when the program did not. */
  readEvenWhenUnset?: string[];
  facts?: Record<string, Source>;
}

function tfType(spec: TfSpec): TypeModel {
  const sets = new Set(spec.sets ?? []);
  const computed = new Set(spec.computed ?? []);
  return {
    type: spec.type,
    deleteBeforeReplace: spec.deleteBeforeReplace,
    replaces: (field) => !spec.inPlace.includes(field),
    replaceSource: spec.replaceSource,
    updateApplies: spec.updateApplies ?? { fields: [], source: spec.replaceSource },
    withDefaults(inputs) {
      const out: Record<string, any> = { ...inputs };
      for (const [k, v] of Object.entries(spec.defaults ?? {})) if (out[k] === undefined || out[k] === null) out[k] = v;
      const fill = (e: Record<string, unknown>, defaults: Record<string, unknown>) => {
        const filled = { ...e };
        for (const [k, v] of Object.entries(defaults)) if (filled[k] === undefined || filled[k] === null) filled[k] = v;
        return filled;
      };
      for (const [field, defaults] of Object.entries(spec.elementDefaults ?? {})) {
        if (Array.isArray(out[field])) out[field] = out[field].map((e: Record<string, unknown>) => fill(e, defaults));
        else if (out[field] && typeof out[field] === "object") out[field] = fill(out[field], defaults);
      }
      return out;
    },
    diff(oldOutputs, oldInputs, news) {
      const fields = new Set([...Object.keys(news), ...Object.keys(oldInputs), ...(spec.readEvenWhenUnset ?? [])]);
      return [...fields].filter((f) => {
        const next = news[f] ?? null;
        if (next === null && computed.has(f)) return false;
        if (next === null && (oldInputs[f] ?? null) === null && !spec.readEvenWhenUnset?.includes(f)) return false;
        // Terraform's zero-value rule: an unset number is 0.
        if (next === null && spec.readEvenWhenUnset?.includes(f) && (oldOutputs[f] ?? 0) === 0) return false;
        return canonical(next, sets.has(f)) !== canonical(oldOutputs[f] ?? null, sets.has(f));
      });
    },
    facts: spec.facts ?? {},
  };
}

/** JSON with object keys sorted, and a set's elements sorted; unset nested fields are dropped. */
export function canonical(value: unknown, isSet = false): string {
  const norm = (v: any): any => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .filter((k) => v[k] !== undefined && v[k] !== null)
          .map((k) => [k, norm(v[k])]),
      );
    }
    return v;
  };
  const n = norm(value);
  if (isSet && Array.isArray(n)) return JSON.stringify(n.map((e) => JSON.stringify(e)).sort());
  return JSON.stringify(n);
}

// ---------------------------------------------------------------------------------------------
// docker (pulumi/pulumi-docker, bundling kreuzwerker/terraform-provider-docker)

const RESOURCES = "provider/resources.go";
const CONTAINER_SCHEMA = "internal/provider/resource_docker_container.go";
const CONTAINER_FUNCS = "internal/provider/resource_docker_container_funcs.go";
const onlyContainerDbr = (value: boolean) => ({
  value,
  source: source("pulumiDocker", RESOURCES, "L112-L114, L127-L136", "only docker_container has DeleteBeforeReplace: true; docker_image (RemoteImage), docker_network and docker_volume set none"),
});

export const container = tfType({
  type: "docker:index/container:Container",
  deleteBeforeReplace: onlyContainerDbr(true),
  // Not ForceNew: every other input the program sets replaces the container.
  inPlace: ["restart", "maxRetryCount", "cpuShares", "memory", "memoryReservation", "memorySwap", "cpuSet", "mustRun", "destroyGraceSeconds", "wait", "waitTimeout", "healthcheck", "start", "rm", "init", "tmpfs", "removeVolumes", "containerReadRefreshTimeoutMilliseconds", "cpuPeriod", "cpuQuota"],
  replaceSource: source("tfDocker", CONTAINER_SCHEMA, "L50-L1175", "ForceNew: name, image, command, entrypoint, user, env, labels, stop_signal, stop_timeout, security_opts, shm_size, ports, networks_advanced, volumes, upload, cpus; not ForceNew: healthcheck (block and sub-fields, L1045-L1096), memory, memory_swap, restart, init, rm, wait, wait_timeout, must_run, destroy_grace_seconds"),
  updateApplies: {
    fields: ["restart", "maxRetryCount", "cpuShares", "memory", "memoryReservation", "cpuSet", "memorySwap"],
    source: source("tfDocker", CONTAINER_FUNCS, "L1016-L1019", 'attrs := []string{"restart", "max_retry_count", "cpu_shares", "memory", "memory_reservation", "cpu_set", "memory_swap", ...}: one ContainerUpdate when any changed; Update does not read back'),
  },
  defaults: { restart: "no", mustRun: true, wait: false, waitTimeout: 60, start: true, rm: false },
  elementDefaults: {
    ports: { ip: "0.0.0.0", protocol: "tcp" },
    healthcheck: { interval: "0s", timeout: "0s", startPeriod: "0s", startInterval: "0s", retries: 0 },
  },
  // ports is a List, but Read walks Docker's port map (no fixed order) and the schema's
  // DiffSuppressFunc (suppressIfPortsDidNotChangeForMigrationV0ToV1) compares the ports as a set.
  sets: ["labels", "networksAdvanced", "volumes", "uploads", "securityOpts", "envs", "ports"],
  computed: ["name", "user", "stopSignal", "stopTimeout", "init", "shmSize", "entrypoints", "command", "healthcheck"],
  readEvenWhenUnset: ["memorySwap"],
  facts: {
    portIpDefault: source("tfDocker", CONTAINER_SCHEMA, "L487-L534", 'ports: ip Default "0.0.0.0", protocol Default "tcp": a port with no address is published on IPv4 only; DiffSuppressFunc suppressIfPortsDidNotChangeForMigrationV0ToV1'),
    portsReadBack: source("tfDocker", "internal/provider/resource_docker_container_structures.go", "L35-L59", "ports read back from Docker's port map: internal, external, ip = HostIP, protocol"),
    memorySwapAtCreate: source("tfDocker", CONTAINER_FUNCS, "L334-L352", "memory_swap is sent only when set (else 0, and Docker derives twice the memory)"),
    memorySwapReadBack: source("tfDocker", CONTAINER_FUNCS, "L940-L944", "d.Set(\"memory_swap\", HostConfig.MemorySwap/1024/1024): Docker's derived value when the program set none"),
    durationsReadBack: source("tfDocker", CONTAINER_FUNCS, "L960-L971", '"interval": container.Config.Healthcheck.Interval.String(): Go\'s time.Duration format, 60s → "1m0s"'),
    cpusReadBack: source("tfDocker", "internal/provider/helpers.go", "L131-L149", "nanoInt64ToDecimalString: FloatString(9); exactly nine zeros → FloatString(1); else trailing zeros trimmed"),
    idBeforeWait: source("tfDocker", CONTAINER_FUNCS, "L456-L460, L614-L621", "d.SetId(retContainer.ID) right after ContainerCreate; the wait loop fails later with \"container failed to be in healthy state\""),
    refreshStopped: source("tfDocker", CONTAINER_FUNCS, "L812-L824", "a stopped container with must_run true is not deleted: Read sets must_run=false in state"),
    mustRunStarts: source("tfDocker", CONTAINER_FUNCS, "L998-L1013", "must_run false → true in an update starts the container (when start is true)"),
    refreshGone: source("tfDocker", CONTAINER_FUNCS, "L764-L773", "a container that no longer exists reads back with an empty id"),
    // command: a worker's process.
    commandForceNew: source("tfDocker", CONTAINER_SCHEMA, "L163-L170", '"command": TypeList, Optional, ForceNew, Computed: a new command is a new container; none in the program keeps what Read stored'),
    commandNotEmpty: source("tfDocker", CONTAINER_FUNCS, "L83-L90", 'config.Cmd = the list; any "" element: diag.Errorf("values for command may not be empty"), before ContainerCreate (no id)'),
    commandReadBack: source("tfDocker", CONTAINER_FUNCS, "L849", 'd.Set("command", container.Config.Cmd)'),
    daemonMergesCmd: source("moby", "daemon/commit.go", "L68-L76", "with no entrypoint and no command given, the container gets the image's Cmd (and Entrypoint): that is what Read stores"),
    // healthcheck: NONE for a worker without its own check.
    healthcheckCreate: source("tfDocker", CONTAINER_FUNCS, "L139-L163", 'config.Healthcheck = &HealthConfig{}; Test from "test"; durations time.ParseDuration of the schema defaults "0s" → 0; Retries 0'),
    healthcheckDefaults: source("tfDocker", CONTAINER_SCHEMA, "L1045-L1096", 'healthcheck: Optional+Computed, MaxItems 1; test Optional; interval, timeout, start_period, start_interval Default "0s"; retries Default 0'),
    healthcheckReadBack: source("tfDocker", CONTAINER_FUNCS, "L960-L971", 'only if container.Config.Healthcheck != nil: test = Config.Healthcheck.Test, the durations .String(), retries'),
    daemonMergesHealthcheck: source("moby", "daemon/commit.go", "L77-L97", "a container's health check takes the image's Test only when it has none, and the image's Interval, Timeout, StartPeriod, Retries wherever it has 0: under [\"NONE\"] too"),
    noneHasNoHealth: source("moby", "daemon/health.go", "L254-L271, L297-L301", 'getProbe returns nil for Test[0] "NONE", and initHealthMonitor then sets no State.Health'),
    // wait and must_run.
    waitDefault: source("tfDocker", CONTAINER_SCHEMA, "L79-L91", 'wait Default false ("If false, then the container health state is not checked"); wait_timeout Default 60'),
    waitWithoutHealth: source("tfDocker", CONTAINER_FUNCS, "L590-L600, L622-L626", "wait: State.Health == nil → \"you have supplied a 'wait' argument, but the container does not have a healthcheck defined. Please remove the 'wait' argument or add a 'healthcheck' attribute\", after SetId: an init error"),
    startThenRead: source("tfDocker", CONTAINER_FUNCS, "L584-L588, L673", "Create only fails if ContainerStart errs; it never checks the container stays up, and ends with Read"),
    readStopped: source("tfDocker", CONTAINER_FUNCS, "L812-L824", "Read (Create's too): not State.Running → exit_code set and must_run false in state, so the next update starts it"),
    restartingIsRunning: source("moby", "container/state.go", "L301-L307", "SetRestarting sets Running = true: a container in its restart back-off reads as running"),
    // Why `pulumi preview` (no --refresh) needs no connection to the droplet: .github/workflows/preview.yml.
    configureMakesNoClient: source("tfDocker", "internal/provider/provider.go", "L201-L255", "configure only builds a ProviderConfig (host, ssh_opts, a client cache): no client, no connection"),
    clientOnlyInCrud: source("tfDocker", "internal/provider/config.go", "L116-L207", "MakeClient dials (and pings unless disable_docker_daemon_check) on first use; it is called from the Create/Read/Update/Delete funcs (resource_docker_container_funcs.go L44, L758, L992, L1080) and no resource has a CustomizeDiff, so a plan makes no call"),
  },
});

export const network = tfType({
  type: "docker:index/network:Network",
  deleteBeforeReplace: onlyContainerDbr(false),
  inPlace: [],
  replaceSource: source("tfDocker", "internal/provider/resource_docker_network.go", "L17-L91", "no UpdateContext; every attribute ForceNew"),
  sets: ["labels"],
  facts: {
    deleteRetriesActiveEndpoints: source("tfDocker", "internal/provider/resource_docker_network_funcs.go", "L216-L219", 'if containsIgnorableErrorMessage(err.Error(), "has active endpoints") { return networkID, "pending", nil }: a delete is retried while a just-removed container\'s endpoint lingers'),
  },
});

export const volume = tfType({
  type: "docker:index/volume:Volume",
  deleteBeforeReplace: onlyContainerDbr(false),
  inPlace: [],
  replaceSource: source("tfDocker", "internal/provider/resource_docker_volume.go", "L41-L66", "schema: every attribute berth sets (name, labels) is ForceNew"),
  sets: ["labels"],
});

export const remoteImage = tfType({
  type: "docker:index/remoteImage:RemoteImage",
  deleteBeforeReplace: onlyContainerDbr(false),
  inPlace: ["keepLocally", "forceRemove"],
  replaceSource: source("tfDocker", "internal/provider/resource_docker_image.go", "L36-L96", "name, triggers, pull_triggers, platform ForceNew; keep_locally and force_remove only matter on delete"),
  facts: {
    registryAuthKey: source("tfDocker", "internal/provider/resource_docker_image_funcs.go", "L249-L265, L290-L341", "a pull looks credentials up under the image reference's registry host exactly, registry-1.docker.io when it names none"),
  },
});

// ---------------------------------------------------------------------------------------------
// docker.Image: pulumi-docker's own (native) provider, not the bridged Terraform one.

const NATIVE = "provider/provider.go";
const IMAGE = "provider/image.go";

/**
 * docker:index/image:Image, an image built by the provider's daemon. Its Check adds a digest of
 * the build context to the inputs; its Diff compares the old inputs with the new ones and calls
 * every change an update (never a replacement), and Update builds again. So a changed file in the
 * context rebuilds, and an unchanged context plans nothing.
 */
export const dockerImage: TypeModel = {
  type: "docker:index/image:Image",
  deleteBeforeReplace: {
    value: false,
    source: source("pulumiDocker", NATIVE, "L271-L328", "Diff returns DIFF_NONE or DIFF_SOME with a detailed diff only: no Replaces and no DeleteBeforeReplace"),
  },
  replaces: () => false,
  replaceSource: source("pulumiDocker", NATIVE, "L330-L347", "diffUpdates: every changed input is a PropertyDiff_UPDATE; for `registry`, only a change of `server` counts (username and password do not)"),
  updateApplies: {
    fields: ["imageName", "build", "registry", "skipPush", "buildOnPreview"],
    source: source("pulumiDocker", NATIVE, "L428-L489", "Update runs p.dockerBuild with the new inputs: a full build (and push unless skipPush)"),
  },
  withDefaults(inputs) {
    const build = { ...(inputs.build ?? {}) };
    build.context = build.context ?? ".";
    build.dockerfile = build.dockerfile ?? `${build.context}/Dockerfile`;
    build.contextDigest = contextDigest(readBuildContext(build.context, build.dockerfile));
    return { ...inputs, buildOnPreview: inputs.buildOnPreview ?? false, build };
  },
  diff(_oldOutputs, oldInputs, news) {
    const fields = new Set([...Object.keys(news), ...Object.keys(oldInputs)]);
    return [...fields].filter((f) => {
      if (f === "registry") return canonical(news[f]?.server ?? null) !== canonical(oldInputs[f]?.server ?? null);
      return canonical(news[f] ?? null) !== canonical(oldInputs[f] ?? null);
    });
  },
  facts: {
    nativeResource: source("pulumiDocker", "provider/hybrid.go", "L34, L105-L150", 'dockerImageTok = "docker:index/image:Image": Check, Diff, Create, Read, Update and Delete go to the native provider'),
    checkContextDigest: source("pulumiDocker", NATIVE, "L198-L207", "Check: contextDigest := hashContext(build.Context, build.Dockerfile), added to the inputs as build.contextDigest"),
    contextDigestContent: source("pulumiDocker", NATIVE, "L606-L654", "hashContext: the Dockerfile's content (as \"Dockerfile\"), then every file of the context not excluded by the ignore patterns: relative name, mode and a sha256 of the content"),
    ignoreFile: source("pulumiDocker", NATIVE, "L656-L682", "getIgnorePatterns: <Dockerfile>.dockerignore if present, else <context>/.dockerignore"),
    checkDefaults: source("pulumiDocker", IMAGE, "L529-L561", 'marshalBuildAndApplyDefaults: context "." and dockerfile path.Join(context, "Dockerfile") when unset; a given dockerfile is a path from the program\'s directory (Check stats it as is, L173-L196)'),
    platformDefault: source("pulumiDocker", NATIVE, "L209-L233", 'Check: platform unset → "linux/" + runtime.GOARCH of the machine running the provider'),
    buildOnPreviewDefault: source("pulumiDocker", NATIVE, "L141-L142, L729-L735", "buildOnPreview defaults to false"),
    previewNoBuild: source("pulumiDocker", NATIVE, "L365-L377, L443-L455, L754-L780", "in a preview, canPreview is false when buildOnPreview is false: Create/Update return the inputs, no build, no repoDigest (unknown)"),
    builtOnProvidersDaemon: source("pulumiDocker", IMAGE, "L111-L115, L144-L150", "dockerBuild: configureDockerClient(p.config) — the provider's host, ssh:// included — and the context tar (archive.TarWithOptions with the ignore patterns) is sent to that daemon"),
    buildFilesAlwaysSent: source("pulumiDocker", IMAGE, "L136-L142", "TrimBuildFilesFromExcludes: the Dockerfile and the ignore file are sent even when the patterns exclude them"),
    builderDefault: source("pulumiDocker", IMAGE, "L50, L698-L716", 'defaultBuilder = "2" (BuildKit) when builderVersion is unset; "BuilderBuildKit" → "2", "BuilderV1" → "1"'),
    buildOptions: source("pulumiDocker", IMAGE, "L202-L214", "ImageBuildOptions: Tags [imageName], Dockerfile (relative to the context), BuildArgs, Version, Platform, Target"),
    skipPushRepoDigest: source("pulumiDocker", IMAGE, "L286-L300", "skipPush (or preview): repoDigest = docker inspect(imageName).ID, the image id"),
    pushRepoDigest: source("pulumiDocker", IMAGE, "L302-L355", "otherwise ImagePush with the registry auth, and repoDigest = <repository>@<digest the push reported>"),
    registryCredentials: source("pulumiDocker", IMAGE, "L736-L771", "getRegistryAuth: the registry input's username and password when both are set, for the registry host of imageName"),
    resourceId: source("pulumiDocker", IMAGE, "L296-L299", "dockerBuild returns img.Name as the resource id"),
    deleteIsNoop: source("pulumiDocker", NATIVE, "L490-L495", "Delete does nothing: a destroyed Image leaves the image on the daemon"),
    sshNoConnectOnConfigure: source("pulumiDocker", IMAGE, "L946-L952", "configureDockerClient: with an ssh:// host it returns without Ping (no connection when the provider is configured)"),
    sshOptsHonoured: source("pulumiDocker", IMAGE, "L1050-L1062", "the native client reads the provider's sshOpts for an ssh:// host, as the bridged provider does"),
    providerStartedInPwd: source("pulumi", "sdk/go/common/resource/plugin/provider_plugin.go", "L281", "a provider plugin is started with newPlugin(ctx, ctx.Pwd, ...), the program's directory"),
    pluginWorkingDirectory: source("pulumi", "sdk/go/common/resource/plugin/plugin.go", "L599", "cmd.Dir = pwd: relative build paths are read from the program's directory"),
  },
};

// ---------------------------------------------------------------------------------------------
// The rest of what the local target registers.

const COMMAND_INPUTS = "provider/pkg/provider/common/inputs.go";
const COMMAND_CONTROLLER = "provider/pkg/provider/local/commandController.go";
const COMMAND_RUN = "provider/pkg/provider/local/commandOutputs.go";

/** command:local:Command (pulumi/pulumi-command, a native provider): triggers replace, the rest updates. */
export const localCommand = tfType({
  type: "command:local:Command",
  deleteBeforeReplace: {
    value: false,
    source: source("pulumiCommand", COMMAND_INPUTS, "L5-L15", "no delete-before-replace annotation: the engine's create-before-delete default"),
  },
  inPlace: ["create", "update", "delete", "stdin", "interpreter", "dir", "environment", "logging", "addPreviousOutputInEnv"],
  replaceSource: source("pulumiCommand", COMMAND_INPUTS, "L10", 'Triggers *[]any `pulumi:"triggers,optional" provider:"replaceOnChanges"`'),
  updateApplies: {
    fields: ["update", "create", "stdin"],
    source: source("pulumiCommand", COMMAND_CONTROLLER, "L79-L89", "Update runs news.Update, else news.Create, with the new inputs (stdin among them)"),
  },
  facts: {
    notRunWhenUnchanged: source("pulumiCommand", COMMAND_INPUTS, "L26-L31, L37-L39", '"this command will not be executed if the resource has already been created and its inputs are unchanged"; update: "If empty, the create command will be executed instead"'),
    runError: source("pulumiCommand", COMMAND_RUN, "L104-L114", 'a non-zero exit: fmt.Errorf("%w: running %q:\\n%s", err, command, stdouterrbuf.String()): "exit status N", the script, then stdout and stderr interleaved as written'),
    createReturnsError: source("pulumiCommand", COMMAND_CONTROLLER, "L54-L56, L88-L89", "Create and Update return run's error as it is (a plain error, not infer.ResourceInitFailedError)"),
    plainErrorNoState: source("pulumiGoProvider", "infer/resource.go", "L1271-L1293, L1440-L1464", "only a ResourceInitFailedError returns a partial state; any other error: return p.CreateResponse{}, err (no id) / p.UpdateResponse{}, err"),
    outputsTrimmed: source("pulumiCommand", COMMAND_RUN, "L142-L143", 'out.Stdout = strings.TrimSuffix(stdoutbuf.String(), "\\n"), Stderr likewise; set only after a zero exit'),
    loggingDefault: source("pulumiCommand", "provider/pkg/provider/local/logging.go", "L27-L32", "ShouldLogStdout/ShouldLogStderr: l == nil (logging unset) logs both; stdout, stderr, stdoutAndStderr, none"),
    outputStreamed: source("pulumiCommand", COMMAND_RUN, "L61-L71, L101-L110", "the logged streams are also written to a pipe that util.LogOutput reads while the command runs"),
    linesAsStatus: source("pulumiCommand", "provider/pkg/provider/util/util.go", "L32-L41", "LogOutput: bufio.Scanner, one l.InfoStatus(msg) per line"),
    remotePreviewConnectsNot: source("pulumiCommand", "provider/pkg/provider/remote/commandController.go", "L44-L46, L71-L73", "remote Command: in a preview (req.DryRun) Create and Update return before any SSH connection"),
    statusNotInFinalOutput: source("pulumiGoProvider", "logging.go", "L56, L72-L74", "InfoStatus → LogStatus: \"Status messages will appear in the `Info` column of the progress display, but not in the final output.\""),
  },
});

/** Resources with no in-place update at all: random, tls, and the provider resource itself. */
function everyChangeReplaces(type: string): TypeModel {
  return tfType({
    type,
    deleteBeforeReplace: { value: false, source: source("pulumi", "pkg/resource/deploy/step_generator.go", "L1909-L1917", "create-before-delete unless the provider or the program asks otherwise") },
    inPlace: [],
    replaceSource: source("bridge", "pkg/tfbridge/provider.go", "L1275-L1276", "the harness treats every input change of this type as a replacement; berth never changes these inputs after create"),
  });
}

// ---------------------------------------------------------------------------------------------
// The digitalocean target's cloud resources. The harness does not create these (the local target
// has none); the unit tier checks the program's options against them.

const DO_NO_DBR = source("pulumiDigitalocean", RESOURCES, "L174, L257-L262, L309-L315", "no DeleteBeforeReplace on any digitalocean resource");
const CF_NO_DBR = source("pulumiCloudflare", RESOURCES, "L501-L504, L583-L585", "no DeleteBeforeReplace on any cloudflare resource");

export const doVolume = tfType({
  type: "digitalocean:index/volume:Volume",
  deleteBeforeReplace: { value: false, source: DO_NO_DBR },
  inPlace: ["size", "description", "tags"],
  replaceSource: source("tfDigitalocean", "digitalocean/volume/resource_volume.go", "L50-L54", "size updates in place (the resize action grows the block device only; shrinking is refused); name, region, initial_filesystem_type are ForceNew"),
  facts: { tagPattern: source("tfDigitalocean", "digitalocean/tag/tags.go", "L14", "ValidateTag: ^[a-zA-Z0-9:\\-_]{1,255}$ for droplet, volume and firewall tags") },
});

export const doFirewall = tfType({
  type: "digitalocean:index/firewall:Firewall",
  deleteBeforeReplace: { value: false, source: DO_NO_DBR },
  inPlace: ["dropletIds", "tags", "inboundRules", "outboundRules"],
  replaceSource: source("tfDigitalocean", "digitalocean/firewall/resource_firewall.go", "L163-L187", "droplet_ids and tags are members sent in one request on create and update"),
  facts: { tagsAttach: source("tfDigitalocean", "docs/resources/firewall.md", "L73-L76", "tags: the names of the tags of droplets the firewall applies to") },
});

export const doDroplet = tfType({
  type: "digitalocean:index/droplet:Droplet",
  deleteBeforeReplace: { value: false, source: DO_NO_DBR },
  inPlace: ["size", "tags", "ipv6", "monitoring", "gracefulShutdown", "sshKeys"],
  replaceSource: source("tfDigitalocean", "digitalocean/droplet/resource_droplet.go", "L195-L199", "user_data, image and region are ForceNew; ipv6 false → true updates in place, true → false replaces"),
});

export const cfZoneSetting = tfType({
  type: "cloudflare:index/zoneSetting:ZoneSetting",
  deleteBeforeReplace: { value: false, source: CF_NO_DBR },
  inPlace: ["value"],
  replaceSource: source("tfCloudflare", "internal/services/zone_setting/schema.go", "L29-L51", "setting_id and zone_id RequiresReplace; value updates in place"),
  facts: { deleteIsNoop: source("tfCloudflare", "internal/services/zone_setting/resource.go", "L191-L193", "Delete is empty: destroying it leaves the zone's setting as it is") },
});

export const cfOriginCertificate = tfType({
  type: "cloudflare:index/originCaCertificate:OriginCaCertificate",
  deleteBeforeReplace: { value: false, source: CF_NO_DBR },
  inPlace: [],
  replaceSource: source("tfCloudflare", "internal/services/origin_ca_certificate/schema.go", "L32-L72", "csr, request_type and hostnames (an ordered list) RequiresReplace; requested_validity RequiresReplaceIfConfigured; Read copies csr and requested_validity from the prior state"),
});

export const cfDnsRecord = tfType({
  type: "cloudflare:index/dnsRecord:DnsRecord",
  deleteBeforeReplace: { value: false, source: CF_NO_DBR },
  inPlace: ["name", "content", "ttl", "proxied", "comment", "tags", "priority"],
  replaceSource: source("tfCloudflare", "internal/services/dns_record/schema.go", "L44-L48", "zone_id and type RequiresReplace; name and content update in place"),
});

const MODELS: TypeModel[] = [
  doVolume,
  doFirewall,
  doDroplet,
  cfZoneSetting,
  cfOriginCertificate,
  cfDnsRecord,
  container,
  network,
  volume,
  remoteImage,
  dockerImage,
  localCommand,
  everyChangeReplaces("pulumi:providers:docker"),
  everyChangeReplaces("random:index/randomPassword:RandomPassword"),
  everyChangeReplaces("random:index/randomString:RandomString"),
  everyChangeReplaces("tls:index/privateKey:PrivateKey"),
  everyChangeReplaces("tls:index/selfSignedCert:SelfSignedCert"),
];

export function providerModel(type: string): TypeModel {
  const model = MODELS.find((m) => m.type === type);
  if (!model) throw new Error(`e2e harness: no provider model for ${type}: add its facts, with sources, to provider-model.ts`);
  return model;
}

// ---------------------------------------------------------------------------------------------
// How the docker provider's Read writes values into state.

/** Go's time.Duration.String(), which the provider uses for durations it reads back: 60s → "1m0s". */
export function goDuration(ns: number): string {
  if (ns === 0) return "0s";
  const neg = ns < 0;
  let u = Math.abs(ns);
  if (u < 1e9) {
    const [unit, div] = u < 1e3 ? ["ns", 1] : u < 1e6 ? ["µs", 1e3] : ["ms", 1e6];
    return (neg ? "-" : "") + trimFraction(u / (div as number)) + unit;
  }
  const h = Math.floor(u / 3600e9);
  u -= h * 3600e9;
  const m = Math.floor(u / 60e9);
  u -= m * 60e9;
  const s = trimFraction(u / 1e9);
  return (neg ? "-" : "") + (h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`);
}

function trimFraction(x: number): string {
  return Number(x.toFixed(9)).toString();
}
