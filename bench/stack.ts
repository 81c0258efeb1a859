// The benchmark's own stack: the example app (3 web replicas, a worker, Postgres + Redis) on the local engine,
// named `bench` and on host ports of its own, so it never collides with the e2e stacks.
import { Deployment, UpResult } from "../test/e2e/harness/deployment";
import type { E2eEnvironment } from "../test/e2e/support/environment";
import { serversInRotation } from "../test/e2e/support/proxy-stats";
import { EXAMPLE_WORKER, exampleApp, exampleStack } from "../test/e2e/support/stack";
import { containerIp } from "./docker";
import { loadFor, sleep } from "./load/rate";

export const STACK = "bench";
export const PROXY = `berth-${STACK}-proxy`;
export const EDGE_NETWORK = `berth-${STACK}-edge`;
export const BACKEND = "app_web";
export const HOST = "web.localhost";
/** The example app's Postgres container, where POST /items inserts one row per execution. */
export const DB = `berth-${STACK}-db-main`;
const PORTS = { http: 28080, https: 28443 } as const;

/** Overrides of the `web` app, on top of the e2e example app (v1, 3 replicas, fast Docker checks). */
export type WebOverrides = Record<string, unknown>;

export function benchConfig(web: WebOverrides = {}): Record<string, unknown> {
  // Plain HTTP on port 80 routes (no redirect), so the load needs no TLS; the same for every proxy.
  // The app's health check as users get it (only the path set), not the e2e tests' 1 s interval:
  // the benchmark measures berth as shipped, and a check every second in every replica costs CPU.
  return exampleStack(
    // With its worker: POST /items enqueues, and the worker stores each item once.
    { web: exampleApp({ health: { path: "/health" }, processes: { worker: EXAMPLE_WORKER }, ...web }) },
    { httpPort: PORTS.http, httpsPort: PORTS.https, httpsRedirect: false },
  );
}

/** The deployed bench stack and what the scenarios need to know about it. */
export class BenchStack {
  readonly deployment: Deployment;
  private warmed = false;

  constructor(readonly env: E2eEnvironment) {
    this.deployment = new Deployment(STACK, env.registry);
  }

  deploy(web: WebOverrides = {}, options: Parameters<Deployment["up"]>[1] = {}): Promise<UpResult> {
    return this.deployment.up(benchConfig(web), options);
  }

  /**
   * The state every scenario starts from: v1, 3 replicas, every one in rotation, warmed up.
   * A no-op (no step) when the stack is already there.
   */
  async baseline(): Promise<void> {
    await this.deploy();
    await this.waitForRotation(3);
    if (!this.warmed) {
      await loadFor(5000, { url: await this.proxyUrl(), host: HOST }); // JIT, connection pools
      this.warmed = true;
    }
  }

  /** http://<proxy's edge address>/: what a droplet's DNAT delivers to, not Docker's userland proxy. */
  async proxyUrl(): Promise<string> {
    return `http://${await containerIp(PROXY, EDGE_NETWORK)}:80/`;
  }

  /** Container names of the web app's replicas, in replica order. */
  replicas(): string[] {
    return this.deployment
      .resources("docker:index/container:Container")
      .filter((c) => /-web-\d+$/.test(c.name))
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }))
      .map((c) => c.outputs.name as string);
  }

  async replicaIps(): Promise<string[]> {
    return Promise.all(this.replicas().map((name) => containerIp(name, EDGE_NETWORK)));
  }

  /** Waits until exactly `count` servers of the web backend pass HAProxy's checks. */
  async waitForRotation(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = -1;
    while (Date.now() < deadline) {
      seen = (await serversInRotation(PROXY, BACKEND)).length;
      if (seen === count) return;
      await sleep(200);
    }
    throw new Error(`${BACKEND}: ${seen} servers in rotation after ${timeoutMs / 1000} s, expected ${count}`);
  }
}
