import * as https from "https";
import * as http from "http";

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request to berth's proxy with a given Host, as a browser would send it. */
export function fetchVia(
  origin: string,
  host: string,
  path = "/",
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const url = new URL(path, origin);
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: init.method ?? "GET",
        headers: { host, ...(init.body ? { "content-type": "application/json" } : {}), ...init.headers },
        servername: host,
        rejectUnauthorized: false,
        agent: false,
        timeout: 15000,
      } as https.RequestOptions,
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${host}${path}: timed out`)));
    req.on("error", reject);
    req.end(init.body);
  });
}

/** Polls until `check` passes or the time runs out (then rethrows its last error). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 30000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
