import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import { randomUUID } from "crypto";
import { once } from "events";
import * as http from "http";
import * as net from "net";
import { renderHaproxyConfig } from "../../components/proxy/haproxy-config";
import { tempDir } from "../harness/tools";
import { localConfig, RunningHaproxy, startHaproxy } from "./haproxy-process";
import { freePort } from "../harness/sshd";

/**
 * The real HAProxy on the config berth renders, in front of small Node servers that count how often
 * each request was executed. Servers are named by loopback address (`server <name> <name>:<port>`),
 * so every replica listens on the same port of its own address: 127.0.0.2 always answers; 127.0.0.3
 * answers on the `app` route and is dead in a different way on each of the others.
 */
const LIVE = "127.0.0.2";
const OTHER = "127.0.0.3";
const HEALTH = "/health";
// Test-only: the slow-POST test checks the retry rules, not the timeout's value.
const TIMEOUT_SERVER_MS = 500;

interface Execution {
  replica: string;
  /** The request came on a connection that had already carried one. */
  reused: boolean;
}
/** Executions of each test request, by its X-Request-Id. Health checks are not counted. */
const executions = new Map<string, Execution[]>();
const executed = (id: string) => executions.get(id) ?? [];

/** An app replica. `/crash-once`: the first execution of a request drops the connection without an answer, any later one succeeds. */
async function replica(host: string, port = 0): Promise<http.Server> {
  const served = new WeakMap<net.Socket, number>();
  const server = http.createServer((req, res) => {
    if (req.url === HEALTH) return void res.end("ok");
    const id = String(req.headers["x-request-id"]);
    const earlier = executed(id);
    const onSocket = served.get(req.socket) ?? 0;
    served.set(req.socket, onSocket + 1);
    executions.set(id, [...earlier, { replica: host, reused: onSocket > 0 }]);
    if (req.url === "/crash-once" && earlier.length === 0) return void req.socket.destroy();
    if (req.url === "/slow") return void setTimeout(() => res.end("slow"), 3 * TIMEOUT_SERVER_MS);
    res.end("ok");
  });
  // Longer than the proxy keeps an idle connection, as an app should: the replica never closes one
  // just as the proxy reuses it.
  server.keepAliveTimeout = 60_000;
  server.listen(port, host);
  await once(server, "listening");
  return server;
}

/**
 * A replica that listens but never accepts (its event loop is blocked for good). Once its accept
 * queue is full the kernel drops further SYNs, so connecting to it times out, as connecting to a
 * container whose address has vanished from the Docker bridge does.
 */
async function frozenReplica(host: string, port: number): Promise<{ child: ChildProcess; queued: net.Socket[] }> {
  const script = `require("net").createServer().listen({ host: "${host}", port: ${port}, backlog: 1 }, () => {
    console.log("listening");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  });`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await once(child.stdout!, "data");
  const queued: net.Socket[] = [];
  for (let i = 0; i < 8; i++) {
    const socket = net.connect(port, host).on("error", () => {});
    queued.push(socket);
    const connected = await Promise.race([once(socket, "connect").then(() => true), sleep(200).then(() => false)]);
    if (!connected) return { child, queued };
  }
  throw new Error(`the accept queue of ${host}:${port} never filled up`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** The rendered config, with only what the test environment needs changed. */
function testConfig(dir: string, ports: Record<"http" | "https" | "stats" | "app" | "refusing" | "ejected" | "frozen", number>): string {
  const route = (name: keyof typeof ports) => ({
    name,
    hosts: [`${name}.test`],
    paths: ["/"],
    stripPrefix: false,
    servers: [LIVE, OTHER],
    port: ports[name],
    healthPath: HEALTH,
  });
  const config = renderHaproxyConfig({
    routes: [route("app"), route("refusing"), route("ejected"), route("frozen")],
    // Active checks that stay out of the way: HAProxy spreads the servers' first checks over `inter`,
    // so in the few seconds of the test only the first server (a live one) is checked, and a server
    // is UP until its first failed check.
    health: { interMs: 600_000, fall: 3, rise: 2 },
    httpsRedirect: false,
    publicHttpsPort: 443,
    hsts: false,
  });
  return localConfig(config, dir, ports, [["timeout server 30s", `timeout server ${TIMEOUT_SERVER_MS}ms`]]);
}

describe("HAProxy retries and passive health (real haproxy, real sockets)", () => {
  let ports: Parameters<typeof testConfig>[1];
  let haproxy: RunningHaproxy | undefined;
  const servers: http.Server[] = [];
  let frozen: Awaited<ReturnType<typeof frozenReplica>>;

  /** One request on a new client connection. Status 0: the proxy closed it without an answer. */
  function send(app: string, method: string, urlPath: string): Promise<{ status: number; id: string; ms: number }> {
    const id = randomUUID();
    const started = Date.now();
    const done = (status: number) => ({ status, id, ms: Date.now() - started });
    return new Promise((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port: ports.http, method, path: urlPath, agent: false, headers: { host: `${app}.test`, "x-request-id": id } });
      req.on("response", (res) => res.resume().on("end", () => resolve(done(res.statusCode!))));
      req.on("error", (err: NodeJS.ErrnoException) => (err.code === "ECONNRESET" ? resolve(done(0)) : reject(err)));
      req.end(method === "GET" ? undefined : "order=1");
    });
  }

  /** One server's row of `show stat` on the admin socket, by column name (up to check_desc, the first that may hold a comma). */
  async function serverStat(backend: string, server: string): Promise<Record<string, string>> {
    const socket = net.connect(ports.stats, "127.0.0.1");
    socket.end("show stat\n");
    let text = "";
    for await (const chunk of socket) text += chunk;
    const [header, ...rows] = text.trim().split("\n");
    const columns = header.replace(/^# /, "").split(",");
    const row = rows.map((r) => r.split(",")).find((r) => r[0] === backend && r[1] === server);
    assert.ok(row, `no ${backend}/${server} in:\n${text}`);
    return Object.fromEntries(columns.map((c, i) => [c, row[i]]));
  }

  before(async () => {
    ports = { http: await freePort(), https: await freePort(), stats: await freePort(), app: 0, refusing: 0, ejected: 0, frozen: 0 };
    const app = await replica(LIVE);
    ports.app = (app.address() as net.AddressInfo).port;
    servers.push(app, await replica(OTHER, ports.app));
    // On the other routes only 127.0.0.2 listens: 127.0.0.3 refuses, or accepts nothing (frozen).
    for (const route of ["refusing", "ejected", "frozen"] as const) {
      const live = await replica(LIVE);
      ports[route] = (live.address() as net.AddressInfo).port;
      servers.push(live);
    }
    frozen = await frozenReplica(OTHER, ports.frozen);

    const dir = tempDir("haproxy-retries");
    haproxy = await startHaproxy(dir, testConfig(dir, ports), ports.http);
  });

  after(async () => {
    await haproxy?.stop();
    frozen?.queued.forEach((s) => s.destroy());
    frozen?.child.kill("SIGKILL");
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  it("a POST whose replica drops the connection without answering is executed exactly once", async () => {
    const { status, id } = await send("app", "POST", "/crash-once");
    assert.equal(executed(id).length, 1, JSON.stringify(executed(id)));
    assert.equal(status, 502);
  });

  it("a POST slower than `timeout server` is executed exactly once", async () => {
    const { status, id } = await send("app", "POST", "/slow");
    assert.equal(executed(id).length, 1, JSON.stringify(executed(id)));
    assert.equal(status, 504);
  });

  it("a POST sent on a reused idle connection whose replica then drops it is executed exactly once", async () => {
    // http-reuse always: after one GET to each replica, the proxy holds an idle connection to both.
    await send("app", "GET", "/");
    await send("app", "GET", "/");
    const { status, id } = await send("app", "POST", "/crash-once");
    assert.deepEqual(executed(id).map((e) => e.reused), [true], "executed once, on a reused connection");
    // HAProxy 2.6.12 answers 502. From 3.0 on (the proxy image is 3.2) a request that fails on a
    // reused server connection gets no answer: the client connection is closed, as if it had been
    // the client's own keep-alive connection that died.
    assert.ok([502, 0].includes(status), `status ${status}`);
  });

  it("a GET whose replica drops the connection is retried on the other replica and succeeds", async () => {
    const { status, id } = await send("app", "GET", "/crash-once");
    assert.deepEqual(executed(id).map((e) => e.replica).sort(), [LIVE, OTHER]);
    assert.equal(status, 200);
  });

  it("a POST to a replica that refuses connections is sent to the other replica and executed once", async () => {
    // Two requests in a row: round robin tries the refusing replica first with one of them.
    for (const { status, id } of [await send("refusing", "POST", "/"), await send("refusing", "POST", "/")]) {
      assert.deepEqual(executed(id).map((e) => e.replica), [LIVE]);
      assert.equal(status, 200);
    }
    assert.equal((await serverStat("app_refusing", OTHER)).wredis, "1", "one request was taken from the refusing replica to the other");
  });

  it("a replica is marked DOWN at its first failed connection on real traffic, without waiting for the active checks", async () => {
    const before = await serverStat("app_ejected", OTHER);
    assert.deepEqual([before.status.split(" ")[0], before.check_status], ["UP", "INI"], "UP, and no active check has run yet");
    for (const { status } of [await send("ejected", "GET", "/"), await send("ejected", "GET", "/")]) assert.equal(status, 200);
    const stat = await serverStat("app_ejected", OTHER);
    assert.equal(stat.wredis, "1", "one request was taken from the dead replica to the other");
    assert.match(stat.status, /^DOWN/, `${OTHER} should be DOWN after its failed connection:\n${haproxy!.output()}`);
    assert.equal(stat.check_status, "HANA", "marked down by watching real traffic (health analysis), not by an active check");
  });

  it("a request whose replica accepts no connections is answered by the other replica in well under a second", async () => {
    for (const { status, ms } of [await send("frozen", "GET", "/"), await send("frozen", "GET", "/")]) {
      assert.equal(status, 200);
      assert.ok(ms < 800, `took ${ms} ms`);
    }
    assert.equal((await serverStat("app_frozen", OTHER)).wredis, "1", "one request was taken from the frozen replica to the other");
  });
});
