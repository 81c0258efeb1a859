import { Writable } from "stream";

/** Pure helpers of `berth logs`: lines of several replicas, in time order, each labelled. */

export interface LogLine {
  /** Docker's timestamp, in nanoseconds since the epoch, for ordering. */
  at: bigint;
  /** Docker's timestamp as printed, e.g. `2026-11-22T03:05:12.123456789Z`. */
  timestamp: string;
  text: string;
  stream: "stdout" | "stderr";
  /** Which replica printed it. */
  label: string;
}

/** Nanoseconds since the epoch of an RFC 3339 timestamp with up to 9 fractional digits, as Docker prints them. */
export function timestampNs(timestamp: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(timestamp);
  if (!m) throw new Error(`not a Docker log timestamp: ${timestamp}`);
  const seconds = Date.parse(`${m[1]}${m[3]}`) / 1000;
  return BigInt(seconds) * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/** A line of `docker logs --timestamps` output, split into its time and text. */
export function parseTimestamped(line: string): { at: bigint; timestamp: string; text: string } {
  const space = line.indexOf(" ");
  const timestamp = space === -1 ? line : line.slice(0, space);
  try {
    return { at: timestampNs(timestamp), timestamp, text: space === -1 ? "" : line.slice(space + 1) };
  } catch {
    return { at: 0n, timestamp: "", text: line };
  }
}

/** A timestamp as Docker's `since` takes it: seconds, a dot, nanoseconds. */
export function sinceParameter(at: bigint): string {
  return `${at / 1_000_000_000n}.${String(at % 1_000_000_000n).padStart(9, "0")}`;
}

/** A replica's label: its container name without the stack's prefix (`berth-prod-web-0-a1b2c3d` → `web-0-a1b2c3d`). */
export function replicaLabel(container: string, prefix: string): string {
  return container.startsWith(`${prefix}-`) ? container.slice(prefix.length + 1) : container;
}

export function formatLine(line: Pick<LogLine, "label" | "text" | "timestamp">, width: number, timestamps: boolean): string {
  return `${line.label.padEnd(width)} | ${timestamps && line.timestamp ? `${line.timestamp} ` : ""}${line.text}\n`;
}

/** Lines of several replicas in time order; lines with the same time keep their order. */
export function byTime(lines: LogLine[]): LogLine[] {
  return lines
    .map((line, i) => ({ line, i }))
    .sort((a, b) => (a.line.at < b.line.at ? -1 : a.line.at > b.line.at ? 1 : a.i - b.i))
    .map(({ line }) => line);
}

/** A writable that calls `onLine` for every complete line written to it, and the rest at the end. */
export function lineSink(onLine: (line: string) => void): Writable {
  let pending = "";
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) onLine(line.replace(/\r$/, ""));
      done();
    },
    final(done) {
      if (pending) onLine(pending);
      pending = "";
      done();
    },
  });
}
