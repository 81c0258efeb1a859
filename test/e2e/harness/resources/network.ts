import { docker, dockerCall, isNotFound } from "../docker";
import { Inputs } from "../inputs";
import { replaceOnly, StoredResource } from "./types";

function labelMap(labels: any[] | undefined): Record<string, string> {
  return Object.fromEntries((labels ?? []).map((l) => [l.label, l.value]));
}

async function removeQuietly(what: string, remove: () => Promise<unknown>): Promise<void> {
  try {
    await remove();
  } catch (err) {
    if (!isNotFound(err)) throw new Error(`docker: remove ${what}: ${(err as Error).message}`);
  }
}

/** docker.Network: every change replaces it, as with the provider. */
export const networkHandler = replaceOnly(
  async (resourceName, values) => {
    const i = new Inputs(`docker.Network ${resourceName}`, values);
    const spec = {
      Name: i.require<string>("name"),
      Driver: i.take<string>("driver"),
      Internal: i.take<boolean>("internal") === true,
      Labels: labelMap(i.take("labels")),
      CheckDuplicate: true,
    };
    i.done();
    const network = await dockerCall(`create network ${spec.Name}`, () => docker.createNetwork(spec));
    return { id: network.id, outputs: { ...values, name: spec.Name } };
  },
  (old: StoredResource) => removeQuietly(`network ${old.outputs.name}`, () => removeNetwork(old.id)),
);

/**
 * Removes a network as the Docker provider deletes one: "has active endpoints" (left for a moment
 * by a container just removed) is retried for up to 30 s (kreuzwerker v4.5.0,
 * internal/provider/resource_docker_network_funcs.go L216-L219). `forceDisconnect` (the sweep's
 * cleanup, not a modelled step) also disconnects whatever endpoints the engine still lists.
 */
export async function removeNetwork(id: string, opts: { forceDisconnect?: boolean } = {}): Promise<void> {
  const network = docker.getNetwork(id);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await network.remove();
    } catch (err) {
      if (!/active endpoints/.test(String((err as Error).message))) throw err;
      const { Containers } = await network.inspect();
      if (Date.now() > deadline) {
        const names = Object.values<any>(Containers ?? {}).map((c) => c.Name);
        throw new Error(`${(err as Error).message} (endpoints: ${names.join(", ") || "none listed"})`);
      }
      if (opts.forceDisconnect) {
        for (const container of Object.keys(Containers ?? {})) {
          await network.disconnect({ Container: container, Force: true }).catch(() => undefined);
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** docker.Volume: every change replaces it. */
export const volumeHandler = replaceOnly(
  async (resourceName, values) => {
    const i = new Inputs(`docker.Volume ${resourceName}`, values);
    const spec = { Name: i.require<string>("name"), Labels: labelMap(i.take("labels")) };
    i.done();
    await dockerCall(`create volume ${spec.Name}`, () => docker.createVolume(spec));
    return { id: spec.Name, outputs: { ...values, name: spec.Name } };
  },
  (old: StoredResource) => removeQuietly(`volume ${old.id}`, () => docker.getVolume(old.id).remove()),
);
