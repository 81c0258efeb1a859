'use strict';
// Helpers shared by the example app's processes: server.js (web), worker.js (worker),
// migrate.js (release) and job.js (scheduled job). Plain Node 18+.

const os = require('os');
const { Client, Pool } = require('pg');
const { createClient } = require('redis');

const APP_VERSION = process.env.APP_VERSION || 'dev';
const REPLICA_ID = process.env.REPLICA_ID || os.hostname();
const DATABASE_URL = process.env.DATABASE_URL || '';
const REDIS_URL = process.env.REDIS_URL || '';

// Redis keys: POST /items pushes jobs onto queue; the worker moves each to processing while it
// stores it, counts stored items in counter, and marks each counted item (counted + id).
const KEYS = {
  queue: 'items:queue',
  processing: 'items:processing',
  counter: 'items:created',
  counted: 'items:counted:',
};

function intFromEnv(name, fallback) {
  const n = Number.parseInt(process.env[name] || '', 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

// One line per event: "<time> [<replica>] <message>".
function log(message) {
  process.stdout.write(`${new Date().toISOString()} [${REPLICA_ID}] ${message}\n`);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorText(err) {
  return (err && err.message) || String(err) || 'unknown error';
}

// Rejects after ms; the underlying operation is left to finish or fail on its own.
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// pg.Pool is lazy: it connects on the first query, so a database that is not up yet only fails
// queries, and a lost connection is replaced on the next one.
// queryTimeoutMs gives up on the client side (the statement may still complete on the server);
// statementTimeoutMs has the server cancel it, so a statement that timed out did not happen.
function createPool({ max, connectTimeoutMs, queryTimeoutMs, statementTimeoutMs }) {
  if (!DATABASE_URL) return null;
  const pool = new Pool({
    connectionString: DATABASE_URL,
    max,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: 30000,
    query_timeout: queryTimeoutMs,
    ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}),
  });
  // An idle client whose server went away emits 'error' on the pool; unhandled, that would kill the process.
  pool.on('error', () => {});
  return pool;
}

// node-redis keeps retrying (reconnectStrategy) both the first connection and after a lost one.
// disableOfflineQueue: commands fail at once while disconnected instead of piling up.
// onError receives each connection error (an unhandled 'error' event would kill the process).
function createRedis({ connectTimeoutMs, onError = () => {}, onReady = () => {} }) {
  if (!REDIS_URL) return null;
  const redis = createClient({
    url: REDIS_URL,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      reconnectStrategy: (retries) => Math.min(100 * (retries + 1), 2000),
    },
  });
  redis.on('error', onError);
  redis.on('ready', onReady);
  redis.connect().catch(() => {});
  return redis;
}

// For one-off commands (release, job): a single Postgres connection, retried while the server is
// unreachable or still starting, for up to waitMs. Errors after connecting are not retried.
async function connectPostgres({ waitMs, say }) {
  if (!DATABASE_URL) throw new Error('DATABASE_URL is not set');
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    const client = new Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
    client.on('error', () => {}); // a connection lost later fails the query in progress instead
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => {});
      if (Date.now() + 500 >= deadline) {
        throw new Error(`cannot connect to Postgres after ${attempt} attempts in ${Math.round(waitMs / 1000)} s: ${errorText(err)}`);
      }
      if (attempt === 1) say(`postgres not reachable yet (${errorText(err)}), retrying for up to ${Math.round(waitMs / 1000)} s`);
      await sleep(500);
    }
  }
}

module.exports = {
  APP_VERSION,
  REPLICA_ID,
  DATABASE_URL,
  REDIS_URL,
  KEYS,
  intFromEnv,
  log,
  sleep,
  errorText,
  withTimeout,
  createPool,
  createRedis,
  connectPostgres,
};
