import type { BenchStack } from "../stack";

/** The measured numbers, under the keys bench-results.json has. */
export interface Metrics {
  steady: { p99Ms: number };
  rollout: { failed: number; total: number; p99Ms: number; seconds: number };
  failover: { failed: number; ejectMs: number; p99Ms: number };
  /** POST /items sent during the failover and rollout scenarios, answered 2xx, and executed (rows). */
  post: { sent: number; ok: number; executions: number };
  scale: { failed: number };
  reload: { failed: number };
  proxy: { rps: number };
  nginx: { rps: number };
  /** Reported, no target: nginx as Dokku renders it plus upstream keep-alive. */
  nginxKeepalive: { rps: number };
  caddy: { rps: number };
  overhead: { p50Ms: number };
  eval: { ms: number };
  /** `berth restore` of a Postgres backup from off-site: seconds, and the data it restored. */
  restore: { seconds: number; rows: number; tableMb: number; downloadMb: number };
}

export interface Outcome {
  metrics: Partial<Metrics>;
  /** Everything else worth keeping: raw load results, timings, versions (in bench-results.json's meta). */
  details: Record<string, unknown>;
}

export type Scenario =
  | { name: string; docker: true; run(stack: BenchStack): Promise<Outcome> }
  | { name: string; docker: false; run(): Promise<Outcome> };

/** One line of progress, indented under the scenario's heading. */
export const say = (line: string) => console.log(`    ${line}`);
