import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { Deployment, UpdateFailed } from "./harness/deployment";
import { APP_IMAGES, E2eEnvironment, e2eEnvironment } from "./support/environment";
import { eventually, fetchVia } from "./support/http";
import { describeFailures, LoadReport, startLoad } from "./support/load";
import { EXAMPLE_WORKER, exampleApp, exampleStack, FAST_HEALTH, ORIGIN } from "./support/stack";

const STACK = "e2e-app-model";
const DB = `berth-${STACK}-db-main`;
const PASSWORD = "correct-horse-battery-staple";
const RPS = 50;

/**
 * The Heroku app model on the real engine: one release of the example app run as a web process,
 * an `api` process on the /api prefix of the same host, and a worker; its release migrates the
 * schema; a job reports. Each step is a `pulumi up` a user would run.
 */
describe("e2e: processes, release phase, jobs and path routes", function () {
  this.timeout(300_000);
  let env: E2eEnvironment;
  let deployment: Deployment;

  const app = (overrides: Record<string, unknown> = {}, processes: Record<string, unknown> = {}) =>
    exampleApp({
      replicas: 2,
      basicAuth: { users: ["alice"], paths: ["/downloads"] },
      processes: {
        worker: { ...EXAMPLE_WORKER, replicas: 2 },
        api: { command: "node server.js", hosts: ["web.localhost"], paths: ["/api"], stripPrefix: true, replicas: 2, health: FAST_HEALTH },
        ...processes,
      },
      jobs: { report: { schedule: "0 3 * * *", command: ["node", "job.js"], timeoutSeconds: 60 } },
      ...overrides,
    });
  const stack = (overrides: Record<string, unknown> = {}, processes: Record<string, unknown> = {}) =>
    exampleStack({ web: app(overrides, processes) }, { secrets: { basicAuth: { web: { alice: PASSWORD } } } });
  const up = (config: Record<string, unknown>) => deployment.up(config, { secretKeys: ["secrets"] });

  before(async function () {
    env = await e2eEnvironment(this);
    this.timeout(300_000);
    deployment = new Deployment(STACK, env.registry);
    await deployment.sweep();
    await up(stack());
  });

  after(async function () {
    this.timeout(120_000);
    await deployment?.sweep();
  });

  const releaseRuns = async () => Number((await sql("SELECT count(*) FROM release_runs")).trim());
  const containers = (pattern: RegExp) => deployment.resources("docker:index/container:Container").filter((c) => pattern.test(c.name));
  const shortIds = (pattern: RegExp) => containers(pattern).map((c) => c.id.slice(0, 12));

  async function underLoad(paths: string[], change: () => Promise<unknown>): Promise<LoadReport[]> {
    const loads = paths.map((p) => startLoad({ origin: ORIGIN, host: "web.localhost", rps: RPS, path: p }));
    const failure = await (async () => {
      await sleep(1500);
      await change();
      await sleep(1500);
    })().then(() => undefined, (err: unknown) => err);
    const reports = await Promise.all(loads.map((l) => l.stop()));
    if (failure) throw failure;
    for (const r of reports) assert.equal(r.failed.length, 0, `${r.failed.length} of ${r.samples.length} failed: ${describeFailures(r)}`);
    return reports;
  }

  it("ran the release once, and the release created the example app's tables", async () => {
    assert.equal(await releaseRuns(), 1);
    assert.equal((await sql("SELECT to_regclass('items') IS NOT NULL")).trim(), "t");
  });

  it("does not run the release again on an unchanged up, nor when only replicas change", async () => {
    const { steps } = await up(stack());
    assert.deepEqual(steps, [], "nothing to do");
    await up(stack({ replicas: 3 }));
    assert.equal(await releaseRuns(), 1);
  });

  it("routes /api to the api process with the prefix removed, and the rest to web, 0 failed requests while api scales", async () => {
    const [api, web] = await underLoad(["/api/", "/"], () => up(stack({ replicas: 3 }, { api: { command: "node server.js", hosts: ["web.localhost"], paths: ["/api"], stripPrefix: true, replicas: 3, health: FAST_HEALTH } })));
    const apiIds = shortIds(/-web-api-\d+$/);
    const webIds = shortIds(/-web-\d+$/);
    assert.equal(apiIds.length, 3);
    assert.ok(api.samples.every((s) => apiIds.includes(s.replica!)), "every /api request reached an api replica");
    assert.ok(web.samples.slice(-RPS).every((s) => webIds.includes(s.replica!)), "a / request reached api");
    const health = await fetchVia(ORIGIN, "web.localhost", "/api/health");
    assert.equal(health.status, 200, "/api/health reaches the api process as /health");
    assert.equal((await fetchVia(ORIGIN, "web.localhost", "/apix")).status, 404, "/apix is not under /api: web answers 404");
  });

  it("asks for a login on /downloads only", async () => {
    const auth = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });
    const anonymous = await fetchVia(ORIGIN, "web.localhost", "/downloads/report.pdf");
    assert.equal(anonymous.status, 401);
    assert.match(String(anonymous.headers["www-authenticate"]), /^Basic realm="Restricted"/);
    assert.equal((await fetchVia(ORIGIN, "web.localhost", "/downloads/report.pdf", { headers: auth("alice", "wrong-password-123") })).status, 401);
    const allowed = await fetchVia(ORIGIN, "web.localhost", "/downloads/report.pdf", { headers: auth("alice", PASSWORD) });
    assert.equal(allowed.status, 404, "past the proxy: the example app has no downloads");
    assert.ok(allowed.headers["x-replica"], "answered by a replica");
    assert.equal((await fetchVia(ORIGIN, "web.localhost", "/")).status, 200, "/ stays public");
  });

  it("stores every POSTed item through the worker, exactly once", async () => {
    const names = Array.from({ length: 40 }, (_, i) => `item-${i}`);
    const replies = await Promise.all(names.map((name) => fetchVia(ORIGIN, "web.localhost", "/items", { method: "POST", body: JSON.stringify({ name }) })));
    assert.deepEqual([...new Set(replies.map((r) => r.status))], [202]);
    await eventually(async () => assert.equal((await sql("SELECT count(*) FROM items WHERE name LIKE 'item-%'")).trim(), "40"), 30_000, 500);
    assert.equal((await sql("SELECT count(DISTINCT name) FROM items WHERE name LIKE 'item-%'")).trim(), "40");
  });

  it("rolls the workers, which pick up new env, after the release ran again", async () => {
    const before = containers(/-web-worker-\d+$/).map((c) => c.id);
    let result: Awaited<ReturnType<typeof up>> | undefined;
    await underLoad(["/"], async () => (result = await up(stack({ replicas: 3, env: { APP_VERSION: "v1-tuesday" } }, { api: apiAt(3) }))));
    assert.equal(await releaseRuns(), 2, "new env: a new release");
    const { steps, logs } = result!;
    const release = steps.find((s) => s.name === "berth-e2e-app-model-web-release")!;
    const firstReplica = Math.min(...steps.filter((s) => s.type === "docker:index/container:Container" && /-web-/.test(s.name)).map((s) => s.at));
    assert.ok(release.done! <= firstReplica, "the release finished before any replica started");
    assert.ok(logs.some((l) => l.name === release.name && /^migrate: recorded release run 2/.test(l.line)), "the release's output streams into up");
    const after = containers(/-web-worker-\d+$/).map((c) => c.id);
    assert.equal(after.length, 2);
    assert.equal(after.filter((id) => before.includes(id)).length, 0, "every worker is a new container");
    await fetchVia(ORIGIN, "web.localhost", "/items", { method: "POST", body: JSON.stringify({ name: "after-env-change" }) });
    await eventually(async () => assert.equal((await sql("SELECT stored_by FROM items WHERE name = 'after-env-change'")).trim(), "v1-tuesday"), 30_000, 500);
  });

  it("keeps the old release serving with 0 failed requests when the release fails, and runs it again on the next up", async () => {
    const failing = stack({ image: APP_IMAGES.v2, replicas: 3, release: "node migrate.js && echo 'migration 42 failed' >&2 && exit 3" }, { api: apiAt(3) });
    const runsBefore = await releaseRuns();
    let failure: unknown;
    const [report] = await underLoad(["/"], async () => {
      failure = await up(failing).then(() => undefined, (err) => err);
    });
    assert.ok(failure instanceof UpdateFailed, `the update should fail, got ${failure}`);
    assert.match(failure.message, /exited with code 3/);
    assert.match(failure.message, /migration 42 failed/, "the release's output reaches `pulumi up`");
    assert.deepEqual(new Set(report.samples.map((s) => s.version)), new Set(["v1-tuesday"]));
    assert.ok(!failure.steps.some((s) => s.type === "docker:index/container:Container"), "no replica of any process was touched");
    assert.equal(await releaseRuns(), runsBefore + 1);

    await up(failing).then(() => assert.fail("the release should fail again"), (err) => assert.ok(err instanceof UpdateFailed));
    assert.equal(await releaseRuns(), runsBefore + 2, "a failed release runs again on the next up");
  });

  it("rolls every process to the fixed release", async () => {
    await underLoad(["/", "/api/"], () => up(stack({ image: APP_IMAGES.v2, replicas: 3 }, { api: apiAt(3) })));
    const reply = await fetchVia(ORIGIN, "web.localhost", "/");
    assert.equal(JSON.parse(reply.body).version, "v2");
  });

  it("runs a job's rendered command by hand: the app's current image, its env and its database", async () => {
    const script = path.resolve(".berth", STACK, "jobs", "web", "report.sh");
    assert.ok(fs.existsSync(script), `${script} was not written`);
    const image = containers(/-web-\d+$/)[0].outputs.image as string;
    assert.ok(fs.readFileSync(script, "utf8").includes(image), "the job runs the image the web process runs");
    const { stdout } = await promisify(execFile)("sh", [script]);
    assert.match(stdout, /job: report \d+ items \(version v2\)/);
    assert.equal((await sql("SELECT version FROM reports ORDER BY id DESC LIMIT 1")).trim(), "v2");
    assert.equal((await docker("ps", "-aq", "--filter", "label=berth.role=job")).trim(), "", "the job's container is removed");
  });
});

function apiAt(replicas: number) {
  return { command: "node server.js", hosts: ["web.localhost"], paths: ["/api"], stripPrefix: true, replicas, health: FAST_HEALTH };
}

async function sql(query: string): Promise<string> {
  return docker("exec", DB, "psql", "-U", "main", "-d", "main", "-tAc", query);
}

async function docker(...args: string[]): Promise<string> {
  return (await promisify(execFile)("docker", args)).stdout;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
