import type { LoadResult } from "../load/rate";
import type { ProxyLogSummary } from "../proxy-log";
import { say } from "./types";

/** One line per load run, plus the first failures when there are any. */
export function describeLoad(label: string, r: LoadResult): void {
  const ms = (v: number) => v.toFixed(2);
  say(
    `${label}: ${r.total} requests (${r.rps.toFixed(0)}/s over ${(r.durationMs / 1000).toFixed(1)} s), ${r.failed} failed; ` +
      `p50 ${ms(r.p50Ms)} ms, p90 ${ms(r.p90Ms)} ms, p99 ${ms(r.p99Ms)} ms, max ${ms(r.maxMs)} ms`,
  );
  const slow = r.slowerThan;
  say(`  slower than 10 ms: ${slow["10ms"]}, 50 ms: ${slow["50ms"]}, 100 ms: ${slow["100ms"]}, 1 s: ${slow["1s"]}`);
  if (r.failed > 0) {
    say(`  failures: ${JSON.stringify(r.failures)}`);
    for (const f of r.firstFailures.slice(0, 5)) say(`    at ${f.atMs} ms (after ${f.ms} ms): ${f.what}`);
  }
}

/** HAProxy's side of the same window: retries, errors, slowest requests, server state changes. */
export function describeProxyLog(log: ProxyLogSummary, verbose: boolean): void {
  say(`HAProxy logged ${log.requests} requests: ${log.retried} retried (${log.redispatched} on another server), ${log.errors.length} not 2xx`);
  for (const e of log.errors.slice(0, 5)) say(`  not 2xx: ${e}`);
  if (!verbose) return;
  for (const e of log.events.slice(0, 12)) say(`  event ${e}`);
  for (const s of log.slowest.slice(0, 3)) say(`  slow: ${s}`);
}
