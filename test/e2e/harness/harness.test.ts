import { strict as assert } from "assert";
import { E2eEnvironment, e2eEnvironment } from "../support/environment";
import { deleteInReverseDependencyOrder } from "./deletes";
import { docker } from "./docker";
import { planStep } from "./engine-model";
import { container as containerModel } from "./provider-model";
import { localCommandHandler } from "./resources/command";
import { containerHandler, readContainer, WAIT_WITHOUT_HEALTHCHECK } from "./resources/container";
import { removeNetwork } from "./resources/network";
import type { StoredResource } from "./resources/types";

/** The harness itself: it must never pass for something it did not do. */
describe("e2e harness", () => {
  it("refuses a container input it does not apply, before creating anything", async () => {
    await assert.rejects(
      containerHandler.create("web-0", { image: "sha256:0", privileged: true, pidMode: "host" }),
      /does not apply: privileged, pidMode/,
    );
  });

  it("refuses an unknown field inside a nested input too", async () => {
    await assert.rejects(
      containerHandler.create("web-0", { image: "sha256:0", volumes: [{ hostPath: "/srv", containerPath: "/data", volumeOptions: {} }] }),
      /volume has fields the harness does not apply: volumeOptions/,
    );
  });

  it("runs a command's create script with stdin, and fails like the provider on a non-zero exit", async () => {
    const ok = await localCommandHandler.create("echo", { create: "cat; echo done >&2", stdin: "hello\n", interpreter: ["/bin/sh", "-c"] });
    assert.equal(ok.outputs.stdout, "hello");
    assert.equal(ok.outputs.stderr, "done");
    await assert.rejects(localCommandHandler.create("fail", { create: "echo broken >&2; exit 3" }), /^Error: exit status 3: running "echo broken >&2; exit 3":\nbroken\n$/);
    // A script that exits without reading a large stdin is not a harness crash.
    await localCommandHandler.create("early-exit", { create: "exit 0", stdin: "x".repeat(4 << 20) });
  });

  it("deletes in reverse dependency order, independent resources together", async () => {
    const r = (urn: string, dependencies: string[] = []) => ({ urn, dependencies }) as StoredResource;
    const network = r("network");
    const image = r("image");
    const db = r("db", ["network", "image"]);
    const app = r("app", ["network", "image", "db"]);
    const gate = r("gate", ["app"]);
    const order: string[][] = [];
    let batch: string[] = [];
    await deleteInReverseDependencyOrder([network, image, db, app, gate], async (x) => {
      batch.push(x.urn);
      await new Promise((done) => setImmediate(done));
      if (batch.length > 0) order.push(batch), (batch = []);
    });
    assert.deepEqual(order.map((b) => b.sort()), [["gate"], ["app"], ["db"], ["image", "network"]]);
  });
});

/** The container handler against the real engine: what Docker does with a worker's settings. */
describe("e2e harness: workers on the engine", function () {
  this.timeout(120_000);
  /** The example app's image id: berth gives containers ids (sha256:…), which Read stores as such. */
  let image: string;
  const created: string[] = [];
  const CONTAINER = containerModel.type;
  const workerOptions = { deleteBeforeReplace: false, replaceOnChanges: ["healthcheck"], ignoreChanges: [] };
  const create = async (name: string, inputs: Record<string, any>) => {
    const values = containerModel.withDefaults(inputs);
    try {
      const made = await containerHandler.create(name, values);
      created.push(made.id);
      return { values, made };
    } catch (err: any) {
      if (err.created) created.push(err.created.id);
      throw err;
    }
  };

  before(async function () {
    const env: E2eEnvironment = await e2eEnvironment(this);
    image = (await docker.getImage(env.images.app.v1).inspect()).Id;
  });

  after(async () => {
    await Promise.all(created.map((id) => docker.getContainer(id).remove({ force: true }).catch(() => {})));
  });

  it("sweeps a network a running container is still attached to, by disconnecting it first", async () => {
    const network = await docker.createNetwork({ Name: `berth-harness-sweep-${process.pid}` });
    const attached = await docker.createContainer({ Image: image, Cmd: ["sleep", "60"], HostConfig: { NetworkMode: network.id } });
    created.push(attached.id);
    await attached.start();
    await removeNetwork(network.id, { forceDisconnect: true });
    await assert.rejects(network.inspect(), /no such network|404/i);
  });

  it("runs a worker's command with a NONE health check and no wait, and an unchanged worker plans nothing", async () => {
    const inputs = { image: image, command: ["/bin/sh", "-c", "exec sleep 300"], healthcheck: { tests: ["NONE"] }, wait: false, restart: "unless-stopped" };
    const { values, made } = await create("harness-worker", inputs);
    const c = await docker.getContainer(made.id).inspect();
    assert.deepEqual(c.Config.Cmd, inputs.command);
    assert.equal(c.State.Health, undefined, "NONE: Docker keeps no health state");
    assert.deepEqual(made.outputs.command, inputs.command);
    assert.deepEqual(made.outputs.healthcheck, containerModel.withDefaults(inputs).healthcheck);
    assert.equal(made.outputs.mustRun, true);
    assert.equal(planStep(CONTAINER, workerOptions, { inputs: values, outputs: made.outputs }, inputs).op, "same");
  });

  it("reads a web container's command back as the image's CMD when the program gives none", async () => {
    const { made } = await create("harness-web", { image: image });
    assert.deepEqual(made.outputs.command, ["node", "server.js"]);
  });

  it("fails wait: true on a container without a health check with the provider's error, keeping the container", async () => {
    await assert.rejects(
      create("harness-wait", { image: image, command: ["sleep", "300"], healthcheck: { tests: ["NONE"] }, wait: true }),
      (err: Error & { created?: { id: string } }) => {
        assert.equal(err.message, WAIT_WITHOUT_HEALTHCHECK);
        assert.ok(err.created?.id, "in state, with init errors");
        return true;
      },
    );
  });

  it("creates a worker that exits at once, and Read stores mustRun false; one restarting counts as running", async () => {
    const { values, made } = await create("harness-exits", { image: image, command: ["/bin/sh", "-c", "exit 2"], healthcheck: { tests: ["NONE"] } });
    await docker.getContainer(made.id).wait();
    const read = await readContainer(made.id, values);
    assert.equal(read.mustRun, false);
    assert.equal(read.exitCode, 2);
    assert.deepEqual(planStep(CONTAINER, workerOptions, { inputs: values, outputs: read }, values).changed, ["mustRun"]);

    const looping = await create("harness-restarts", { image: image, command: ["/bin/sh", "-c", "exit 1"], restart: "always" });
    for (let i = 0; i < 10; i++) {
      const state = (await docker.getContainer(looping.made.id).inspect()).State;
      assert.equal(state.Running, true, `restarting (${state.Status}) is running`);
      assert.equal((await readContainer(looping.made.id, looping.values)).mustRun, true);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it("fills a NONE check's zero durations from the image's HEALTHCHECK, which then differs from the program's on every up", async () => {
    const base = await docker.createContainer({ Image: image });
    const tag = `berth-harness/healthcheck:${Date.now()}`;
    try {
      await base.commit({ repo: tag.split(":")[0], tag: tag.split(":")[1], changes: "HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD true" });
      const inputs = { image: (await docker.getImage(tag).inspect()).Id, command: ["sleep", "300"], healthcheck: { tests: ["NONE"] }, wait: false };
      const { values, made } = await create("harness-image-check", inputs);
      assert.deepEqual(made.outputs.healthcheck, { tests: ["NONE"], interval: "30s", timeout: "3s", startPeriod: "0s", startInterval: "0s", retries: 3 });
      assert.equal(planStep(CONTAINER, workerOptions, { inputs: values, outputs: made.outputs }, inputs).op, "replace");
    } finally {
      await base.remove({ force: true });
      await Promise.all(created.splice(0).map((id) => docker.getContainer(id).remove({ force: true }).catch(() => {})));
      await docker.getImage(tag).remove().catch(() => {});
    }
  });
});
