import { sleep } from "../load/rate";
import { BenchStack, HOST } from "../stack";
import { describeLoad, describeProxyLog } from "./describe";
import { Outcome, say } from "./types";
import { underLoad } from "./under-load";

/** Five proxy config reloads in a row (a host added each time) under 200 req/s. */
export async function reload(stack: BenchStack): Promise<Outcome> {
  await stack.baseline();
  const { load, proxyLog, value: reloads } = await underLoad({ url: await stack.proxyUrl(), host: HOST, minMs: 30_000 }, async (running) => {
    const reloads: Array<{ hosts: string[]; atMs: number; upMs: number }> = [];
    const hosts = [HOST];
    await sleep(3000);
    for (let i = 1; i <= 5; i++) {
      hosts.push(`r${i}.localhost`);
      const atMs = running.elapsedMs();
      const { steps } = await stack.deploy({ hosts: [...hosts] });
      // Without the reload step this scenario would measure nothing.
      if (!steps.some((s) => s.name === "proxy-reload")) throw new Error(`reload ${i}: the update did not reload the proxy (steps: ${steps.map((s) => s.name).join(", ")})`);
      reloads.push({ hosts: [...hosts], atMs, upMs: running.elapsedMs() - atMs });
      say(`reload ${i} at ${(atMs / 1000).toFixed(1)} s (pulumi up ${((running.elapsedMs() - atMs) / 1000).toFixed(1)} s)`);
      await sleep(2000);
    }
    return reloads;
  });
  describeLoad("through berth", load);
  describeProxyLog(proxyLog, true);
  return { metrics: { reload: { failed: load.failed } }, details: { load, proxyLog, reloads } };
}
