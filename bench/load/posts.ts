// POST /items at a steady rate alongside the GET load, to count at the app how often each POST was
// executed: the proxy must never execute a POST more often than it was sent.
import * as http from "http";
import { docker } from "../docker";

export interface PostCount {
  /** POSTs sent. */
  sent: number;
  /** 2xx answers. */
  ok: number;
  /** Rows the app's worker stored for them: one per execution (POST /items enqueues, the worker stores). */
  executions: number;
}

const RATE_PER_S = 20;

/** Starts sending; stop() waits for every answer, then counts the rows in the app's Postgres. */
export function startPosts(url: string, host: string, dbContainer: string): { stop(): Promise<PostCount> } {
  const run = `bench-${Date.now().toString(36)}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let sent = 0;
  let ok = 0;
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const body = JSON.stringify({ name: `${run}-${sent++}` });
    const p = new Promise<void>((done) => {
      const req = http.request(
        new URL("/items", url),
        { method: "POST", agent, timeout: 10_000, headers: { host, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          if (res.statusCode! >= 200 && res.statusCode! < 300) ok++;
          res.resume().on("end", done).on("error", done);
        },
      );
      req.on("error", () => done()).on("timeout", () => req.destroy());
      req.end(body);
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }, 1000 / RATE_PER_S);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      agent.destroy();
      const count = async () =>
        Number((await docker("exec", dbContainer, "psql", "-U", "main", "-d", "main", "-tAc", `SELECT count(*) FROM items WHERE name LIKE '${run}-%'`)).trim());
      return { sent, ok, executions: await settled(count) };
    },
  };
}

/** The row count once the worker has drained the queue: at least `ok`, and unchanged for 3 s. */
async function settled(count: () => Promise<number>): Promise<number> {
  const deadline = Date.now() + 60_000;
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    const rows = await count();
    if (rows !== last) {
      last = rows;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= 3000 || Date.now() > deadline) {
      return rows;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
