// Constant-rate HTTP load from Debian's wrk in its own process, paced by wrk-rate.lua.
//
// wrk 4 has no rate option (wrk2, which has, is not packaged): the script's delay() hands out send
// slots at rps / threads per thread, so a request goes out every 1000 / rps ms whether or not
// earlier ones have answered, as long as one of the keep-alive connections is free (more wait for
// one, and their wait is not counted: wrk times a request from its first byte sent). Latency is
// wrk's, in microseconds, send to full answer. Why not autocannon -R: its rate limit lets each
// connection send its whole per-second quota back to back at the top of every second (bursts, not
// a rate), and its latency histogram has 1 ms resolution — too coarse for a 0.5 ms overhead target.
import { spawn } from "child_process";
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
  /** Requests answered or failed (wrk drops the few in flight when stopped, uncounted). */
  total: number;
  /** 2xx answers. */
  ok: number;
  /** Everything else: connect/read/write errors, timeouts, non-2xx. */
  failed: number;
  durationMs: number;
  rps: number;
  /** Latency percentiles of all answers (wrk's histogram does not split by status), ms. */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Failure kind ("connect", "read", "write", "timeout" or "HTTP 503") → count. */
  failures: Record<string, number>;
  /** Always empty: wrk's script hooks see neither when a failed request was sent nor how long it took. */
  firstFailures: Array<{ atMs: number; ms: number; what: string }>;
  /** Answers (any status) that took longer than 10 ms, 50 ms, 100 ms, 1 s. */
  slowerThan: Record<"10ms" | "50ms" | "100ms" | "1s", number>;
  /** Always empty: wrk's script hooks never see a request's latency, only the merged histogram. */
  slowest: Array<{ atMs: number; ms: number }>;
  /** X-App-Version of the 2xx answers → count. */
  versions: Record<string, number>;
}

/** wrk-rate.lua's summary line. */
interface WrkRateSummary {
  durationUs: number;
  ok: number;
  statuses: Record<string, number>;
  versions: Record<string, number>;
  errors: Record<"connect" | "read" | "write" | "timeout", number>;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
  slowerThan: LoadResult["slowerThan"];
}

const MARKER = "wrk-rate: ";

export const RATE_DEFAULTS = { rps: 200, connections: 64, threads: 2, timeoutMs: 10_000 } as const;

export interface RunningLoad {
  /** ms since the first request was sent. */
  elapsedMs(): number;
  /** Stops sending (SIGINT: wrk prints its summary and exits) and reports. */
  stop(): Promise<LoadResult>;
}

/** Starts the load; resolves once wrk has started (its "Running ..." line). */
export async function startLoad(spec: Partial<LoadSpec> & Pick<LoadSpec, "url" | "host">): Promise<RunningLoad> {
  const full: LoadSpec = { ...RATE_DEFAULTS, ...spec };
  const { threads } = RATE_DEFAULTS;
  const args = [
    `-t${threads}`,
    `-c${full.connections}`,
    "-d24h", // until stop()
    "--timeout",
    `${Math.ceil(full.timeoutMs / 1000)}s`,
    "-H",
    `Host: ${full.host}`,
    "-s",
    path.join(__dirname, "wrk-rate.lua"),
    full.url,
    "--",
    String(full.rps / threads),
  ];
  // stdbuf: line-buffered stdout, so the "Running" line arrives now rather than at exit.
  const child = spawn("stdbuf", ["-oL", "wrk", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  child.stdout.setEncoding("utf8");
  const exited = new Promise<number | string>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve(signal ?? code ?? "?"));
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      if (stdout.startsWith("Running")) resolve();
    });
    exited.then((how) => reject(new Error(`wrk exited early (${how}):\n${stdout}`)), reject);
  });
  const t0 = Date.now();
  return {
    elapsedMs: () => Date.now() - t0,
    async stop() {
      child.kill("SIGINT");
      await exited;
      const line = stdout.split("\n").find((l) => l.startsWith(MARKER));
      if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
      return toResult(JSON.parse(line.slice(MARKER.length)) as WrkRateSummary);
    },
  };
}

function toResult(s: WrkRateSummary): LoadResult {
  const failures: Record<string, number> = {};
  for (const [kind, n] of Object.entries(s.errors)) if (n > 0) failures[kind] = n;
  for (const [status, n] of Object.entries(s.statuses)) failures[`HTTP ${status}`] = n;
  const failed = Object.values(failures).reduce((a, b) => a + b, 0);
  const durationMs = s.durationUs / 1000;
  return {
    total: s.ok + failed,
    ok: s.ok,
    failed,
    durationMs,
    rps: (s.ok + failed) / (durationMs / 1000),
    p50Ms: s.p50Us / 1000,
    p90Ms: s.p90Us / 1000,
    p99Ms: s.p99Us / 1000,
    maxMs: s.maxUs / 1000,
    failures,
    firstFailures: [],
    slowerThan: s.slowerThan,
    slowest: [],
    versions: s.versions,
  };
}

/** Runs the load for a fixed time. */
export async function loadFor(ms: number, spec: Partial<LoadSpec> & Pick<LoadSpec, "url" | "host">): Promise<LoadResult> {
  const load = await startLoad(spec);
  await sleep(ms);
  return load.stop();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
