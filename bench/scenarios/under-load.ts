import { PostCount, startPosts } from "../load/posts";
import { LoadResult, LoadSpec, RunningLoad, sleep, startLoad } from "../load/rate";
import { proxyLogSummary, ProxyLogSummary } from "../proxy-log";
import { BACKEND } from "../stack";

export interface UnderLoadOptions {
  url: string;
  host: string;
  /** The load runs at least this long in all. */
  minMs: number;
  /** ... and at least this long after `change` is done. */
  settleMs?: number;
  /** Also POST /items alongside, and count the executions in this Postgres container. */
  postsTo?: string;
}

export interface LoadRun<T> {
  load: LoadResult;
  /** What berth's HAProxy logged in the same window. */
  proxyLog: ProxyLogSummary;
  value: T;
  /** With `postsTo`: POSTs sent, answered 2xx, and executed. */
  posts?: PostCount;
}

/** Runs `change` while 200 req/s go to `url`; the load is stopped even when `change` throws. */
export async function underLoad<T>(opts: UnderLoadOptions, change: (load: RunningLoad) => Promise<T>): Promise<LoadRun<T>> {
  const from = Date.now();
  const load = await startLoad({ url: opts.url, host: opts.host });
  const posts = opts.postsTo === undefined ? undefined : startPosts(opts.url, opts.host, opts.postsTo);
  let value: T;
  try {
    value = await change(load);
    await sleep(Math.max(opts.settleMs ?? 3000, opts.minMs - load.elapsedMs()));
  } catch (err) {
    await load.stop();
    await posts?.stop().catch(() => undefined);
    throw err;
  }
  const result = await load.stop();
  const counted = await posts?.stop();
  return { load: result, proxyLog: await proxyLogSummary(BACKEND, from, Date.now() + 1000), value, posts: counted };
}

/** A fixed time of load with nothing changing. */
export async function steadyLoad(ms: number, spec: Pick<LoadSpec, "url" | "host">): Promise<LoadRun<undefined>> {
  return underLoad({ ...spec, minMs: ms, settleMs: 0 }, async () => undefined);
}
