import { strict as assert } from "assert";
import { execFile } from "child_process";
import type { ContainerInspectInfo } from "dockerode";
import * as path from "path";
import { promisify } from "util";
import { renderProxyProbe } from "../../components/proxy/healthcheck";
import { docker as engine } from "./harness/docker";
import { Deployment } from "./harness/deployment";
import { E2eEnvironment, e2eEnvironment } from "./support/environment";
import { eventually, fetchVia } from "./support/http";
import { EXAMPLE_WORKER, exampleApp } from "./support/stack";

const STACK = "e2e-hardening";
const PORTS = { http: 40080, https: 40443 } as const;
const ORIGIN = `https://127.0.0.1:${PORTS.https}`;

/** The capabilities `docker inspect` must show each role adding back (local target), CapDrop being ALL. */
const EXPECTED_CAP_ADD: Record<string, string[] | null> = {
  app: null,
  proxy: ["CAP_DAC_OVERRIDE", "CAP_KILL", "CAP_SETGID", "CAP_SETUID"],
  postgres: ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID"],
  redis: ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_SETGID", "CAP_SETUID"],
};

/** The container's own PID limit, from its cgroup (v1 or v2). */
const PIDS_MAX = "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max";

/** The job prints what the kernel says about its own process: capabilities, no_new_privs, PID limit. */
const JOB_PROBE = `grep -E '^(CapEff|NoNewPrivs):' /proc/self/status; echo pids.max=$(${PIDS_MAX})`;

function stack(webPidsLimit = 300) {
  return {
    target: "local",
    httpPort: PORTS.http,
    httpsPort: PORTS.https,
    apps: {
      web: exampleApp({
        replicas: 2,
        pidsLimit: webPidsLimit,
        processes: { worker: { ...EXAMPLE_WORKER, pidsLimit: 64 } },
        jobs: { probe: { schedule: "@daily", command: ["sh", "-c", JOB_PROBE], timeoutSeconds: 60 } },
      }),
    },
    databases: { main: { engine: "postgres" }, cache: { engine: "redis" } },
  };
}

/**
 * What `docker inspect` reports for every container of a deployed local stack: the hardening
 * berth declares (test/unit/hardening.test.ts) is what the engine applies.
 */
describe("e2e: container hardening", function () {
  // Two of the tests run `pulumi up` again.
  this.timeout(300_000);
  let env: E2eEnvironment;
  let deployment: Deployment;
  let containers: ContainerInspectInfo[];

  const roleOf = (c: ContainerInspectInfo) => {
    const role = c.Config.Labels["berth.role"];
    return role === "database" ? (c.Config.Labels["berth.database"] === "main" ? "postgres" : "redis") : role;
  };
  const one = (role: string) => {
    const found = containers.filter((c) => roleOf(c) === role);
    assert.equal(found.length, 1, `${role}: ${found.map((c) => c.Name).join(", ")}`);
    return found[0];
  };
  const inspectAll = async () => {
    const list = await engine.listContainers({ all: true, filters: { label: [`berth.stack=${STACK}`] } });
    return Promise.all(list.map((c) => engine.getContainer(c.Id).inspect()));
  };

  before(async function () {
    env = await e2eEnvironment(this);
    this.timeout(600_000);
    deployment = new Deployment(STACK, env.registry);
    await deployment.sweep();
    // The harness's up also runs the program a second time and fails on any planned change.
    await deployment.up(stack());
    containers = await inspectAll();
  });

  after(async function () {
    this.timeout(180_000);
    await deployment?.sweep();
  });

  it("runs the stack's proxy, two web replicas, a worker, Postgres and Redis", () => {
    assert.deepEqual(containers.map(roleOf).sort(), ["app", "app", "app", "postgres", "proxy", "redis"]);
  });

  it("runs every container with no-new-privileges", () => {
    for (const c of containers) assert.deepEqual(c.HostConfig.SecurityOpt, ["no-new-privileges:true"], c.Name);
  });

  it("drops every capability in every container, adding back exactly what its role needs", () => {
    for (const c of containers) {
      assert.deepEqual(c.HostConfig.CapDrop, ["ALL"], c.Name);
      assert.deepEqual(c.HostConfig.CapAdd ?? null, EXPECTED_CAP_ADD[roleOf(c)], c.Name);
    }
  });

  it("limits every container's memory", () => {
    for (const c of containers) assert.ok((c.HostConfig.Memory ?? 0) > 0, `${c.Name}: Memory ${c.HostConfig.Memory}`);
    assert.equal(one("proxy").HostConfig.Memory, 256 * 1024 * 1024);
  });

  it("limits every container's processes, as configured", () => {
    const expected = (c: ContainerInspectInfo) =>
      ({ proxy: 128, postgres: 256, redis: 256 })[roleOf(c) as string] ?? (c.Config.Labels["berth.process"] === "worker" ? 64 : 300);
    for (const c of containers) assert.equal(c.HostConfig.PidsLimit, expected(c), c.Name);
  });

  it("enforces the PID limit inside the container, and keeps it across a restart", async () => {
    const proxy = one("proxy");
    assert.equal((await exec(proxy.Id, ["sh", "-c", PIDS_MAX])).trim(), "128");
    await engine.getContainer(proxy.Id).restart({ t: 5 });
    const after = await engine.getContainer(proxy.Id).inspect();
    assert.equal(after.HostConfig.PidsLimit, 128);
    assert.equal((await exec(proxy.Id, ["sh", "-c", PIDS_MAX])).trim(), "128");
    await eventually(async () => assert.equal((await fetchVia(ORIGIN, "web.localhost", "/health")).status, 200), 30_000);
  });

  it("runs the proxy on a read-only root filesystem, writable only in its tmpfs", async () => {
    const proxy = one("proxy");
    assert.equal(proxy.HostConfig.ReadonlyRootfs, true);
    assert.deepEqual(Object.keys(proxy.HostConfig.Tmpfs ?? {}), ["/var/lib/haproxy"]);
    await assert.rejects(exec(proxy.Id, ["touch", "/usr/local/etc/x"]), /Read-only file system/);
    await exec(proxy.Id, ["touch", "/var/lib/haproxy/x"]);
  });

  it("has a proxy health check that Docker reports healthy", async () => {
    const proxy = await engine.getContainer(one("proxy").Id).inspect();
    assert.ok(proxy.Config.Healthcheck?.Test?.length, "no health check");
    await eventually(async () => assert.equal((await engine.getContainer(proxy.Id).inspect()).State.Health?.Status, "healthy"), 30_000);
  });

  it("has a proxy health check that fails while HAProxy's worker is stopped, and passes once it serves again", async () => {
    const proxy = one("proxy");
    const probe = () => exec(proxy.Id, ["bash", "-c", renderProxyProbe()]).then(() => true, () => false);
    assert.equal(await probe(), true);
    // The workers are the master's children (host PIDs: the kill comes from the host).
    const top = await engine.getContainer(proxy.Id).top({ ps_args: "-o pid,ppid,args" });
    const processes = top.Processes as string[][];
    const master = processes.find((p) => p[1] !== undefined && !processes.some((q) => q[0] === p[1]))![0];
    const workers = processes.filter((p) => p[1] === master).map((p) => p[0]);
    assert.ok(workers.length > 0, JSON.stringify(top));
    await sh("kill", ["-STOP", ...workers]);
    try {
      assert.equal(await probe(), false);
    } finally {
      await sh("kill", ["-CONT", ...workers]);
    }
    assert.equal(await probe(), true);
  });

  it("mounts the Docker socket in no container", () => {
    for (const c of containers) {
      for (const m of c.Mounts) assert.ok(!m.Source?.includes("docker.sock") && !m.Destination.includes("docker.sock"), `${c.Name} mounts ${m.Source}`);
    }
  });

  it("publishes no database port", () => {
    for (const c of ["postgres", "redis"].map(one)) {
      assert.deepEqual(c.HostConfig.PortBindings ?? {}, {}, c.Name);
      for (const bindings of Object.values(c.NetworkSettings.Ports ?? {})) assert.equal(bindings, null, `${c.Name} publishes ${JSON.stringify(bindings)}`);
    }
  });

  for (const [role, alias, port] of [
    ["postgres", "db-main", 5432],
    ["redis", "db-cache", 6379],
  ] as const) {
    it(`${role} is unreachable from the proxy, by alias and by address, and reachable from an app replica`, async () => {
      const db = one(role);
      const address = Object.values(db.NetworkSettings.Networks)[0].IPAddress;
      const proxy = one("proxy");
      const replica = containers.find((c) => roleOf(c) === "app" && !c.Config.Labels["berth.process"])!;
      assert.equal(await connects(replica.Id, alias, port), true, `the web replica cannot reach ${alias}:${port}`);
      assert.equal(await connects(replica.Id, address, port), true, `the web replica cannot reach ${address}:${port}`);
      assert.equal(await connects(proxy.Id, alias, port), false, `the proxy reaches ${alias}:${port}`);
      assert.equal(await connects(proxy.Id, address, port), false, `the proxy reaches ${address}:${port}`);
    });
  }

  it("runs a job with no capability, no new privileges and the app's PID limit", async () => {
    const script = path.resolve(".berth", STACK, "jobs", "web", "probe.sh");
    const { stdout } = await promisify(execFile)("sh", [script]);
    assert.match(stdout, /^CapEff:\s+0+$/m);
    assert.match(stdout, /^NoNewPrivs:\s+1$/m);
    assert.match(stdout, /^pids\.max=300$/m);
  });

  it("applies a new PID limit to the running replicas, without replacing them", async () => {
    const before = containers.filter((c) => roleOf(c) === "app").map((c) => c.Id).sort();
    await deployment.up(stack(400));
    const now = await inspectAll();
    const replicas = now.filter((c) => roleOf(c) === "app" && !c.Config.Labels["berth.process"]);
    assert.deepEqual(now.filter((c) => roleOf(c) === "app").map((c) => c.Id).sort(), before);
    for (const c of replicas) assert.equal(c.HostConfig.PidsLimit, 400, c.Name);
  });

  it("sets the PID limit of a replaced container again", async () => {
    const old = one("proxy");
    await deployment.up(stack(400), { replace: (r) => r.type === "docker:index/container:Container" && r.name === "proxy" });
    const proxy = (await inspectAll()).find((c) => roleOf(c) === "proxy")!;
    assert.notEqual(proxy.Id, old.Id);
    assert.equal(proxy.HostConfig.PidsLimit, 128);
  });
});

/** Runs a command in a container; rejects with its output when it exits non-zero. */
async function exec(container: string, cmd: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)("docker", ["exec", container, ...cmd]).catch((err) => {
    throw new Error(`${cmd.join(" ")}: ${err.stderr || err.message}`);
  });
  return stdout;
}

async function sh(command: string, args: string[]): Promise<void> {
  await promisify(execFile)(command, args);
}

/** A real TCP connection attempt from inside a container (bash's /dev/tcp), given 3 seconds. */
async function connects(container: string, host: string, port: number): Promise<boolean> {
  return exec(container, ["timeout", "3", "bash", "-c", `exec 3<>/dev/tcp/${host}/${port}`]).then(
    () => true,
    () => false,
  );
}
