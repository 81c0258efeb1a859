import { capabilityOptions, NO_NEW_PRIVILEGES } from "../docker-host/limits";
import { script, shellQuote } from "../host/shell";

/**
 * The runner of a one-off container: the release phase and every scheduled job run through it. It
 * creates the container from the app's image, streams its output, passes its exit code through,
 * stops it at a time limit and always removes it. Environment values reach the container without
 * ever being an argument of any command: they come from an env file the runner sources, and the
 * docker CLI reads each `-e NAME` from its own environment.
 */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Seconds a run that is stopped (time limit, signal) gets between SIGTERM and SIGKILL. */
const STOP_GRACE_SECONDS = 10;

/** An env file the runner sources: one `NAME='value'` line per variable; any value survives. */
export function renderEnvFile(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => {
      if (!ENV_NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not an environment variable name`);
      return `${name}=${shellQuote(value)}\n`;
    })
    .join("");
}

export interface OneOffOptions {
  /** Docker name of the run; a leftover of that name, from a run that was cut off, is removed first. */
  container: string;
  /** Image id or reference the container is created from. */
  image: string;
  /** Networks the container joins: the first when it is created, the others before it starts. */
  networks: string[];
  /** Command in exec form; undefined runs the image's own CMD. */
  command?: string[];
  /** Names of the variables passed in; their values come from the env file. */
  envNames: string[];
  /**
   * Where the env file comes from: "stdin" (copied into a private 0600 temporary file first,
   * removed on exit), or the host path of a file written with renderEnvFile.
   */
  envFile: "stdin" | string;
  /** A run still going after this many seconds is stopped and counts as failed. */
  timeoutSeconds: number;
  /** Memory limit in MB; swap is allowed as much again. */
  memoryMb: number;
  /** CPU limit as `docker --cpus` takes it, e.g. "0.5"; undefined: no limit. */
  cpus?: string;
  /** Most processes and threads in the container (`--pids-limit`). */
  pidsLimit: number;
  /** Capabilities added back after `--cap-drop ALL`, as Docker names them (CAP_...). */
  capAdd: string[];
  /** Docker labels on the container (never secret: `docker inspect` shows them). */
  labels: Record<string, string>;
  /** What runs, for messages, e.g. "the release of shop". */
  what: string;
}

/** The runner: a POSIX sh script whose output and exit code are the container's. */
export function renderOneOffScript(opts: OneOffOptions): string {
  for (const name of opts.envNames) {
    if (!ENV_NAME.test(name)) throw new Error(`${opts.what}: ${JSON.stringify(name)} is not an environment variable name`);
    // The runner exports the app's variables to the docker CLI itself, which would obey these.
    if (name.startsWith("DOCKER_")) {
      throw new Error(`${opts.what} cannot be given ${name}: the docker CLI that starts it reads DOCKER_* variables itself`);
    }
  }
  const fromStdin = opts.envFile === "stdin";
  // `.` looks a name without a slash up on PATH.
  const envPath = fromStdin || opts.envFile.includes("/") ? opts.envFile : `./${opts.envFile}`;
  const [firstNetwork, ...otherNetworks] = opts.networks;
  const createArgs = [
    '--name "$container"',
    "--init",
    `--security-opt ${NO_NEW_PRIVILEGES}`,
    ...capabilityOptions(opts.capAdd),
    `--memory ${opts.memoryMb}m --memory-swap ${opts.memoryMb * 2}m`,
    ...(opts.cpus !== undefined ? [`--cpus ${shellQuote(opts.cpus)}`] : []),
    `--pids-limit ${opts.pidsLimit}`,
    ...Object.entries(opts.labels).map(([k, v]) => `--label ${shellQuote(`${k}=${v}`)}`),
    ...(firstNetwork !== undefined ? [`--network ${shellQuote(firstNetwork)}`] : []),
    ...opts.envNames.map((name) => `-e ${name}`),
    [opts.image, ...(opts.command ?? [])].map(shellQuote).join(" "),
  ];
  // A line break in `what` would end the comment line and turn the rest into commands.
  const purpose = `Written by berth: runs ${opts.what.replace(/\s+/g, " ")} in a one-off container, then removes it.`;
  return script(purpose, [
    `what=${shellQuote(opts.what)}`,
    `container=${shellQuote(opts.container)}`,
    `timeout_seconds=${opts.timeoutSeconds}`,
    'docker=$(command -v docker) || { echo "berth: $what needs the docker CLI" >&2; exit 1; }',
    'command -v timeout >/dev/null || { echo "berth: $what needs the timeout command (GNU coreutils)" >&2; exit 1; }',
    "# The app's own HOME, exported with its variables, must not move the CLI's contexts and credentials.",
    'if [ -n "${HOME:-}" ] && [ -z "${DOCKER_CONFIG:-}" ]; then DOCKER_CONFIG=$HOME/.docker; export DOCKER_CONFIG; fi',
    "run=",
    `env_file=${fromStdin ? "" : shellQuote(envPath)}`,
    "# However the runner ends, the container goes (and so does the private copy of the env file). A",
    "# run still going gets SIGTERM first: the attached CLI exits on a signal and leaves it running.",
    "trap '" +
      `"$docker" stop -t ${STOP_GRACE_SECONDS} "$container" >/dev/null 2>&1 || true; ` +
      `"$docker" rm -f "$container" >/dev/null 2>&1 || true${fromStdin ? '; rm -f "$env_file"' : ""}' EXIT`,
    "# A stop (systemd, Ctrl-C, a dropped SSH session) ends the run at once, then the EXIT trap runs.",
    ...[["HUP", 129], ["INT", 130], ["TERM", 143]].map(
      ([signal, code]) => `trap '[ -z "$run" ] || kill "$run" 2>/dev/null || true; exit ${code}' ${signal}`,
    ),
    ...(fromStdin ? ["umask 077", "env_file=$(mktemp)", 'cat > "$env_file"'] : []),
    "# A container left by a run that was cut off (a reboot, a killed shell) would hold the name.",
    '"$docker" rm -f "$container" >/dev/null 2>&1 || true',
    "# Runs a command with the env file's variables exported to it alone. Its arguments are read",
    "# from \"$@\", which sourcing cannot change (an app may have a variable named like ours).",
    "with_env() {",
    "  # shellcheck source=/dev/null",
    '  ( set -a; . "$1"; shift; exec "$@" )',
    "}",
    "# Each -e NAME takes its value from the CLI's environment: no value is ever an argument.",
    "# shellcheck disable=SC2016 # the command is single-quoted on purpose: the container expands it",
    `if ! with_env "$env_file" "$docker" create \\`,
    ...createArgs.map((arg, i) => `  ${arg}${i < createArgs.length - 1 ? " \\" : " >/dev/null; then"}`),
    '  echo "berth: could not create the container for $what" >&2',
    "  exit 1",
    "fi",
    ...otherNetworks.map((network) => `"$docker" network connect ${shellQuote(network)} "$container"`),
    'started=$(date +%s)',
    "# In the background, so a signal reaches the traps at once rather than when the run ends.",
    `timeout -k ${STOP_GRACE_SECONDS} "$timeout_seconds" "$docker" start -a "$container" &`,
    "run=$!",
    "status=0",
    'wait "$run" || status=$?',
    "run=",
    "# 124: timeout ended the CLI (137: had to kill it); the clock tells it from the app's own 124.",
    "# The EXIT trap then stops the container itself.",
    'if { [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; } && [ $(( $(date +%s) - started )) -ge "$timeout_seconds" ]; then',
    '  echo "berth: $what ran past $timeout_seconds s and was stopped" >&2',
    "  exit 124",
    "fi",
    'if [ "$status" -ne 0 ]; then',
    '  echo "berth: $what exited with code $status" >&2',
    "fi",
    'exit "$status"',
  ]);
}
