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
  (old: StoredResource) => removeQuietly(`network ${old.outputs.name}`, () => docker.getNetwork(old.id).remove()),
);

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
