// Saturation load with Debian's wrk (C, event-driven: it takes far less of the 2 cores than a
// Node generator would, and the same share for every proxy it is pointed at).
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { installDebianPackages, onPath } from "../../test/e2e/engine";

export interface SaturationSpec {
  url: string;
  host: string;
  threads: number;
  connections: number;
  durationS: number;
}

export interface SaturationResult {
  rps: number;
  requests: number;
  /** Socket errors (connect, read, write, timeout) plus answers with status ≥ 400. */
  failed: number;
  p50Ms: number;
  p99Ms: number;
}

export const SATURATION = { threads: 2, connections: 64, durationS: 30 } as const;

export async function ensureWrk(): Promise<void> {
  if (!(await onPath("wrk"))) await installDebianPackages(["wrk"]);
}

export async function saturate(spec: SaturationSpec): Promise<SaturationResult> {
  const args = [
    `-t${spec.threads}`,
    `-c${spec.connections}`,
    `-d${spec.durationS}s`,
    "--timeout",
    "10s",
    "-H",
    `Host: ${spec.host}`,
    "-s",
    path.join(__dirname, "wrk-report.lua"),
    spec.url,
  ];
  const { stdout } = await promisify(execFile)("wrk", args, { timeout: (spec.durationS + 60) * 1000 });
  const line = stdout.split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
  const s = JSON.parse(line) as Record<string, number>;
  return {
    rps: s.requests / (s.durationUs / 1e6),
    requests: s.requests,
    failed: s.connect + s.read + s.write + s.timeout + s.status,
    p50Ms: s.p50Us / 1000,
    p99Ms: s.p99Us / 1000,
  };
}
