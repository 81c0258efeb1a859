import { APP_IMAGES } from "./environment";

/** Host ports of the e2e stacks' proxy: apart from the `local` stack's 8080/8443. */
export const PORTS = { http: 18080, https: 18443 } as const;
/** Where the e2e tests reach berth's proxy. */
export const ORIGIN = `https://127.0.0.1:${PORTS.https}`;
export const HTTP_ORIGIN = `http://127.0.0.1:${PORTS.http}`;

/** Health checks that answer within seconds, so tests do not wait on defaults meant for production. */
export const FAST_HEALTH = { path: "/health", intervalSeconds: 1, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 20 };

/** The example app's worker process (examples/app/worker.js): it stores what POST /items enqueues. */
export const EXAMPLE_WORKER = { command: ["node", "worker.js"], replicas: 1 };

/**
 * The example app, as a user would configure it: its release migrates the schema, the web process
 * serves on :3000, with Postgres + Redis and health on /health. POSTed items are stored only where
 * a stack adds the worker (`processes: { worker: EXAMPLE_WORKER }`).
 */
export function exampleApp(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    image: APP_IMAGES.v1,
    release: ["node", "migrate.js"],
    replicas: 3,
    port: 3000,
    hosts: ["web.localhost"],
    health: FAST_HEALTH,
    databases: ["main", "cache"],
    destroyGraceSeconds: 15,
    ...overrides,
  };
}

/** A `local`-target stack with the example app and its two databases, plus `extra` settings. */
export function exampleStack(apps: Record<string, unknown> = { web: exampleApp() }, extra: Record<string, unknown> = {}) {
  return {
    target: "local",
    httpPort: PORTS.http,
    httpsPort: PORTS.https,
    apps,
    databases: { main: { engine: "postgres" }, cache: { engine: "redis" } },
    ...extra,
  };
}
