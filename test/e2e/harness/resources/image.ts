import { docker, dockerCall } from "../docker";
import { Inputs } from "../inputs";
import { ResourceHandler } from "./types";

/**
 * docker.RemoteImage. Nothing can be pulled here, so a "pull" resolves the reference through the
 * stand-in registry (official reference → locally built stand-in), else takes a local image of
 * that name, else fails like a pull would.
 */
export function remoteImageHandler(registry: Record<string, string>): ResourceHandler {
  return {
    async create(resourceName, values) {
      const i = new Inputs(`docker.RemoteImage ${resourceName}`, values);
      const reference = i.require<string>("name");
      i.take("keepLocally");
      i.take("triggers");
      i.done();
      const local = registry[reference] ?? reference;
      const image = await dockerCall(`pull ${reference} (stand-in ${local})`, () => docker.getImage(local).inspect());
      return { id: image.Id, outputs: { ...values, imageId: image.Id, repoDigest: image.RepoDigests?.[0] ?? "" } };
    },
    // keepLocally, the one in-place input, only matters on delete.
    update: async (old, inputs) => ({ id: old.id, outputs: { ...old.outputs, ...inputs } }),
    async delete(old) {
      // The local engine's images are shared: berth sets keepLocally there, and stand-ins are never removed.
      if (old.inputs.keepLocally === true || registry[old.inputs.name]) return;
      await dockerCall(`remove image ${old.inputs.name}`, () => docker.getImage(old.id).remove());
    },
  };
}
