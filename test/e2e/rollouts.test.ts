import { strict as assert } from "assert";
import { execFile } from "child_process";
import { promisify } from "util";
import { Deployment, Step, UpdateFailed } from "./harness/deployment";
import { APP_IMAGES, E2eEnvironment, e2eEnvironment } from "./support/environment";
import { eventually, fetchVia } from "./support/http";
import { describeFailures, LoadReport, startLoad } from "./support/load";
import { serversInRotation } from "./support/proxy-stats";
import { exampleApp, exampleStack, FAST_HEALTH, ORIGIN } from "./support/stack";

const STACK = "e2e-rollouts";
const PROXY = `berth-${STACK}-proxy`;
const RPS = 100;

/**
 * Changes a user makes with `pulumi up` while the app takes traffic: none of them may fail a
 * single request. One deployment, changed step by step; each test asserts on its own load.
 */
describe("e2e: rollouts and failover under constant load", function () {
  this.timeout(300_000);
  let env: E2eEnvironment;
  let deployment: Deployment;
  const stack = (web: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
    exampleStack({ web: exampleApp(web) }, extra);

  before(async function () {
    env = await e2eEnvironment(this);
    this.timeout(300_000);
    deployment = new Deployment(STACK, env.registry);
    await deployment.sweep();
    await deployment.up(stack());
  });

  after(async function () {
    this.timeout(120_000);
    await deployment?.sweep();
  });

  /** Runs `change` under load and returns what the clients saw. */
  async function underLoad(change: () => Promise<unknown>, settleMs = 2000): Promise<LoadReport> {
    const load = startLoad({ origin: ORIGIN, host: "web.localhost", rps: RPS });
    const failure = await (async () => {
      await sleep(settleMs);
      await change();
      await sleep(settleMs);
    })().then(() => undefined, (err: unknown) => err);
    const report = await load.stop();
    if (failure) throw failure;
    assert.equal(report.failed.length, 0, `${report.failed.length} of ${report.samples.length} requests failed: ${describeFailures(report)}`);
    return report;
  }

  const replicaContainers = () =>
    deployment.resources("docker:index/container:Container").filter((c) => /-web-\d+$/.test(c.name));

  it("takes a replica killed with SIGKILL out of rotation without failing a request", async () => {
    const victim = replicaContainers()[0].outputs.name as string;
    await underLoad(async () => {
      await docker("kill", "--signal", "KILL", victim);
      await eventually(async () => assert.equal((await serversInRotation(PROXY, "app_web")).length, 2), 5000, 100);
    });
    // `pulumi up --refresh` notices the dead replica and starts a new one.
    await deployment.up(stack(), { refresh: true });
    await eventually(async () => assert.equal((await serversInRotation(PROXY, "app_web")).length, 3), 15000);
  });

  it("keeps v1 serving when the new image never turns healthy, and fails the update", async () => {
    let failure: unknown;
    const report = await underLoad(async () => {
      failure = await deployment.up(stack({ image: APP_IMAGES.broken })).then(() => undefined, (err) => err);
    });
    assert.ok(failure instanceof UpdateFailed, `the update should fail, got ${failure}`);
    assert.match(failure.message, /did not become healthy/);
    assert.deepEqual(versions(report), ["v1"]);
    // Like the provider, the unhealthy replica is in state, with init errors.
    assert.equal(replicaContainers().filter((c) => c.initErrors?.length).length, 1);
  });

  it("never accepts the unhealthy replica in a later up with the same inputs: its health gate fails the update", async () => {
    // The engine makes the unhealthy replica an empty update, which the provider accepts without
    // looking; the old replica it was to replace stays a pending delete until an update succeeds.
    let failure: unknown;
    const report = await underLoad(async () => {
      failure = await deployment.up(stack({ image: APP_IMAGES.broken })).then(() => undefined, (err) => err);
    });
    assert.ok(failure instanceof UpdateFailed, `the update should fail, got ${failure}`);
    assert.match(failure.message, /is unhealthy, not healthy/);
    assert.deepEqual(versions(report), ["v1"]);
    assert.ok(failure.steps.some((s) => s.op === "update" && /-web-0$/.test(s.name)), "the empty update of the unhealthy replica");
    assert.deepEqual(failure.steps.filter((s) => s.op === "delete"), [], "nothing is deleted in a failed update");
    assert.equal((await serversInRotation(PROXY, "app_web")).length, 3, "every old replica still serves");
  });

  it("rolls out v2 with every replica on v2 at the end", async () => {
    let steps: Step[] = [];
    const report = await underLoad(async () => ({ steps } = await deployment.up(stack({ image: APP_IMAGES.v2 }))));
    // Pulumi's order: every new replica is healthy before the proxy reloads with it, and the
    // reload is done before any old replica is stopped.
    const web = (s: Step) => /-web-\d$/.test(s.name);
    const reload = steps.find((s) => s.name === "proxy-reload" && s.op === "replace")!;
    const lastReady = Math.max(...steps.filter((s) => web(s) && s.op === "replace").map((s) => s.done!));
    const firstStop = Math.min(...steps.filter((s) => web(s) && s.op === "delete").map((s) => s.at));
    const order = steps.map((s) => `${s.op} ${s.name} ${s.at}-${s.done}`).join(", ");
    assert.ok(reload && lastReady <= reload.at && reload.done! <= firstStop, order);
    const tail = report.samples.slice(-RPS); // the last second
    assert.deepEqual(versions({ samples: tail, failed: [] }), ["v2"]);
    assert.equal(replicaContainers().length, 3);
    const running = await docker("ps", "--filter", `label=berth.stack=${STACK}`, "--filter", "label=berth.app=web", "--format", "{{.Names}}");
    assert.equal(running.trim().split("\n").length, 3, `app containers still running: ${running}`);
  });

  it("scales 3 → 5 → 2 replicas", async () => {
    await underLoad(() => deployment.up(stack({ image: APP_IMAGES.v2, replicas: 5 })));
    await eventually(async () => assert.equal((await serversInRotation(PROXY, "app_web")).length, 5), 15000);
    const report = await underLoad(() => deployment.up(stack({ image: APP_IMAGES.v2, replicas: 2 })));
    assert.equal(new Set(report.samples.slice(-RPS).map((s) => s.replica)).size, 2);
    assert.equal((await serversInRotation(PROXY, "app_web")).length, 2);
  });

  it("reloads the proxy config five times in a row, each new route live, the proxy never restarted", async () => {
    const before = await docker("inspect", "-f", "{{.Id}} {{.State.StartedAt}}", PROXY);
    const hosts = ["web.localhost"];
    await underLoad(async () => {
      for (let i = 1; i <= 5; i++) {
        hosts.push(`r${i}.localhost`);
        const { steps } = await deployment.up(stack({ image: APP_IMAGES.v2, replicas: 2, hosts: [...hosts] }));
        assert.ok(steps.some((s) => s.name === "proxy-reload"), `reload ${i} did not run`);
        const reply = await fetchVia(ORIGIN, `r${i}.localhost`, "/");
        assert.equal(reply.status, 200, `r${i}.localhost after reload ${i}`);
      }
    });
    assert.equal(await docker("inspect", "-f", "{{.Id}} {{.State.StartedAt}}", PROXY), before);
  });

  // From here on: v2, two replicas, a slower health check.
  const settled = (extra: Record<string, unknown> = {}) =>
    stack({ image: APP_IMAGES.v2, replicas: 2, health: { ...FAST_HEALTH, timeoutSeconds: 3 }, ...extra });

  it("rolls every replica when the health check changes (the provider alone would update it in place, and Docker never apply it)", async () => {
    const before = replicaContainers().map((c) => c.id);
    await underLoad(() => deployment.up(settled()));
    assert.equal(replicaContainers().filter((c) => before.includes(c.id)).length, 0, "every replica is a new container");
    for (const c of replicaContainers()) {
      assert.equal((await docker("inspect", "-f", "{{.Config.Healthcheck.Timeout}}", c.id)).trim(), "3s");
    }
  });

  it("raises memoryMb past twice its first value in place, without restarting a replica", async () => {
    const before = replicaContainers().map((c) => c.id).sort();
    let steps: Step[] = [];
    await underLoad(async () => ({ steps } = await deployment.up(settled({ memoryMb: 1536 }))));
    assert.deepEqual(replicaContainers().map((c) => c.id).sort(), before);
    const replicaSteps = steps.filter((s) => /-web-\d$/.test(s.name));
    assert.deepEqual(replicaSteps.map((s) => s.op), ["update", "update"]);
    for (const id of before) {
      const limits = (await docker("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}", id)).trim();
      assert.equal(limits, `${1536 * 2 ** 20} ${2 * 1536 * 2 ** 20}`);
    }
  });
});

function versions(report: LoadReport): string[] {
  return [...new Set(report.samples.map((s) => s.version ?? "none"))].sort();
}

async function docker(...args: string[]): Promise<string> {
  return (await promisify(execFile)("docker", args)).stdout;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
