// What berth's HAProxy itself says about a load window (its `option httplog` lines and its
// warnings, read back with `docker logs`): which requests it retried, which it answered with an
// error and why (termination state), and which servers changed state. The numbers come from the
// load generator; this is the evidence for explaining them.
import { dockerStreams, dockerTimeMs } from "./docker";
import { PROXY } from "./stack";

export interface ProxyLogSummary {
  /** Requests HAProxy logged for the app's backend. */
  requests: number;
  /** ... of which it retried at least once; `redispatched` went to another server. */
  retried: number;
  redispatched: number;
  /** The slowest requests, as logged (timers TR/Tw/Tc/Tr/Ta in ms, then status, termination state, retries). */
  slowest: string[];
  /** Requests answered with anything but 2xx, as logged. */
  errors: string[];
  /** Server state changes and other warnings, with their time in the window (s). */
  events: string[];
}

// e.g. `web.localhost ... http app_web/srv3 0/0/0/1/1 200 170 - - ---- 3/3/0/0/0 0/0 "GET / HTTP/1.1"`
const HTTPLOG = /\s(\S+)\/(\S+) (-?\d+)\/(-?\d+)\/(-?\d+)\/(-?\d+)\/(\+?-?\d+) (-?\d+) \S+ \S+ \S+ (\S{4}) \d+\/\d+\/\d+\/\d+\/(\+?\d+) /;

export async function proxyLogSummary(backend: string, fromMs: number, toMs: number): Promise<ProxyLogSummary> {
  const { stdout, stderr } = await dockerStreams(
    "logs", "-t", "--since", new Date(fromMs).toISOString(), "--until", new Date(toMs).toISOString(), PROXY,
  );
  const requests: Array<{ ta: number; status: number; retried: boolean; redispatched: boolean; text: string }> = [];
  const events: string[] = [];
  for (const raw of `${stdout}\n${stderr}`.split("\n")) {
    const space = raw.indexOf(" ");
    if (space < 0) continue;
    const at = dockerTimeMs(raw.slice(0, space));
    const line = raw.slice(space + 1);
    const m = HTTPLOG.exec(line);
    const when = `${((at - fromMs) / 1000).toFixed(2)} s`;
    if (m && m[1] === backend) {
      const [ta, status, rc] = [Number(m[7].replace("+", "")), Number(m[8]), m[10]];
      requests.push({
        ta,
        status,
        retried: Number(rc.replace("+", "")) > 0,
        redispatched: rc.startsWith("+"),
        text: `${when}: ${m[2]} ${m[3]}/${m[4]}/${m[5]}/${m[6]}/${m[7]} ${status} ${m[9]} retries ${rc}`,
      });
    } else if (!m && /Server |WARNING|ALERT|NOTICE/.test(line)) {
      events.push(`${when}: ${line.trim().slice(0, 200)}`);
    }
  }
  return {
    requests: requests.length,
    retried: requests.filter((r) => r.retried).length,
    redispatched: requests.filter((r) => r.redispatched).length,
    slowest: [...requests].sort((a, b) => b.ta - a.ta).slice(0, 8).map((r) => r.text),
    errors: requests.filter((r) => r.status < 200 || r.status >= 300).slice(0, 20).map((r) => r.text),
    events: events.slice(0, 40),
  };
}
