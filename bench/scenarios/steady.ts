import { BenchStack, HOST } from "../stack";
import { describeLoad, describeProxyLog } from "./describe";
import type { Outcome } from "./types";
import { steadyLoad } from "./under-load";

/** 200 req/s for 30 s with nothing changing: the latency every other scenario is compared with. */
export async function steady(stack: BenchStack): Promise<Outcome> {
  await stack.baseline();
  const { load, proxyLog } = await steadyLoad(30_000, { url: await stack.proxyUrl(), host: HOST });
  describeLoad("through berth", load);
  describeProxyLog(proxyLog, true);
  return { metrics: { steady: { p99Ms: load.p99Ms } }, details: { load, proxyLog } };
}
