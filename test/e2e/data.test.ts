import { strict as assert } from "assert";
import { execFile } from "child_process";
import { promisify } from "util";
import { Deployment } from "./harness/deployment";
import { E2eEnvironment, e2eEnvironment } from "./support/environment";
import { eventually, fetchVia } from "./support/http";
import { EXAMPLE_WORKER, exampleApp, exampleStack, ORIGIN } from "./support/stack";

const STACK = "e2e-data";

/** No lost data: rows written before survive the replacements and restarts a user runs into. */
describe("e2e: data survives replacements and a Docker restart", function () {
  this.timeout(300_000);
  let env: E2eEnvironment;
  let deployment: Deployment;
  const config = exampleStack({ web: exampleApp({ replicas: 2, processes: { worker: EXAMPLE_WORKER } }) });
  const written: string[] = [];

  before(async function () {
    env = await e2eEnvironment(this);
    this.timeout(300_000);
    deployment = new Deployment(STACK, env.registry);
    await deployment.sweep();
    await deployment.up(config);
    for (const name of ["alpha", "beta", "gamma"]) await addItem(name);
  });

  after(async function () {
    this.timeout(120_000);
    await deployment?.sweep();
  });

  async function addItem(name: string): Promise<void> {
    const reply = await eventually(async () => {
      const r = await fetchVia(ORIGIN, "web.localhost", "/items", { method: "POST", body: JSON.stringify({ name }) });
      assert.equal(r.status, 202, r.body);
      return r;
    }, 60_000, 500);
    assert.equal(JSON.parse(reply.body).name, name);
    written.push(name);
    // The worker stores it: wait until it has, so each test starts from stored rows.
    await assertAllRows();
  }

  /** Every row written so far is there, and the Redis counter agrees. */
  async function assertAllRows(): Promise<void> {
    await eventually(async () => {
      const reply = await fetchVia(ORIGIN, "web.localhost", "/items");
      assert.equal(reply.status, 200, reply.body);
      const body = JSON.parse(reply.body);
      assert.deepEqual(body.items.map((i: { name: string }) => i.name), written);
      assert.equal(body.count, written.length);
    }, 60_000, 500);
  }

  const containerId = (name: string) => deployment.resources("docker:index/container:Container").find((c) => c.name === name)!.id;

  it("keeps every row when the database containers are replaced", async () => {
    const before = [containerId("main-server"), containerId("cache-server")];
    await deployment.up(config, { replace: (r) => r.name === "main-server" || r.name === "cache-server" });
    assert.notEqual(containerId("main-server"), before[0]);
    assert.notEqual(containerId("cache-server"), before[1]);
    await assertAllRows();
    await addItem("after-db-replacement");
    await assertAllRows();
  });

  it("keeps serving every row when the proxy is replaced", async () => {
    const before = containerId("proxy");
    await deployment.up(config, { replace: (r) => r.name === "proxy" });
    assert.notEqual(containerId("proxy"), before);
    await assertAllRows();
  });

  it("brings every container back by its restart policy after dockerd restarts, data intact", async () => {
    await env.engine.restart();
    await eventually(
      async () => {
        const states = await stackContainerStates();
        assert.ok(states.length >= 6, `containers: ${states.join(", ")}`);
        for (const state of states) assert.match(state, / running (healthy|-)$/);
      },
      120_000,
      1000,
    );
    await assertAllRows();
    await addItem("after-dockerd-restart");
    await assertAllRows();
  });

  /** "name status health" of every container of the stack. */
  async function stackContainerStates(): Promise<string[]> {
    const ids = (await dockerCli("ps", "-aq", "--filter", `label=berth.stack=${STACK}`)).trim().split("\n").filter(Boolean);
    const out = await dockerCli("inspect", "-f", "{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}}", ...ids);
    return out.trim().split("\n");
  }
});

async function dockerCli(...args: string[]): Promise<string> {
  return (await promisify(execFile)("docker", args)).stdout;
}
