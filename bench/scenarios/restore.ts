import { execFile, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { renderBackupEnv, renderBackupScript } from "../../components/backup/script";
import { fakePulumi } from "../../test/harness/fake-pulumi";
import { S3RVER_CREDENTIALS, startS3 } from "../../test/harness/s3rver";
import { tempDir } from "../../test/harness/tools";
import { docker } from "../docker";
import { BenchStack, DB, STACK } from "../stack";
import { Outcome, say } from "./types";

/** The data restored: this many rows in one table (about 60 MB in Postgres with its index; a 16 MB encrypted dump). */
export const RESTORE_ROWS = 200_000;
/**
 * Target for the whole `berth restore` from off-site (download, decrypt, pg_restore) of that data on
 * this 2-core machine. A restore is run while the app is down or wrong, so it must take about a
 * minute, not ten: the work (tens of MB of COPY, one index build) takes seconds here, which leaves
 * the rest of the minute for a real download from Spaces (tens of MB at tens of MB/s).
 */
export const RESTORE_TARGET_S = 60;

const ROOT = path.resolve(__dirname, "../..");
const DIGEST = "SELECT count(*) || ' ' || md5(string_agg(t::text, '|' ORDER BY id)) FROM bench_restore t";

/**
 * Steps:
 *   1. a table of RESTORE_ROWS rows (text with unicode, NULLs, numbers, JSON, timestamps) in the
 *      bench stack's Postgres, next to the example app's own tables;
 *   2. the real backup job (components/backup/script.ts) dumps, age-encrypts and uploads it to an
 *      S3 stand-in (s3rver) in this process;
 *   3. the rows are changed (a third deleted, the rest updated);
 *   4. timed: `berth restore main <key> --yes --identity <file>`, as an operator runs it (a child
 *      process, outputs from a stand-in pulumi), then the table is checked to be exactly step 1's.
 */
export async function restore(stack: BenchStack): Promise<Outcome> {
  const up = await stack.deploy();
  const s3 = await startS3(`berth-${STACK}-backups`);
  try {
    const dir = tempDir("bench-restore");
    const identity = path.join(dir, "identity.txt");
    execFileSync("age-keygen", ["-o", identity], { stdio: "ignore" });
    const recipients = path.join(dir, "recipients.txt");
    fs.writeFileSync(recipients, execFileSync("age-keygen", ["-y", identity]));
    const envFile = path.join(dir, "backup.env");
    const { endpoint, region, bucket } = s3.storage;
    fs.writeFileSync(envFile, renderBackupEnv({ endpoint, region, bucket, accessKeyId: "S3RVER", secretKey: "S3RVER", recipientsFile: recipients, keepDays: 7 }), { mode: 0o600 });

    // 1. Data.
    await sql("DROP TABLE IF EXISTS bench_restore");
    await sql(
      "CREATE TABLE bench_restore (id bigserial PRIMARY KEY, label text NOT NULL, note text, amount numeric(12,2), doc jsonb, at timestamptz); " +
        "INSERT INTO bench_restore (label, note, amount, doc, at) SELECT " +
        "'customer ' || n || ' Grüße 🚢 ' || md5(n::text), " +
        "CASE WHEN n % 7 = 0 THEN NULL ELSE repeat(md5((n * 3)::text), 2) END, " +
        "CASE WHEN n % 11 = 0 THEN NULL ELSE n * 1.25 END, " +
        "jsonb_build_object('n', n, 'tags', jsonb_build_array('a', n % 97, md5((n * 7)::text))), " +
        `timestamptz '2026-01-01 00:00:00+00' + n * interval '1 second' FROM generate_series(1, ${RESTORE_ROWS}) AS n`,
    );
    const before = await sql(DIGEST);
    const tableBytes = Number(await sql("SELECT pg_total_relation_size('bench_restore')"));
    const databaseBytes = Number(await sql("SELECT pg_database_size('main')"));
    say(`${RESTORE_ROWS} rows in bench_restore: ${mb(tableBytes)} MB with its index (database main: ${mb(databaseBytes)} MB)`);

    // 2. Off-site backup.
    const script = path.join(dir, "backup-main.sh");
    fs.writeFileSync(script, renderBackupScript({ engine: "postgres", name: "main", container: DB, envFile, statusDir: path.join(dir, "status") }), { mode: 0o700 });
    const t0 = Date.now();
    const { stdout } = await promisify(execFile)("bash", [script]);
    const backupS = (Date.now() - t0) / 1000;
    const key = /^berth: backed up main to (\S+)$/m.exec(stdout)?.[1];
    const uploaded = /^berth: uploaded \S+ \((\d+) bytes\)$/m.exec(stdout)?.[1];
    if (!key || !uploaded) throw new Error(`the backup job printed no key:\n${stdout}`);
    const encryptedBytes = Number(uploaded);
    say(`backup job: ${key}, ${mb(encryptedBytes)} MB encrypted, in ${backupS.toFixed(1)} s`);

    // 3. Changes the restore must undo.
    await sql("DELETE FROM bench_restore WHERE id % 3 = 0; UPDATE bench_restore SET label = 'changed'");

    // 4. The timed restore.
    const pulumiDir = fakePulumi(STACK, { ...up.outputs, databaseUrls: "[secret]", backupStorage: s3.storage });
    const started = Date.now();
    const run = await berth(["restore", "main", key, "--yes", "--identity", identity, "-s", STACK], pulumiDir);
    const seconds = (Date.now() - started) / 1000;
    if (run.code !== 0) throw new Error(`berth restore exited ${run.code}:\n${run.stderr}`);
    const after = await sql(DIGEST);
    if (after !== before) throw new Error(`the restored table differs: ${after} instead of ${before}`);
    say(`berth restore (download + decrypt + pg_restore, ${RESTORE_ROWS} rows, ${mb(encryptedBytes)} MB download): ${seconds.toFixed(1)} s; every row identical`);
    await sql("DROP TABLE bench_restore");
    return {
      metrics: { restore: { seconds, rows: RESTORE_ROWS, tableMb: tableBytes / 1e6, downloadMb: encryptedBytes / 1e6 } },
      details: { key, tableBytes, databaseBytes, encryptedBytes, backupS, restoreS: seconds, targetS: RESTORE_TARGET_S, stderr: run.stderr },
    };
  } finally {
    await s3.close();
  }
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

async function sql(query: string): Promise<string> {
  return (await docker("exec", DB, "psql", "-U", "main", "-d", "main", "-v", "ON_ERROR_STOP=1", "-tAc", query)).trim();
}

function berth(args: string[], pulumiDir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin", "berth.js"), ...args], {
      env: { ...process.env, ...S3RVER_CREDENTIALS, PATH: `${pulumiDir}:${process.env.PATH}` },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}
