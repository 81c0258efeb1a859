import { strict as assert } from "assert";
import { docker } from "./harness/docker";
import { Deployment, UpResult } from "./harness/deployment";
import { removeNetwork } from "./harness/resources/network";
import { E2eEnvironment, e2eEnvironment } from "./support/environment";
import { eventually, fetchVia } from "./support/http";
import { EXAMPLE_WORKER, exampleApp, exampleStack } from "./support/stack";

const STACK = "e2e-recreate";
const PORTS = { http: 42080, https: 42443 } as const;
const ORIGIN = `https://127.0.0.1:${PORTS.https}`;
const stackFilter = { label: [`berth.stack=${STACK}`] };
/** What a new droplet gets back from the old one: the data volume. On `local`, the databases' volumes. */
const isDataVolume = (labels: Record<string, string> | null | undefined) => labels?.["berth.role"] === "database";

/**
 * Replacing the server, on the local stack (docs/operations.md, "Replace the server"): everything
 * the stack made is recreated from a clean engine while the data volumes and the Pulumi state are
 * kept, and every row is still there.
 *
 *   1. Deploy the example app with Postgres and Redis; write rows through it.
 *   2. Wipe the engine of the stack's containers, networks and other volumes, as a new droplet has
 *      none of them; keep the data volumes (the block-storage volume) and the stand-in images
 *      (they cannot be pulled here). The state is kept: it holds the generated database
 *      passwords, which the existing data directories require.
 *   3. `pulumi refresh`: whatever the provider cannot find leaves the state
 *      (ENGINE.refreshDropsMissing; container, network and volume facts refreshGone).
 *   4. `pulumi up`: everything missing is created again, the databases on their old data.
 */
describe("e2e: the stack recreated on a clean engine keeps its data", function () {
  this.timeout(300_000);
  let env: E2eEnvironment;
  let deployment: Deployment;
  const config = exampleStack({ web: exampleApp({ replicas: 2, processes: { worker: EXAMPLE_WORKER } }) }, { httpPort: PORTS.http, httpsPort: PORTS.https });
  const written: string[] = [];
  /** The data volumes' names, before the wipe. */
  const dataVolumes: string[] = [];
  const containerIds = new Set<string>();
  /** The steps of the `up` after the wipe. */
  let recreated: UpResult;

  before(async function () {
    env = await e2eEnvironment(this);
    this.timeout(300_000);
    deployment = new Deployment(STACK, env.registry);
    await deployment.sweep();
    await deployment.up(config);
    for (const name of ["alpha", "beta", "gamma"]) await addItem(name);

    for (const v of (await docker.listVolumes({ filters: stackFilter })).Volumes ?? []) {
      if (isDataVolume(v.Labels)) dataVolumes.push(v.Name);
    }
    for (const c of await docker.listContainers({ all: true, filters: stackFilter })) containerIds.add(c.Id);
    await wipeAllButData();
    await deployment.refresh();
    recreated = await deployment.up(config);
  });

  after(async function () {
    this.timeout(120_000);
    await deployment?.sweep();
  });

  /** Step 2: what a new droplet does not have. The data volumes stay, as the block-storage volume does. */
  async function wipeAllButData(): Promise<void> {
    const containers = await docker.listContainers({ all: true, filters: stackFilter });
    await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    const networks = await docker.listNetworks({ filters: stackFilter });
    await Promise.all(networks.map((n) => removeNetwork(n.Id, { forceDisconnect: true })));
    const volumes = (await docker.listVolumes({ filters: stackFilter })).Volumes ?? [];
    await Promise.all(volumes.filter((v) => !isDataVolume(v.Labels)).map((v) => docker.getVolume(v.Name).remove()));
    assert.equal((await docker.listContainers({ all: true, filters: stackFilter })).length, 0, "the wipe left containers");
    assert.equal((await docker.listNetworks({ filters: stackFilter })).length, 0, "the wipe left networks");
  }

  async function addItem(name: string): Promise<void> {
    await eventually(async () => {
      const r = await fetchVia(ORIGIN, "web.localhost", "/items", { method: "POST", body: JSON.stringify({ name }) });
      assert.equal(r.status, 202, r.body);
    }, 60_000, 500);
    written.push(name);
    await assertAllRows();
  }

  /** Every row written so far is served by the app, and the Redis counter agrees. */
  async function assertAllRows(): Promise<void> {
    await eventually(async () => {
      const reply = await fetchVia(ORIGIN, "web.localhost", "/items");
      assert.equal(reply.status, 200, reply.body);
      const body = JSON.parse(reply.body);
      assert.deepEqual(body.items.map((i: { name: string }) => i.name), written);
      assert.equal(body.count, written.length);
    }, 60_000, 500);
  }

  it("recreates every container on the clean engine, all running and healthy", async () => {
    const containers = await docker.listContainers({ all: true, filters: stackFilter });
    assert.ok(containers.length >= 6, `containers: ${containers.map((c) => c.Names[0]).join(", ")}`);
    for (const c of containers) {
      assert.ok(!containerIds.has(c.Id), `${c.Names[0]} is an old container`);
      assert.equal(c.State, "running", c.Names[0]);
      assert.doesNotMatch(c.Status, /unhealthy|starting/, `${c.Names[0]}: ${c.Status}`);
    }
  });

  it("keeps the data volumes: still on the engine, and neither created nor deleted by the recreating up", async () => {
    assert.ok(dataVolumes.length >= 2, `data volumes: ${dataVolumes.join(", ")}`);
    for (const name of dataVolumes) await docker.getVolume(name).inspect();
    assert.deepEqual(recreated.steps.filter((s) => s.type === "docker:index/volume:Volume"), []);
  });

  it("serves every row written before the wipe, from Postgres and Redis", async () => {
    await assertAllRows();
  });

  it("stores new rows next to the old ones", async () => {
    await addItem("after-recreate");
    await assertAllRows();
  });

  it("plans nothing on a second up with the same config", async () => {
    assert.deepEqual(await deployment.plan(config), []);
  });
});
