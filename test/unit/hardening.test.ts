import { strict as assert } from "assert";
import { oneOffContainer } from "../../cli/one-off";
import { renderHealthyGateScript, renderRunningGateScript } from "../../components/app/healthy-gate";
import { renderOneOffScript } from "../../components/app/one-off";
import { capabilityName, DEFAULT_PIDS_LIMITS, dropAllCapabilities, renderPidsLimitScript, ROLE_CAPABILITIES } from "../../components/docker-host/limits";
import { PROXY_PATHS, renderHaproxyConfig } from "../../components/proxy/haproxy-config";
import { PROXY_PING_PATH, proxyHealthcheck, renderProxyProbe } from "../../components/proxy/healthcheck";
import { ProgramRun, RegisteredResource, runProgram } from "../harness/program";
import { configProblems, doConfig, localConfig, TYPES } from "../harness/stacks";

/**
 * Container hardening (README, "Hardening"), as the program declares it: every container berth
 * starts drops every capability (adding back only what its role needs), cannot gain privileges,
 * has a memory and a PID limit; the proxy's root filesystem is read-only and Docker checks it
 * serves; nothing mounts the Docker socket and no database port is published.
 */

/** An app with a web process, a worker, a release and a job, with Postgres and Redis. */
const APP = {
  image: "ghcr.io/acme/web:1.0.0",
  hosts: ["app.example.com"],
  replicas: 2,
  release: ["node", "migrate.js"],
  processes: { worker: { command: ["node", "worker.js"], pidsLimit: 64 } },
  jobs: { report: { schedule: "@daily", command: ["node", "job.js"] } },
  databases: ["main", "cache"],
};

/** A dev config without off-site backups (they need keys these tests have no use for). */
const devConfig = (overrides: Record<string, unknown> = {}) => doConfig({ backups: { offsite: false }, ...overrides });

const role = (c: RegisteredResource): string => {
  const labels = (c.inputs.labels ?? []) as { label: string; value: string }[];
  return labels.find((l) => l.label === "berth.role")?.value ?? "?";
};
const engineOf = (c: RegisteredResource): string => (c.name.includes("main") ? "postgres" : "redis");

describe("Hardening", function () {
  this.timeout(60_000);
  const runs: Record<string, ProgramRun> = {};

  before(async () => {
    runs.dev = await runProgram({ stack: "dev", config: devConfig({ apps: { web: APP } }) });
    runs.local = await runProgram({ stack: "local", config: localConfig({ apps: { web: { ...APP, image: "nginx:1.27" } }, databases: devConfig().databases }) });
  });

  const containers = (stack: string) => runs[stack].ofType(TYPES.container);
  const commands = (stack: string) => runs[stack].resources.filter((r) => r.type === TYPES.remoteCommand || r.type === TYPES.localCommand);
  const byRole = (stack: string, wanted: string) => containers(stack).filter((c) => role(c) === wanted);

  describe("every container the dev and local stacks run", () => {
    for (const stack of ["dev", "local"]) {
      it(`${stack}: runs with no-new-privileges`, () => {
        for (const c of containers(stack)) assert.deepEqual(c.inputs.securityOpts, ["no-new-privileges:true"], c.name);
      });

      it(`${stack}: drops every capability`, () => {
        for (const c of containers(stack)) assert.deepEqual(c.inputs.capabilities?.drops, ["ALL"], c.name);
      });

      it(`${stack}: has a memory limit`, () => {
        for (const c of containers(stack)) assert.ok(c.inputs.memory > 0, `${c.name} has no memory limit`);
      });

      it(`${stack}: never mounts the Docker socket`, () => {
        for (const c of containers(stack)) {
          for (const v of (c.inputs.volumes ?? []) as Record<string, string>[]) {
            assert.ok(!/docker\.sock/.test(`${v.hostPath ?? ""} ${v.containerPath ?? ""}`), `${c.name} mounts ${JSON.stringify(v)}`);
          }
        }
      });

      it(`${stack}: publishes ports on the proxy only, so no database port is reachable from the host`, () => {
        const publishing = containers(stack).filter((c) => (c.inputs.ports ?? []).length > 0);
        assert.deepEqual(publishing.map(role), ["proxy"]);
        for (const db of byRole(stack, "database")) assert.equal(db.inputs.ports, undefined, db.name);
      });

      it(`${stack}: keeps the databases off the proxy's network`, () => {
        const [proxy] = byRole(stack, "proxy");
        const proxyNetworks = proxy.inputs.networksAdvanced.map((n: { name: string }) => n.name);
        for (const db of byRole(stack, "database")) {
          for (const n of db.inputs.networksAdvanced) assert.ok(!proxyNetworks.includes(n.name), `${db.name} shares ${n.name} with the proxy`);
        }
      });

      it(`${stack}: sets a PID limit on every container, again for each new one`, () => {
        for (const c of containers(stack)) {
          const setter = commands(stack).find(
            (cmd) => String(cmd.inputs.create).includes("docker update --pids-limit") && cmd.dependencies.includes(c.urn) && (cmd.inputs.triggers ?? []).length > 0,
          );
          assert.ok(setter, `no host command sets the PID limit of ${c.name}`);
          assert.ok(setter.propertyDependencies.triggers?.includes(c.urn), `${setter.name} does not run again for a new ${c.name}`);
        }
      });
    }
  });

  describe("app replicas", () => {
    it("add back no capability by default", () => {
      for (const c of byRole("dev", "app")) assert.equal(c.inputs.capabilities.adds, undefined, c.name);
    });

    it("add back what apps.<app>.capAdd lists, in Docker's spelling", async () => {
      const run = await runProgram({ stack: "dev", config: devConfig({ apps: { web: { ...APP, capAdd: ["net_raw", "CAP_SYS_PTRACE"] } } }) });
      for (const c of run.ofType(TYPES.container).filter((r) => role(r) === "app")) {
        assert.deepEqual(c.inputs.capabilities, { adds: ["CAP_NET_RAW", "CAP_SYS_PTRACE"], drops: ["ALL"] }, c.name);
      }
    });

    it("get the app's PID limit, or their process's own, from their health gate", () => {
      const gates = commands("dev").filter((c) => c.name.endsWith("-healthy"));
      assert.equal(gates.length, 3);
      for (const gate of gates) {
        const limit = gate.name.includes("worker") ? 64 : DEFAULT_PIDS_LIMITS.app;
        assert.match(String(gate.inputs.create), new RegExp(`docker update --pids-limit ${limit} "\\$container"`), gate.name);
      }
    });

    it("set the PID limit before their gate can pass, so the proxy never lists a replica without it", () => {
      for (const script of [
        renderHealthyGateScript({ container: "c", timeoutSeconds: 10, pidsLimit: 99 }),
        renderRunningGateScript({ container: "c", settleSeconds: 5, pidsLimit: 99 }),
      ]) {
        const lines = script.split("\n");
        const update = lines.findIndex((l) => l.includes("docker update --pids-limit 99"));
        const firstCheck = lines.findIndex((l) => l.includes("docker inspect"));
        assert.ok(update > 0 && update < firstCheck, script);
      }
    });
  });

  describe("the release, jobs and `berth run`", () => {
    const script = renderOneOffScript({
      container: "c",
      image: "sha256:0123",
      networks: ["n"],
      envNames: [],
      envFile: "stdin",
      timeoutSeconds: 60,
      memoryMb: 256,
      pidsLimit: 300,
      capAdd: ["CAP_NET_RAW"],
      labels: {},
      what: "the release of shop",
    });

    it("run their one-off container with no-new-privileges, every capability dropped but the app's, a memory and a PID limit", () => {
      for (const option of ["--security-opt no-new-privileges:true", "--cap-drop ALL", "--cap-add CAP_NET_RAW", "--memory 256m", "--pids-limit 300"]) {
        assert.ok(script.includes(option), `no ${option} in:\n${script}`);
      }
    });

    it("render the app's capabilities and PID limit into the release and every job runner", () => {
      const release = commands("dev").find((c) => c.name.endsWith("-release"));
      const jobs = commands("dev").find((c) => c.name.endsWith("-jobs"));
      for (const cmd of [release, jobs]) {
        assert.ok(cmd, "missing release or jobs command");
        assert.match(String(cmd.inputs.create), /--cap-drop ALL/);
        assert.match(String(cmd.inputs.create), new RegExp(`--pids-limit ${DEFAULT_PIDS_LIMITS.app}`));
      }
    });

    it("`berth run` copies the replica's capabilities and PID limit", () => {
      const { create } = oneOffContainer(
        {
          Image: "sha256:0123",
          Config: { Env: [], Labels: {} } as any,
          HostConfig: { Memory: 1, SecurityOpt: ["no-new-privileges:true"], CapDrop: ["ALL"], CapAdd: ["CAP_NET_RAW"], PidsLimit: 512 } as any,
          NetworkSettings: { Networks: { edge: {} } } as any,
        },
        { name: "run", app: "web", command: ["sh"], tty: false },
      );
      assert.deepEqual(create.HostConfig?.CapDrop, ["ALL"]);
      assert.deepEqual(create.HostConfig?.CapAdd, ["CAP_NET_RAW"]);
      assert.equal(create.HostConfig?.PidsLimit, 512);
      assert.deepEqual(create.HostConfig?.SecurityOpt, ["no-new-privileges:true"]);
    });
  });

  describe("databases", () => {
    it("add back only what the official entrypoints need to hand the data to the server's user", () => {
      for (const db of byRole("dev", "database")) {
        assert.deepEqual(db.inputs.capabilities, { adds: [...ROLE_CAPABILITIES[engineOf(db) as "postgres" | "redis"]], drops: ["ALL"] }, db.name);
      }
    });

    it("take databases.<name>.pidsLimit, 256 by default", async () => {
      const run = await runProgram({ stack: "dev", config: devConfig({ databases: { main: { engine: "postgres", pidsLimit: 400 }, cache: { engine: "redis" } } }) });
      const setters = run.resources.filter((r) => r.type === TYPES.remoteCommand && r.name.endsWith("-pids-limit"));
      assert.match(String(setters.find((s) => s.name === "main-pids-limit")?.inputs.create), /--pids-limit 400 'berth-dev-db-main'/);
      assert.match(String(setters.find((s) => s.name === "cache-pids-limit")?.inputs.create), /--pids-limit 256 'berth-dev-db-cache'/);
    });
  });

  describe("the proxy", () => {
    const proxy = (stack: string) => byRole(stack, "proxy")[0];

    it("has a read-only root filesystem, with a tmpfs only where HAProxy writes", () => {
      assert.equal(proxy("dev").inputs.readOnly, true);
      assert.deepEqual(Object.keys(proxy("dev").inputs.tmpfs), ["/var/lib/haproxy"]);
      for (const written of [PROXY_PATHS.stateFile, PROXY_PATHS.adminSocket]) assert.ok(written.startsWith("/var/lib/haproxy/"), written);
    });

    it("adds back only what its root master needs to run and stop its workers as haproxy", () => {
      assert.deepEqual(proxy("dev").inputs.capabilities, { adds: ["CAP_KILL", "CAP_SETGID", "CAP_SETUID"], drops: ["ALL"] });
    });

    it("also reads its config as root on the local target, where the files are the user's", () => {
      assert.deepEqual(proxy("local").inputs.capabilities, { adds: ["CAP_DAC_OVERRIDE", "CAP_KILL", "CAP_SETGID", "CAP_SETUID"], drops: ["ALL"] });
    });

    it("has a memory limit, 256 MiB unless proxyMemoryMb says otherwise", async () => {
      assert.equal(proxy("dev").inputs.memory, 256);
      const run = await runProgram({ stack: "dev", config: devConfig({ proxyMemoryMb: 384 }) });
      assert.equal(run.ofType(TYPES.container).find((c) => role(c) === "proxy")?.inputs.memory, 384);
    });

    it("takes proxyPidsLimit, 128 by default", () => {
      const setter = commands("dev").find((c) => c.name === "proxy-pids-limit");
      assert.match(String(setter?.inputs.create), /--pids-limit 128 'berth-dev-proxy'/);
    });

    it("has a Docker health check that asks HAProxy's own ping URI over the public HTTP listener, and waits for it", () => {
      const c = proxy("dev");
      assert.deepEqual(c.inputs.healthcheck, proxyHealthcheck());
      assert.equal(c.inputs.wait, true);
      assert.deepEqual(c.inputs.healthcheck.tests.slice(0, 3), ["CMD", "bash", "-c"]);
      // The probe's URI is the one the config answers on the HTTP frontend (bound on :80).
      const config = renderHaproxyConfig({ routes: [], health: { interMs: 500, fall: 2, rise: 2 }, httpsRedirect: true, publicHttpsPort: 443, hsts: true });
      const http = config.split("\n\n").find((s) => s.startsWith("frontend http\n"))!;
      assert.match(http, /bind :80\b/);
      assert.ok(http.includes(`monitor-uri ${PROXY_PING_PATH}`), http);
      assert.ok(renderProxyProbe().includes(`GET ${PROXY_PING_PATH} `));
    });

    it("replaces its container when the health check or the tmpfs changes, since the provider's update would not apply them", () => {
      assert.deepEqual([...proxy("dev").replaceOnChanges].sort(), ["healthcheck", "tmpfs"]);
    });
  });

  describe("config", () => {
    it("normalises a capability to Docker's spelling and refuses one Docker does not know", () => {
      assert.equal(capabilityName("net_bind_service"), "CAP_NET_BIND_SERVICE");
      assert.equal(capabilityName("ALL"), undefined);
      assert.throws(() => dropAllCapabilities(["NOT_A_CAP"]), /not a Linux capability/);
    });

    it("refuses an unknown capability in apps.<app>.capAdd, naming the key", () => {
      const problems = configProblems(devConfig({ apps: { web: { ...APP, capAdd: ["ALL"] } } }));
      assert.ok(problems.some((p) => p.startsWith("berth:apps.web.capAdd[0] must be a Linux capability")), problems.join("\n"));
    });

    it("refuses a PID limit out of range, naming the key", () => {
      const problems = [
        ...configProblems(devConfig({ proxyPidsLimit: 0 })),
        ...configProblems(devConfig({ apps: { web: { ...APP, processes: { worker: { command: ["w"], pidsLimit: 1e6 } } } } })),
        ...configProblems(devConfig({ databases: { main: { engine: "postgres", pidsLimit: "many" } } })),
      ];
      for (const key of ["proxyPidsLimit", "apps.web.processes.worker.pidsLimit", "databases.main.pidsLimit"]) {
        assert.ok(problems.some((p) => p.startsWith(`berth:${key} must be an integer from 16 to 32768`)), `${key}: ${problems.join("\n")}`);
      }
    });

    it("refuses a proxy memory limit below 64 MiB", () => {
      assert.ok(configProblems(devConfig({ proxyMemoryMb: 32 })).some((p) => p.startsWith("berth:proxyMemoryMb must be an integer from 64")));
    });
  });

  it("renders the PID-limit script for one container, quoted", () => {
    assert.match(renderPidsLimitScript({ container: "a b", pidsLimit: 10 }), /^docker update --pids-limit 10 'a b' >\/dev\/null$/m);
    assert.throws(() => renderPidsLimitScript({ container: "c", pidsLimit: 0 }), /positive integer/);
  });
});
