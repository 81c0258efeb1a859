import * as http from "http";
import { docker } from "../docker";
import { sleep } from "../load/rate";
import { ensureWrk, saturate, SATURATION, SaturationResult } from "../load/wrk";
import { renderCaddyfile } from "../proxies/caddy";
import { ComparisonProxy, runComparisonProxy, untilAnswering } from "../proxies/container";
import { renderNginxSite } from "../proxies/nginx";
import { BenchStack, HOST, PROXY } from "../stack";
import { Outcome, say } from "./types";

const WARM_UP_S = 5;

type Target = "proxy" | "nginx" | "caddy" | "nginxKeepalive";

/**
 * Requests per second at saturation through berth's HAProxy (the stack's own container and its
 * rendered config), a Dokku-style nginx and Caddy, each in front of the same 3 replicas and hit
 * the same way (wrk, by container address). Proxy, app and wrk share the 2 cores: a proxy that
 * needs fewer cycles per request leaves more to the app, which shows as more requests per second.
 * Also measured, for reference: the Dokku-style nginx with upstream keep-alive added.
 */
export async function efficiency(stack: BenchStack): Promise<Outcome> {
  await stack.baseline();
  await ensureWrk();
  const upstreams = (await stack.replicaIps()).map((ip) => `${ip}:3000`);
  const started: ComparisonProxy[] = [];
  const start = async (p: Parameters<typeof runComparisonProxy>[0]) => {
    const proxy = await runComparisonProxy(p);
    started.push(proxy);
    return proxy;
  };
  try {
    const nginxConfig = { app: "web", hosts: [HOST], upstreams };
    const nginx = await start({ role: "nginx", image: stack.env.images.nginx, config: renderNginxSite(nginxConfig), configPath: "/etc/nginx/conf.d/default.conf" });
    const nginxKeepalive = await start({
      role: "nginx-keepalive",
      image: stack.env.images.nginx,
      config: renderNginxSite({ ...nginxConfig, upstreamKeepalive: 32 }),
      configPath: "/etc/nginx/conf.d/default.conf",
    });
    const caddy = await start({ role: "caddy", image: stack.env.images.caddy, config: renderCaddyfile({ hosts: [HOST], upstreams }), configPath: "/etc/caddy/Caddyfile" });
    const targets: Array<[name: Target, label: string, url: string]> = [
      ["proxy", "berth (HAProxy)", await stack.proxyUrl()],
      ["nginx", "nginx (Dokku's config)", nginx.url],
      ["caddy", "Caddy", caddy.url],
      ["nginxKeepalive", "nginx (Dokku's + upstream keepalive)", nginxKeepalive.url],
    ];
    for (const [, label, url] of targets) await untilAnswering(label, () => answersFromApp(url));
    // Caddy's health checker must have seen every replica pass before it balances over all three.
    await sleep(2000);

    const results = {} as Record<Target, SaturationResult>;
    for (const [name, label, url] of targets) {
      await saturate({ url, host: HOST, ...SATURATION, durationS: WARM_UP_S });
      const r = await saturate({ url, host: HOST, ...SATURATION });
      results[name] = r;
      say(
        `${label}: ${r.rps.toFixed(0)} req/s (wrk -t${SATURATION.threads} -c${SATURATION.connections} -d${SATURATION.durationS}s), ` +
          `${r.failed} failed, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`,
      );
      await sleep(2000);
    }
    const versions = {
      haproxy: firstLine(await docker("exec", PROXY, "sh", "-c", "haproxy -v 2>&1")),
      nginx: firstLine(await docker("exec", nginx.name, "sh", "-c", "nginx -v 2>&1")),
      caddy: firstLine(await docker("exec", caddy.name, "sh", "-c", "caddy version 2>&1")),
    };
    return {
      metrics: {
        proxy: { rps: results.proxy.rps },
        nginx: { rps: results.nginx.rps },
        caddy: { rps: results.caddy.rps },
        nginxKeepalive: { rps: results.nginxKeepalive.rps },
      },
      details: { results, versions, wrk: SATURATION, warmUpS: WARM_UP_S, upstreams },
    };
  } finally {
    for (const p of started) await p.remove();
  }
}

/** One GET / through a proxy must reach a replica (its JSON names the replica). */
function answersFromApp(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { host: HOST }, agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => (res.statusCode === 200 && body.includes('"replica"') ? resolve() : reject(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 100)}`))));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

const firstLine = (text: string) => text.trim().split("\n")[0];
