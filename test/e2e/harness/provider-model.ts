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
  defaults: { restart: "no", mustRun: true, wait: false, waitTimeout: 60, start: true, rm: false, readOnly: false },
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
    // Hardening (README "Hardening", test/e2e/hardening.test.ts): what each input does and how it reads back.
    readOnlyForceNew: source("tfDocker", CONTAINER_SCHEMA, "L64-L70", '"read_only": TypeBool, Default false, ForceNew: a read-only root filesystem is a new container'),
    readOnlyCreate: source("tfDocker", CONTAINER_FUNCS, "L260", "ReadonlyRootfs: d.Get(\"read_only\")"),
    readOnlyReadBack: source("tfDocker", CONTAINER_FUNCS, "L830", 'd.Set("read_only", container.HostConfig.ReadonlyRootfs)'),
    tmpfsInPlace: source("tfDocker", CONTAINER_SCHEMA, "L482-L486", '"tmpfs": TypeMap, Optional, not ForceNew; not among the attributes Update sends (L1016-L1019): a change only changes state, so berth replaces on it (replaceOnChanges)'),
    tmpfsCreate: source("tfDocker", CONTAINER_FUNCS, "L266-L268", "hostConfig.Tmpfs = the map, path → mount options"),
    tmpfsReadBack: source("tfDocker", CONTAINER_FUNCS, "L883", 'd.Set("tmpfs", container.HostConfig.Tmpfs): the map as Docker stores it, i.e. as given'),
    capabilitiesForceNew: source("tfDocker", CONTAINER_SCHEMA, "L262-L290", '"capabilities": TypeSet, MaxItems 1, ForceNew, with "add" and "drop" sets (ForceNew); no DiffSuppressFunc'),
    capabilitiesCreate: source("tfDocker", CONTAINER_FUNCS, "L286-L292", "hostConfig.CapAdd = add, hostConfig.CapDrop = drop"),
    capabilitiesReadBack: source("tfDocker", CONTAINER_FUNCS, "L870-L879", 'only if CapAdd or CapDrop is non-empty: d.Set("capabilities", [{add: CapAdd, drop: CapDrop}]), as Docker stores them'),
    capabilitiesStoredAsGiven: source("moby", "daemon/container.go", "L308-L316", "validateCapabilities runs NormalizeLegacyCapabilities on CapAdd and CapDrop only to validate them and discards the normalised copy: Docker stores the names as given (berth gives them as CAP_ names, as the docker CLI writes them)"),
    knownCapabilities: source("moby", "oci/caps/utils.go", "L13-L41, L94-L115", '"CAP_" + the capability\'s name for every capability up to CAP_AUDIT_READ; NormalizeLegacyCapabilities upper-cases, adds CAP_, accepts "ALL", refuses any other name ("unknown capability")'),
    unprivilegedPorts: source("moby", "daemon/oci_linux.go", "L775-L778", 'a container with its own network namespace gets net.ipv4.ip_unprivileged_port_start=0: "allow opening any port less than 1024 without CAP_NET_BIND_SERVICE"'),
    securityOptsForceNew: source("tfDocker", CONTAINER_SCHEMA, "L291-L299", '"security_opts": TypeSet, Optional, ForceNew, Computed'),
    securityOptsReadBack: source("tfDocker", CONTAINER_FUNCS, "L854", 'd.Set("security_opts", container.HostConfig.SecurityOpt)'),
    // PID limits: the provider has none, so berth runs `docker update --pids-limit` per new container.
    noPidsLimit: source("tfDocker", CONTAINER_SCHEMA, "L50-L1175", "the docker_container schema has no pids_limit (nor any other PID limit): the installed SDK's ContainerArgs (node_modules/@pulumi/docker/container.d.ts) has none either"),
    providerUpdateSendsNoPids: source("tfDocker", CONTAINER_FUNCS, "L1016-L1060", "Update's ContainerUpdate sends Resources{CPUShares, Memory, MemoryReservation, CpusetCpus, blkio...} and the memory swap: no PidsLimit"),
    pidsLimitNilUnchanged: source("moby", "api/types/container/host_config.go", "L370", "PidsLimit *int64: \"Set `0` or `-1` for unlimited, or `null` to not change\""),
    pidsLimitUpdateStored: source("moby", "container/container_unix.go", "L279, L345-L347", "UpdateContainer: if resources.PidsLimit != nil, the container's HostConfig takes it (what `docker inspect` shows as HostConfig.PidsLimit)"),
    pidsLimitUpdatePersisted: source("moby", "daemon/update.go", "L64-L69, L85-L93", "the updated HostConfig is checkpointed to disk, and a running container's cgroup gets the new resources at once (containerd UpdateResources)"),
    pidsLimitAtStart: source("moby", "daemon/oci_linux.go", "L965-L978", "every start builds the container's cgroup from its HostConfig: Pids: getPidsLimit(r) (daemon_unix.go L122-L133): the limit survives restarts"),
    pidsLimitApiVersion: source("moby", "api/server/router/container/container_routes.go", "L436-L445", "an update's PidsLimit is ignored below API 1.40, and <= 0 means unlimited"),
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
    refreshGone: source("tfDocker", "internal/provider/resource_docker_network_funcs.go", "L160-L170", 'Read: NetworkInspect fails → "Network (%s) not found, removing from state", SetId("")'),
    deleteRetriesActiveEndpoints: source("tfDocker", "internal/provider/resource_docker_network_funcs.go", "L216-L219", 'if containsIgnorableErrorMessage(err.Error(), "has active endpoints") { return networkID, "pending", nil }: a delete is retried while a just-removed container\'s endpoint lingers'),
  },
});

export const volume = tfType({
  type: "docker:index/volume:Volume",
  deleteBeforeReplace: onlyContainerDbr(false),
  inPlace: [],
  replaceSource: source("tfDocker", "internal/provider/resource_docker_volume.go", "L41-L66", "schema: every attribute berth sets (name, labels) is ForceNew"),
  sets: ["labels"],
  facts: {
    refreshGone: source("tfDocker", "internal/provider/resource_docker_volume.go", "L294-L300", 'Read: VolumeInspect NotFound → "Volume with id `%s` not found, removing from state", SetId("")'),
  },
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

/**
 * command:remote:Command (pulumi/pulumi-command): the same inputs as a local command plus the
 * connection. Triggers replace; a new script, stdin or connection updates.
 */
export const remoteCommand = tfType({
  type: "command:remote:Command",
  deleteBeforeReplace: {
    value: false,
    source: source("pulumiCommand", "provider/pkg/provider/remote/command.go", "L37-L49", "CommandInputs: common.ResourceInputs plus stdin, logging, connection, environment, addPreviousOutputInEnv; no delete-before-replace annotation"),
  },
  inPlace: ["create", "update", "delete", "stdin", "connection", "environment", "logging", "addPreviousOutputInEnv"],
  replaceSource: source("pulumiCommand", COMMAND_INPUTS, "L10", 'Triggers *[]any `pulumi:"triggers,optional" provider:"replaceOnChanges"`; connection has no replaceOnChanges tag (remote/command.go L46)'),
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

// --- Replacing the server (docs/operations.md "Replace the server"; test/unit/server-replacement.test.ts).

const DROPLET = "digitalocean/droplet/resource_droplet.go";
const ATTACHMENT = "digitalocean/volume/resource_volume_attachment.go";
const IP_ASSIGNMENT = "digitalocean/reservedip/resource_reserved_ip_assignment.go";

export const doDroplet = tfType({
  type: "digitalocean:index/droplet:Droplet",
  deleteBeforeReplace: { value: false, source: DO_NO_DBR },
  // ipv6 true → false replaces (CustomizeDiff ForceNewIfChange, L312-L318); berth never turns it off in place.
  inPlace: ["name", "size", "tags", "ipv6", "gracefulShutdown", "backups", "backupPolicy", "volumeIds"],
  replaceSource: source("tfDigitalocean", DROPLET, "L66-L89, L231-L272", "image, region, ssh_keys, user_data and monitoring are ForceNew: a new dropletImage, region, SSH key list, cloud-init (when applied) or monitoring setting is a new droplet; name, size, tags, graceful_shutdown update in place"),
  computed: ["volumeIds"],
  facts: {
    volumeIdsComputed: source("tfDigitalocean", DROPLET, "L254-L259", "volume_ids: Optional, Computed: unset in the program, it holds whatever Read found attached"),
    readVolumeIds: source("tfDigitalocean", DROPLET, "L527-L529", 'Read: d.Set("volume_ids", droplet.VolumeIDs): after an update or a refresh, state lists the attached data volume'),
    createReadsBeforeAttach: source("tfDigitalocean", DROPLET, "L447-L455", "Create waits for status active and stores the droplet as it is then: before any VolumeAttachment exists, so volume_ids is empty"),
    deleteShutsDownFirst: source("tfDigitalocean", DROPLET, "L861-L878", "graceful_shutdown: Delete sends a shutdown action and waits for status off before anything else"),
    deleteDetachesStateVolumes: source("tfDigitalocean", DROPLET, "L880-L885, L1034-L1067", "Delete then calls DetachByDropletID for every volume_ids entry in state and fails on any API error, before the droplet is deleted"),
    // berth:dropletBackups: turning droplet backups on (or off, or changing their policy) never replaces the droplet.
    backupsInPlace: source("tfDigitalocean", DROPLET, "L158-L196, L676-L719", "backups (Optional, Default false) and backup_policy (Optional, RequiredWith backups) are not ForceNew; Update enables backups with the EnableBackups or EnableBackupsWithPolicy droplet action and disables them with DisableBackups"),
    backupPolicyInPlace: source("tfDigitalocean", DROPLET, "L721-L744", "a changed backup_policy is applied with the ChangeBackupPolicy droplet action; a removed one changes nothing (the droplet keeps its last policy)"),
    backupPolicyNeedsBackups: source("tfDigitalocean", DROPLET, "L27, L345-L350, L703-L708", "errDropletBackupPolicy: backup_policy can only be set when backups are enabled, on create and when disabling backups"),
  },
});

/**
 * A volume attached to a droplet. Both inputs are ForceNew and there is no Update. Create attaches
 * unless the volume's first droplet already is this one; a volume attached to another droplet is
 * not detached first: the API's refusal is returned (only "pending event" is retried).
 */
export const doVolumeAttachment = tfType({
  type: "digitalocean:index/volumeAttachment:VolumeAttachment",
  deleteBeforeReplace: { value: false, source: DO_NO_DBR },
  inPlace: [],
  replaceSource: source("tfDigitalocean", ATTACHMENT, "L18-L40", "droplet_id and volume_id: Required, ForceNew; no UpdateContext"),
  facts: {
    attachUnlessAlready: source("tfDigitalocean", ATTACHMENT, "L53-L82", "if len(volume.DropletIDs) == 0 || volume.DropletIDs[0] != dropletId: StorageActions.Attach; only 422 \"Droplet already has a pending event.\" is retried, any other error fails the create"),
    readDropsWhenElsewhere: source("tfDigitalocean", ATTACHMENT, "L107-L110", "Read: the volume's first droplet is not this one → SetId(\"\"): refresh drops an attachment whose volume moved"),
    deleteDetachesFromItsDroplet: source("tfDigitalocean", ATTACHMENT, "L115-L149", "Delete: StorageActions.DetachByDropletID(volume_id, droplet_id), whatever is running on the droplet, and waits for the action"),
    attachmentOrVolumeIds: source("tfDigitalocean", "docs/resources/volume_attachment.md", "L10", "a volume is attached either with volume_ids on the droplet or with digitalocean_volume_attachment, never both (the attachments drift)"),
  },
});

/** A reserved IP: only its region is ForceNew; berth assigns it with a ReservedIpAssignment. */
export const doReservedIp = tfType({
  type: "digitalocean:index/reservedIp:ReservedIp",
  deleteBeforeReplace: { value: false, source: DO_NO_DBR },
  inPlace: ["dropletId", "ipAddress"],
  replaceSource: source("tfDigitalocean", "digitalocean/reservedip/resource_reserved_ip.go", "L27-L52", "region: Required, ForceNew; ip_address Optional+Computed; droplet_id Optional (not ForceNew)"),
  computed: ["ipAddress"],
});

/**
 * A reserved IP assigned to a droplet. Both inputs are ForceNew and there is no Update. Delete
 * unassigns the IP only when it is still on this assignment's droplet.
 */
export const doReservedIpAssignment = tfType({
  type: "digitalocean:index/reservedIpAssignment:ReservedIpAssignment",
  deleteBeforeReplace: { value: false, source: DO_NO_DBR },
  inPlace: [],
  replaceSource: source("tfDigitalocean", IP_ASSIGNMENT, "L20-L44", "ip_address and droplet_id: Required, ForceNew; no UpdateContext"),
  facts: {
    createAssigns: source("tfDigitalocean", IP_ASSIGNMENT, "L46-L71", "Create waits for the droplet to be active, then ReservedIPActions.Assign(ip, droplet) and waits for the action"),
    readDropsWhenElsewhere: source("tfDigitalocean", IP_ASSIGNMENT, "L85-L88", "Read: no droplet on the IP, or another one → SetId(\"\")"),
    deleteUnassignsOwnDroplet: source("tfDigitalocean", IP_ASSIGNMENT, "L105-L119", "Delete: if reservedIP.Droplet.ID == dropletID → Unassign, else \"already unassigned\": with create-before-delete and the same droplet id, the old half's delete would unassign the new one; reservedIP.Droplet is dereferenced unchecked, so it must run while a droplet holds the IP"),
  },
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

// ---------------------------------------------------------------------------------------------
// tlsMode acme (pulumiverse/pulumi-acme, bundling vancluever/terraform-provider-acme) and the
// uptime alerts (digitalocean). Like the cloud resources above, not created by the harness.

const ACME_CERT = "acme/resource_acme_certificate.go";
const ACME_REG = "acme/resource_acme_registration.go";
const ACME_NO_DBR = source("pulumiAcme", RESOURCES, "L46-L134", "ProviderInfo has no Resources map (tokens computed by MustComputeTokens, L128-L129): no DeleteBeforeReplace on any acme resource");

/**
 * acme:index/certificate:Certificate. Renewal is an update in place, not a replacement: inside
 * min_days_remaining, CustomizeDiff marks certificate_pem and the other issued values unknown, and
 * Update obtains a new certificate under the same id; outside it, Update changes only the state.
 */
export const acmeCertificate = tfType({
  type: "acme:index/certificate:Certificate",
  deleteBeforeReplace: { value: false, source: ACME_NO_DBR },
  inPlace: [
    "dnsChallenges", "minDaysRemaining", "minDaysDynamic", "revokeCertificateOnDestroy", "revokeCertificateReason", "validityDays",
    "useRenewalInfo", "renewalInfoMaxSleep", "renewalInfoIgnoreRetryAfter", "recursiveNameservers", "disableCompletePropagation",
    "propagationWait", "preCheckDelay", "certTimeout", "deactivateAuthorizations", "certificateP12Password",
    "httpChallenge", "httpWebrootChallenge", "httpMemcachedChallenge", "httpS3Challenge", "tlsChallenge",
  ],
  replaceSource: source("tfAcme", ACME_CERT, "L55-L91, L303-L320", "ForceNew: account_key_pem, common_name, subject_alternative_names, key_type, certificate_request_pem, must_staple, preferred_chain, profile; every other input (dns_challenge, min_days_remaining, revoke_certificate_on_destroy, ...) updates in place"),
  updateApplies: {
    fields: ["validityDays", "certificateP12Password"],
    source: source("tfAcme", ACME_CERT, "L603-L688", "Update renews (renewWithOptions, the challenges set up again) only when resourceACMECertificateShouldRenew or validity_days changed; otherwise only a changed p12 password is applied, the rest is state"),
  },
  defaults: { minDaysRemaining: 30, revokeCertificateOnDestroy: true, keyType: "2048", certTimeout: 30, deactivateAuthorizations: true },
  facts: {
    renewalPlanned: source("tfAcme", ACME_CERT, "L533-L600", "CustomizeDiff: for an existing certificate, if resourceACMECertificateShouldRenew(d, time.Now()) it SetNewComputed certificate_pem, issuer_pem, certificate_not_after, ...: a plan shows an update, with the certificate unknown"),
    renewalInPlace: source("tfAcme", ACME_CERT, "L603-L688", "Update: d.Partial(true), renewWithOptions(client.Certificate, ...), saveCertificateResource: the same resource id (a UUID made at create, L409-L420, L486) holds the new certificate"),
    minDaysRemaining: source("tfAcme", ACME_CERT, "L722-L768", "resourceACMECertificateHasExpired: renew when int64(min_days_remaining) >= days remaining; a negative value never renews"),
    minDaysDefault: source("tfAcme", ACME_CERT, "L97-L102", "min_days_remaining: TypeInt, Optional, Default 30, not ForceNew"),
    onlyAtPlanTime: source("tfAcme", ACME_CERT, "L567-L573", "the renewal check runs in CustomizeDiff, i.e. when a plan is made: a certificate is renewed only by an update that runs inside the window (berth: renew.yml's weekly pulumi up)"),
    revokeOnDestroy: source("tfAcme", ACME_CERT, "L375-L379, L690-L720", "revoke_certificate_on_destroy Default true; Delete revokes the certificate (with its account key) unless it has expired: a replaced certificate is revoked when its old half is deleted"),
    csrKeyStaysOurs: source("tfAcme", ACME_CERT, "L442-L455", "with certificate_request_pem the provider calls ObtainForCSR: the CA signs the CSR's public key; the private key never reaches the provider"),
    csrForceNew: source("tfAcme", ACME_CERT, "L85-L91", "certificate_request_pem: ForceNew, conflicts with common_name, subject_alternative_names and key_type"),
    leafAndIssuer: source("tfAcme", "acme/acme_structure.go", "L164-L177, L246-L275", "saveCertificateResource splits lego's bundle: certificate_pem the issued certificate alone, issuer_pem every certificate after it"),
    dnsChallengeConfig: source("tfAcme", ACME_CERT, "L125-L150", "dns_challenge: provider (Required) and config (TypeMap, Sensitive), not ForceNew"),
    dnsConfigToLego: source("tfAcme", "acme/certificate_challenges.go", "L168-L177", "the config map is handed to the lego DNS provider as its settings (the variables of its documentation)"),
    cloudflareToken: source("tfAcme", "docs/guides/dns-providers-cloudflare.md", "L53-L54, L68, L86-L91", "CF_DNS_API_TOKEN: an API token with DNS:Edit (and Zone:Read, unless CF_ZONE_API_TOKEN gives it) is enough for the cloudflare provider"),
  },
});

/** acme:index/registration:Registration: no Update at all; its delete deactivates the account. */
export const acmeRegistration = tfType({
  type: "acme:index/registration:Registration",
  deleteBeforeReplace: { value: false, source: ACME_NO_DBR },
  inPlace: [],
  replaceSource: source("tfAcme", ACME_REG, "L15-L105", "no Update func; account_key_pem, email_address, external_account_binding (and the key algorithm fields) are ForceNew"),
  facts: {
    deleteDeactivates: source("tfAcme", ACME_REG, "L172-L179", "Delete: client.Registration.DeleteRegistration(), which deactivates the ACME account of that key"),
    serverFromProvider: source("tfAcme", "acme/provider.go", "L12-L16, L40", "server_url is the provider's (Required, env ACME_SERVER_URL): an account exists on one directory, named by the provider the resource uses"),
  },
});

const UPTIME = "digitalocean/uptime";
export const doUptimeCheck = tfType({
  type: "digitalocean:index/uptimeCheck:UptimeCheck",
  deleteBeforeReplace: { value: false, source: DO_NO_DBR },
  inPlace: ["name", "type", "target", "regions", "enabled"],
  replaceSource: source("tfDigitalocean", `${UPTIME}/resource_uptime_check.go`, "L24-L66", "name, regions, type (Default https), target and enabled: none ForceNew; UpdateContext sends them all (L108-L137)"),
  sets: ["regions"],
  defaults: { type: "https", enabled: true },
  facts: {
    regions: source("tfDigitalocean", "docs/resources/uptime_check.md", "L30", 'regions: "us_east", "us_west", "eu_west", "se_asia"'),
    deleteOnlyCheck: source("tfDigitalocean", `${UPTIME}/resource_uptime_check.go`, "L139-L152", "Delete removes the check only"),
  },
});

export const doUptimeAlert = tfType({
  type: "digitalocean:index/uptimeAlert:UptimeAlert",
  deleteBeforeReplace: { value: false, source: DO_NO_DBR },
  inPlace: ["name", "checkId", "type", "threshold", "comparison", "period", "notifications"],
  replaceSource: source("tfDigitalocean", `${UPTIME}/resource_uptime_alert.go`, "L28-L121", "no input is ForceNew; UpdateContext sends name, type, notifications, comparison, threshold and period to the alert of check_id (L160-L191)"),
  facts: {
    alertTypes: source("tfDigitalocean", `${UPTIME}/resource_uptime_alert.go`, "L43-L53", "type: latency, down, down_global or ssl_expiry"),
    thresholdByType: source("tfDigitalocean", "docs/resources/uptime_alert.md", "L47-L50", "threshold: \"dependent on the alert type\" (for ssl_expiry, days: DigitalOcean's API reference and doctl's `monitoring uptime alert create`); comparison greater_than or less_than"),
    emailNotifications: source("tfDigitalocean", `${UPTIME}/resource_uptime_alert.go`, "L82-L120, L151-L158", "notifications: a list whose first element's email list (and slack) is sent"),
  },
});

// ---------------------------------------------------------------------------------------------
// Off-site backups (components/backup): the Spaces bucket and key, and how the jobs' secrets reach
// the droplet.

const SPACES = "digitalocean/spaces";
const SPACES_BUCKET = `${SPACES}/resource_spaces_bucket.go`;
const SPACES_KEY = `${SPACES}/resource_spaces_key.go`;

/**
 * A Spaces bucket. Only region is ForceNew; name is Required but not ForceNew, and Update never
 * renames (it applies acl, cors, versioning and lifecycle rules only): a new name would "update"
 * the state and leave the old bucket, which is why berth sets replaceOnChanges: ["name"].
 */
export const doSpacesBucket = tfType({
  type: "digitalocean:index/spacesBucket:SpacesBucket",
  deleteBeforeReplace: { value: false, source: DO_NO_DBR },
  inPlace: ["name", "acl", "corsRules", "lifecycleRules", "versioning", "forceDestroy"],
  replaceSource: source("tfDigitalocean", SPACES_BUCKET, "L35-L56", "name: Required (no ForceNew); region: Optional, ForceNew, Default nyc3, ValidateFunc StringInSlice(SpacesRegions)"),
  updateApplies: {
    fields: ["acl", "corsRules", "versioning", "lifecycleRules"],
    source: source("tfDigitalocean", SPACES_BUCKET, "L271-L306", "Update: HasChange acl, cors_rule, versioning, lifecycle_rule each sent to the bucket; nothing renames it"),
  },
  defaults: { region: "nyc3", acl: "private", forceDestroy: false },
  facts: {
    aclDefault: source("tfDigitalocean", SPACES_BUCKET, "L57-L62", "acl: Optional, Default \"private\", the canned ACL applied on bucket creation"),
    lifecycleRule: source("tfDigitalocean", SPACES_BUCKET, "L127-L197", "lifecycle_rule: id (Optional+Computed), prefix, enabled (Required), abort_incomplete_multipart_upload_days, expiration { date, days (IntAtLeast 0), expired_object_delete_marker }"),
    lifecycleSent: source("tfDigitalocean", SPACES_BUCKET, "L664-L702", "a rule without id gets a random tf-s3-lifecycle- id; abort_incomplete_multipart_upload_days > 0 → AbortIncompleteMultipartUpload; expiration days > 0 → Expiration.Days"),
    notEmptyNotDeleted: source("tfDigitalocean", SPACES_BUCKET, "L487-L520", "Delete: DeleteBucket; on BucketNotEmpty, objects are deleted first only with force_destroy, else the error is returned"),
    forceDestroyDefault: source("tfDigitalocean", SPACES_BUCKET, "L199-L204", "force_destroy: Optional, Default false: \"Unless true, the bucket will only be destroyed if empty\""),
    spacesRegions: source("tfDigitalocean", `${SPACES}/spaces_entities.go`, "L16", "SpacesRegions = ams3, atl1, blr1, fra1, lon1, nyc3, sfo2, sfo3, sgp1, syd1, tor1"),
    endpoint: source("tfDigitalocean", SPACES_BUCKET, "L754-L760", "BucketDomainName: <bucket>.<region>.digitaloceanspaces.com; BucketEndpoint: <region>.digitaloceanspaces.com"),
    needsSpacesCredentials: source("tfDigitalocean", "digitalocean/config/config.go", "L42-L46", "SpacesClient: without the provider's spaces_access_id and spaces_secret_key, \"Spaces credentials not configured\" (provider.go L70-L81: SPACES_ACCESS_KEY_ID, SPACES_SECRET_ACCESS_KEY)"),
  },
});

/** A Spaces access key. Nothing is ForceNew: name and grants update in place. */
export const doSpacesKey = tfType({
  type: "digitalocean:index/spacesKey:SpacesKey",
  deleteBeforeReplace: { value: false, source: DO_NO_DBR },
  inPlace: ["name", "grants"],
  replaceSource: source("tfDigitalocean", `${SPACES}/spaces_entities.go`, "L88-L131", "name: Required; grant: Optional list of { bucket, permission }; access_key, secret_key (Sensitive), created_at: Computed; nothing ForceNew"),
  updateApplies: {
    fields: ["name", "grants"],
    source: source("tfDigitalocean", SPACES_KEY, "L78-L103", "Update: SpacesKeys.Update(id, { name, grants })"),
  },
  facts: {
    secretOnCreateOnly: source("tfDigitalocean", SPACES_KEY, "L45-L52, L71-L74", "Create sets secret_key from the API's answer; Read (and Update) never set it: the state keeps the one from create"),
    grantPermissions: source("tfDigitalocean", SPACES_KEY, "L119-L141", "parseRawGrants: permission read, readwrite or fullaccess, per bucket"),
    secretOutput: source("pulumiDigitalocean", "sdk/nodejs/spacesKey.ts", "L142-L143", "additionalSecretOutputs: [\"secretKey\"]: the SDK marks the secret key a Pulumi secret"),
  },
});

/** How a host command's script and standard input reach the shell that runs them (pulumi-command v1.2.1). */
export const HOST_COMMAND_IO = {
  remoteStdin: source("pulumiCommand", "provider/pkg/provider/remote/commandOutputs.go", "L73-L75, L95", "if c.Stdin != nil && len(*c.Stdin) > 0 { session.Stdin = strings.NewReader(*c.Stdin) }; session.Run(cmd): stdin is the SSH session's input, not part of the command line"),
  remoteNoLocalProcess: source("pulumiCommand", "provider/pkg/provider/remote/commandOutputs.go", "L30-L40", "run: Connection.Dial, client.NewSession() (golang.org/x/crypto/ssh in the provider): no local process, so nothing of it is in an argv on the machine running Pulumi"),
  remoteScriptIsCommandLine: source("pulumiCommand", "provider/pkg/provider/remote/commandOutputs.go", "L95", "session.Run(cmd): the script is the SSH exec request, which sshd runs as `<shell> -c <script>`: on the droplet the script is a command line, so secrets go on stdin"),
  localStdin: source("pulumiCommand", "provider/pkg/provider/local/commandOutputs.go", "L42-L43, L59, L97-L98", "args: the interpreter, then the script; exec.CommandContext(args...); cmd.Stdin = strings.NewReader(*in.Stdin)"),
  secretKeysWholeKey: source("pulumi", "sdk/go/common/resource/config/map.go", "L104-L113", "SecureKeys: every top-level key whose value is Secure(); an object with a secure value inside is a secure object value (map_test.go L288)"),
} as const;

const MODELS: TypeModel[] = [
  acmeCertificate,
  acmeRegistration,
  doUptimeCheck,
  doUptimeAlert,
  doVolume,
  doFirewall,
  doDroplet,
  doVolumeAttachment,
  doReservedIp,
  doReservedIpAssignment,
  doSpacesBucket,
  doSpacesKey,
  remoteCommand,
  everyChangeReplaces("tls:index/certRequest:CertRequest"),
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

/** Every type the model holds (for the test that every fact is cited). */
export function allModels(): readonly TypeModel[] {
  return MODELS;
}

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

// ---------------------------------------------------------------------------------------------
// The Docker engine on a droplet (Docker CE from Docker's apt repository), as the droplet's host
// guards rely on it (components/server/metadata-block.ts, image-prune.ts). Not applied by the
// harness: the unit and artifact tiers check the rendered guards against these facts.

const FIREWALL = "daemon/libnetwork/firewall_linux.go";
export const DROPLET_DOCKER = {
  iptablesByDefault: source("mobyDroplet", FIREWALL, "L16-L29", "selectFirewallBackend: nftables only when firewall-backend is set to it; berth's daemon.json does not, so the iptables backend (and DOCKER-USER) is used"),
  userChainKept: source("mobyDroplet", FIREWALL, "L62-L80", "setupUserChain: NewChain(DOCKER-USER), then EnsureJumpRule(FORWARD → DOCKER-USER); the daemon does not delete or modify any pre-existing rules in DOCKER-USER"),
  newChainKeepsExisting: source("mobyDroplet", "daemon/libnetwork/iptables/iptables.go", "L167-L187", "NewChain adds the chain only if `-n -L` fails: an existing chain, made before Docker started, is kept with its rules"),
  jumpRuleOnTop: source("mobyDroplet", "daemon/libnetwork/iptables/iptables.go", "L449-L471", "EnsureJumpRule deletes an existing FORWARD → DOCKER-USER jump and inserts it first: one jump, ahead of Docker's own rules"),
  pruneDanglingOnly: source("mobyDroplet", "daemon/images/image_prune.go", "L50, L60-L65, L100-L137", "ImagesPrune: dangling defaults to true (no --all): only images without a tag are considered"),
  pruneKeepsUsedImages: source("mobyDroplet", "daemon/images/image_prune.go", "L130-L135, L162-L167", "each is deleted with ImageDelete without Force; a conflict skips the image silently"),
  deleteConflictsWithContainers: source("mobyDroplet", "daemon/images/image_delete.go", "L24-L30, L383-L415", "an image used by a running container is a hard conflict, by a stopped one a soft conflict: without Force, neither is deleted"),
  pruneKeepsUsedImagesContainerd: source("mobyDroplet", "daemon/containerd/image_prune.go", "L50, L86-L89, L129-L151", "with the containerd image store: danglingOnly by default, and an image used by any container (filterImagesUsedByContainers) is never pruned"),
};
