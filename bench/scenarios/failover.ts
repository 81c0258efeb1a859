import { backendServers } from "../../test/e2e/support/proxy-stats";
import { docker, containerIp, dockerStreams, dockerTimeMs } from "../docker";
import { sleep } from "../load/rate";
import { BACKEND, BenchStack, DB, EDGE_NETWORK, HOST, PROXY } from "../stack";
import { describeLoad, describeProxyLog } from "./describe";
import { Outcome, say } from "./types";
import { underLoad } from "./under-load";

/**
 * One of 3 replicas is killed with SIGKILL (no drain) under 200 req/s. ejectMs: from the moment
 * it died to the moment its server left HAProxy's rotation (the last moment HAProxy would
 * pick it), taken from the timestamps docker puts on HAProxy's own log line; a poll of HAProxy's
 * stats is the cross-check and the fallback.
 */
export async function failover(stack: BenchStack): Promise<Outcome> {
  await stack.baseline();
  const victim = stack.replicas()[0];
  const victimIp = await containerIp(victim, EDGE_NETWORK);
  const server = (await backendServers(PROXY, BACKEND)).find((s) => s.address.startsWith(`${victimIp}:`) && s.status.startsWith("UP"));
  if (!server) throw new Error(`no server of ${BACKEND} in rotation has ${victim}'s address ${victimIp}`);
  say(`victim: ${victim} (${victimIp}), HAProxy server ${BACKEND}/${server.name}`);

  const { load, proxyLog, value, posts } = await underLoad({ url: await stack.proxyUrl(), host: HOST, minMs: 30_000, postsTo: DB }, async (running) => {
    await sleep(5000);
    const killedAtLoadMs = running.elapsedMs();
    const killCalledAt = Date.now();
    await docker("kill", "--signal", "KILL", victim);
    // As fast as docker exec allows (each `show stat` is one exec, ~50-100 ms).
    let polledOutAt: number | undefined;
    while (Date.now() - killCalledAt < 20_000) {
      const now = (await backendServers(PROXY, BACKEND)).find((s) => s.name === server.name);
      if (!now || !now.status.startsWith("UP") || !now.address.startsWith(`${victimIp}:`)) {
        polledOutAt = Date.now();
        break;
      }
    }
    return { killedAtLoadMs, killCalledAt, polledOutAt };
  });

  const diedAt = dockerTimeMs(await docker("inspect", "-f", "{{.State.FinishedAt}}", victim));
  const logged = await ejectionLogLine(server.name, value.killCalledAt);
  const polledMs = value.polledOutAt === undefined ? undefined : value.polledOutAt - value.killCalledAt;
  const loggedMs = logged === undefined ? undefined : logged.at - diedAt;
  say(`killed at ${(value.killedAtLoadMs / 1000).toFixed(1)} s of load; died ${(diedAt - value.killCalledAt).toFixed(0)} ms after \`docker kill\` was called`);
  say(`out of rotation: ${loggedMs === undefined ? "no log line" : `${loggedMs.toFixed(0)} ms after death per HAProxy's log ("${logged!.line}")`}; ${polledMs === undefined ? "never, by polling" : `${polledMs} ms after the kill call by polling`}`);
  describeLoad("through berth", load);
  describeProxyLog(proxyLog, true);
  say(`POST /items: ${posts!.sent} sent, ${posts!.ok} answered 2xx, ${posts!.executions} executed`);

  // `pulumi up --refresh`: the dead replica is forgotten and created again.
  await stack.deploy({}, { refresh: true });
  await stack.waitForRotation(3);
  const ejectMs = loggedMs ?? polledMs ?? Number.NaN;
  return {
    metrics: { failover: { failed: load.failed, ejectMs, p99Ms: load.p99Ms }, post: posts },
    details: { load, proxyLog, posts, victim, victimIp, server: server.name, diedAt, ...value, loggedMs, polledMs, logLine: logged?.line },
  };
}

/** HAProxy's first line after `since` that takes the server out: DOWN, or into maintenance (no address). */
async function ejectionLogLine(server: string, since: number): Promise<{ at: number; line: string } | undefined> {
  const { stdout, stderr } = await dockerStreams("logs", "-t", "--since", new Date(since - 1000).toISOString(), PROXY);
  const out = new RegExp(`Server ${BACKEND}/${server} (is DOWN|is going DOWN|.*enters maintenance)`);
  return `${stdout}\n${stderr}`
    .split("\n")
    .filter((l) => out.test(l))
    .map((l) => {
      const space = l.indexOf(" ");
      return { at: dockerTimeMs(l.slice(0, space)), line: l.slice(space + 1).trim().slice(0, 160) };
    })
    .filter((l) => l.at >= since)
    .sort((a, b) => a.at - b.at)[0];
}
