import { randomBytes } from "crypto";
import { pack } from "tar-stream";
import { docker, dockerCall, isNotFound } from "../docker";
import { Inputs, strictObject } from "../inputs";
import { container as model, goDuration } from "../provider-model";
import { Created, ResourceHandler, StoredResource } from "./types";

const MIB = 1024 * 1024;

/**
 * docker.Container, applied field by field to a real container, as the provider does it
 * (provider-model.ts, `container`): what a create sends to Docker, what an update really applies,
 * and how the values read back into state.
 */
export const containerHandler: ResourceHandler = {
  create: createContainer,
  async update(old, inputs, changed) {
    // container.updateApplies: one `docker update` with the restart policy and resource limits,
    // whenever one of them changed; every other in-place change (health check, wait, grace
    // period) only changes Pulumi's state.
    // container.facts.mustRunStarts: a stopped container read back with mustRun false is started.
    if (changed.includes("mustRun") && old.outputs.mustRun === false && inputs.mustRun !== false && inputs.start !== false) {
      await dockerCall(`start container ${old.outputs.name}`, () => docker.getContainer(old.id).start());
    }
    if (changed.some((f) => model.updateApplies.fields.includes(f))) {
      await dockerCall(`update container ${old.outputs.name}`, () =>
        docker.getContainer(old.id).update({
          RestartPolicy: { Name: inputs.restart ?? "no" },
          Memory: (inputs.memory ?? 0) * MIB,
          // Sent only when set: 0 would leave Docker's derived limit in place (moby#25461).
          ...(inputs.memorySwap ? { MemorySwap: inputs.memorySwap > 0 ? inputs.memorySwap * MIB : inputs.memorySwap } : {}),
        }),
      );
    }
    // The provider's Update does not read back: in-place changes land in state as given.
    return { id: old.id, outputs: { ...old.outputs, ...inputs, name: old.outputs.name, image: old.outputs.image } };
  },
  delete: deleteContainer,
};

async function createContainer(resourceName: string, values: Record<string, any>): Promise<Created> {
  const i = new Inputs(`docker.Container ${resourceName}`, values);
  // Like Pulumi's auto-naming: the resource name plus a random suffix.
  const name: string = i.take("name") ?? `${resourceName}-${randomBytes(4).toString("hex").slice(0, 7)}`;
  const networks = (i.take<any[]>("networksAdvanced") ?? []).map((n) => strictObject(`${name} network`, n, ["name", "aliases"]));
  const ports = (i.take<any[]>("ports") ?? []).map((p) => strictObject(`${name} port`, p, ["internal", "external", "ip", "protocol"]));
  const uploads = (i.take<any[]>("uploads") ?? []).map((u) =>
    strictObject(`${name} upload`, u, ["file", "content", "contentBase64", "owner", "group", "permissions", "executable"]),
  );
  const health = i.take("healthcheck");
  const wait = i.take<boolean>("wait") === true;
  const waitTimeout = i.take<number>("waitTimeout") ?? model.withDefaults({}).waitTimeout;
  i.accept("destroyGraceSeconds"); // used on delete
  i.accept("mustRun", "start", "rm"); // provider defaults: started, kept, and restarted by an update when read as stopped
  const labels = Object.fromEntries((i.take<any[]>("labels") ?? []).map((l) => [l.label, l.value]));
  const cpus = i.take<string>("cpus");
  const command = containerCommand(i.take<string[]>("command"));
  const capabilities = i.take<Record<string, any>>("capabilities");

  const create = {
    name,
    Image: i.require<string>("image"),
    Env: i.take<string[]>("envs"),
    Cmd: command,
    Entrypoint: i.take<string[]>("entrypoints"),
    User: i.take<string>("user"),
    Labels: labels,
    StopSignal: i.take<string>("stopSignal"),
    StopTimeout: i.take<number>("stopTimeout"),
    Healthcheck: health && dockerHealthcheck(name, health),
    ExposedPorts: Object.fromEntries(ports.map((p) => [`${p.internal}/${p.protocol ?? "tcp"}`, {}])),
    HostConfig: {
      Binds: volumeBinds(name, i.take<any[]>("volumes") ?? []),
      PortBindings: portBindings(ports),
      Memory: mib(i.take<number>("memory")),
      // container.facts.memorySwapAtCreate: 0 when unset, and Docker derives twice the memory.
      MemorySwap: mib(i.take<number>("memorySwap")),
      ShmSize: mib(i.take<number>("shmSize")),
      RestartPolicy: { Name: i.take<string>("restart") ?? "no" },
      SecurityOpt: i.take<string[]>("securityOpts"),
      // container.facts.capabilitiesCreate: CapAdd and CapDrop as given (Docker only validates them).
      ...(capabilities && strictObject(`${name} capabilities`, capabilities, ["adds", "drops"]) && { CapAdd: capabilities.adds, CapDrop: capabilities.drops }),
      // container.facts.readOnlyCreate, tmpfsCreate
      ReadonlyRootfs: i.take<boolean>("readOnly") === true,
      Tmpfs: i.take<Record<string, string>>("tmpfs"),
      Init: i.take<boolean>("init"),
      NanoCpus: cpus === undefined ? undefined : Math.round(Number(cpus) * 1e9),
      NetworkMode: networks[0]?.name,
    },
    NetworkingConfig: networks[0] && { EndpointsConfig: { [networks[0].name]: { Aliases: networks[0].aliases } } },
  };
  i.done();

  const container = await dockerCall(`create container ${name}`, () => docker.createContainer(create));
  for (const network of networks.slice(1)) {
    await dockerCall(`connect ${name} to ${network.name}`, () =>
      docker.getNetwork(network.name).connect({ Container: container.id, EndpointConfig: { Aliases: network.aliases } }),
    );
  }
  if (uploads.length > 0) {
    await dockerCall(`upload files into ${name}`, async () => container.putArchive(await uploadArchive(uploads), { path: "/" }));
  }
  await dockerCall(`start container ${name}`, () => container.start());

  // container.facts.idBeforeWait: the provider has the id before it waits, so a container that
  // never turns healthy (or has no health check at all) fails the step and yet is in state (with
  // init errors). Without wait nothing is checked (waitDefault, startThenRead): a container that
  // already exited only reads back with mustRun false (readStopped).
  if (wait) {
    await waitHealthy(name, waitTimeout).catch(async (err) => {
      throw Object.assign(err, { created: { id: container.id, outputs: await readContainer(container.id, values) } });
    });
  }
  return { id: container.id, outputs: await readContainer(container.id, values) };
}

/**
 * The provider's Read: the state the next diff is made against. Values the program set are kept
 * as the provider stores them, and these are read from the engine in the provider's formats.
 */
export async function readContainer(id: string, inputs: Record<string, any>): Promise<Record<string, any>> {
  const c = await dockerCall(`inspect container ${id}`, () => docker.getContainer(id).inspect());
  const h = c.Config.Healthcheck as Record<string, any> | undefined;
  const bindings = (c.HostConfig.PortBindings ?? {}) as Record<string, { HostIp: string; HostPort: string }[]>;
  return {
    ...inputs,
    name: c.Name.replace(/^\//, ""),
    image: c.Image,
    // container.facts.commandReadBack: what Docker runs (the image's CMD when the program gave none).
    command: c.Config.Cmd ?? undefined,
    healthcheck: healthcheckState(h),
    // container.facts.readOnlyReadBack, tmpfsReadBack, securityOptsReadBack
    readOnly: c.HostConfig.ReadonlyRootfs === true,
    tmpfs: c.HostConfig.Tmpfs ?? undefined,
    securityOpts: c.HostConfig.SecurityOpt ?? undefined,
    // container.facts.capabilitiesReadBack: set only when Docker has either list.
    ...((c.HostConfig.CapAdd?.length ?? 0) > 0 || (c.HostConfig.CapDrop?.length ?? 0) > 0
      ? { capabilities: { adds: c.HostConfig.CapAdd ?? undefined, drops: c.HostConfig.CapDrop ?? undefined } }
      : {}),
    // container.facts.readStopped (and restartingIsRunning: a restarting container counts as running).
    ...(c.State.Running ? {} : { exitCode: c.State.ExitCode, mustRun: false }),
    memory: c.HostConfig.Memory ? c.HostConfig.Memory / MIB : inputs.memory,
    // container.facts.memorySwapReadBack: Docker's derived value when the program set none.
    memorySwap: (c.HostConfig.MemorySwap ?? 0) > 0 ? c.HostConfig.MemorySwap! / MIB : c.HostConfig.MemorySwap,
    // container.facts.cpusReadBack
    cpus: c.HostConfig.NanoCpus ? formatCpus(c.HostConfig.NanoCpus) : inputs.cpus,
    // container.facts.portIpDefault
    ports: inputs.ports?.length
      ? Object.entries(bindings).flatMap(([key, list]) =>
          list.map((b) => ({ internal: Number(key.split("/")[0]), external: Number(b.HostPort), ip: b.HostIp, protocol: key.split("/")[1] })),
        )
      : inputs.ports,
  };
}

/**
 * container.facts.healthcheckReadBack: the whole block whenever Docker has a health check, the
 * image's included, durations as Go prints them (durationsReadBack). The daemon fills a zero
 * duration or retry count from the image's HEALTHCHECK, under ["NONE"] too (daemonMergesHealthcheck).
 */
export function healthcheckState(h: Record<string, any> | null | undefined): Record<string, any> | undefined {
  if (!h) return undefined;
  return {
    tests: h.Test ?? undefined,
    interval: goDuration(h.Interval ?? 0),
    timeout: goDuration(h.Timeout ?? 0),
    startPeriod: goDuration(h.StartPeriod ?? 0),
    startInterval: goDuration(h.StartInterval ?? 0),
    retries: h.Retries ?? 0,
  };
}

/** container.facts.commandNotEmpty: refused before anything is created. */
export function containerCommand(command: string[] | undefined): string[] | undefined {
  if (command?.some((arg) => arg === "")) throw new Error("values for command may not be empty");
  return command;
}

/** container.facts.waitWithoutHealth: the provider's error, word for word. */
export const WAIT_WITHOUT_HEALTHCHECK =
  "you have supplied a 'wait' argument, but the container does not have a healthcheck defined. Please remove the 'wait' argument or add a 'healthcheck' attribute";

/**
 * container.facts.cpusReadBack: the provider's nanoInt64ToDecimalString. Nine decimals; when the
 * string has exactly nine zeros (1 → "1.000000000", 0.5 → "0.500000000") it is printed with one
 * decimal (Go's FloatString(1) rounds: 0.05 → "0.1"), else trailing zeros are trimmed (10 → "10.").
 */
export function formatCpus(nanoCpus: number): string {
  const nine = (nanoCpus / 1e9).toFixed(9);
  if ((nine.match(/0/g) ?? []).length === 9) return (nanoCpus / 1e9).toFixed(1);
  return nine.replace(/0+$/, "");
}

async function deleteContainer(old: StoredResource): Promise<void> {
  const container = docker.getContainer(old.id);
  const grace = old.inputs.destroyGraceSeconds;
  try {
    // As the provider does: a graceful stop first when a grace period is set, then a forced removal.
    if (grace !== undefined) await container.stop({ t: grace }).catch((err: any) => (err?.statusCode === 304 ? undefined : Promise.reject(err)));
    await container.remove({ force: true, v: true });
  } catch (err) {
    if (!isNotFound(err)) throw new Error(`docker: delete container ${old.outputs.name}: ${(err as Error).message}`);
  }
}

/** Polls until the container's health check passes; fails when it exits or the time runs out. */
async function waitHealthy(name: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const state = (await docker.getContainer(name).inspect()).State;
    // container.facts.waitWithoutHealth: checked first, on every poll; with ["NONE"] Docker keeps no health.
    if (!state.Health) throw new Error(WAIT_WITHOUT_HEALTHCHECK);
    if (state.Health.Status === "healthy") return;
    if (!state.Running && !state.Restarting) {
      throw new Error(`container ${name} exited (code ${state.ExitCode}) while waiting for it to be healthy`);
    }
    if (Date.now() > deadline) {
      const last = state.Health?.Log?.at(-1);
      throw new Error(
        // The provider's own error (container.facts.idBeforeWait), with what the harness saw.
        `container failed to be in healthy state: ${name} did not become healthy within ${timeoutSeconds}s` +
          (last ? ` (last check: exit ${last.ExitCode}: ${String(last.Output).trim().slice(0, 200)})` : ""),
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function dockerHealthcheck(name: string, health: Record<string, any>) {
  const h = strictObject(`${name} healthcheck`, health, ["tests", "interval", "timeout", "retries", "startPeriod", "startInterval"]);
  return {
    Test: h.tests,
    Interval: nanoseconds(h.interval),
    Timeout: nanoseconds(h.timeout),
    Retries: h.retries,
    StartPeriod: nanoseconds(h.startPeriod),
    StartInterval: nanoseconds(h.startInterval),
  };
}

function volumeBinds(name: string, volumes: any[]): string[] {
  return volumes.map((v) => {
    strictObject(`${name} volume`, v, ["hostPath", "volumeName", "containerPath", "readOnly"]);
    const source = v.hostPath ?? v.volumeName;
    if (!source || !v.containerPath) throw new Error(`e2e harness: ${name} volume needs a source and containerPath`);
    return `${source}:${v.containerPath}${v.readOnly ? ":ro" : ""}`;
  });
}

function portBindings(ports: any[]): Record<string, { HostIp?: string; HostPort: string }[]> {
  return Object.fromEntries(
    ports.map((p) => [`${p.internal}/${p.protocol ?? "tcp"}`, [{ HostIp: p.ip, HostPort: String(p.external ?? "") }]]),
  );
}

/** A tar archive of the uploads, with their owner and mode, extracted at `/`. */
function uploadArchive(uploads: Record<string, any>[]): Promise<Buffer> {
  const archive = pack();
  for (const u of uploads) {
    const content = u.contentBase64 !== undefined ? Buffer.from(u.contentBase64, "base64") : Buffer.from(u.content ?? "");
    const mode = u.permissions !== undefined ? parseInt(u.permissions, 8) : u.executable ? 0o755 : 0o644;
    archive.entry(
      { name: String(u.file).replace(/^\/+/, ""), mode, uid: Number(u.owner ?? 0), gid: Number(u.group ?? 0) },
      content,
    );
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    archive.on("data", (c) => chunks.push(c as Buffer));
    archive.on("end", () => resolve(Buffer.concat(chunks)));
    archive.on("error", reject);
  });
}

function mib(value: number | undefined): number | undefined {
  return value === undefined ? undefined : value * MIB;
}

/** Go's time.ParseDuration, as the provider parses health check durations: "5s", "500ms", "1m30s" → nanoseconds. */
function nanoseconds(duration: string | undefined): number | undefined {
  if (duration === undefined) return undefined;
  const units: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (duration !== "0" && (parts.length === 0 || parts.map((p) => p[0]).join("") !== duration)) {
    throw new Error(`e2e harness: cannot read duration "${duration}"`);
  }
  return Math.round(parts.reduce((total, p) => total + Number(p[1]) * units[p[2]], 0));
}
