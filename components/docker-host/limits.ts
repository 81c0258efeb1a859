import * as pulumi from "@pulumi/pulumi";

/**
 * Resource limits written the way the Docker provider reads them back, so that a second
 * `pulumi up` finds nothing to change, and so that an in-place change is one Docker accepts.
 */

/**
 * Memory limit plus the swap limit, both stated. Docker derives a swap limit of twice the memory
 * at create when none is given, and later refuses a memory limit above the swap limit it derived
 * (moby#25461): without `memorySwap`, raising `memoryMb` past twice its first value fails. The
 * provider sends both in one update, so stating both keeps the pair consistent.
 */
export function memoryLimits(memoryMb: pulumi.Input<number>): { memory: pulumi.Input<number>; memorySwap: pulumi.Input<number> } {
  return { memory: memoryMb, memorySwap: pulumi.output(memoryMb).apply((mb) => 2 * mb) };
}

/** CPUs as the provider reads them back from Docker's NanoCpus. */
export function dockerCpus(cpus: number): string {
  return cpus.toFixed(1);
}
