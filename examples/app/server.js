'use strict';
// berth example app: a small HTTP service backed by Postgres and Redis.
// Plain Node (18+), no framework. See README.md for endpoints, environment and shutdown behaviour.

const http = require('http');
const { randomUUID } = require('crypto');
const {
  APP_VERSION,
  REPLICA_ID,
  KEYS,
  createPool,
  createRedis,
  errorText,
  intFromEnv,
  log,
  sleep,
  withTimeout,
} = require('./common');

const PORT = intFromEnv('PORT', 3000);
const HEALTH_ALWAYS_FAIL = process.env.HEALTH_ALWAYS_FAIL === '1';
const SHUTDOWN_LINGER_MS = intFromEnv('SHUTDOWN_LINGER_MS', 2000);

const CHECK_TIMEOUT_MS = 1000; // /health: each dependency must answer within this
const QUERY_TIMEOUT_MS = 5000; // other requests
const MAX_BODY_BYTES = 64 * 1024;

// ---- Dependencies. Neither connects eagerly in a way that can crash the process. ----
// The schema is not created here: the release command (migrate.js) does that, before any replica starts.

const pool = createPool({ max: 10, connectTimeoutMs: CHECK_TIMEOUT_MS, queryTimeoutMs: QUERY_TIMEOUT_MS });
let redisError = ''; // the last connection error, for /health while disconnected
const redis = createRedis({
  connectTimeoutMs: CHECK_TIMEOUT_MS,
  onError: (err) => (redisError = errorText(err)),
  onReady: () => (redisError = ''),
});

let shuttingDown = false;

class SchemaMissing extends Error {}

// Postgres answers and the release has migrated it (a replica without the items table takes no traffic).
async function checkPostgres() {
  if (!pool) throw new Error('DATABASE_URL is not set');
  const { rows } = await withTimeout(
    pool.query("SELECT to_regclass('items') IS NOT NULL AS migrated"),
    CHECK_TIMEOUT_MS,
    'postgres',
  );
  if (!rows[0].migrated) throw new SchemaMissing('table items does not exist: the release (node migrate.js) has not run');
}

async function checkRedis() {
  if (!redis) throw new Error('REDIS_URL is not set');
  if (!redis.isReady) throw new Error(`not connected${redisError ? `: ${redisError}` : ''}`);
  const reply = await withTimeout(redis.ping(), CHECK_TIMEOUT_MS, 'redis');
  if (reply !== 'PONG') throw new Error(`unexpected PING reply ${JSON.stringify(reply)}`);
}

// ---- HTTP ----

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function send(res, status, body) {
  const payload = JSON.stringify(body);
  // While draining, tell the client (the proxy) not to reuse this connection.
  if (shuttingDown) res.setHeader('Connection', 'close');
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return reject(new HttpError(413, 'request body too large'));
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new HttpError(400, 'body must be JSON'));
      }
    });
  });
}

function requireRedis() {
  if (!redis) throw new HttpError(503, 'REDIS_URL is not set');
  if (!redis.isReady) throw new HttpError(503, 'redis is not connected');
}

async function health(res) {
  if (HEALTH_ALWAYS_FAIL) return send(res, 503, { ok: false, failed: { release: 'HEALTH_ALWAYS_FAIL=1' } });
  if (shuttingDown) return send(res, 503, { ok: false, failed: { app: 'shutting down' } });
  const [pg, rd] = await Promise.allSettled([checkPostgres(), checkRedis()]);
  const failed = {};
  if (pg.status === 'rejected') failed[pg.reason instanceof SchemaMissing ? 'schema' : 'postgres'] = errorText(pg.reason);
  if (rd.status === 'rejected') failed.redis = errorText(rd.reason);
  if (Object.keys(failed).length > 0) return send(res, 503, { ok: false, failed });
  return send(res, 200, { ok: true });
}

// Queues the item for the worker, which stores it: 202, not 201.
async function createItem(req, res) {
  const body = await readJson(req);
  const name = body && typeof body === 'object' ? body.name : undefined;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new HttpError(400, 'body must be {"name": "<non-empty string>"}');
  }
  requireRedis();
  const id = randomUUID();
  await withTimeout(redis.lPush(KEYS.queue, JSON.stringify({ id, name })), QUERY_TIMEOUT_MS, 'redis');
  send(res, 202, { id, name, queued: true });
}

async function listItems(res) {
  if (!pool) throw new HttpError(503, 'DATABASE_URL is not set');
  requireRedis();
  const [{ rows }, counter, queued] = await Promise.all([
    pool.query('SELECT id, name, stored_by, created_at FROM items ORDER BY created_at, id'),
    withTimeout(redis.get(KEYS.counter), QUERY_TIMEOUT_MS, 'redis'),
    withTimeout(redis.lLen(KEYS.queue), QUERY_TIMEOUT_MS, 'redis'),
  ]);
  send(res, 200, { items: rows, count: Number(counter || 0), queued });
}

async function route(req, res) {
  const path = (req.url || '/').split('?')[0];
  if (path === '/' && req.method === 'GET') return send(res, 200, { replica: REPLICA_ID, version: APP_VERSION });
  if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) return health(res);
  if (path === '/items' && req.method === 'GET') return listItems(res);
  if (path === '/items' && req.method === 'POST') return createItem(req, res);
  if (path === '/' || path === '/health' || path === '/items') throw new HttpError(405, 'method not allowed');
  throw new HttpError(404, 'not found');
}

const server = http.createServer((req, res) => {
  res.setHeader('X-Replica', REPLICA_ID);
  res.setHeader('X-App-Version', APP_VERSION);
  route(req, res).catch((err) => {
    if (res.headersSent) return res.destroy();
    // Anything that is not our own HttpError is a failing database: report it as unavailable.
    const status = err instanceof HttpError ? err.status : 503;
    send(res, status, { error: errorText(err) });
  });
});

// Longer than the proxy's keep-alive: the proxy closes idle connections first, so it never
// reuses a connection the app is closing at the same moment.
server.keepAliveTimeout = 65000;
server.headersTimeout = 66000;

server.listen(PORT, () => {
  log(`berth-example-app ${APP_VERSION} listening on :${PORT} (pid ${process.pid})`);
});

// ---- Graceful shutdown ----

async function shutdown(signal) {
  if (shuttingDown) {
    process.exit(1); // a second signal: stop now
  }
  shuttingDown = true;
  log(`${signal}: draining, then lingering ${SHUTDOWN_LINGER_MS} ms before exit`);

  // Stop accepting connections; the callback runs once every open connection has closed.
  const closed = new Promise((resolve) => server.close(() => resolve()));
  // Idle keep-alive connections would otherwise hold server.close() open (Node 18 leaves them).
  // Repeat while draining: a connection whose last response just finished becomes idle.
  const closeIdle = () => server.closeIdleConnections && server.closeIdleConnections();
  closeIdle();
  const sweeper = setInterval(closeIdle, 100);
  await closed;
  clearInterval(sweeper);

  // Stay up with the port closed: the proxy gets "connection refused" (and retries on another
  // replica at once) rather than timing out on an address that no longer exists.
  await sleep(SHUTDOWN_LINGER_MS);

  await Promise.allSettled([
    pool ? withTimeout(pool.end(), 2000, 'pool.end') : undefined,
    redis && redis.isOpen ? withTimeout(redis.isReady ? redis.quit() : redis.disconnect(), 2000, 'redis close') : undefined,
  ]);
  process.exit(0);
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
