import { strict as assert } from "assert";
import * as os from "os";
import { fakeImageId } from "../harness/fakes";
import { isSecretValue, RegisteredResource, runProgram } from "../harness/program";
import { configProblems, doConfig, localConfig, TYPES } from "../harness/stacks";

/** An app built from the example app's source instead of pulled. */
function builtApp(build: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    build: { context: "examples/app", ...build },
    hosts: ["app.example.com"],
    port: 3000,
    health: { path: "/health" },
    databases: ["main"],
    ...extra,
  };
}

const replicasOf = (resources: RegisteredResource[], app: string) =>
  resources.filter(
    (r) =>
      r.type === TYPES.container &&
      r.inputs.labels.some((l: any) => l.label === "berth.app" && l.value === app) &&
      r.inputs.labels.some((l: any) => l.label === "berth.role" && l.value === "app"),
  );

describe("App built from source", () => {
  describe("on a droplet", () => {
    let resources: RegisteredResource[];
    let image: RegisteredResource;
    before(async () => {
      const run = await runProgram({ stack: "dev", config: doConfig({ apps: { web: builtApp({ args: { NODE_MAJOR: "22" } }) } }) });
      resources = run.resources;
      image = run.get(TYPES.image, "berth-dev-build-web");
    });

    it("builds the image with the Docker host's provider, so the source goes to the droplet and no registry is used", () => {
      const provider = resources.find((r) => r.type === TYPES.dockerProvider)!;
      assert.ok(image.provider.startsWith(provider.urn), "the build runs on the droplet's Docker provider");
      assert.equal(image.inputs.skipPush, true);
      assert.equal(image.inputs.registry, undefined);
    });

    it("does not build during pulumi preview, stated rather than inherited", () => {
      assert.equal(image.inputs.buildOnPreview, false);
    });

    it("states the droplet's platform and BuildKit, so a laptop and CI build the same thing", () => {
      assert.equal(image.inputs.build.platform, "linux/amd64");
      assert.equal(image.inputs.build.builderVersion, "BuilderBuildKit");
    });

    it("gives the provider the context and the Dockerfile relative to the project directory", () => {
      assert.equal(image.inputs.build.context, "examples/app");
      assert.equal(image.inputs.build.dockerfile, "examples/app/Dockerfile");
      assert.deepEqual(image.inputs.build.args, { NODE_MAJOR: "22" });
    });

    it("tags the image with the droplet's id, so a new droplet builds it again", () => {
      assert.equal(image.inputs.imageName, "berth-dev-web:424242");
    });

    it("states the image's replacement order", () => {
      assert.equal(image.deleteBeforeReplace, false);
    });

    it("runs every replica from the built image's id, so a new build rolls them", () => {
      const replicas = replicasOf(resources, "web");
      assert.equal(replicas.length, 1);
      for (const r of replicas) {
        assert.equal(r.inputs.image, fakeImageId(JSON.stringify(image.inputs.build)));
        assert.ok(r.propertyDependencies.image.includes(image.urn));
      }
    });

    it("runs the release in the built image", async () => {
      const run = await runProgram({ stack: "dev", config: doConfig({ apps: { web: builtApp({}, { release: ["node", "migrate.js"] }) } }) });
      const release = run.ofType(TYPES.remoteCommand).find((c) => c.name.includes("release"))!;
      const built = run.get(TYPES.image, "berth-dev-build-web");
      assert.ok(release.dependencies.includes(built.urn) || Object.values(release.propertyDependencies).some((d) => d.includes(built.urn)));
    });
  });

  it("builds on the local engine for its platform, with a fixed tag", async () => {
    const run = await runProgram({ stack: "local", config: localConfig({ apps: { web: builtApp() } }) });
    const image = run.get(TYPES.image, "berth-local-build-web");
    assert.equal(image.inputs.imageName, "berth-local-web:local");
    assert.equal(image.inputs.build.platform, `linux/${os.arch() === "x64" ? "amd64" : os.arch()}`);
  });

  it("pushes to a repository with its registry's credentials, kept secret, when push is given", async () => {
    const run = await runProgram({
      stack: "dev",
      config: doConfig({
        apps: { web: builtApp({ push: "ghcr.io/acme/web" }) },
        registries: [{ address: "ghcr.io", username: "acme-bot" }],
        secrets: { registries: { "ghcr.io": "ghp-token" } },
      }),
      secretKeys: ["secrets"],
    });
    const image = run.get(TYPES.image, "berth-dev-build-web");
    assert.equal(image.inputs.skipPush, false);
    assert.equal(image.inputs.imageName, "ghcr.io/acme/web:berth-dev");
    assert.deepEqual(image.inputs.registry, { server: "ghcr.io", username: "acme-bot", password: "ghp-token" });
    assert.ok(isSecretValue(image.wireInputs.registry.password), "the password is sent as a secret");
    for (const r of replicasOf(run.resources, "web")) assert.match(r.inputs.image, /^ghcr\.io\/acme\/web@sha256:[0-9a-f]{64}$/);
  });

  describe("config", () => {
    const problems = (app: Record<string, unknown>, extra: Record<string, unknown> = {}) => configProblems(doConfig({ apps: { web: app }, ...extra }));

    it("refuses an app with both image and build", () => {
      assert.deepEqual(problems({ ...builtApp(), image: "ghcr.io/acme/web:1" }), [
        "berth:apps.web must give exactly one of image (a pushed image) and build (built from source on the Docker host)",
      ]);
    });

    it("refuses an app with neither image nor build", () => {
      const { build: _build, ...app } = builtApp();
      assert.match(problems(app).join("\n"), /^berth:apps\.web must give exactly one of image/);
    });

    it("refuses a context that is not a directory", () => {
      assert.deepEqual(problems(builtApp({ context: "examples/nope" })), [
        "berth:apps.web.build.context must be a directory, relative to the project directory (got \"examples/nope\")",
      ]);
    });

    it("refuses a Dockerfile that is not in the context", () => {
      assert.deepEqual(problems(builtApp({ dockerfile: "Dockerfile.prod" })), [
        "berth:apps.web.build.dockerfile must be a file in the build context (examples/app) (got \"Dockerfile.prod\")",
      ]);
    });

    it("refuses a build argument that names one of the app's secrets", () => {
      const found = problems(builtApp({ args: { API_KEY: "x" } }, { secretEnv: ["API_KEY"] }), { secrets: { env: { web: { API_KEY: "s" } } } });
      assert.deepEqual(found, [
        "berth:apps.web.build.args.API_KEY names one of the app's secrets; a build argument is kept in the image's history, so secrets reach the container at run time only (secretEnv)",
      ]);
    });

    it("refuses push to a registry berth has no credentials for", () => {
      assert.deepEqual(problems(builtApp({ push: "registry.example.com:5000/web" })), [
        "berth:apps.web.build.push needs credentials for registry.example.com:5000: add it to berth:registries (and its token to berth:secrets.registries) (got \"registry.example.com:5000/web\")",
      ]);
    });

    it("refuses an unknown build setting, naming the known ones", () => {
      assert.match(problems(builtApp({ cache: true })).join("\n"), /^berth:apps\.web\.build has unknown setting 'cache' \(known: context, dockerfile, target, args, push\)/);
    });
  });
});
