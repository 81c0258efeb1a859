import * as pulumi from "@pulumi/pulumi";
import { script, shellQuote } from "../host/shell";

/**
 * Container settings written the way the Docker provider reads them back, so that a second
 * `pulumi up` finds nothing to change, and so that an in-place change is one Docker accepts.
 */

/**
 * Memory limit plus the swap limit, both stated. Docker derives a swap limit of twice the memory
 * at create when none is given, the provider reads that back (a perpetual diff against an unset
 * input), and Docker later refuses a memory limit above the swap limit it derived (moby#25461):
 * without `memorySwap`, raising `memoryMb` past twice its first value fails. The provider sends
 * both in one update, so stating both keeps the pair consistent.
 */
export function memoryLimits(memoryMb: pulumi.Input<number>): { memory: pulumi.Input<number>; memorySwap: pulumi.Input<number> } {
  return { memory: memoryMb, memorySwap: pulumi.output(memoryMb).apply((mb) => 2 * mb) };
}

/**
 * CPUs as the provider reads them back from Docker's NanoCpus (its nanoInt64ToDecimalString):
 * nine decimals, printed with one decimal when the text has exactly nine zeros (1 → "1.0",
 * 0.5 → "0.5"), else with trailing zeros trimmed (0.25 → "0.25", 10 → "10."). `cpus` replaces
 * the container when it changes, so any other spelling would replace replicas on every update.
 */
export function dockerCpus(cpus: number): string {
  const nano = Math.round(cpus * 1e9);
  const nine = (nano / 1e9).toFixed(9);
  return (nine.match(/0/g) ?? []).length === 9 ? (nano / 1e9).toFixed(1) : nine.replace(/0+$/, "");
}

/** A duration in whole seconds as Go's time.Duration prints it, which is how the provider reads it back: 60 → "1m0s". */
export function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

// ---------------------------------------------------------------------------------------------
// Hardening: what every container berth starts runs with (README, "Hardening").

/** No process in the container gains privileges through setuid/setgid binaries or file capabilities. */
export const NO_NEW_PRIVILEGES = "no-new-privileges:true";

/**
 * The capabilities Docker knows, as its daemon names them (moby v20.10.24 oci/caps/utils.go
 * L13-L41: "CAP_" + the name, up to CAP_AUDIT_READ). An app's `capAdd` is checked against these.
 */
export const LINUX_CAPABILITIES = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
  "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
] as const;

/** `net_bind_service`, `NET_BIND_SERVICE` or `CAP_NET_BIND_SERVICE` → `CAP_NET_BIND_SERVICE` (undefined: not one Docker knows). */
export function capabilityName(name: string): string | undefined {
  const upper = name.trim().toUpperCase();
  const full = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
  return (LINUX_CAPABILITIES as readonly string[]).includes(full) ? full : undefined;
}

/**
 * Capabilities each role adds back after dropping ALL; why each is needed:
 *   - proxy: the HAProxy master runs as root in the container and drops its workers (which serve
 *     every request) to the image's haproxy user: CAP_SETUID and CAP_SETGID for that, CAP_KILL to
 *     signal those workers (a reload's soft stop of the old ones: without it they never exit).
 *     Binding 80/443 needs none: Docker sets net.ipv4.ip_unprivileged_port_start=0 in a container's
 *     own network namespace (moby v20.10.24 daemon/oci_linux.go L775-L778). The workers hold no
 *     capability at all (setuid from root clears them). `proxyLocal` adds CAP_DAC_OVERRIDE: on the
 *     local target the config and key are files of the user running pulumi (0600), not root's.
 *   - postgres, redis: the official entrypoints start as root, chown the data directory to the
 *     server's user (CAP_CHOWN), walk it with `find` under `set -e` although it is that user's
 *     0700 directory (CAP_DAC_OVERRIDE: without it a restart fails with "Permission denied"),
 *     postgres also chmods it to 0700 (CAP_FOWNER), then switch user with gosu (CAP_SETUID,
 *     CAP_SETGID). The servers themselves then run with none.
 *   - app: none by default (an app listening on a port below 1024 needs none either, see the
 *     proxy); `apps.<app>.capAdd` adds back what an app proves it needs.
 * Each list is sorted: Docker keeps CapAdd as given, and the provider reads it back as Docker has it.
 */
export const ROLE_CAPABILITIES = {
  proxy: ["CAP_KILL", "CAP_SETGID", "CAP_SETUID"],
  proxyLocal: ["CAP_DAC_OVERRIDE", "CAP_KILL", "CAP_SETGID", "CAP_SETUID"],
  postgres: ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID"],
  redis: ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_SETGID", "CAP_SETUID"],
} as const;

/** Drop every capability, then add back `add` (normalised, sorted, without repeats): the container's `capabilities` input. */
export function dropAllCapabilities(add: readonly string[] = []): { drops: string[]; adds?: string[] } {
  const names = [
    ...new Set(
      add.map((name) => {
        const known = capabilityName(name);
        if (known === undefined) throw new Error(`${JSON.stringify(name)} is not a Linux capability Docker knows`);
        return known;
      }),
    ),
  ].sort();
  return names.length > 0 ? { adds: names, drops: ["ALL"] } : { drops: ["ALL"] };
}

/** The same, as `docker create`/`docker run` options (for the containers berth starts from a host script). */
export function capabilityOptions(add: readonly string[] = []): string[] {
  const caps = dropAllCapabilities(add);
  return ["--cap-drop ALL", ...(caps.adds ?? []).map((name) => `--cap-add ${name}`)];
}

/** Default PID limits (processes and threads in the container), each configurable. */
export const DEFAULT_PIDS_LIMITS = { app: 512, database: 256, proxy: 128 } as const;

/**
 * The Docker provider (kreuzwerker v4.5.0, what @pulumi/docker 5.x bundles) has no pids_limit on a
 * container, so berth sets it with `docker update --pids-limit` on the Docker host, once per new
 * container (from a step triggered by the container's id). Docker stores it in the container's
 * HostConfig and applies it to the running container at once; a restart keeps it; the provider's
 * own updates (memory, restart policy) send no PidsLimit, which leaves it unchanged
 * (provider-model.ts, container.facts.pidsLimit*).
 */
export function pidsLimitCommand(pidsLimit: number): string {
  if (!Number.isInteger(pidsLimit) || pidsLimit < 1) throw new Error(`a PID limit must be a positive integer (got ${pidsLimit})`);
  return `docker update --pids-limit ${pidsLimit}`;
}

/** The host script that sets a container's PID limit (run again for each new container: trigger it on the container's id). */
export function renderPidsLimitScript(opts: { container: string; pidsLimit: number }): string {
  return script("Written by berth: limits the processes and threads of a container (the Docker provider cannot).", [
    `${pidsLimitCommand(opts.pidsLimit)} ${shellQuote(opts.container)} >/dev/null`,
  ]);
}
