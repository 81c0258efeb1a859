import { sleep } from "../load/rate";
import { BenchStack, HOST } from "../stack";
import { describeLoad, describeProxyLog } from "./describe";
import { Outcome, say } from "./types";
import { underLoad } from "./under-load";

/** 3 → 5 → 2 replicas (and back to 3) under 200 req/s. */
export async function scale(stack: BenchStack): Promise<Outcome> {
  await stack.baseline();
  const { load, proxyLog, value: changes } = await underLoad({ url: await stack.proxyUrl(), host: HOST, minMs: 30_000 }, async (running) => {
    const changes: Array<{ replicas: number; atMs: number; upMs: number; inRotationAtMs: number }> = [];
    await sleep(3000);
    for (const replicas of [5, 2, 3]) {
      const atMs = running.elapsedMs();
      await stack.deploy({ replicas });
      const upMs = running.elapsedMs() - atMs;
      await stack.waitForRotation(replicas);
      changes.push({ replicas, atMs, upMs, inRotationAtMs: running.elapsedMs() });
      say(`→ ${replicas} replicas at ${(atMs / 1000).toFixed(1)} s: pulumi up ${(upMs / 1000).toFixed(1)} s, exactly ${replicas} in rotation at ${(running.elapsedMs() / 1000).toFixed(1)} s`);
      await sleep(2000);
    }
    return changes;
  });
  describeLoad("through berth", load);
  describeProxyLog(proxyLog, true);
  return { metrics: { scale: { failed: load.failed } }, details: { load, proxyLog, changes } };
}
