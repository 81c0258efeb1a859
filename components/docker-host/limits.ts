import * as pulumi from "@pulumi/pulumi";

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
