import { strict as assert } from "assert";
import { once } from "events";
import * as http from "http";
import * as net from "net";
import { renderHaproxyConfig } from "../../components/proxy/haproxy-config";
import { tempDir } from "../harness/tools";
import { localConfig, RunningHaproxy, startHaproxy } from "./haproxy-process";
import { freePort } from "../harness/sshd";

/**
 * The real HAProxy on the config berth renders, in front of a small Node server that answers with
 * the client-address headers it received (every occurrence, as sent on the wire). Clients connect
 * from 127.0.0.1. Two proxies: one whose trusted upstream is 127.0.0.0/8 (so the test client stands
 * for Cloudflare), one whose trusted ranges are Cloudflare's and do not include the client.
 */
const REPLICA = "127.0.0.2";
const HOST = "app.test";
const CLIENT = "127.0.0.1";
const FORGED = "6.6.6.6";
const HEADERS = ["x-forwarded-for", "x-real-ip", "cf-connecting-ip", "true-client-ip", "forwarded"] as const;

type Seen = Partial<Record<(typeof HEADERS)[number], string[]>>;

/** Answers with every occurrence of the client-address headers it received. */
async function echoReplica(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const seen: Seen = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i].toLowerCase() as (typeof HEADERS)[number];
      if (HEADERS.includes(name)) (seen[name] ??= []).push(req.rawHeaders[i + 1]);
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(seen));
  });
  server.listen(0, REPLICA);
  await once(server, "listening");
  return server;
}


/** A live haproxy on berth's config with these trusted ranges, in front of the echo replica. */
async function proxyTrusting(trustedProxies: string[], replicaPort: number): Promise<{ haproxy: RunningHaproxy; port: number }> {
  const ports = { http: await freePort(), https: await freePort(), stats: await freePort() };
  const dir = tempDir("haproxy-client-address");
  const config = renderHaproxyConfig({
    routes: [{ name: "app", hosts: [HOST], paths: ["/"], stripPrefix: false, servers: [REPLICA], port: replicaPort, healthPath: "/health" }],
    health: { interMs: 600_000, fall: 3, rise: 2 },
    httpsRedirect: false,
    publicHttpsPort: 443,
    hsts: false,
    trustedProxies,
  });
  return { haproxy: await startHaproxy(dir, localConfig(config, dir, ports), ports.http), port: ports.http };
}

/** One GET from 127.0.0.1 with these headers (a list: the header is sent once per value); what the app saw. */
function send(port: number, headers: Record<string, string | string[]>): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", localAddress: CLIENT, port, path: "/", agent: false, headers: { host: HOST, ...headers } });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d) => (body += d));
      res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`status ${res.statusCode}: ${body}`))));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Every header a client may send to claim another address. */
const FORGERIES = {
  "x-forwarded-for": [FORGED, "7.7.7.7"],
  "x-real-ip": FORGED,
  "cf-connecting-ip": FORGED,
  "true-client-ip": FORGED,
  forwarded: `for=${FORGED}`,
};

describe("HAProxy client addresses (real haproxy, real sockets)", () => {
  let replica: http.Server;
  const proxies: RunningHaproxy[] = [];
  let untrustedPort: number;
  let trustedPort: number;

  before(async () => {
    replica = await echoReplica();
    const replicaPort = (replica.address() as net.AddressInfo).port;
    const untrusted = await proxyTrusting(["173.245.48.0/20", "103.21.244.0/22", "2400:cb00::/32"], replicaPort);
    const trusted = await proxyTrusting(["127.0.0.0/8"], replicaPort);
    proxies.push(untrusted.haproxy, trusted.haproxy);
    untrustedPort = untrusted.port;
    trustedPort = trusted.port;
  });

  after(async () => {
    for (const proxy of proxies) await proxy.stop();
    replica?.closeAllConnections();
    replica?.close();
  });

  describe("from a source outside the trusted ranges", () => {
    it("the app sees the connection's source in X-Forwarded-For, once, whatever the client sent", async () => {
      const seen = await send(untrustedPort, FORGERIES);
      assert.deepEqual(seen["x-forwarded-for"], [CLIENT]);
    });

    it("the app sees the connection's source in X-Real-IP, whatever the client sent", async () => {
      const seen = await send(untrustedPort, FORGERIES);
      assert.deepEqual(seen["x-real-ip"], [CLIENT]);
    });

    it("a forged CF-Connecting-IP neither names the client nor reaches the app", async () => {
      const seen = await send(untrustedPort, { "cf-connecting-ip": FORGED });
      assert.deepEqual(seen["x-forwarded-for"], [CLIENT]);
      assert.equal(seen["cf-connecting-ip"], undefined);
    });

    it("True-Client-IP and Forwarded never reach the app", async () => {
      const seen = await send(untrustedPort, FORGERIES);
      assert.equal(seen["true-client-ip"], undefined);
      assert.equal(seen.forwarded, undefined);
    });

    it("a request without any such header still tells the app its client", async () => {
      const seen = await send(untrustedPort, {});
      assert.deepEqual(seen["x-forwarded-for"], [CLIENT]);
    });
  });

  describe("from a source inside the trusted ranges (standing for Cloudflare)", () => {
    it("the app sees CF-Connecting-IP's address in X-Forwarded-For and X-Real-IP, replacing a forged one", async () => {
      const seen = await send(trustedPort, { ...FORGERIES, "cf-connecting-ip": "198.51.100.7" });
      assert.deepEqual(seen["x-forwarded-for"], ["198.51.100.7"]);
      assert.deepEqual(seen["x-real-ip"], ["198.51.100.7"]);
    });

    it("an IPv6 client named in CF-Connecting-IP is passed on as it is", async () => {
      const seen = await send(trustedPort, { "cf-connecting-ip": "2001:db8::7" });
      assert.deepEqual(seen["x-forwarded-for"], ["2001:db8::7"]);
    });

    it("CF-Connecting-IP itself reaches the app", async () => {
      const seen = await send(trustedPort, { "cf-connecting-ip": "198.51.100.7" });
      assert.deepEqual(seen["cf-connecting-ip"], ["198.51.100.7"]);
    });

    it("a CF-Connecting-IP that is not an address is ignored: the client is the connection's source", async () => {
      const seen = await send(trustedPort, { "cf-connecting-ip": "<script>", "x-forwarded-for": FORGED });
      assert.deepEqual(seen["x-forwarded-for"], [CLIENT]);
    });

    it("without CF-Connecting-IP the client is the connection's source", async () => {
      const seen = await send(trustedPort, { "x-forwarded-for": FORGED });
      assert.deepEqual(seen["x-forwarded-for"], [CLIENT]);
    });
  });
});
