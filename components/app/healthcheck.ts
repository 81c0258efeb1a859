import type { HealthConfig } from "../config/schema";
import { goDuration } from "../docker-host/limits";

/**
 * The command Docker runs inside each replica to decide whether it is healthy. Images differ in
 * what they ship, so it uses curl, else wget, else Node's fetch: one of them is in nearly every
 * app image (node:*-slim has neither curl nor wget, but has node).
 */
export function renderHealthProbe(port: number, health: HealthConfig): string {
  const url = `http://127.0.0.1:${port}${health.path}`;
  const t = health.timeoutSeconds;
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

/** Docker health check settings for a replica. */
export function dockerHealthcheck(port: number, health: HealthConfig) {
  return {
    tests: ["CMD-SHELL", renderHealthProbe(port, health)],
    // As the provider reads them back (Go's format), so an unchanged check never shows a diff.
    interval: goDuration(health.intervalSeconds),
    timeout: goDuration(health.timeoutSeconds),
    retries: health.retries,
    startPeriod: goDuration(health.startPeriodSeconds),
  };
}

/** How long `pulumi up` waits for a new replica to turn healthy before failing the update. */
export function healthWaitSeconds(health: HealthConfig): number {
  return health.startPeriodSeconds + (health.intervalSeconds + health.timeoutSeconds) * health.retries + 30;
}
