// The table printed at the end and bench-results.json.
import { RESTORE_TARGET_S } from "./scenarios/restore";
import type { Metrics } from "./scenarios/types";

type Measured = Partial<Metrics>;

interface Row {
  scenario: string;
  metric: string;
  value: number | undefined;
  /** Fraction digits to print. */
  digits: number;
  /** What it must be, in words; "" for a number that is only reported. */
  target: string;
  /** Key in bench-results.json's `targets`. */
  id?: string;
  pass?: (m: Measured) => boolean | undefined;
}

/** Both operands measured, or undefined. */
const when = <T>(values: Array<T | undefined>, test: (v: T[]) => boolean) => (values.every((v) => v !== undefined) ? test(values as T[]) : undefined);

function rows(m: Measured): Row[] {
  const steadyP99 = m.steady?.p99Ms;
  return [
    { scenario: "steady", metric: "p99Ms", value: steadyP99, digits: 2, target: "" },
    { scenario: "rollout", metric: "failed", value: m.rollout?.failed, digits: 0, target: "= 0", id: "rollout.failed == 0", pass: () => when([m.rollout?.failed], ([f]) => f === 0) },
    { scenario: "rollout", metric: "total", value: m.rollout?.total, digits: 0, target: "≥ 6000", id: "rollout.total >= 6000", pass: () => when([m.rollout?.total], ([t]) => t >= 6000) },
    {
      scenario: "rollout", metric: "p99Ms", value: m.rollout?.p99Ms, digits: 2,
      target: `≤ 2 × steady.p99Ms${steadyP99 === undefined ? "" : ` (${(2 * steadyP99).toFixed(2)})`}`,
      id: "rollout.p99Ms <= 2 * steady.p99Ms", pass: () => when([m.rollout?.p99Ms, steadyP99], ([r, s]) => r <= 2 * s),
    },
    { scenario: "failover", metric: "failed", value: m.failover?.failed, digits: 0, target: "= 0", id: "failover.failed == 0", pass: () => when([m.failover?.failed], ([f]) => f === 0) },
    { scenario: "failover", metric: "ejectMs", value: m.failover?.ejectMs, digits: 0, target: "≤ 500", id: "failover.ejectMs <= 500", pass: () => when([m.failover?.ejectMs], ([e]) => e <= 500) },
    {
      scenario: "failover", metric: "p99Ms", value: m.failover?.p99Ms, digits: 2,
      target: `≤ 2 × steady.p99Ms${steadyP99 === undefined ? "" : ` (${(2 * steadyP99).toFixed(2)})`}`,
      id: "failover.p99Ms <= 2 * steady.p99Ms", pass: () => when([m.failover?.p99Ms, steadyP99], ([f, s]) => f <= 2 * s),
    },
    { scenario: "rollout", metric: "seconds", value: m.rollout?.seconds, digits: 1, target: "" },
    { scenario: "failover+rollout", metric: "post.sent", value: m.post?.sent, digits: 0, target: "" },
    {
      scenario: "failover+rollout", metric: "post.executions", value: m.post?.executions, digits: 0,
      target: `≤ post.sent, ≥ post.ok${m.post ? ` (${m.post.ok})` : ""}`,
      id: "post.executions <= post.sent", pass: () => when([m.post], ([p]) => p.executions <= p.sent && p.executions >= p.ok),
    },
    { scenario: "scale", metric: "failed", value: m.scale?.failed, digits: 0, target: "= 0", id: "scale.failed == 0", pass: () => when([m.scale?.failed], ([f]) => f === 0) },
    { scenario: "reload", metric: "failed", value: m.reload?.failed, digits: 0, target: "= 0", id: "reload.failed == 0", pass: () => when([m.reload?.failed], ([f]) => f === 0) },
    {
      scenario: "efficiency", metric: "proxy.rps", value: m.proxy?.rps, digits: 0,
      target: `≥ 0.95 × nginx.rps${m.nginx ? ` (${(0.95 * m.nginx.rps).toFixed(0)})` : ""}`,
      id: "proxy.rps >= 0.95 * nginx.rps", pass: () => when([m.proxy?.rps, m.nginx?.rps], ([p, n]) => p >= 0.95 * n),
    },
    {
      scenario: "efficiency", metric: "proxy.rps", value: m.proxy?.rps, digits: 0,
      target: `≥ 1.2 × caddy.rps${m.caddy ? ` (${(1.2 * m.caddy.rps).toFixed(0)})` : ""}`,
      id: "proxy.rps >= 1.2 * caddy.rps", pass: () => when([m.proxy?.rps, m.caddy?.rps], ([p, c]) => p >= 1.2 * c),
    },
    { scenario: "efficiency", metric: "nginx.rps", value: m.nginx?.rps, digits: 0, target: "" },
    { scenario: "efficiency", metric: "caddy.rps", value: m.caddy?.rps, digits: 0, target: "" },
    { scenario: "efficiency", metric: "nginx+keepalive.rps", value: m.nginxKeepalive?.rps, digits: 0, target: "(reference: not Dokku's config)" },
    { scenario: "overhead", metric: "p50Ms", value: m.overhead?.p50Ms, digits: 3, target: "≤ 0.5", id: "overhead.p50Ms <= 0.5", pass: () => when([m.overhead?.p50Ms], ([o]) => o <= 0.5) },
    { scenario: "eval", metric: "ms", value: m.eval?.ms, digits: 0, target: "≤ 10000", id: "eval.ms <= 10000", pass: () => when([m.eval?.ms], ([e]) => e <= 10000) },
    // Off-site restore of a fixed amount of data (bench/scenarios/restore.ts states it and the target's reasons).
    {
      scenario: "restore", metric: "seconds", value: m.restore?.seconds, digits: 1,
      target: `≤ ${RESTORE_TARGET_S}${m.restore ? ` (${m.restore.rows} rows, ${m.restore.tableMb.toFixed(1)} MB table, ${m.restore.downloadMb.toFixed(1)} MB download)` : ""}`,
      id: `restore.seconds <= ${RESTORE_TARGET_S}`, pass: () => when([m.restore?.seconds], ([s]) => s <= RESTORE_TARGET_S),
    },
  ];
}

/** Target id → pass (true), miss (false) or not measured (null). */
export function evaluateTargets(m: Measured): Record<string, boolean | null> {
  return Object.fromEntries(rows(m).filter((r) => r.id && r.pass).map((r) => [r.id!, r.pass!(m) ?? null]));
}

/** `earlier`: scenarios whose numbers come from an earlier run (marked with *). */
export function printTable(m: Measured, earlier: Set<string> = new Set()): void {
  const cells = rows(m).map((r) => {
    const pass = r.pass?.(m);
    const mark = earlier.has(r.scenario) && r.value !== undefined ? "*" : "";
    return [
      r.scenario,
      r.metric,
      (r.value === undefined ? "not run" : Number.isNaN(r.value) ? "n/a" : r.value.toFixed(r.digits)) + mark,
      r.target,
      r.pass === undefined ? "" : pass === undefined ? "-" : pass ? "✓" : "✗",
    ];
  });
  const header = ["scenario", "metric", "value", "target", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i === 2 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join("  ").trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const c of cells) console.log(line(c));
  if (earlier.size > 0) console.log(`* from an earlier run (${[...earlier].join(", ")}; dates in bench-results.json, meta.scenarioRuns)`);

  const misses = Object.entries(evaluateTargets(m)).filter(([, pass]) => pass === false);
  console.log(misses.length === 0 ? "\nNo target missed." : `\nTARGETS MISSED (${misses.length}):\n${misses.map(([id]) => `  ✗ ${id}`).join("\n")}`);
}
