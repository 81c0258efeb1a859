// `npm run bench [-- --only rollout,failover]`: deploys the `bench` stack on the local Docker
// engine (the e2e harness: the unmodified program under Pulumi mocks, applied for real), runs the
// scenarios under load, prints a table against the targets and writes bench-results.json.
// A missed target is reported, not an error: the exit code is 0 unless the benchmark itself broke.
import * as path from "path";
import { prepareE2eEnvironment } from "../test/e2e/support/environment";
import { othersRunning } from "./docker";
import { RATE_DEFAULTS } from "./load/rate";
import { ensureWrk, SATURATION } from "./load/wrk";
import { machine, softwareVersions } from "./meta";
import { printTable } from "./report";
import { merge, readRecorded, writeResults } from "./results-file";
import { efficiency } from "./scenarios/efficiency";
import { evaluation } from "./scenarios/evaluation";
import { failover } from "./scenarios/failover";
import { overhead } from "./scenarios/overhead";
import { reload } from "./scenarios/reload";
import { restore } from "./scenarios/restore";
import { rollout } from "./scenarios/rollout";
import { scale } from "./scenarios/scale";
import { steady } from "./scenarios/steady";
import type { Metrics, Scenario } from "./scenarios/types";
import { BenchStack, STACK } from "./stack";

/** In this order whatever --only says: rollout last, since it leaves v2 behind. */
const SCENARIOS: Scenario[] = [
  { name: "eval", docker: false, run: evaluation },
  { name: "steady", docker: true, run: steady },
  { name: "overhead", docker: true, run: overhead },
  { name: "efficiency", docker: true, run: efficiency },
  { name: "failover", docker: true, run: failover },
  { name: "scale", docker: true, run: scale },
  { name: "reload", docker: true, run: reload },
  { name: "restore", docker: true, run: restore },
  { name: "rollout", docker: true, run: rollout },
];

const RESULTS_FILE = path.resolve(__dirname, "..", "bench-results.json");

function selected(argv: string[]): Scenario[] {
  const i = argv.findIndex((a) => a === "--only" || a.startsWith("--only="));
  if (i < 0) return SCENARIOS;
  const list = argv[i].includes("=") ? argv[i].split("=")[1] : argv[i + 1];
  const names = (list ?? "").split(",").map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(`--only takes a comma-separated list of: ${SCENARIOS.map((s) => s.name).join(", ")}${unknown.length ? ` (unknown: ${unknown.join(", ")})` : ""}`);
  }
  return SCENARIOS.filter((s) => names.includes(s.name));
}

async function main(): Promise<void> {
  const scenarios = selected(process.argv.slice(2));
  const started = Date.now();
  const metrics: Partial<Metrics> = {};
  const details: Record<string, unknown> = {};
  const scenarioRuns: Record<string, string> = {};
  const errors: Record<string, string> = {};
  const meta: Record<string, unknown> = { date: new Date().toISOString(), machine: machine(), scenarios: scenarios.map((s) => s.name) };
  let stack: BenchStack | undefined;

  // Ctrl-C: still leave nothing of the stack behind.
  const sweep = async () => {
    if (stack) await stack.deployment.sweep().catch((err) => console.error(`sweep failed: ${(err as Error).message}`));
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: sweeping the ${STACK} stack`);
      void sweep().then(() => process.exit(130));
    });
  }

  try {
    if (scenarios.some((s) => s.docker)) {
      const env = await prepareE2eEnvironment();
      await ensureWrk(); // every load is wrk's
      stack = new BenchStack(env);
      await stack.deployment.sweep(); // whatever an interrupted run left
      meta.versions = await softwareVersions(env.images);
      meta.otherContainersAtStart = await othersRunning(STACK);
      meta.load = {
        rate: `wrk -t${RATE_DEFAULTS.threads} -c${RATE_DEFAULTS.connections} --timeout ${RATE_DEFAULTS.timeoutMs / 1000}s -s bench/load/wrk-rate.lua: ${RATE_DEFAULTS.rps} req/s in send slots, at most ${RATE_DEFAULTS.connections} keep-alive connections`,
        saturation: `wrk -t${SATURATION.threads} -c${SATURATION.connections} -d${SATURATION.durationS}s`,
        path: `host → container address on berth-${STACK}-edge, port 80 (no docker-proxy)`,
      };
    }
    for (const scenario of scenarios) {
      console.log(`\n== ${scenario.name}`);
      const t0 = Date.now();
      try {
        const outcome = scenario.docker ? await scenario.run(stack!) : await scenario.run();
        // POSTs are counted over every scenario that sends them.
        const post = metrics.post && outcome.metrics.post && {
          sent: metrics.post.sent + outcome.metrics.post.sent,
          ok: metrics.post.ok + outcome.metrics.post.ok,
          executions: metrics.post.executions + outcome.metrics.post.executions,
        };
        Object.assign(metrics, outcome.metrics, post ? { post } : {});
        details[scenario.name] = { ...outcome.details, wallS: (Date.now() - t0) / 1000 };
        scenarioRuns[scenario.name] = meta.date as string;
      } catch (err) {
        errors[scenario.name] = (err as Error).stack ?? String(err);
        console.log(`    SCENARIO FAILED: ${(err as Error).message}`);
      }
    }
    if (stack) meta.otherContainersAtEnd = await othersRunning(STACK);
  } finally {
    await sweep();
  }

  meta.wallTimeS = Math.round((Date.now() - started) / 1000);
  meta.errors = errors;
  const recorded = merge(readRecorded(RESULTS_FILE), { metrics, scenarioRuns, details });
  const earlier = new Set(Object.keys(recorded.scenarioRuns).filter((name) => !(name in scenarioRuns)));
  console.log("");
  printTable(recorded.metrics, earlier);
  const others = [...new Set([...((meta.otherContainersAtStart as string[]) ?? []), ...((meta.otherContainersAtEnd as string[]) ?? [])])];
  if (others.length > 0) console.log(`\nNote: other containers were running on the engine (they share the CPUs): ${others.join(", ")}`);
  if (Object.keys(errors).length > 0) console.log(`\nScenarios that broke: ${Object.keys(errors).join(", ")} (stack traces in ${path.basename(RESULTS_FILE)}, meta.errors)`);
  writeResults(RESULTS_FILE, recorded, meta);
  console.log(`\nWrote ${path.relative(process.cwd(), RESULTS_FILE)}; wall time ${meta.wallTimeS} s`);
  process.exit(Object.keys(errors).length > 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
