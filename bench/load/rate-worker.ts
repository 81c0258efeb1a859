// The constant-rate load generator, run in its own process by rate.ts (over an IPC channel) so
// that the benchmark's own work never delays a request. Open model: request n is sent at
// start + n / rps whether or not earlier ones have answered, over a pool of keep-alive
// connections; latency is measured with hrtime (microseconds) from send to the last byte.
import * as http from "http";
import type { LoadSpec, LoadResult, WorkerMessage } from "./rate";

interface Sample {
  /** ms since the start. */
  at: number;
  ms: number;
  status: number;
  error?: string;
  version?: string;
}

let spec: LoadSpec | undefined;
let stopping = false;
const samples: Sample[] = [];
let inFlight = 0;
let sent = 0;
let started = 0n;

const send = (msg: WorkerMessage) => process.send?.(msg);
const sinceStartMs = () => Number(process.hrtime.bigint() - started) / 1e6;

process.on("message", (msg: WorkerMessage) => {
  if (msg.type === "start") start(msg.spec);
  if (msg.type === "stop") stop();
});
// The benchmark went away: nothing will read the result.
process.on("disconnect", () => process.exit(0));

function start(s: LoadSpec): void {
  spec = s;
  const agent = new http.Agent({ keepAlive: true, maxSockets: s.connections });
  const url = new URL(s.url);
  started = process.hrtime.bigint();
  send({ type: "started" });
  const intervalMs = 1000 / s.rps;
  const tick = () => {
    if (stopping) return;
    // Send every request that is due (timers fire late by a millisecond or so; never drift).
    while (sent * intervalMs <= sinceStartMs()) {
      sent++;
      request(agent, url, s);
    }
    setTimeout(tick, Math.max(0, sent * intervalMs - sinceStartMs()));
  };
  tick();
}

function request(agent: http.Agent, url: URL, s: LoadSpec): void {
  const at = sinceStartMs();
  const t0 = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
  let done = false;
  inFlight++;
  const finish = (sample: Omit<Sample, "at" | "ms">) => {
    if (done) return;
    done = true;
    inFlight--;
    samples.push({ at, ms: ms(), ...sample });
    if (stopping && inFlight === 0) report();
  };
  const req = http.request(
    { host: url.hostname, port: url.port || 80, path: url.pathname + url.search, agent, headers: { host: s.host }, timeout: s.timeoutMs },
    (res) => {
      const version = res.headers["x-app-version"];
      res.resume();
      res.on("end", () => finish({ status: res.statusCode ?? 0, version: typeof version === "string" ? version : undefined }));
      res.on("error", (err) => finish({ status: 0, error: err.message }));
    },
  );
  req.on("timeout", () => req.destroy(new Error(`no answer within ${s.timeoutMs} ms`)));
  req.on("error", (err) => finish({ status: 0, error: (err as NodeJS.ErrnoException).code ?? err.message }));
  req.end();
}

function stop(): void {
  stopping = true;
  if (inFlight === 0) report();
}

function report(): void {
  if (!spec) return;
  const durationMs = sinceStartMs();
  const ok = samples.filter((s) => s.status >= 200 && s.status < 300);
  const failed = samples.filter((s) => !(s.status >= 200 && s.status < 300)).sort((a, b) => a.at - b.at);
  const latencies = ok.map((s) => s.ms).sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]);
  const count = (keys: string[]) => keys.reduce<Record<string, number>>((acc, k) => ((acc[k] = (acc[k] ?? 0) + 1), acc), {});
  const result: LoadResult = {
    total: samples.length,
    ok: ok.length,
    failed: failed.length,
    durationMs,
    rps: samples.length / (durationMs / 1000),
    p50Ms: pct(50),
    p90Ms: pct(90),
    p99Ms: pct(99),
    maxMs: latencies[latencies.length - 1] ?? NaN,
    failures: count(failed.map((s) => s.error ?? `HTTP ${s.status}`)),
    firstFailures: failed.slice(0, 20).map((s) => ({ atMs: Math.round(s.at), ms: Math.round(s.ms), what: s.error ?? `HTTP ${s.status}` })),
    slowerThan: {
      "10ms": ok.filter((s) => s.ms > 10).length,
      "50ms": ok.filter((s) => s.ms > 50).length,
      "100ms": ok.filter((s) => s.ms > 100).length,
      "1s": ok.filter((s) => s.ms > 1000).length,
    },
    slowest: [...ok].sort((a, b) => b.ms - a.ms).slice(0, 30).map((s) => ({ atMs: Math.round(s.at), ms: Number(s.ms.toFixed(1)) })),
    versions: count(ok.map((s) => s.version ?? "none")),
  };
  send({ type: "result", result });
  process.disconnect?.();
}
