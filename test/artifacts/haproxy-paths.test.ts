import { strict as assert } from "assert";
import { once } from "events";
import * as http from "http";
import * as net from "net";
import { HaproxyRoute, renderHaproxyConfig } from "../../components/proxy/haproxy-config";
import { sha512Crypt } from "../../components/proxy/password-hash";
import { tempDir } from "../harness/tools";
import { localConfig, RunningHaproxy, startHaproxy } from "./haproxy-process";
import { freePort } from "../harness/sshd";

/**
 * The real HAProxy on the config berth renders for routes that share a host by path prefix, in front
 * of small Node servers (one per route) that answer with who they are and what they received.
 * Servers are named by loopback address, as in haproxy-retries.test.ts.
 */
const REPLICA = "127.0.0.2";
const HOST = "shop.test";
const PASSWORD = "a-very-long-team-password";
const PROXY_LOGIN = `Basic ${Buffer.from(`team:${PASSWORD}`).toString("base64")}`;

/** What a replica received, as it answers it. */
interface Received {
  route: string;
  url: string;
  prefix?: string;
  authorization?: string;
}

const ROUTES: Omit<HaproxyRoute, "port" | "servers" | "healthPath">[] = [
  {
    name: "shop",
    hosts: [HOST],
    paths: ["/"],
    stripPrefix: false,
    basicAuth: { realm: "Team", paths: ["/downloads"], users: [{ name: "team", passwordHash: sha512Crypt(PASSWORD, "pathsTestSalt123") }] },
  },
  { name: "shop-api", hosts: [HOST], paths: ["/api"], stripPrefix: true },
  { name: "shop-v2", hosts: [HOST], paths: ["/api/v2"], stripPrefix: false },
  { name: "shop-docs", hosts: [HOST], paths: ["/docs", "/docs/v1.0"], stripPrefix: true },
  { name: "other", hosts: ["other.test"], paths: ["/"], stripPrefix: false },
];

async function replica(route: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const received: Received = { route, url: req.url!, prefix: req.headers["x-forwarded-prefix"] as string | undefined, authorization: req.headers.authorization };
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(received));
  });
  server.listen(0, REPLICA);
  await once(server, "listening");
  return server;
}


/** The rendered config, with only what the test environment needs changed. */
function testConfig(dir: string, ports: { http: number; https: number; stats: number }, replicaPorts: Record<string, number>): string {
  const config = renderHaproxyConfig({
    routes: ROUTES.map((r) => ({ ...r, servers: [REPLICA], port: replicaPorts[r.name], healthPath: "/health" })),
    health: { interMs: 600_000, fall: 3, rise: 2 },
    httpsRedirect: false,
    publicHttpsPort: 443,
    hsts: false,
  });
  return localConfig(config, dir, ports);
}

describe("HAProxy path routes, prefix stripping and per-path basic auth (real haproxy, real sockets)", () => {
  let ports: { http: number; https: number; stats: number };
  let haproxy: RunningHaproxy | undefined;
  const servers: http.Server[] = [];

  /** One GET on a new client connection; `received` is what the app saw, if a request reached it. */
  function get(urlPath: string, headers: Record<string, string> = {}, host = HOST): Promise<{ status: number; wwwAuthenticate?: string; received?: Received }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port: ports.http, path: urlPath, agent: false, headers: { host, ...headers } });
      req.on("response", (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (d) => (body += d));
        res.on("end", () => {
          const fromApp = res.headers["content-type"] === "application/json";
          resolve({ status: res.statusCode!, wwwAuthenticate: res.headers["www-authenticate"], received: fromApp ? JSON.parse(body) : undefined });
        });
      });
      req.on("error", reject);
      req.end();
    });
  }

  const routeOf = async (urlPath: string, host?: string) => (await get(urlPath, {}, host)).received?.route;

  before(async () => {
    ports = { http: await freePort(), https: await freePort(), stats: await freePort() };
    const replicaPorts: Record<string, number> = {};
    for (const route of ROUTES) {
      const server = await replica(route.name);
      replicaPorts[route.name] = (server.address() as net.AddressInfo).port;
      servers.push(server);
    }
    const dir = tempDir("haproxy-paths");
    haproxy = await startHaproxy(dir, testConfig(dir, ports, replicaPorts), ports.http);
  });

  after(async () => {
    await haproxy?.stop();
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  describe("routing", () => {
    it("sends a request to the route with the longest prefix that matches its path", async () => {
      assert.equal(await routeOf("/api/v2/x"), "shop-v2");
      assert.equal(await routeOf("/api/v2"), "shop-v2");
      assert.equal(await routeOf("/api/x"), "shop-api");
      assert.equal(await routeOf("/api"), "shop-api");
    });

    it("sends every path no other route claims to the route claiming /", async () => {
      assert.equal(await routeOf("/"), "shop");
      assert.equal(await routeOf("/cart?item=1"), "shop");
    });

    it("matches whole path segments only: /apix is not under /api", async () => {
      assert.equal(await routeOf("/apix"), "shop");
      assert.equal(await routeOf("/api/v2x"), "shop-api");
    });

    it("reads a '.' in a prefix as a dot, not as any character", async () => {
      assert.equal((await get("/docs/v1.0/x")).received?.prefix, "/docs/v1.0");
      assert.equal((await get("/docs/v1x0/x")).received?.prefix, "/docs");
    });

    it("claims a prefix on the route's own hosts only", async () => {
      assert.equal(await routeOf("/api/x", "other.test"), "other");
    });
  });

  describe("prefix stripping", () => {
    it("removes the prefix and keeps the query string, telling the app the prefix in X-Forwarded-Prefix", async () => {
      assert.deepEqual((await get("/api/x?q=1")).received, { route: "shop-api", url: "/x?q=1", prefix: "/api" });
    });

    it("turns the prefix itself into /", async () => {
      assert.equal((await get("/api")).received?.url, "/");
      assert.equal((await get("/api?q=1")).received?.url, "/?q=1");
    });

    it("removes the longest of the route's own prefixes, and only once", async () => {
      assert.deepEqual((await get("/docs/v1.0/x")).received, { route: "shop-docs", url: "/x", prefix: "/docs/v1.0" });
      assert.deepEqual((await get("/docs/docs/x")).received, { route: "shop-docs", url: "/docs/x", prefix: "/docs" });
    });

    it("leaves the path alone, with no X-Forwarded-Prefix, on a route that does not strip", async () => {
      assert.deepEqual((await get("/api/v2/x?q=1")).received, { route: "shop-v2", url: "/api/v2/x?q=1" });
    });

    it("never passes on an X-Forwarded-Prefix the client sent", async () => {
      assert.equal((await get("/api/v2/x", { "x-forwarded-prefix": "/evil" })).received?.prefix, undefined);
      assert.equal((await get("/api/x", { "x-forwarded-prefix": "/evil" })).received?.prefix, "/api");
    });
  });

  describe("basic auth on /downloads", () => {
    it("asks for the login under /downloads", async () => {
      for (const urlPath of ["/downloads", "/downloads/report.pdf"]) {
        const { status, wwwAuthenticate, received } = await get(urlPath);
        assert.equal(status, 401, urlPath);
        assert.equal(wwwAuthenticate, 'Basic realm="Team"');
        assert.equal(received, undefined, "the app never saw it");
      }
    });

    it("lets the right password through", async () => {
      const { status, received } = await get("/downloads/report.pdf", { authorization: PROXY_LOGIN });
      assert.equal(status, 200);
      assert.equal(received?.url, "/downloads/report.pdf");
    });

    it("refuses a wrong password", async () => {
      const wrong = `Basic ${Buffer.from("team:not-the-password").toString("base64")}`;
      assert.equal((await get("/downloads/report.pdf", { authorization: wrong })).status, 401);
    });

    it("keeps the rest of the host public, /downloadsx included", async () => {
      for (const urlPath of ["/", "/cart", "/downloadsx"]) assert.equal((await get(urlPath)).status, 200, urlPath);
    });

    it("does not pass the Authorization header to the app under /downloads", async () => {
      const { received } = await get("/downloads/report.pdf", { authorization: PROXY_LOGIN });
      assert.equal(received?.authorization, undefined);
    });

    it("does not pass the proxy's credentials to the app on a public path either (a browser may send them there unasked)", async () => {
      assert.equal((await get("/cart", { authorization: PROXY_LOGIN })).received?.authorization, undefined);
    });

    it("passes the app's own Authorization through on a public path", async () => {
      assert.equal((await get("/cart", { authorization: "Bearer app-token" })).received?.authorization, "Bearer app-token");
    });

    it("asks for the login on paths an app may read as under /downloads: encoded, in other case, with dot or empty segments", async () => {
      for (const urlPath of ["/%64ownloads/f", "/downloads%2Ff", "/DOWNLOADS/f", "/x/../downloads/f", "/./downloads/f", "//downloads/f", "/downloads;v=1/f"]) {
        assert.equal((await get(urlPath)).status, 401, urlPath);
      }
    });

    it("asks for the login on a path that does not decode, which an app may decode its own way", async () => {
      assert.equal((await get("/%zz")).status, 401);
    });
  });
});
