import { strict as assert } from "assert";
import { deleteInReverseDependencyOrder } from "./deletes";
import { containerHandler } from "./resources/container";
import { localCommandHandler } from "./resources/command";
import type { StoredResource } from "./resources/types";

/** The harness itself: it must never pass for something it did not do. */
describe("e2e harness", () => {
  it("refuses a container input it does not apply, before creating anything", async () => {
    await assert.rejects(
      containerHandler.create("web-0", { image: "sha256:0", privileged: true, capabilities: { adds: ["NET_ADMIN"] } }),
      /does not apply: privileged, capabilities/,
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
    await assert.rejects(localCommandHandler.create("fail", { create: "echo broken >&2; exit 3" }), /exit code 3: broken/);
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
