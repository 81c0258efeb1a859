import { pidsLimitCommand } from "../docker-host/limits";
import { script, shellQuote } from "../host/shell";

/**
 * The check behind each replica's health gate, run on the Docker host: the replica must be
 * healthy by Docker's own health check. `wait: true` already made the provider wait for that when
 * it created the replica; the gate exists for the update after a failed one. A replica that never
 * turned healthy stays in Pulumi's state (with init errors), and the engine's next update with
 * unchanged inputs is an empty update that the provider accepts without looking. The gate was
 * never created for that replica, so it runs then, finds it unhealthy, and fails the update.
 */
export function renderHealthyGateScript(opts: { container: string; timeoutSeconds: number; pidsLimit: number }): string {
  return script("Written by berth: fails unless the replica is healthy by its Docker health check.", [
    `container=${shellQuote(opts.container)}`,
    ...setPidsLimit(opts.pidsLimit),
    `deadline=$(( $(date +%s) + ${opts.timeoutSeconds} ))`,
    "while :; do",
    "  status=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' \"$container\" 2>/dev/null || echo missing)",
    '  [ "$status" = healthy ] && exit 0',
    '  if [ "$status" != starting ] || [ "$(date +%s)" -ge "$deadline" ]; then',
    '    echo "berth: replica $container is $status, not healthy: it never turned healthy in an earlier update. Fix the release and run pulumi up, or retry it with pulumi up --replace on this replica." >&2',
    "    exit 1",
    "  fi",
    "  sleep 1",
    "done",
  ]);
}

/**
 * The health gate of a worker without health.command: "healthy" is running, and not restarting,
 * for `settleSeconds` in a row. A worker that crashes on start (a bad command, a missing module)
 * exits or restarts within that time and fails the update before the next replica starts.
 */
export function renderRunningGateScript(opts: { container: string; settleSeconds: number; pidsLimit: number }): string {
  return script("Written by berth: fails unless the worker keeps running without a restart.", [
    `container=${shellQuote(opts.container)}`,
    ...setPidsLimit(opts.pidsLimit),
    "state() { docker inspect -f '{{.State.Status}} {{.RestartCount}} {{.State.StartedAt}}' \"$container\" 2>/dev/null || echo missing; }",
    "first=$(state)",
    `i=0`,
    `while [ "$i" -lt ${opts.settleSeconds} ]; do`,
    "  now=$(state)",
    '  case "$now" in',
    '    "running 0 "*) ;;',
    "    *)",
    '      echo "berth: worker $container is not running steadily ($now): its last output:" >&2',
    '      docker logs --tail 20 "$container" >&2 2>&1 || true',
    "      exit 1",
    "      ;;",
    "  esac",
    '  if [ "$now" != "$first" ]; then',
    '    echo "berth: worker $container restarted while starting" >&2',
    "    exit 1",
    "  fi",
    "  sleep 1",
    "  i=$((i + 1))",
    "done",
  ]);
}

/** Seconds a worker without health.command must run without a restart to count as healthy. */
export const WORKER_SETTLE_SECONDS = 5;

/**
 * The replica's PID limit, which the Docker provider cannot set (docker-host/limits.ts,
 * pidsLimitCommand): set first, so a replica never counts as healthy without it. Docker keeps it
 * across restarts; a new container in the slot runs the gate, and so this, again.
 */
function setPidsLimit(pidsLimit: number): string[] {
  return [
    `if ! ${pidsLimitCommand(pidsLimit)} "$container" >/dev/null; then`,
    '  echo "berth: could not set the PID limit of $container" >&2',
    "  exit 1",
    "fi",
  ];
}
