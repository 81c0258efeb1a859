// Constant-rate HTTP load (rate-worker.ts) in a child process.
//
// Why not autocannon -R: its rate limit lets each connection send its whole per-second quota
// back to back at the top of every second (bursts, not a rate), and its latency histogram has
// 1 ms resolution — too coarse for a 0.5 ms overhead target. wrk (Debian's, not wrk2) has no
// rate option at all; it is used for saturation only (wrk.ts).
import { fork } from "child_process";
import * as path from "path";

export interface LoadSpec {
  /** e.g. http://172.18.0.4:80/ — a container's address, never a published port. */
  url: string;
  /** Host header. */
  host: string;
  rps: number;
  /** Most keep-alive connections open at once; more requests queue (and their wait counts). */
  connections: number;
  /** A request with no full answer by then fails. */
  timeoutMs: number;
}

export interface LoadResult {
  /** Requests sent. */
  total: number;
  /** 2xx answers. */
  ok: number;
  /** Everything else: errors, timeouts, non-2xx. */
  failed: number;
  durationMs: number;
  rps: number;
  /** Latency percentiles of the 2xx answers, ms. */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Failure kind (error code or "HTTP 503") → count. */
  failures: Record<string, number>;
  firstFailures: Array<{ atMs: number; ms: number; what: string }>;
  /** 2xx answers that took longer than 10 ms, 50 ms, 100 ms, 1 s. */
  slowerThan: Record<"10ms" | "50ms" | "100ms" | "1s", number>;
  /** The slowest 2xx answers: when they were sent (ms into the load) and how long they took. */
  slowest: Array<{ atMs: number; ms: number }>;
  /** X-App-Version of the 2xx answers → count. */
  versions: Record<string, number>;
}

export type WorkerMessage =
  | { type: "start"; spec: LoadSpec }
  | { type: "stop" }
  | { type: "started" }
  | { type: "result"; result: LoadResult };

export const RATE_DEFAULTS = { rps: 200, connections: 64, timeoutMs: 10_000 } as const;

export interface RunningLoad {
  /** ms since the first request was sent. */
  elapsedMs(): number;
  /** Stops sending, waits for the answers in flight, and reports. */
  stop(): Promise<LoadResult>;
}

/** Starts the load; resolves once the first request is on its way. */
export async function startLoad(spec: Partial<LoadSpec> & Pick<LoadSpec, "url" | "host">): Promise<RunningLoad> {
  const full: LoadSpec = { ...RATE_DEFAULTS, ...spec };
  const child = fork(path.join(__dirname, "rate-worker.ts"), [], {
    execArgv: ["-r", "ts-node/register/transpile-only"],
    // Whatever the working directory, compile with the project's settings.
    env: { ...process.env, TS_NODE_PROJECT: path.resolve(__dirname, "../../tsconfig.json") },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<never>((_, reject) =>
    child.on("exit", (code, signal) => reject(new Error(`load generator exited early (${signal ?? `exit ${code}`})`))),
  );
  exited.catch(() => undefined); // observed through the races below
  const next = (type: "started" | "result") =>
    Promise.race([
      new Promise<WorkerMessage>((resolve) => {
        const on = (msg: WorkerMessage) => {
          if (msg.type !== type) return;
          child.off("message", on);
          resolve(msg);
        };
        child.on("message", on);
      }),
      exited,
    ]);

  const started = next("started");
  child.send({ type: "start", spec: full } satisfies WorkerMessage);
  await started;
  const t0 = Date.now();
  return {
    elapsedMs: () => Date.now() - t0,
    async stop() {
      const result = next("result");
      child.send({ type: "stop" } satisfies WorkerMessage);
      const msg = await result;
      child.kill();
      return (msg as Extract<WorkerMessage, { type: "result" }>).result;
    },
  };
}

/** Runs the load for a fixed time. */
export async function loadFor(ms: number, spec: Partial<LoadSpec> & Pick<LoadSpec, "url" | "host">): Promise<LoadResult> {
  const load = await startLoad(spec);
  await sleep(ms);
  return load.stop();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
