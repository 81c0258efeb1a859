// bench-results.json. A run of some scenarios (--only) updates their numbers and keeps the others'
// from earlier runs, with the date of each scenario's run in meta.scenarioRuns.
import * as fs from "fs";
import { evaluateTargets } from "./report";
import type { Metrics } from "./scenarios/types";

type Measured = Partial<Metrics>;

/** The keys of the file's top level, as specified; nginxKeepalive goes to meta.reference. */
const KEYS = ["rollout", "steady", "failover", "post", "scale", "reload", "proxy", "nginx", "caddy", "overhead", "eval", "restore"] as const;

/** Which scenario measures a metric. */
export const SCENARIO_OF: Record<keyof Metrics, string> = {
  steady: "steady",
  rollout: "rollout",
  failover: "failover",
  // Summed over the failover and rollout scenarios; rollout runs last.
  post: "rollout",
  scale: "scale",
  reload: "reload",
  proxy: "efficiency",
  nginx: "efficiency",
  caddy: "efficiency",
  nginxKeepalive: "efficiency",
  overhead: "overhead",
  eval: "eval",
  restore: "restore",
};

export interface Recorded {
  metrics: Measured;
  /** Scenario → ISO date of the run its numbers come from. */
  scenarioRuns: Record<string, string>;
  details: Record<string, unknown>;
}

export function readRecorded(file: string): Recorded {
  if (!fs.existsSync(file)) return { metrics: {}, scenarioRuns: {}, details: {} };
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  const metrics: Measured = Object.fromEntries(KEYS.filter((k) => json[k]).map((k) => [k, json[k]]));
  const keepalive = json.meta?.reference?.nginxKeepaliveRps;
  if (typeof keepalive === "number") metrics.nginxKeepalive = { rps: keepalive };
  return { metrics, scenarioRuns: json.meta?.scenarioRuns ?? {}, details: json.meta?.details ?? {} };
}

/** This run's numbers over the recorded ones, scenario by scenario. */
export function merge(recorded: Recorded, now: Recorded): Recorded {
  const metrics = { ...now.metrics } as Record<keyof Metrics, unknown>;
  for (const [key, value] of Object.entries(recorded.metrics) as Array<[keyof Metrics, unknown]>) {
    if (!(SCENARIO_OF[key] in now.scenarioRuns)) metrics[key] = value;
  }
  return {
    metrics: metrics as Measured,
    scenarioRuns: { ...recorded.scenarioRuns, ...now.scenarioRuns },
    details: { ...recorded.details, ...now.details },
  };
}

export function writeResults(file: string, r: Recorded, meta: Record<string, unknown>): void {
  const round = (v: number, digits: number) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);
  const m = r.metrics;
  const metrics = Object.fromEntries(
    KEYS.map((k) => [k, m[k] ? Object.fromEntries(Object.entries(m[k]!).map(([name, v]) => [name, round(v as number, 3)])) : null]),
  );
  const reference = m.nginxKeepalive ? { nginxKeepaliveRps: round(m.nginxKeepalive.rps, 1) } : {};
  const full = { ...meta, scenarioRuns: r.scenarioRuns, reference, details: r.details };
  fs.writeFileSync(file, JSON.stringify({ ...metrics, targets: evaluateTargets(m), meta: full }, null, 2) + "\n");
}
