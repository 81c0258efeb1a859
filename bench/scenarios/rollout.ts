import { APP_IMAGES } from "../../test/e2e/support/environment";
import { sleep } from "../load/rate";
import { BenchStack, DB, HOST } from "../stack";
import { describeLoad, describeProxyLog } from "./describe";
import { Outcome, say } from "./types";
import { underLoad } from "./under-load";

/** v1 → v2 on 3 replicas under 200 req/s: create-before-delete, health-gated, drained. */
export async function rollout(stack: BenchStack): Promise<Outcome> {
  await stack.baseline();
  const { load, proxyLog, value, posts } = await underLoad({ url: await stack.proxyUrl(), host: HOST, minMs: 35_000, settleMs: 5000, postsTo: DB }, async (running) => {
    await sleep(3000);
    const upStartedAtMs = running.elapsedMs();
    const { steps } = await stack.deploy({ image: APP_IMAGES.v2 });
    return { upStartedAtMs, upMs: running.elapsedMs() - upStartedAtMs, steps };
  });
  const containerSteps = value.steps.filter((s) => s.type === "docker:index/container:Container");
  say(`pulumi up (v1 → v2) from ${(value.upStartedAtMs / 1000).toFixed(1)} s, took ${(value.upMs / 1000).toFixed(1)} s: ${containerSteps.map((s) => `${s.op} ${s.name} @${(s.at / 1000).toFixed(1)}s`).join(", ")}`);
  describeLoad("through berth", load);
  describeProxyLog(proxyLog, true);
  say(`2xx answers by version: ${JSON.stringify(load.versions)}`);
  say(`POST /items: ${posts!.sent} sent, ${posts!.ok} answered 2xx, ${posts!.executions} executed`);
  return {
    metrics: { rollout: { failed: load.failed, total: load.total, p99Ms: load.p99Ms, seconds: value.upMs / 1000 }, post: posts },
    details: { load, proxyLog, posts, ...value },
  };
}
