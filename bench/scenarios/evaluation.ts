import { runProgram } from "../../test/harness/program";
import { doConfig } from "../../test/harness/stacks";
import { Outcome, say } from "./types";

const APPS = 20;
const REPLICAS = 5;

/** A digitalocean stack of 20 apps × 5 replicas, each app with its own host and both databases. */
function bigStack(): Record<string, unknown> {
  const apps = Object.fromEntries(
    Array.from({ length: APPS }, (_, i) => {
      const name = `app${String(i + 1).padStart(2, "0")}`;
      return [name, { image: `ghcr.io/acme/${name}:1.0.0`, hosts: [`${name}.example.com`], replicas: REPLICAS, databases: ["main", "cache"] }];
    }),
  );
  return doConfig({ apps });
}

/**
 * Wall time of one evaluation of the unmodified program (config validation, every component,
 * every rendered artifact) under Pulumi's mocks with fake providers: no Docker, no cloud. The first
 * run loads and compiles the modules, so the second one is timed.
 */
export async function evaluation(): Promise<Outcome> {
  const config = bigStack();
  const warm = process.hrtime.bigint();
  const first = await runProgram({ stack: "bench-eval", config });
  const warmMs = Number(process.hrtime.bigint() - warm) / 1e6;
  const t0 = process.hrtime.bigint();
  const run = await runProgram({ stack: "bench-eval", config });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (run.resources.length !== first.resources.length) throw new Error("the two evaluations registered different resources");
  say(`${APPS} apps × ${REPLICAS} replicas: ${run.resources.length} resources; warm-up ${warmMs.toFixed(0)} ms, timed run ${ms.toFixed(0)} ms`);
  return { metrics: { eval: { ms } }, details: { apps: APPS, replicas: REPLICAS, resources: run.resources.length, warmUpMs: warmMs } };
}
