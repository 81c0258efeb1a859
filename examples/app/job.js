'use strict';
// A scheduled job (`node job.js`), the "nightly report": counts the stored items and records the
// count in reports, with this image's APP_VERSION. Exits 0 on success, 1 (with a message on
// stderr) on failure.

const { APP_VERSION, connectPostgres, errorText, intFromEnv } = require('./common');

const CONNECT_WAIT_MS = intFromEnv('JOB_CONNECT_WAIT_MS', 10000); // Postgres unreachable: retry this long

function say(message) {
  process.stdout.write(`job: ${message}\n`);
}

async function main() {
  const client = await connectPostgres({ waitMs: CONNECT_WAIT_MS, say });
  try {
    // One statement: the count and the row that records it cannot disagree.
    const { rows } = await client.query(
      'INSERT INTO reports (items, version) SELECT count(*), $1 FROM items RETURNING id, items, version',
      [APP_VERSION],
    );
    say(`report ${rows[0].items} items (version ${rows[0].version})`);
  } finally {
    await client.end().catch(() => {});
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`job: failed: ${errorText(err)}\n`);
    process.exit(1);
  },
);
