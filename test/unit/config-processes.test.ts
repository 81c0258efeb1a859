import { strict as assert } from "assert";
import { parseStackConfig } from "../../components/config/parse";
import { configProblems, doConfig } from "../harness/stacks";

const problems = configProblems;

/** A stack whose only app is `shop`, with these settings. */
function shop(settings: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return doConfig({ apps: { shop: { image: "ghcr.io/acme/shop:1.4.2", databases: ["main", "cache"], ...settings } }, ...extra });
}

const PROCFILE = {
  release: "bin/rails db:migrate",
  processes: {
    web: { command: "bin/rails server", hosts: ["shop.example.com"], port: 3000, replicas: 3 },
    worker: { command: "bundle exec sidekiq", replicas: 2 },
  },
  jobs: { "nightly-report": { schedule: "0 3 * * *", command: "bin/rails reports:nightly" } },
};

describe("config: processes, release and jobs", () => {
  describe("valid configs", () => {
    it("reads the Procfile-like example of the issue", () => {
      const app = parseStackConfig(shop(PROCFILE)).apps.shop;
      assert.deepEqual(Object.keys(app.processes), ["web", "worker"]);
      assert.deepEqual(app.processes.web.route, { hosts: ["shop.example.com"], paths: ["/"], stripPrefix: false, port: 3000, basicAuth: undefined });
      assert.equal(app.processes.web.replicas, 3);
      assert.equal(app.processes.worker.route, undefined);
      assert.equal(app.processes.worker.health, undefined, "a worker without health.command has no health check");
      assert.equal(app.release, "bin/rails db:migrate");
      assert.equal(app.releaseTimeoutSeconds, 900);
      assert.equal(app.jobs["nightly-report"].timeoutSeconds, 3600);
      assert.equal(app.jobs["nightly-report"].memoryMb, 512, "the app's memory limit");
    });

    it("reads a stack file written before processes as its web process", () => {
      const app = parseStackConfig(shop({ hosts: ["shop.example.com"], port: 8080, replicas: 2, health: { path: "/up" } })).apps.shop;
      assert.deepEqual(Object.keys(app.processes), ["web"]);
      assert.equal(app.processes.web.replicas, 2);
      assert.equal(app.processes.web.route?.port, 8080);
      assert.equal(app.processes.web.health?.path, "/up");
      assert.equal(app.processes.web.command, undefined, "the image's own command");
    });

    it("adds processes next to the web process a stack file already has", () => {
      const app = parseStackConfig(shop({ hosts: ["shop.example.com"], processes: { worker: { command: ["node", "worker.js"] } } })).apps.shop;
      assert.deepEqual(Object.keys(app.processes).sort(), ["web", "worker"]);
      assert.deepEqual(app.processes.worker.command, ["node", "worker.js"]);
    });

    it("lets processes override the app's memory, cpus and grace period", () => {
      const app = parseStackConfig(
        shop({ memoryMb: 256, cpus: 0.5, destroyGraceSeconds: 20, processes: { worker: { memoryMb: 1024 }, web: { hosts: ["a.example.com"] } } }),
      ).apps.shop;
      assert.equal(app.processes.worker.memoryMb, 1024);
      assert.equal(app.processes.web.memoryMb, 256);
      assert.equal(app.processes.worker.cpus, 0.5);
      assert.equal(app.processes.worker.destroyGraceSeconds, 20);
    });

    it("gives a worker a health check only through health.command", () => {
      const app = parseStackConfig(shop({ processes: { worker: { health: { command: ["/app/healthy"], intervalSeconds: 2 } } } })).apps.shop;
      assert.deepEqual(app.processes.worker.health, { command: ["/app/healthy"], intervalSeconds: 2, timeoutSeconds: 3, retries: 3, startPeriodSeconds: 10 });
    });

    it("lets two processes share a host on different path prefixes", () => {
      const app = parseStackConfig(
        shop({
          processes: {
            web: { hosts: ["shop.example.com"] },
            api: { hosts: ["shop.example.com"], paths: ["/api"], stripPrefix: true, port: 4000 },
          },
        }),
      ).apps.shop;
      assert.deepEqual(app.processes.api.route?.paths, ["/api"]);
      assert.equal(app.processes.api.route?.stripPrefix, true);
    });

    it("protects one path prefix of a process with basic auth", () => {
      const raw = shop(
        { processes: { web: { hosts: ["shop.example.com"], basicAuth: { users: ["alice"], paths: ["/downloads"] } } } },
        { secrets: { basicAuth: { shop: { alice: "correct-horse-battery" } } } },
      );
      assert.deepEqual(parseStackConfig(raw).apps.shop.processes.web.route?.basicAuth, { realm: "Restricted", users: ["alice"], paths: ["/downloads"] });
    });

    it("accepts scaling a process to 0", () => {
      assert.equal(parseStackConfig(shop({ processes: { worker: { replicas: 0 } } })).apps.shop.processes.worker.replicas, 0);
    });

    for (const schedule of ["*/15 * * * *", "0 3 * * 1-5", "30 4 1,15 * *", "0 0 * JAN,JUL SUN", "@daily", "@hourly", "@weekly"]) {
      it(`accepts the schedule ${schedule}`, () => {
        assert.deepEqual(problems(shop({ processes: { worker: {} }, jobs: { j: { schedule, command: "true" } } })), []);
      });
    }
  });

  describe("rejects, naming the key, what is allowed and what was found", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["an app with no process", shop({}), /^berth:apps\.shop must run at least one process: give it hosts \(its web process\) or processes$/],
      [
        "a web setting on an app without hosts",
        shop({ replicas: 2, processes: { worker: {} } }),
        /^berth:apps\.shop\.replicas describes the web process, which then needs hosts: add hosts to the app, or move it under processes\.<name>$/,
      ],
      [
        "the web process both on the app and under processes",
        shop({ hosts: ["a.example.com"], processes: { web: { hosts: ["a.example.com"] } } }),
        /^berth:apps\.shop\.hosts is a setting of the web process, which processes\.web also defines: set it in one place$/,
      ],
      [
        "a path prefix on a worker",
        shop({ processes: { worker: { paths: ["/api"] } } }),
        /^berth:apps\.shop\.processes\.worker\.paths applies to routed processes only \(this process has no hosts, so it is a worker\)$/,
      ],
      [
        "a port on a worker",
        shop({ processes: { worker: { port: 3000 } } }),
        /^berth:apps\.shop\.processes\.worker\.port applies to routed processes only/,
      ],
      [
        "a health path on a worker",
        shop({ processes: { worker: { health: { path: "/health" } } } }),
        /^berth:apps\.shop\.processes\.worker\.health\.path applies to routed processes only/,
      ],
      [
        "health timing on a worker without health.command",
        shop({ processes: { worker: { health: { intervalSeconds: 2 } } } }),
        /^berth:apps\.shop\.processes\.worker\.health needs command for a worker/,
      ],
      [
        "an empty command",
        shop({ processes: { worker: { command: "  " } } }),
        /^berth:apps\.shop\.processes\.worker\.command must be a command: a string \(run by the image's shell, as in a Procfile\) or a non-empty list of arguments \(exec form\)/,
      ],
      ["an empty command list", shop({ processes: { worker: { command: [] } } }), /^berth:apps\.shop\.processes\.worker\.command must be a command/],
      ["a release that is a number", shop({ hosts: ["a.example.com"], release: 3 }), /^berth:apps\.shop\.release must be a command/],
      ["a release timeout of 0", shop({ hosts: ["a.example.com"], releaseTimeoutSeconds: 0 }), /^berth:apps\.shop\.releaseTimeoutSeconds must be an integer from 1 to 86400 \(got 0\)$/],
      ["a process name with capitals", shop({ processes: { Worker: {} } }), /^berth:apps\.shop\.processes\.Worker: the name must be a lowercase name/],
      [
        "a path prefix with a trailing slash",
        shop({ processes: { api: { hosts: ["a.example.com"], paths: ["/api/"] } } }),
        /^berth:apps\.shop\.processes\.api\.paths\[0\] must be a path prefix such as \/api or \/static\/img .* \(got "\/api\/"\)$/,
      ],
      [
        "a path prefix listed twice",
        shop({ processes: { api: { hosts: ["a.example.com"], paths: ["/api", "/api"] } } }),
        /^berth:apps\.shop\.processes\.api\.paths\[1\] must be listed once \(got "\/api"\)$/,
      ],
      [
        "two processes on the same host and prefix",
        shop({ processes: { web: { hosts: ["a.example.com"], paths: ["/api"] }, api: { hosts: ["a.example.com"], paths: ["/api"] } } }),
        /^berth:apps\.shop\.processes\.api\.paths\[0\] must not route a\.example\.com\/api again: berth:apps\.shop\.processes\.web already does \(each host and path prefix goes to one process\) \(got "\/api"\)$/,
      ],
      [
        "two apps on the same host without prefixes",
        doConfig({ apps: { a: { image: "nginx", hosts: ["x.example.com"] }, b: { image: "nginx", processes: { web: { hosts: ["x.example.com"] } } } } }),
        /^berth:apps\.b\.processes\.web\.hosts\[0\] must not route x\.example\.com again: berth:apps\.a already does/,
      ],
      [
        "basic auth on a path the process does not serve",
        shop(
          { processes: { api: { hosts: ["a.example.com"], paths: ["/api"], basicAuth: { users: ["alice"], paths: ["/downloads"] } } } },
          { secrets: { basicAuth: { shop: { alice: "correct-horse-battery" } } } },
        ),
        /^berth:apps\.shop\.processes\.api\.basicAuth\.paths\[0\] must be under one of this process's paths \(\/api\): no other request reaches it \(got "\/downloads"\)$/,
      ],
      [
        "a process password that is missing",
        shop({ processes: { web: { hosts: ["a.example.com"], basicAuth: { users: ["alice"] } } } }),
        /^berth:apps\.shop\.processes\.web\.basicAuth\.users\[0\] needs a password: pulumi config set --secret --path 'secrets\.basicAuth\.shop\.alice'/,
      ],
      [
        "a process whose containers would be named like another app's",
        doConfig({ apps: { shop: { image: "nginx", processes: { api: {} } }, "shop-api": { image: "nginx", hosts: ["a.example.com"] } } }),
        /^berth:apps\.shop\.processes\.api has the same container names as app shop-api \(shop-api-0, \.\.\.\): rename the process or the app$/,
      ],
      ["a job without a command", shop({ hosts: ["a.example.com"], jobs: { j: { schedule: "@daily" } } }), /^berth:apps\.shop\.jobs\.j\.command must be a command/],
      ["a job with a 6-field schedule", shop({ hosts: ["a.example.com"], jobs: { j: { schedule: "0 0 3 * * *", command: "x" } } }), /^berth:apps\.shop\.jobs\.j\.schedule must be a cron schedule/],
      ["a job hour out of range", shop({ hosts: ["a.example.com"], jobs: { j: { schedule: "0 25 * * *", command: "x" } } }), /^berth:apps\.shop\.jobs\.j\.schedule must be a cron schedule.*25.*\(got "0 25 \* \* \*"\)$/],
      ["a job at @reboot", shop({ hosts: ["a.example.com"], jobs: { j: { schedule: "@reboot", command: "x" } } }), /^berth:apps\.shop\.jobs\.j\.schedule must be/],
      ["a job timeout of 0", shop({ hosts: ["a.example.com"], jobs: { j: { schedule: "@daily", command: "x", timeoutSeconds: 0 } } }), /^berth:apps\.shop\.jobs\.j\.timeoutSeconds must be an integer from 1 to 86400 \(got 0\)$/],
      ["a misspelt job setting", shop({ hosts: ["a.example.com"], jobs: { j: { schedule: "@daily", command: "x", timeout: 5 } } }), /^berth:apps\.shop\.jobs\.j has unknown setting 'timeout' \(known: schedule, command, timeoutSeconds, memoryMb\)$/],
      [
        "a DOCKER_ variable in an app with a release",
        shop({ hosts: ["a.example.com"], release: "migrate", env: { DOCKER_HOST: "tcp://x" } }),
        /^berth:apps\.shop\.env\.DOCKER_HOST must not start with DOCKER_ in an app with a release or jobs/,
      ],
      ["a misspelt process setting", shop({ processes: { worker: { replica: 2 } } }), /^berth:apps\.shop\.processes\.worker has unknown setting 'replica'/],
    ];
    for (const [what, raw, expected] of cases) {
      it(what, () => {
        const found = problems(raw);
        assert.ok(found.some((p) => expected.test(p)), `expected a problem matching ${expected}, got:\n${found.join("\n")}`);
      });
    }
  });
});
