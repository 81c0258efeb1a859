'use strict';
// berth example app: a small HTTP service backed by Postgres and Redis.
// Plain Node (18+), no framework. See README.md for endpoints, environment and shutdown behaviour.

const http = require('http');
const os = require('os');
const { Pool } = require('pg');
const { createClient } = require('redis');

const PORT = intFromEnv('PORT', 3000);
const APP_VERSION = process.env.APP_VERSION || 'dev';
const REPLICA_ID = process.env.REPLICA_ID || os.hostname();
const HEALTH_ALWAYS_FAIL = process.env.HEALTH_ALWAYS_FAIL === '1';
const SHUTDOWN_LINGER_MS = intFromEnv('SHUTDOWN_LINGER_MS', 2000);
const DATABASE_URL = process.env.DATABASE_URL || '';
const REDIS_URL = process.env.REDIS_URL || '';

const CHECK_TIMEOUT_MS = 1000; // /health: each dependency must answer within this
const QUERY_TIMEOUT_MS = 5000; // other requests
const SCHEMA_RETRY_MS = 1000;
const SCHEMA_LOCK_KEY = 727465; // pg_advisory_xact_lock key: serialises schema creation across replicas
const MAX_BODY_BYTES = 64 * 1024;

function intFromEnv(name, fallback) {
  const n = Number.parseInt(process.env[name] || '', 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

function log(message) {
  process.stdout.write(`${new Date().toISOString()} [${REPLICA_ID}] ${message}\n`);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Rejects after ms; the underlying operation is left to finish or fail on its own.
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- Dependencies. Neither connects eagerly in a way that can crash the process. ----

// pg.Pool is lazy: it connects on the first query, so a database that is not up yet only fails queries.
const pool = DATABASE_URL
  ? new Pool({
      connectionString: DATABASE_URL,
      max: 10,
      connectionTimeoutMillis: CHECK_TIMEOUT_MS,
      idleTimeoutMillis: 30000,
      query_timeout: QUERY_TIMEOUT_MS,
    })
  : null;
// An idle client whose server went away emits 'error' on the pool; unhandled, that would kill the process.
if (pool) pool.on('error', () => {});

// node-redis keeps retrying (reconnectStrategy) both the first connection and after a lost one.
// disableOfflineQueue: commands fail at once while disconnected instead of piling up.
const redis = REDIS_URL
  ? createClient({
      url: REDIS_URL,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: CHECK_TIMEOUT_MS,
        reconnectStrategy: (retries) => Math.min(100 * (retries + 1), 2000),
      },
    })
  : null;
let redisError = ''; // the last connection error, for /health while disconnected
if (redis) {
  // Reported through /health; an unhandled 'error' event would kill the process.
  redis.on('error', (err) => (redisError = errorText(err)));
  redis.on('ready', () => (redisError = ''));
  redis.connect().catch(() => {});
}

let schemaReady = false;
let shuttingDown = false;

// Several replicas start at once: the advisory lock makes them create the table one after another.
async function createSchema() {
  const client = await pool.connect();
  let broken;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS items (
      id serial PRIMARY KEY,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await client.query('COMMIT');
  } catch (err) {
    broken = err;
    throw err;
  } finally {
    client.release(broken); // a client that failed mid-transaction is discarded, not reused
  }
}

async function ensureSchema() {
  while (pool && !schemaReady && !shuttingDown) {
    try {
      await createSchema();
      schemaReady = true;
    } catch {
      await sleep(SCHEMA_RETRY_MS);
    }
  }
}

async function checkPostgres() {
  if (!pool) throw new Error('DATABASE_URL is not set');
  await withTimeout(pool.query('SELECT 1'), CHECK_TIMEOUT_MS, 'postgres');
  if (!schemaReady) throw new Error('schema not created yet');
}

async function checkRedis() {
  if (!redis) throw new Error('REDIS_URL is not set');
  if (!redis.isReady) throw new Error(`not connected${redisError ? `: ${redisError}` : ''}`);
  const reply = await withTimeout(redis.ping(), CHECK_TIMEOUT_MS, 'redis');
  if (reply !== 'PONG') throw new Error(`unexpected PING reply ${JSON.stringify(reply)}`);
}

function errorText(err) {
  return (err && err.message) || String(err);
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

function requireDatabases() {
  if (!pool) throw new HttpError(503, 'DATABASE_URL is not set');
  if (!redis) throw new HttpError(503, 'REDIS_URL is not set');
  if (!schemaReady) throw new HttpError(503, 'schema not created yet');
  // Fail before writing to Postgres when Redis is known to be down (the counter would miss a row).
  if (!redis.isReady) throw new HttpError(503, 'redis is not connected');
}

async function health(res) {
  if (HEALTH_ALWAYS_FAIL) return send(res, 503, { ok: false, failed: { release: 'HEALTH_ALWAYS_FAIL=1' } });
  if (shuttingDown) return send(res, 503, { ok: false, failed: { app: 'shutting down' } });
  const [pg, rd] = await Promise.allSettled([checkPostgres(), checkRedis()]);
  const failed = {};
  if (pg.status === 'rejected') failed.postgres = errorText(pg.reason);
  if (rd.status === 'rejected') failed.redis = errorText(rd.reason);
  if (Object.keys(failed).length > 0) return send(res, 503, { ok: false, failed });
  return send(res, 200, { ok: true });
}

async function createItem(req, res) {
  const body = await readJson(req);
  const name = body && typeof body === 'object' ? body.name : undefined;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new HttpError(400, 'body must be {"name": "<non-empty string>"}');
  }
  requireDatabases();
  const { rows } = await pool.query('INSERT INTO items (name) VALUES ($1) RETURNING id, name', [name]);
  const count = await withTimeout(redis.incr('items:created'), QUERY_TIMEOUT_MS, 'redis');
  send(res, 201, { id: rows[0].id, name: rows[0].name, count });
}

async function listItems(res) {
  requireDatabases();
  const [{ rows }, counter] = await Promise.all([
    pool.query('SELECT id, name, created_at FROM items ORDER BY id'),
    withTimeout(redis.get('items:created'), QUERY_TIMEOUT_MS, 'redis'),
  ]);
  send(res, 200, { items: rows, count: Number(counter || 0) });
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
  ensureSchema();
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
