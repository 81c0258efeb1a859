import { randomBytes } from "crypto";
import { pack } from "tar-stream";
import { docker, dockerCall, isNotFound } from "../docker";
import { Inputs, strictObject } from "../inputs";
import { changedFields, Created, ResourceHandler, StoredResource } from "./types";

/**
 * docker.Container, applied field by field to a real container. The provider replaces a container
 * on any change except these, which it updates in place (`docker update`, or client-side settings).
 */
const UPDATABLE = new Set(["restart", "memory", "wait", "waitTimeout", "destroyGraceSeconds"]);

/** The provider's default `waitTimeout`, in seconds. */
const DEFAULT_WAIT_SECONDS = 60;

export const containerHandler: ResourceHandler = {
  create: createContainer,
  replaces: (before, after) => changedFields(before, after).some((f) => !UPDATABLE.has(f)),
  async update(old, inputs) {
    const container = docker.getContainer(old.id);
    const memory = mib(inputs.memory);
    await dockerCall(`update container ${old.outputs.name}`, () =>
      container.update({
        RestartPolicy: { Name: inputs.restart ?? "no" },
        ...(memory === undefined ? {} : { Memory: memory, MemorySwap: memory * 2 }),
      }),
    );
    return { id: old.id, outputs: { ...inputs, name: old.outputs.name } };
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
  const waitTimeout = i.take<number>("waitTimeout") ?? DEFAULT_WAIT_SECONDS;
  i.accept("destroyGraceSeconds"); // used on delete
  const labels = Object.fromEntries((i.take<any[]>("labels") ?? []).map((l) => [l.label, l.value]));
  const cpus = i.take<string>("cpus");

  const create = {
    name,
    Image: i.require<string>("image"),
    Env: i.take<string[]>("envs"),
    Cmd: i.take<string[]>("command"),
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
      ShmSize: mib(i.take<number>("shmSize")),
      RestartPolicy: { Name: i.take<string>("restart") ?? "no" },
      SecurityOpt: i.take<string[]>("securityOpts"),
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

  const created = { id: container.id, outputs: { ...values, name } };
  if (wait) {
    // Like the provider, a container that does not turn healthy fails the step but stays in
    // state (tainted): the next update replaces it.
    await waitHealthy(name, waitTimeout).catch((err) => {
      throw Object.assign(err, { created });
    });
  }
  return created;
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
    if (state.Health?.Status === "healthy") return;
    if (!state.Running && !state.Restarting) {
      throw new Error(`container ${name} exited (code ${state.ExitCode}) while waiting for it to be healthy`);
    }
    if (Date.now() > deadline) {
      const last = state.Health?.Log?.at(-1);
      throw new Error(
        `container ${name} did not become healthy within ${timeoutSeconds}s` +
          (last ? ` (last check: exit ${last.ExitCode}: ${String(last.Output).trim().slice(0, 200)})` : ""),
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function dockerHealthcheck(name: string, health: Record<string, any>) {
  const h = strictObject(`${name} healthcheck`, health, ["tests", "interval", "timeout", "retries", "startPeriod"]);
  return {
    Test: h.tests,
    Interval: nanoseconds(h.interval),
    Timeout: nanoseconds(h.timeout),
    Retries: h.retries,
    StartPeriod: nanoseconds(h.startPeriod),
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
  return value === undefined ? undefined : value * 1024 * 1024;
}

/** "5s", "500ms", "1m" → nanoseconds, as Docker's API wants them. */
function nanoseconds(duration: string | undefined): number | undefined {
  if (duration === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(duration);
  if (!match) throw new Error(`e2e harness: cannot read duration "${duration}"`);
  const unit = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[match[2] as "ms" | "s" | "m" | "h"];
  return Math.round(Number(match[1]) * unit);
}
