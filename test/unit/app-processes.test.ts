import { strict as assert } from "assert";
import { rolloutOrder } from "../../components/app";
import { parseStackConfig } from "../../components/config/parse";
import { isSecretValue, ProgramRun, RegisteredResource, runProgram } from "../harness/program";
import { doConfig, localConfig, TYPES } from "../harness/stacks";

const SECRET = "sk_live_do-not-print-me";

/** The Procfile-like app on a droplet, with a secret and overrides. */
function shopConfig(app: Record<string, unknown> = {}) {
  return doConfig({
    apps: {
      shop: {
        image: "ghcr.io/acme/shop:1.4.2",
        release: "bin/rails db:migrate",
        databases: ["main", "cache"],
        env: { RAILS_ENV: "production" },
        secretEnv: ["STRIPE_KEY"],
        processes: {
          web: { command: "bin/rails server", hosts: ["shop.example.com"], port: 3000, replicas: 2 },
          api: { command: ["bin/api"], hosts: ["shop.example.com"], paths: ["/api"], port: 4000 },
          worker: { command: "bundle exec sidekiq", replicas: 2 },
        },
        jobs: { "nightly-report": { schedule: "0 3 * * *", command: "bin/rails reports:nightly" } },
        ...app,
      },
    },
    secrets: { env: { shop: { STRIPE_KEY: SECRET } } },
  });
}

const run = (config: Record<string, unknown>, stack = "dev") => runProgram({ stack, config, secretKeys: ["secrets"] });

/** Whether `from` depends on `to`, directly or through other resources. */
function dependsOn(r: ProgramRun, from: RegisteredResource, to: RegisteredResource): boolean {
  const byUrn = new Map(r.resources.map((x) => [x.urn, x]));
  const seen = new Set<string>();
  const stack = [...from.dependencies];
  while (stack.length > 0) {
    const urn = stack.pop()!;
    if (urn === to.urn) return true;
    if (seen.has(urn)) continue;
    seen.add(urn);
    stack.push(...(byUrn.get(urn)?.dependencies ?? []));
  }
  return false;
}

const replicasOf = (r: ProgramRun, base: string) =>
  r.ofType(TYPES.container).filter((c) => new RegExp(`^berth-dev-${base}-\\d+$`).test(c.name));

describe("App: processes, release and jobs", () => {
  let shop: ProgramRun;
  before(async () => {
    shop = await run(shopConfig());
  });

  describe("release phase", () => {
    it("runs the release before any replica of any process starts", () => {
      const release = shop.get(TYPES.remoteCommand, "berth-dev-shop-release");
      const replicas = shop.ofType(TYPES.container).filter((c) => c.name.startsWith("berth-dev-shop-"));
      assert.equal(replicas.length, 5);
      for (const replica of replicas) assert.ok(dependsOn(shop, replica, release), `${replica.name} must wait for the release`);
    });

    it("runs the release only once its databases are up", () => {
      const release = shop.get(TYPES.remoteCommand, "berth-dev-shop-release");
      for (const db of ["main-server", "cache-server"]) assert.ok(release.dependencies.includes(shop.get(TYPES.container, db).urn));
    });

    it("does not run the release again when only replicas change", async () => {
      const scaled = await run(shopConfig({ processes: { web: { hosts: ["shop.example.com"], replicas: 5 }, worker: { replicas: 4 } } }));
      const before = shop.get(TYPES.remoteCommand, "berth-dev-shop-release");
      const after = scaled.get(TYPES.remoteCommand, "berth-dev-shop-release");
      assert.deepEqual(after.inputs, before.inputs);
    });

    for (const [what, change] of [
      ["image", { image: "ghcr.io/acme/shop:1.4.3" }],
      ["env", { env: { RAILS_ENV: "staging" } }],
      ["databases", { databases: ["main"] }],
    ] as const) {
      it(`runs the release again when the ${what} changes`, async () => {
        const changed = await run(shopConfig(change));
        assert.notDeepEqual(changed.get(TYPES.remoteCommand, "berth-dev-shop-release").inputs, shop.get(TYPES.remoteCommand, "berth-dev-shop-release").inputs);
      });
    }

    it("runs the release again when a secret changes", async () => {
      const config = shopConfig();
      (config.secrets as any).env.shop.STRIPE_KEY = "sk_live_rotated";
      const changed = await run(config);
      assert.notEqual(changed.get(TYPES.remoteCommand, "berth-dev-shop-release").inputs.stdin, shop.get(TYPES.remoteCommand, "berth-dev-shop-release").inputs.stdin);
    });

    it("passes secrets to the release on standard input only, as a Pulumi secret", () => {
      const release = shop.get(TYPES.remoteCommand, "berth-dev-shop-release");
      assert.ok(!release.inputs.create.includes(SECRET), "no secret in the script (a command line)");
      assert.match(release.inputs.create, /-e STRIPE_KEY\b/);
      assert.ok(release.inputs.stdin.includes(SECRET));
      assert.ok(isSecretValue(release.wireInputs.stdin), "stdin is a secret");
    });

    it("runs the release command through the image's shell in a one-off container of the new image", () => {
      const create: string = shop.get(TYPES.remoteCommand, "berth-dev-shop-release").inputs.create;
      assert.match(create, /'\/bin\/sh' '-c' 'bin\/rails db:migrate'/);
      assert.ok(create.includes(shop.get(TYPES.container, "berth-dev-shop-0").inputs.image), "the image the new replicas run");
    });

    it("registers no release when the app has no release command", async () => {
      const none = await run(shopConfig({ release: undefined }));
      assert.equal(none.resources.filter((r) => r.name === "berth-dev-shop-release").length, 0);
    });
  });

  describe("processes", () => {
    it("rolls processes in a stated order: workers, routed processes, web last", () => {
      const app = parseStackConfig(shopConfig()).apps.shop;
      assert.deepEqual(rolloutOrder(app.processes), ["worker", "api", "web"]);
      const [lastWorkerGate] = shop.resources.filter((r) => r.name === "berth-dev-shop-worker-1-healthy");
      assert.ok(dependsOn(shop, shop.get(TYPES.container, "berth-dev-shop-api-0"), lastWorkerGate));
      assert.ok(dependsOn(shop, shop.get(TYPES.container, "berth-dev-shop-0"), shop.get(TYPES.remoteCommand, "berth-dev-shop-api-0-healthy")));
    });

    it("keeps a worker out of the proxy config", () => {
      const config: string = shop.get(TYPES.remoteCommand, "proxy-config").inputs.stdin;
      assert.match(config, /^backend app_shop$/m);
      assert.match(config, /^backend app_shop_api$/m);
      assert.doesNotMatch(config, /shop-worker|shop_worker/);
    });

    it("gives a worker no health check, no wait and no port, and gates it on running without restarts", () => {
      for (const worker of replicasOf(shop, "shop-worker")) {
        assert.deepEqual(worker.inputs.healthcheck.tests, ["NONE"]);
        assert.ok(worker.inputs.healthcheck.retries > 0, "a zero would be filled from the image's HEALTHCHECK");
        assert.equal(worker.inputs.wait, false);
        assert.ok(!worker.inputs.envs.some((e: string) => e.startsWith("PORT=")));
        assert.deepEqual(worker.inputs.networksAdvanced[0], { name: "berth-dev-edge" }, "no alias the proxy could resolve");
      }
      assert.match(shop.get(TYPES.remoteCommand, "berth-dev-shop-worker-0-healthy").inputs.create, /restarted while starting/);
    });

    it("stops a worker with SIGTERM and its grace period, like a web replica", () => {
      const worker = shop.get(TYPES.container, "berth-dev-shop-worker-0").inputs;
      assert.equal(worker.stopSignal, "SIGTERM");
      assert.equal(worker.destroyGraceSeconds, 30);
      assert.equal(worker.stopTimeout, 30);
    });

    it("runs a string command through the image's shell and a list in exec form", () => {
      assert.deepEqual(shop.get(TYPES.container, "berth-dev-shop-worker-0").inputs.command, ["/bin/sh", "-c", "bundle exec sidekiq"]);
      assert.deepEqual(shop.get(TYPES.container, "berth-dev-shop-api-0").inputs.command, ["bin/api"]);
    });

    it("checks a shell-less image with health.command in exec form instead of the built-in probe", async () => {
      const distroless = await run(
        shopConfig({ processes: { web: { hosts: ["shop.example.com"], command: ["/app/server"], health: { command: ["/app/server", "--healthcheck"] } } } }),
      );
      const web = distroless.get(TYPES.container, "berth-dev-shop-0").inputs;
      assert.deepEqual(web.healthcheck.tests, ["CMD", "/app/server", "--healthcheck"]);
      assert.equal(web.wait, true);
    });

    it("gives every process its own labels, and the web process the labels replicas had before processes", () => {
      const labels = (name: string) => Object.fromEntries(shop.get(TYPES.container, name).inputs.labels.map((l: any) => [l.label, l.value]));
      assert.equal(labels("berth-dev-shop-0")["berth.process"], undefined, "unchanged, so an upgrade replaces no web replica");
      assert.equal(labels("berth-dev-shop-worker-0")["berth.process"], "worker");
      assert.equal(labels("berth-dev-shop-api-0")["berth.app"], "shop");
    });

    it("states create-before-delete for every process's replicas", () => {
      for (const c of shop.ofType(TYPES.container).filter((c) => c.name.startsWith("berth-dev-shop-"))) {
        assert.equal(c.deleteBeforeReplace, false, c.name);
        assert.deepEqual(c.replaceOnChanges, ["healthcheck"], c.name);
      }
    });

    it("exports each process's replica names", () => {
      const names = shop.outputs.replicaNames.value as Record<string, Record<string, string[]>>;
      assert.deepEqual(Object.keys(names.shop).sort(), ["api", "web", "worker"]);
      assert.equal(names.shop.worker.length, 2);
    });
  });

  describe("jobs", () => {
    it("installs the jobs once every process runs the release", () => {
      const jobs = shop.get(TYPES.remoteCommand, "berth-dev-shop-jobs");
      for (const r of shop.ofType(TYPES.remoteCommand).filter((c) => /^berth-dev-shop-.*-healthy$/.test(c.name))) {
        assert.ok(dependsOn(shop, jobs, r), `the jobs must wait for ${r.name}`);
      }
    });

    it("schedules a job as a systemd timer on a droplet, with its env on standard input only", () => {
      const jobs = shop.get(TYPES.remoteCommand, "berth-dev-shop-jobs").inputs;
      assert.match(jobs.create, /OnCalendar=\*-\*-\* 03:00:00 UTC/);
      assert.match(jobs.create, /systemctl enable --now/);
      assert.ok(!jobs.create.includes(SECRET));
      assert.ok(jobs.stdin.includes(SECRET));
      assert.match(jobs.delete, /systemctl disable/);
    });

    it("writes a job's script but schedules nothing on the local target", async () => {
      const local = await runProgram({
        stack: "local",
        config: localConfig({ apps: { web: { image: "nginx:1.27", port: 80, hosts: ["web.localhost"], health: { path: "/" }, jobs: { tick: { schedule: "@hourly", command: "date" } } } } }),
      });
      const jobs = local.get(TYPES.localCommand, "berth-local-web-jobs").inputs;
      assert.doesNotMatch(jobs.create, /systemctl/);
      assert.match(jobs.create, /tick\.sh/);
    });
  });
});
