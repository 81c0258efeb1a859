import { goDuration } from "../docker-host/limits";

/**
 * The proxy container's Docker health check: an HTTP request from inside the container to the
 * public HTTP listener's `monitor-uri` (haproxy-config.ts, PROXY_PING_PATH), which HAProxy's workers
 * answer themselves, neither logged nor forwarded. It fails when the workers stop serving: none
 * running, the listener gone, or no answer within the check's timeout.
 *
 * It uses only bash and its /dev/tcp: the official haproxy image (Debian-based) has bash, and
 * neither curl nor wget, and the reload already relies on bash's /dev/tcp in the container
 * (host/scripts.ts, renderProxyReloadScript). The alpine variant has no bash: it is not supported.
 */
export const PROXY_PING_PATH = "/.berth/ping";

/** Port of the HTTP listener inside the proxy container. */
export const PROXY_HTTP_PORT = 80;

/** The probe, run as `bash -c`: exits 0 only on a `200` status line. */
export function renderProxyProbe(): string {
  return [
    `exec 3<>/dev/tcp/127.0.0.1/${PROXY_HTTP_PORT}`,
    `printf 'GET ${PROXY_PING_PATH} HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3`,
    "IFS= read -r -t 2 status <&3",
    '[[ $status == "HTTP/1."?" 200 "* ]]',
  ].join(" && ");
}

/** Durations as the provider reads them back (Go's format), so an unchanged check plans nothing. */
export function proxyHealthcheck() {
  return {
    tests: ["CMD", "bash", "-c", renderProxyProbe()],
    interval: goDuration(5),
    timeout: goDuration(3),
    retries: 3,
    startPeriod: goDuration(10),
  };
}
