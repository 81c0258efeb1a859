'use strict';
// The release command (`node migrate.js`): brings the schema up to date, idempotently, and records
// the run in release_runs. berth runs it once per release, in a one-off container of the new
// image, before any new replica starts; a non-zero exit stops the rollout.
// Prints what it did ("migrate: ...") to stdout, and why it failed to stderr.

const { APP_VERSION, connectPostgres, errorText, intFromEnv } = require('./common');

const LOCK_KEY = 727465; // pg_advisory_xact_lock: two releases running at once migrate one after the other
const CONNECT_WAIT_MS = intFromEnv('MIGRATE_CONNECT_WAIT_MS', 10000);

function say(message) {
  process.stdout.write(`migrate: ${message}\n`);
}

const TABLES = {
  items: `CREATE TABLE IF NOT EXISTS items (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    stored_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  reports: `CREATE TABLE IF NOT EXISTS reports (
    id serial PRIMARY KEY,
    items integer NOT NULL,
    version text NOT NULL,
    created_at timestamptz DEFAULT now()
  )`,
  release_runs: `CREATE TABLE IF NOT EXISTS release_runs (
    id serial PRIMARY KEY,
    version text NOT NULL,
    ran_at timestamptz NOT NULL DEFAULT now()
  )`,
};

async function exists(client, table) {
  const { rows } = await client.query('SELECT to_regclass($1) IS NOT NULL AS found', [table]);
  return rows[0].found;
}

async function columnType(client, table, column) {
  const { rows } = await client.query(
    `SELECT data_type FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`,
    [table, column],
  );
  return rows.length > 0 ? rows[0].data_type : null;
}

// Earlier versions of this app created items itself, with a serial id and no stored_by: convert
// such a table in place (ids become stable uuids derived from the old ones).
async function upgradeLegacyItems(client) {
  if ((await columnType(client, 'items', 'id')) === 'integer') {
    const { rows } = await client.query("SELECT pg_get_serial_sequence('items', 'id') AS seq");
    await client.query('ALTER TABLE items ALTER COLUMN id DROP DEFAULT');
    await client.query("ALTER TABLE items ALTER COLUMN id TYPE uuid USING md5('berth-example-item-' || id)::uuid");
    if (rows[0].seq) await client.query(`DROP SEQUENCE IF EXISTS ${rows[0].seq}`);
    say('converted items.id from serial to uuid');
  }
  if ((await columnType(client, 'items', 'stored_by')) === null) {
    await client.query("ALTER TABLE items ADD COLUMN stored_by text NOT NULL DEFAULT 'before-worker'");
    await client.query('ALTER TABLE items ALTER COLUMN stored_by DROP DEFAULT');
    say("added items.stored_by ('before-worker' for existing rows)");
  }
}

async function migrate(client) {
  await client.query('BEGIN');
  await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
  for (const [table, ddl] of Object.entries(TABLES)) {
    if (await exists(client, table)) {
      say(`table ${table} already exists`);
      if (table === 'items') await upgradeLegacyItems(client);
    } else {
      await client.query(ddl);
      say(`created table ${table}`);
    }
  }
  await client.query('CREATE INDEX IF NOT EXISTS items_created_at_id ON items (created_at, id)');
  const { rows } = await client.query('INSERT INTO release_runs (version) VALUES ($1) RETURNING id', [APP_VERSION]);
  await client.query('COMMIT');
  return rows[0].id;
}

async function main() {
  const started = Date.now();
  const client = await connectPostgres({ waitMs: CONNECT_WAIT_MS, say });
  try {
    const run = await migrate(client);
    say(`recorded release run ${run} (version ${APP_VERSION})`);
  } finally {
    await client.end().catch(() => {}); // an open transaction is rolled back with the connection
  }
  say(`done in ${Date.now() - started} ms`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`migrate: failed: ${errorText(err)}\n`);
    process.exit(1);
  },
);
