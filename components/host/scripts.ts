import { PROXY_PATHS } from "../proxy/haproxy-config";
import { script, shellQuote } from "./shell";

/**
 * The shell scripts berth runs on the Docker host (over SSH on a droplet, locally on the `local`
 * target). Pure renderers: each is checked by shellcheck in the artifact tier. Secrets reach them
 * only on standard input, never as arguments.
 */

export interface WriteFileOptions {
  /** Absolute path of the file on the host. */
  path: string;
  /** Octal file mode, e.g. "0600". The directory is created 0700. */
  mode: string;
  /** If set and this file does not exist yet, it is created as a copy (the first deploy). */
  seed?: string;
}

/** Writes standard input to a host file atomically (temp file + rename), with the given mode. */
export function renderWriteFileScript(opts: WriteFileOptions): string {
  return script("Written by berth: stores standard input in a host file, atomically.", [
    `target=${shellQuote(opts.path)}`,
    "umask 077",
    'mkdir -p "$(dirname "$target")"',
    'tmp="$target.tmp.$$"',
    'cat > "$tmp"',
    `chmod ${opts.mode} "$tmp"`,
    'mv -f "$tmp" "$target"',
    ...(opts.seed ? [`seed=${shellQuote(opts.seed)}`, '[ -e "$seed" ] || cp -p "$target" "$seed"'] : []),
  ]);
}

export interface ProxyReloadOptions {
  /** Name of the proxy container. */
  container: string;
  /** Host directory bind-mounted (read-only) at the container's config directory. */
  hostConfigDir: string;
}

/**
 * Reloads HAProxy in place, without restarting its container: validate the next config inside the
 * running container, promote it, save server state (so replicas keep their health and addresses
 * across the reload), then signal the master, which starts new workers on the handed-over
 * listeners while the old ones finish their requests.
 */
export function renderProxyReloadScript(opts: ProxyReloadOptions): string {
  const saveState = [
    `exec 3<>/dev/tcp/127.0.0.1/${PROXY_PATHS.adminTcpPort}`,
    'echo "show servers state" >&3',
    `cat <&3 > ${PROXY_PATHS.stateFile}.new`,
    `mv -f ${PROXY_PATHS.stateFile}.new ${PROXY_PATHS.stateFile}`,
  ].join("; ");
  return script("Written by berth: validates and reloads the HAProxy config without a restart.", [
    `container=${shellQuote(opts.container)}`,
    `config_dir=${shellQuote(opts.hostConfigDir)}`,
    'if [ -e "$config_dir/haproxy.cfg.next" ]; then',
    `  if ! docker exec "$container" haproxy -c -q -f ${PROXY_PATHS.nextConfigFile}; then`,
    '    echo "berth: HAProxy rejected the new config; the proxy keeps serving the previous one" >&2',
    "    exit 1",
    "  fi",
    '  mv -f "$config_dir/haproxy.cfg.next" "$config_dir/haproxy.cfg"',
    "fi",
    `if ! docker exec "$container" bash -c ${shellQuote(saveState)}; then`,
    '  echo "berth: could not save server state; replicas start from a fresh health check" >&2',
    "fi",
    'docker kill --signal USR2 "$container" >/dev/null',
    "sleep 1",
    'if [ "$(docker inspect -f "{{.State.Running}}" "$container")" != true ]; then',
    '  echo "berth: the proxy container stopped after the reload; see: docker logs $container" >&2',
    "  exit 1",
    "fi",
    'echo "berth: proxy reloaded"',
  ]);
}

export interface WaitReadyOptions {
  /** Block device of the data volume. */
  volumeDevice: string;
  /** Mount point of the data volume. */
  dataPath: string;
  /** Give up after this many seconds. */
  timeoutSeconds: number;
}

/**
 * Runs on the droplet before anything talks to Docker: waits for cloud-init to finish, for the data
 * volume to be attached and mounted (never letting a database start on the root disk), and for the
 * Docker daemon to answer.
 */
export function renderWaitReadyScript(opts: WaitReadyOptions): string {
  return script("Written by berth: waits until this droplet can run berth's containers.", [
    `device=${shellQuote(opts.volumeDevice)}`,
    `data_path=${shellQuote(opts.dataPath)}`,
    `deadline=$(( $(date +%s) + ${opts.timeoutSeconds} ))`,
    "wait_for() {",
    '  what=$1; shift',
    '  until "$@" >/dev/null 2>&1; do',
    '    if [ "$(date +%s)" -ge "$deadline" ]; then',
    '      echo "berth: timed out waiting for $what" >&2',
    "      exit 1",
    "    fi",
    "    sleep 3",
    "  done",
    "}",
    "status=0",
    "cloud-init status --wait >/dev/null 2>&1 || status=$?",
    "# 2 means finished with recoverable errors (for example a deprecated key): still usable.",
    'if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then',
    '  echo "berth: cloud-init failed (exit $status); see /var/log/cloud-init-output.log" >&2',
    "  exit 1",
    "fi",
    'wait_for "the data volume $device" test -b "$device"',
    'mkdir -p "$data_path"',
    'if ! grep -qs " $data_path " /etc/fstab; then',
    '  echo "$device $data_path ext4 defaults,nofail,discard,noatime 0 2" >> /etc/fstab',
    "fi",
    'mountpoint -q "$data_path" || mount "$data_path"',
    'mountpoint -q "$data_path"',
    'wait_for "the Docker daemon" docker info',
    'echo "berth: host ready"',
  ]);
}
