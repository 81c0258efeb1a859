import { strict as assert } from "assert";
import { execFile, execFileSync } from "child_process";
import { promisify } from "util";
import { renderHealthProbe } from "../../components/app/healthcheck";
import { fakeImageId } from "../harness/fakes";
import { ProgramRun, RegisteredResource, runProgram } from "../harness/program";
import { doConfig, TYPES } from "../harness/stacks";

const execFileAsync = promisify(execFile);

function withReplicas(replicas: number, image = "ghcr.io/acme/web:1.0.0") {
  return doConfig({
    apps: { web: { image, hosts: ["app.example.com"], replicas, databases: ["main", "cache"], env: { NODE_ENV: "production" } } },
  });
}

const isReplica = (r: RegisteredResource) =>
  r.type === TYPES.container && r.inputs.labels.some((l: any) => l.label === "berth.role" && l.value === "app");

/** Every resource keyed by type and name, with its inputs, so two runs can be diffed. */
function snapshot(run: ProgramRun): Map<string, string> {
  return new Map(run.resources.map((r) => [`${r.type}::${r.name}`, JSON.stringify(r.inputs)]));
}

describe("App", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ stack: "dev", config: withReplicas(2) });
  });

  it("runs `replicas` auto-named containers, so Pulumi starts a new one before deleting the old", () => {
    const replicas = run.resources.filter(isReplica);
    assert.deepEqual(replicas.map((r) => r.name), ["berth-dev-web-0", "berth-dev-web-1"]);
    for (const r of replicas) assert.equal(r.inputs.name, undefined, "a fixed name would force delete-before-replace");
  });

  it("joins every replica to the app's network alias, which the proxy resolves", () => {
    for (const r of run.resources.filter(isReplica)) {
      assert.deepEqual(r.inputs.networksAdvanced[0], { name: "berth-dev-edge", aliases: ["app-web"] });
    }
  });

  it("holds the update until a new replica is healthy, and gives old ones time to drain", () => {
    const replica = run.get(TYPES.container, "berth-dev-web-0").inputs;
    assert.equal(replica.wait, true);
    assert.equal(replica.waitTimeout, 10 + (5 + 3) * 3 + 30);
    assert.equal(replica.healthcheck.tests[0], "CMD-SHELL");
    assert.match(replica.healthcheck.tests[1], /http:\/\/127\.0\.0\.1:3000\/health/);
    assert.equal(replica.healthcheck.interval, "5s");
    assert.equal(replica.healthcheck.timeout, "3s");
    assert.equal(replica.healthcheck.retries, 3);
    assert.equal(replica.healthcheck.startPeriod, "10s");
    assert.equal(replica.destroyGraceSeconds, 30);
    assert.equal(replica.stopSignal, "SIGTERM");
    assert.equal(replica.restart, "unless-stopped");
    assert.equal(replica.memory, 512);
    assert.equal(replica.init, true);
    assert.deepEqual(replica.securityOpts, ["no-new-privileges:true"]);
  });

  it("starts replicas only after their databases are up", () => {
    for (const r of run.resources.filter(isReplica)) {
      for (const db of ["main-server", "cache-server"]) {
        assert.ok(r.dependencies.includes(run.get(TYPES.container, db).urn), `${r.name} must wait for ${db}`);
      }
    }
  });

  it("passes PORT and the plain env to every replica", () => {
    const envs: string[] = run.get(TYPES.container, "berth-dev-web-1").inputs.envs;
    assert.ok(envs.includes("PORT=3000"));
    assert.ok(envs.includes("NODE_ENV=production"));
  });

  it("scaling from 2 to 5 adds three replicas, lists them in the proxy config, and changes nothing else", async () => {
    const scaled = await runProgram({ stack: "dev", config: withReplicas(5) });
    const before = snapshot(run);
    const after = snapshot(scaled);
    const added = [...after.keys()].filter((k) => !before.has(k));
    const removed = [...before.keys()].filter((k) => !after.has(k));
    const changed = [...before.keys()].filter((k) => after.has(k) && after.get(k) !== before.get(k));
    assert.deepEqual(
      added.sort(),
      [2, 3, 4].flatMap((i) => [`${TYPES.remoteCommand}::berth-dev-web-${i}-healthy`, `${TYPES.container}::berth-dev-web-${i}`]).sort(),
    );
    assert.deepEqual(removed, []);
    assert.deepEqual(changed.sort(), [`${TYPES.remoteCommand}::proxy-config`, `${TYPES.remoteCommand}::proxy-reload`]);
  });

  it("starts replicas one at a time: each waits for the one before it to pass its health gate", () => {
    const [first, second] = [0, 1].map((i) => run.get(TYPES.container, `berth-dev-web-${i}`));
    const firstGate = run.get(TYPES.remoteCommand, "berth-dev-web-0-healthy");
    assert.ok(firstGate.dependencies.includes(first.urn));
    assert.ok(second.dependencies.includes(firstGate.urn));
    assert.ok(!first.dependencies.some((urn) => urn.endsWith("::berth-dev-web-1")));
  });

  it("gives every new replica container a health gate that runs again for the next one in its slot", () => {
    const gate = run.get(TYPES.remoteCommand, "berth-dev-web-1-healthy");
    assert.deepEqual(gate.inputs.triggers, ["berth-dev-web-1-id", "424242"]);
    assert.match(gate.inputs.create, /container='berth-dev-web-1-\w+'/);
    assert.match(gate.inputs.create, /docker inspect/);
  });

  it("states create-before-delete for every replica: the provider's own default is delete-before-replace", () => {
    for (const r of run.resources.filter(isReplica)) assert.strictEqual(r.deleteBeforeReplace, false, r.name);
  });

  it("replaces replicas when their health check changes (the provider would update it in place, and Docker never apply it)", () => {
    for (const r of run.resources.filter(isReplica)) assert.deepEqual(r.replaceOnChanges, ["healthcheck"], r.name);
  });

  it("writes durations and cpus the way the provider reads them back, so a second up changes nothing", async () => {
    const config = doConfig({ apps: { web: { image: "ghcr.io/acme/web:1", hosts: ["a.example.com"], cpus: 1, health: { startPeriodSeconds: 90 } } } });
    const replica = (await runProgram({ stack: "dev", config })).get(TYPES.container, "berth-dev-web-0").inputs;
    assert.equal(replica.cpus, "1.0");
    assert.equal(replica.healthcheck.startPeriod, "1m30s");
    assert.equal(run.get(TYPES.container, "main-server").inputs.healthcheck.startPeriod, "1m0s");
  });

  it("states the swap limit with the memory limit, so raising memoryMb later is an update Docker accepts", () => {
    const replica = run.get(TYPES.container, "berth-dev-web-0").inputs;
    assert.equal(replica.memory, 512);
    assert.equal(replica.memorySwap, 1024);
  });

  it("scaling down removes only the highest replicas", async () => {
    const scaled = await runProgram({ stack: "dev", config: withReplicas(1) });
    const gone = [...snapshot(run).keys()].filter((k) => !snapshot(scaled).has(k));
    assert.deepEqual(gone.sort(), [`${TYPES.remoteCommand}::berth-dev-web-1-healthy`, `${TYPES.container}::berth-dev-web-1`]);
  });

  it("a new image pulls it once and changes only the replicas' inputs (each is replaced create-before-delete)", async () => {
    const rolled = await runProgram({ stack: "dev", config: withReplicas(2, "ghcr.io/acme/web:1.1.0") });
    const before = snapshot(run);
    const after = snapshot(rolled);
    const changed = [...after.entries()].filter(([k, v]) => before.has(k) && before.get(k) !== v).map(([k]) => k);
    assert.deepEqual(changed, [0, 1].map((i) => `${TYPES.container}::berth-dev-web-${i}`));
    assert.deepEqual([...after.keys()].filter((k) => !before.has(k)), [`${TYPES.remoteImage}::berth-dev-image-ghcr.io-acme-web-1.1.0`]);
    assert.deepEqual([...before.keys()].filter((k) => !after.has(k)), [`${TYPES.remoteImage}::berth-dev-image-ghcr.io-acme-web-1.0.0`]);
    assert.equal(rolled.get(TYPES.container, "berth-dev-web-0").inputs.image, fakeImageId("ghcr.io/acme/web:1.1.0"));
  });

  it("runs replicas from the pulled image's id, which is what the provider reads back", () => {
    const pull = run.get(TYPES.remoteImage, "berth-dev-image-ghcr.io-acme-web-1.0.0");
    assert.equal(pull.inputs.name, "ghcr.io/acme/web:1.0.0");
    assert.equal(pull.inputs.keepLocally, false, "a droplet reclaims the disk of images no longer used");
    for (const r of run.resources.filter(isReplica)) {
      assert.equal(r.inputs.image, fakeImageId("ghcr.io/acme/web:1.0.0"));
      assert.ok(r.dependencies.includes(pull.urn));
    }
  });

  describe("health probe", () => {
    it("is valid sh that shellcheck accepts", () => {
      const probe = renderHealthProbe(3000, "/health", 3);
      execFileSync("shellcheck", ["-s", "sh", "-"], { input: `#!/bin/sh\n${probe}\n` });
    });

    it("fails when nothing answers and passes when the app answers 200", async () => {
      const http = await import("http");
      const server = http.createServer((req, res) => {
        res.statusCode = req.url === "/health" ? 200 : 500;
        res.end();
      });
      await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
      const port = (server.address() as any).port;
      // Asynchronous, so this process's server can answer while the probe runs.
      const probe = (p: number, path = "/health") =>
        execFileAsync("sh", ["-c", renderHealthProbe(p, path, 2)]).then(() => true, () => false);
      try {
        assert.equal(await probe(port), true);
        assert.equal(await probe(port, "/broken"), false);
      } finally {
        server.close();
      }
      assert.equal(await probe(port), false);
    });
  });
});
