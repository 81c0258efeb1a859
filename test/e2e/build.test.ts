import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { Deployment } from "./harness/deployment";
import { E2eEnvironment, e2eEnvironment } from "./support/environment";
import { fetchVia } from "./support/http";
import { describeFailures, startLoad } from "./support/load";
import { exampleApp, exampleStack, ORIGIN } from "./support/stack";

const STACK = "e2e-build";
const IMAGE_TYPE = "docker:index/image:Image";
const EXAMPLE_APP = path.resolve(__dirname, "../../examples/app");

/**
 * `build:` instead of `image:`: the local target builds examples/app from source on the engine,
 * as a droplet builds it over SSH (no registry). The example's Dockerfile takes its Node base and
 * its node_modules from build arguments here: the engine has the app stand-in, and no registry.
 */
describe("e2e: an app built from source", function () {
  this.timeout(300_000);
  let env: E2eEnvironment;
  let deployment: Deployment;
  let source: string;

  const stack = () => {
    const { image: _image, ...app } = exampleApp({
      build: { context: source, args: { BASE: env.images.app.v1, DEPS: env.images.app.v1 } },
      replicas: 2,
    });
    return exampleStack({ web: app });
  };
  const builtImageId = () => deployment.resources(IMAGE_TYPE)[0].outputs.repoDigest as string;
  const replicaImages = () =>
    deployment
      .resources("docker:index/container:Container")
      .filter((c) => /-web-\d+$/.test(c.name))
      .map((c) => c.outputs.image as string);

  before(async function () {
    env = await e2eEnvironment(this);
    this.timeout(300_000);
    source = fs.mkdtempSync(path.join(os.tmpdir(), "berth-e2e-build-"));
    for (const f of fs.readdirSync(EXAMPLE_APP)) {
      if (fs.statSync(path.join(EXAMPLE_APP, f)).isFile()) fs.copyFileSync(path.join(EXAMPLE_APP, f), path.join(source, f));
    }
    deployment = new Deployment(STACK, env.registry);
    await deployment.sweep();
  });

  after(async function () {
    this.timeout(120_000);
    await deployment?.sweep();
    if (source) fs.rmSync(source, { recursive: true, force: true });
  });

  it("builds the example app on the engine and serves it", async () => {
    const { steps } = await deployment.up(stack());
    assert.ok(steps.some((s) => s.type === IMAGE_TYPE && s.op === "create"));
    const image = await docker("image", "inspect", "-f", "{{.Id}}", `berth-${STACK}-web:local`);
    assert.equal(image.trim(), builtImageId());
    assert.deepEqual([...new Set(replicaImages())], [builtImageId()], "every replica runs the built image");
    const reply = await fetchVia(ORIGIN, "web.localhost", "/");
    assert.equal(reply.status, 200);
  });

  it("changes nothing on a second up with the same source", async () => {
    const before = builtImageId();
    const { steps } = await deployment.up(stack());
    assert.deepEqual(steps.map((s) => `${s.op} ${s.name}`), []);
    assert.equal(builtImageId(), before);
  });

  it("changes nothing when only a .dockerignore'd file changes", async () => {
    fs.writeFileSync(path.join(source, "NOTES.md"), "not part of the image\n");
    fs.mkdirSync(path.join(source, "node_modules"), { recursive: true });
    fs.writeFileSync(path.join(source, "node_modules", "left-over.js"), "// ignored\n");
    const { steps } = await deployment.up(stack());
    assert.deepEqual(steps.map((s) => `${s.op} ${s.name}`), []);
  });

  it("previews a source change as an image update without building", async () => {
    const idBefore = builtImageId();
    editServer("'X-App-Version', APP_VERSION", "'X-App-Version', 'built-2'");
    const changes = await deployment.plan(stack());
    assert.deepEqual(
      changes.filter((c) => c.name.includes("build")).map((c) => c.step.op),
      ["update"],
    );
    const tagged = await docker("image", "inspect", "-f", "{{.Id}}", `berth-${STACK}-web:local`);
    assert.equal(tagged.trim(), idBefore, "the preview built nothing");
  });

  it("rolls a one-line source change with zero failed requests, and runs the release again", async () => {
    const idBefore = builtImageId();
    const releasesBefore = await releaseRuns();
    const load = startLoad({ origin: ORIGIN, host: "web.localhost", rps: 50 });
    await sleep(1000);
    const { steps } = await deployment.up(stack()).finally(async () => await sleep(1000));
    const report = await load.stop();
    assert.equal(report.failed.length, 0, `${report.failed.length} of ${report.samples.length} failed: ${describeFailures(report)}`);
    assert.ok(steps.some((s) => s.type === IMAGE_TYPE && s.op === "update"), "the image is rebuilt");
    assert.notEqual(builtImageId(), idBefore);
    assert.deepEqual([...new Set(replicaImages())], [builtImageId()]);
    assert.equal(await releaseRuns(), releasesBefore + 1);
    const tail = report.samples.slice(-25).map((s) => s.version);
    assert.deepEqual([...new Set(tail)], ["built-2"], "the last requests are served by the new build");
  });

  function editServer(from: string, to: string): void {
    const file = path.join(source, "server.js");
    const text = fs.readFileSync(file, "utf8");
    assert.ok(text.includes(from), `server.js has ${from}`);
    fs.writeFileSync(file, text.replace(from, to));
  }

  async function releaseRuns(): Promise<number> {
    return Number((await docker("exec", `berth-${STACK}-db-main`, "psql", "-U", "main", "-d", "main", "-tAc", "SELECT count(*) FROM release_runs")).trim());
  }
});

async function docker(...args: string[]): Promise<string> {
  return (await promisify(execFile)("docker", args)).stdout;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
