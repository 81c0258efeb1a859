import { contextTar, readBuildContext } from "../build-context";
import { docker, dockerCall } from "../docker";
import { Inputs, strictObject } from "../inputs";
import { Created, ResourceHandler } from "./types";

/**
 * docker.Image (provider-model.ts, dockerImage): builds on the local engine with BuildKit, from
 * the context the provider would send (.dockerignore applied), tagged imageName; repoDigest is the
 * image id (skipPush). Nothing can be pushed here, so `skipPush: false` is refused.
 */
async function build(resourceName: string, values: Record<string, any>): Promise<Created> {
  const i = new Inputs(`docker.Image ${resourceName}`, values);
  const imageName = i.require<string>("imageName");
  const b = strictObject(`docker.Image ${resourceName} build`, i.require("build"), [
    "context",
    "dockerfile",
    "contextDigest",
    "args",
    "target",
    "platform",
    "builderVersion",
  ]);
  if (i.take("skipPush") !== true) throw new Error(`e2e harness: docker.Image ${resourceName} pushes; there is no registry here`);
  i.accept("buildOnPreview"); // previews are not run by the harness
  i.done();
  const version = b.builderVersion === "BuilderV1" ? "1" : "2"; // dockerImage.facts.builderDefault
  const ctx = readBuildContext(b.context, b.dockerfile);
  const log: string[] = [];
  const stream: NodeJS.ReadableStream = await dockerCall(`build ${imageName}`, () =>
    docker.buildImage(contextTar(ctx) as unknown as NodeJS.ReadableStream, {
      t: imageName,
      dockerfile: ctx.dockerfile,
      buildargs: b.args ?? {},
      target: b.target ?? "",
      platform: b.platform,
      version,
    } as Parameters<typeof docker.buildImage>[1]),
  );
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(
      stream,
      (err: any, results: any[]) => {
        const failed = err ?? results?.find((r) => r.error);
        if (failed) reject(new Error(`docker: build ${imageName}: ${failed.error ?? failed.message ?? failed}\n${log.join("\n")}`));
        else resolve();
      },
      (event: any) => {
        if (typeof event.stream === "string" && event.stream.trim()) log.push(event.stream.trim());
      },
    ),
  );
  const image = await dockerCall(`inspect ${imageName}`, () => docker.getImage(imageName).inspect());
  return {
    id: imageName, // dockerImage.facts.resourceId
    outputs: {
      ...values,
      imageName,
      baseImageName: imageName,
      context: b.context,
      dockerfile: ctx.dockerfile,
      platform: b.platform,
      registryServer: "",
      repoDigest: image.Id, // dockerImage.facts.skipPushRepoDigest
    },
    log: [`Built image with local id "${image.Id}"`],
  };
}

export const builtImageHandler: ResourceHandler = {
  create: build,
  // dockerImage.updateApplies: Update builds again with the new inputs.
  update: (old, inputs) => build(old.name, inputs),
  // dockerImage.facts.deleteIsNoop
  delete: async () => {},
};
