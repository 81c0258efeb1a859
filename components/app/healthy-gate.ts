import { script, shellQuote } from "../host/shell";

/**
 * The check behind each replica's health gate, run on the Docker host: the replica must be
 * healthy by Docker's own health check. `wait: true` already made the provider wait for that when
 * it created the replica; the gate exists for the update after a failed one. A replica that never
 * turned healthy stays in Pulumi's state (with init errors), and the engine's next update with
 * unchanged inputs is an empty update that the provider accepts without looking. The gate was
 * never created for that replica, so it runs then, finds it unhealthy, and fails the update.
 */
export function renderHealthyGateScript(opts: { container: string; timeoutSeconds: number }): string {
  return script("Written by berth: fails unless the replica is healthy by its Docker health check.", [
    `container=${shellQuote(opts.container)}`,
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
