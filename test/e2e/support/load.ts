import * as https from "https";

/** One request of a load run, as a user's browser would have seen it. */
export interface Sample {
  /** ms since the load started, when the request was sent. */
  at: number;
  /** HTTP status, or 0 when the request failed without a response. */
  status: number;
  /** Replica that answered (X-Replica), if any. */
  replica?: string;
  /** App version that answered (X-App-Version), if any. */
  version?: string;
  ms: number;
  error?: string;
}

export interface LoadReport {
  samples: Sample[];
  /** Requests that did not get a 2xx/3xx answer. */
  failed: Sample[];
}

export interface LoadOptions {
  /** https://127.0.0.1:<port> of berth's proxy. */
  origin: string;
  /** Host header (and TLS server name). */
  host: string;
  /** Requests per second, sent at a constant rate whatever the latency. */
  rps: number;
  path?: string;
}

/**
 * A constant stream of HTTPS requests through the proxy, on keep-alive connections like a real
 * client. Every request counts: a timeout, a reset or a 5xx is a failure.
 */
export function startLoad(opts: LoadOptions): { stop(): Promise<LoadReport> } {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 64, rejectUnauthorized: false });
  const started = Date.now();
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const p = request(agent, opts, Date.now() - started).then((s) => void samples.push(s));
    pending.add(p);
    p.finally(() => pending.delete(p));
  }, 1000 / opts.rps);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      agent.destroy();
      samples.sort((a, b) => a.at - b.at);
      return { samples, failed: samples.filter((s) => s.status === 0 || s.status >= 400) };
    },
  };
}

function request(agent: https.Agent, opts: LoadOptions, at: number): Promise<Sample> {
  const t0 = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
  return new Promise((resolve) => {
    const req = https.request(
      `${opts.origin}${opts.path ?? "/"}`,
      { agent, headers: { host: opts.host }, servername: opts.host, timeout: 15000 },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve({
            at,
            status: res.statusCode ?? 0,
            replica: header(res.headers["x-replica"]),
            version: header(res.headers["x-app-version"]),
            ms: ms(),
          }),
        );
        res.on("error", (err) => resolve({ at, status: 0, ms: ms(), error: err.message }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (err) => resolve({ at, status: 0, ms: ms(), error: err.message }));
    req.end();
  });
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A short, readable account of failures for an assertion message. */
export function describeFailures(report: LoadReport): string {
  return report.failed
    .slice(0, 5)
    .map((s) => `at ${s.at} ms: ${s.status || s.error}`)
    .join("; ");
}
