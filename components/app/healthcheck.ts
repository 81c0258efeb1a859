import type { HealthConfig } from "../config/processes";
import { goDuration } from "../docker-host/limits";
import { healthTest } from "./command";

/**
 * The command Docker runs inside each replica of a routed process to decide whether it is healthy,
 * when the config gives no health.command. Images differ in what they ship, so it uses curl, else
 * wget, else Node's fetch: one of them is in nearly every app image (node:*-slim has neither curl
 * nor wget, but has node). It needs /bin/sh: images without a shell give health.command instead.
 */
export function renderHealthProbe(port: number, path: string, timeoutSeconds: number): string {
  const url = `http://127.0.0.1:${port}${path}`;
  const t = timeoutSeconds;
  return [
    `url='${url.replace(/'/g, "")}'`,
    "if command -v curl >/dev/null 2>&1; then",
    `  exec curl -fsS -o /dev/null --max-time ${t} "$url"`,
    "elif command -v wget >/dev/null 2>&1; then",
    `  exec wget -q -O /dev/null -T ${t} "$url"`,
    "else",
    `  exec node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(${t * 1000}) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$url"`,
    "fi",
  ].join("\n");
}

/**
 * Docker health check settings for a replica: health.command when given, else the HTTP probe of
 * health.path on `port` (routed processes).
 */
export function dockerHealthcheck(health: HealthConfig, port?: number) {
  let tests: string[];
  if (health.command !== undefined) tests = healthTest(health.command);
  else if (port !== undefined && health.path !== undefined) tests = ["CMD-SHELL", renderHealthProbe(port, health.path, health.timeoutSeconds)];
  else throw new Error("a health check needs health.command, or a port and health.path");
  return {
    tests,
    // As the provider reads them back (Go's format), so an unchanged check never shows a diff.
    interval: goDuration(health.intervalSeconds),
    timeout: goDuration(health.timeoutSeconds),
    retries: health.retries,
    startPeriod: goDuration(health.startPeriodSeconds),
  };
}

/**
 * A worker without health.command: no Docker health check at all, not even one its image declares
 * (an image built for a web process usually checks its HTTP port, which a worker never opens).
 * The timings mean nothing under NONE, but each is stated and non-zero: Docker fills a zero from
 * the image's HEALTHCHECK, the provider reads that back, and a worker whose image has one would
 * then be replaced on every `up` (moby v20.10.24 daemon/commit.go L77-L97; the harness's model,
 * container.facts.daemonMergesHealthcheck).
 */
export const NO_HEALTHCHECK = { tests: ["NONE"], interval: "30s", timeout: "30s", retries: 1, startPeriod: "1s" };

/** How long `pulumi up` waits for a new replica to turn healthy before failing the update. */
export function healthWaitSeconds(health: HealthConfig): number {
  return health.startPeriodSeconds + (health.intervalSeconds + health.timeoutSeconds) * health.retries + 30;
}
