import { loadFor } from "../load/rate";
import { BenchStack, EDGE_NETWORK, HOST } from "../stack";
import { containerIp } from "../docker";
import { describeLoad, describeProxyLog } from "./describe";
import type { Outcome } from "./types";
import { steadyLoad } from "./under-load";

/** What the proxy hop costs a request: p50 through berth minus p50 straight to one replica. */
export async function overhead(stack: BenchStack): Promise<Outcome> {
  await stack.baseline();
  const { load: viaBerth, proxyLog } = await steadyLoad(30_000, { url: await stack.proxyUrl(), host: HOST });
  describeLoad("through berth", viaBerth);
  describeProxyLog(proxyLog, false);
  const replica = stack.replicas()[0];
  const direct = await loadFor(30_000, { url: `http://${await containerIp(replica, EDGE_NETWORK)}:3000/`, host: HOST });
  describeLoad(`straight to ${replica}`, direct);
  return {
    metrics: { overhead: { p50Ms: viaBerth.p50Ms - direct.p50Ms } },
    details: { viaBerth, direct, replica, proxyLog },
  };
}
