'use strict';
// The worker process (`node worker.js`): stores the items POST /items queues, each exactly once.
//
// A job ({"id": "<uuid>", "name": "..."}) moves atomically from the Redis list items:queue to
// items:processing (BLMOVE), so a job is always in one of the two lists until it is stored. The
// worker inserts the row (ON CONFLICT (id) DO NOTHING, stored_by = APP_VERSION), then, in one Lua
// script, increments items:created unless this id was counted before (marker items:counted:<id>)
// and removes the job from processing. At start it re-queues whatever a worker that died left in
// processing. Both steps are idempotent, so a job handled twice (after a crash, or by two workers
// at once) still yields one row and one increment.
//
// Postgres or Redis unavailable: it logs, retries the step it was on, and carries on once they are
// back. SIGTERM/SIGINT: it takes no new job, finishes the current one and exits 0.

const {
  APP_VERSION,
  KEYS,
  createPool,
  createRedis,
  errorText,
  log,
  sleep,
  withTimeout,
} = require('./common');

const BLOCK_SECONDS = 1; // BLMOVE timeout: how soon an idle worker notices a shutdown
const RETRY_MS = 1000; // after a failed step
const STOP_GIVE_UP_MS = 6000; // shutting down: stop retrying the current job after this long
const STOP_HARD_EXIT_MS = 10000; // and exit (status 1) regardless after this long
const COUNTED_TTL_SECONDS = 7 * 24 * 3600; // how long items:counted:<id> remembers a counted item
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let stopping = false;
let stopDeadline = Infinity;

// The server cancels an INSERT that takes longer than 4 s (a lock, an overloaded database): a
// timed-out insert did not happen, and retrying it is safe. 6 s: the network itself is gone.
const pool = createPool({ max: 2, connectTimeoutMs: 2000, queryTimeoutMs: 6000, statementTimeoutMs: 4000 });
let redisError = ''; // the last connection error
const redis = createRedis({
  connectTimeoutMs: 2000,
  onError: (err) => (redisError = errorText(err)),
  onReady: () => (redisError = ''),
});

// While Redis is down, commands fail with "The client is offline": the connection error says more.
function why(err) {
  return /client is (offline|closed)/.test(errorText(err)) && redisError ? new Error(redisError) : err;
}

// Logs a dependency's failure once (not once per retry), and its recovery.
const down = new Map();
function failed(what, err) {
  const text = errorText(err);
  if (down.get(what) !== text) log(`worker: ${what} unavailable (${text})${stopping ? '' : `, retrying every ${RETRY_MS} ms`}`);
  down.set(what, text);
}
function succeeded(what) {
  if (down.delete(what)) log(`worker: ${what} is back`);
}

// Runs step until it succeeds ({ok: true, result}). Shutting down, it gives up ({ok: false}) after
// the next failure (untilStopped) or once the stop deadline has passed.
async function retry(what, step, { untilStopped = false } = {}) {
  for (;;) {
    try {
      const result = await step();
      succeeded(what);
      return { ok: true, result };
    } catch (err) {
      failed(what, why(err));
    }
    if (stopping && (untilStopped || Date.now() >= stopDeadline)) return { ok: false };
    await sleep(RETRY_MS);
  }
}

// Resolves once Redis is ready, or after ms.
function connected(ms) {
  if (redis.isReady) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    redis.on('ready', done);
  });
}

function parseJob(raw) {
  let job;
  try {
    job = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!job || typeof job !== 'object' || typeof job.id !== 'string' || !UUID.test(job.id)) return null;
  if (typeof job.name !== 'string' || job.name.trim() === '') return null;
  return { id: job.id, name: job.name };
}

// A worker that died mid-job left it in processing: put those back at the consuming end of the
// queue, oldest first. (A job another live worker is on right now may be re-queued too: harmless.)
async function recoverUnfinished() {
  let moved = 0;
  while ((await redis.lMove(KEYS.processing, KEYS.queue, 'LEFT', 'RIGHT')) !== null) moved++;
  return moved;
}

// Counts the stored item once, however often its job is finished, and takes the job off processing.
// Counting "the row was new" instead would miss an item whose INSERT committed but whose worker
// died (or lost the connection) before it could count it: its retry finds the row already there.
const FINISH = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then redis.call('INCR', KEYS[2]) end
return redis.call('LREM', KEYS[3], 1, ARGV[1])`;

function finish(job, raw) {
  return redis.eval(FINISH, {
    keys: [`${KEYS.counted}${job.id}`, KEYS.counter, KEYS.processing],
    arguments: [raw, String(COUNTED_TTL_SECONDS)],
  });
}

async function handle(raw) {
  const job = parseJob(raw);
  if (!job) {
    log(`worker: dropping malformed job ${JSON.stringify(raw).slice(0, 200)}`);
    await retry('redis', () => redis.lRem(KEYS.processing, 1, raw));
    return;
  }

  // 1. Store the row. Shutting down and Postgres fails: hand the job back to the queue.
  const stored = await retry(
    'postgres',
    () =>
      pool.query(
        'INSERT INTO items (id, name, stored_by) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING',
        [job.id, job.name, APP_VERSION],
      ),
    { untilStopped: true },
  );
  if (!stored.ok) {
    const back = await retry('redis', () => redis.multi().lRem(KEYS.processing, 1, raw).rPush(KEYS.queue, raw).exec());
    log(`worker: stopping, ${job.id} ${back.ok ? 'back in the queue' : 'left in processing for the next worker'}`);
    return;
  }
  const inserted = stored.result.rowCount === 1;

  // 2. Count it (once per id) and take it off processing, atomically.
  const done = await retry('redis', () => finish(job, raw));
  if (!done.ok) {
    log(`worker: stopping, ${job.id} is stored, left in processing for the next worker to count`);
    return;
  }
  log(inserted ? `worker: stored ${job.id}` : `worker: ${job.id} was already stored (a job handled again)`);
}

async function main() {
  if (!pool || !redis) {
    log(`worker: ${pool ? 'REDIS_URL' : 'DATABASE_URL'} is not set`);
    process.exit(1);
  }
  log(`worker: berth-example-app ${APP_VERSION} started (pid ${process.pid}), consuming ${KEYS.queue}`);

  await connected(5000); // rather than logging the first command's "offline" while it connects
  const recovered = await retry('redis', recoverUnfinished, { untilStopped: true });
  if (recovered.ok && recovered.result > 0) log(`worker: re-queued ${recovered.result} unfinished job(s) from ${KEYS.processing}`);

  while (!stopping) {
    let raw;
    try {
      raw = await redis.blMove(KEYS.queue, KEYS.processing, 'RIGHT', 'LEFT', BLOCK_SECONDS);
      succeeded('redis');
    } catch (err) {
      failed('redis', why(err));
      await sleep(RETRY_MS);
      continue;
    }
    if (raw !== null) await handle(raw);
  }

  await Promise.allSettled([
    withTimeout(pool.end(), 2000, 'pool.end'),
    redis.isOpen ? withTimeout(redis.isReady ? redis.quit() : redis.disconnect(), 2000, 'redis close') : undefined,
  ]);
  log('worker: stopped');
  process.exit(0);
}

function stop(signal) {
  if (stopping) process.exit(1); // a second signal: stop now
  stopping = true;
  stopDeadline = Date.now() + STOP_GIVE_UP_MS;
  log(`worker: ${signal}: finishing the current job, taking no new one`);
  setTimeout(() => {
    log('worker: still busy, exiting anyway');
    process.exit(1);
  }, STOP_HARD_EXIT_MS).unref();
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

main().catch((err) => {
  log(`worker: failed: ${errorText(err)}`);
  process.exit(1);
});
