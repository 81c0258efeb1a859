import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { strict as assert } from "assert";
import { execFile, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { renderBackupEnv, renderBackupScript } from "../../components/backup/script";
import { offsiteBackupKeyPattern } from "../../components/naming";
import { fakePulumi } from "../harness/fake-pulumi";
import { RunningS3, S3RVER_CREDENTIALS, startS3 } from "../harness/s3rver";
import { tempDir } from "../harness/tools";
import { Deployment } from "./harness/deployment";
import { e2eEnvironment } from "./support/environment";
import { eventually } from "./support/http";
import { exampleApp, exampleStack } from "./support/stack";

const STACK = "e2e-restore";
const PG = `berth-${STACK}-db-main`;
const REDIS = `berth-${STACK}-db-cache`;
const ROOT = path.resolve(__dirname, "../..");
/** Apart from the other suites' ports, the bench's 28080/28443 and the `local` stack's 8080/8443. */
const PORTS = { httpPort: 39080, httpsPort: 39443 };

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `berth backups` and `berth restore` against a stack on the real engine, with its backups made by
 * the real backup job (components/backup/script.ts, run here as on a droplet: docker exec, age,
 * curl) into an S3 stand-in (s3rver) that the stack's `backupStorage` output points at. The
 * round trips, each as a user would go through them:
 *
 *   1. write data (Postgres: a few thousand varied rows; Redis: keys of every type);
 *   2. back it up with the backup job: dump, age-encrypt to the test's recipient, upload;
 *   3. lose it (DROP DATABASE; FLUSHALL) and write something else;
 *   4. `berth restore <db> [<key>] --yes` with the age identity: exactly the data of step 1.
 */
describe("e2e: berth backups and restore, from off-site backups and local dumps", function () {
  this.timeout(300_000);
  let deployment: Deployment;
  let s3: RunningS3;
  let dir: string;
  let identity: string;
  let envFile: string;
  let pulumiDir: string;

  before(async function () {
    const env = await e2eEnvironment(this);
    this.timeout(300_000);
    deployment = new Deployment(STACK, env.registry);
    await deployment.sweep();
    const up = await deployment.up(exampleStack({ web: exampleApp({ replicas: 1 }) }, PORTS));
    s3 = await startS3(`berth-${STACK}-backups`);
    dir = tempDir("restore-e2e");
    identity = path.join(dir, "identity.txt");
    execFileSync("age-keygen", ["-o", identity], { stdio: "ignore" });
    const recipients = path.join(dir, "recipients.txt");
    fs.writeFileSync(recipients, execFileSync("age-keygen", ["-y", identity]));
    envFile = path.join(dir, "backup.env");
    const { endpoint, region, bucket } = s3.storage;
    fs.writeFileSync(envFile, renderBackupEnv({ endpoint, region, bucket, accessKeyId: "S3RVER", secretKey: "S3RVER", recipientsFile: recipients, keepDays: 7 }), { mode: 0o600 });
    pulumiDir = fakePulumi(STACK, { ...printed(up.outputs), backupStorage: s3.storage });
  });

  after(async function () {
    this.timeout(120_000);
    await deployment?.sweep();
    await s3?.close();
  });

  /** The CLI with the operator's Spaces key in the environment (as the docs say to give it). */
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => berth([...args, "-s", STACK], pulumiDir, { ...S3RVER_CREDENTIALS, ...env });

  /** One run of the real backup job of a database; resolves with the key it uploaded. */
  async function backUp(engine: "postgres" | "redis", name: string, container: string): Promise<string> {
    const script = path.join(dir, `backup-${name}.sh`);
    fs.writeFileSync(script, renderBackupScript({ engine, name, container, envFile, statusDir: path.join(dir, "status") }), { mode: 0o700 });
    const { stdout } = await promisify(execFile)("bash", [script]);
    const key = /^berth: backed up \S+ to (\S+)$/m.exec(stdout)?.[1];
    assert.ok(key && offsiteBackupKeyPattern(engine, name).test(key), stdout);
    return key;
  }

  describe("Postgres", () => {
    const TABLE_DIGEST = "SELECT count(*) || ' ' || md5(string_agg(t::text, '|' ORDER BY id)) FROM restore_check t";

    before(async () => {
      // A few thousand rows: unicode, NULLs, quotes, tabs and newlines, numbers, JSON, timestamps.
      await sql(
        [
          "CREATE TABLE restore_check (id serial PRIMARY KEY, label text NOT NULL, note text, amount numeric(12,2), doc jsonb, at timestamptz)",
          "INSERT INTO restore_check (label, note, amount, doc, at) SELECT " +
            "'row ' || n || ' Grüße 🚢 «ß» 日本', " +
            "CASE WHEN n % 7 = 0 THEN NULL ELSE repeat('x', n % 40) || E'\\t\"quoted\" \\\\ back\\nline' END, " +
            "CASE WHEN n % 11 = 0 THEN NULL ELSE n * 1.25 END, " +
            "jsonb_build_object('n', n, 'even', n % 2 = 0, 'tags', jsonb_build_array('a', n::text)), " +
            "timestamptz '2026-01-01 00:00:00+00' + n * interval '1 minute' " +
            "FROM generate_series(1, 5000) AS n",
        ].join("; "),
      );
    });

    it("backups lists the off-site backup with its size, time and where it is", async () => {
      const key = await backUp("postgres", "main", PG);
      const { code, stdout, stderr } = await cli(["backups", "main"]);
      assert.equal(code, 0, stderr);
      const rows = stdout.trim().split("\n").map((l) => l.split(/\s{2,}/));
      assert.deepEqual(rows[0], ["NAME", "SIZE", "TAKEN", "WHERE"]);
      const row = rows.find((r) => r[0] === key);
      assert.ok(row, stdout);
      assert.match(row[1], /^\d+(\.\d)? (kB|MB)$/);
      assert.match(row[2], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.equal(row[3], "off-site");
      assert.match(stderr, new RegExp(`off-site: bucket berth-${STACK}-backups at http://127\\.0\\.0\\.1:\\d+`));
    });

    it("restores a dropped database from its off-site backup: every row identical, owned by its user", async () => {
      const before = await sql(TABLE_DIGEST);
      assert.match(before, /^5000 [0-9a-f]{32}$/);
      const key = await backUp("postgres", "main", PG);
      await sql("DROP DATABASE main WITH (FORCE)", "postgres");
      assert.equal(await sql("SELECT count(*) FROM pg_database WHERE datname = 'main'", "postgres"), "0");

      const { code, stderr } = await cli(["restore", "main", key, "--yes", "--identity", identity]);
      assert.equal(code, 0, stderr);
      assert.match(stderr, /database main did not exist: created it again, owned by main/);
      assert.match(stderr, new RegExp(`restored main from ${key.replace(/\./g, "\\.")}\n$`));
      assert.equal(await sql(TABLE_DIGEST), before);
      assert.equal(await sql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'main'", "postgres"), "main");
    });

    it("replaces what was written after the backup with the backup's rows", async () => {
      const before = await sql(TABLE_DIGEST);
      const key = await backUp("postgres", "main", PG);
      await sql("DELETE FROM restore_check WHERE id % 3 = 0; UPDATE restore_check SET label = 'changed' WHERE id < 100; INSERT INTO restore_check (label) VALUES ('after the backup')");
      assert.notEqual(await sql(TABLE_DIGEST), before);
      const { code, stderr } = await cli(["restore", "main", key, "--yes"], { BERTH_AGE_IDENTITY: identity });
      assert.equal(code, 0, stderr);
      assert.equal(await sql(TABLE_DIGEST), before);
    });

    it("refuses without --yes and without a terminal, and changes nothing", async () => {
      const key = await backUp("postgres", "main", PG);
      await sql("INSERT INTO restore_check (label) VALUES ('kept: not restored')");
      const { code, stderr } = await cli(["restore", "main", key, "--identity", identity]);
      assert.equal(code, 2);
      assert.match(stderr, /refusing to replace main without confirmation: standard input is not a terminal; pass --yes/);
      assert.equal(await sql("SELECT count(*) FROM restore_check WHERE label = 'kept: not restored'"), "1");
    });

    it("fails clearly with an identity the backup was not encrypted to, and changes nothing", async () => {
      const key = await backUp("postgres", "main", PG);
      await sql("INSERT INTO restore_check (label) VALUES ('kept: wrong key')");
      const before = await sql(TABLE_DIGEST);
      const stranger = path.join(dir, "stranger.txt");
      execFileSync("age-keygen", ["-o", stranger], { stdio: "ignore" });
      const { code, stderr } = await cli(["restore", "main", key, "--yes", "--identity", stranger]);
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`^berth: the age identity ${stranger} does not match the recipients ${key.replace(/\./g, "\\.")} was encrypted to \\(age: no identity matched any of the recipients\\); nothing was changed$`, "m"));
      assert.equal(await sql(TABLE_DIGEST), before);
    });

    it("still restores a local dump (berth backup), into a dropped database too", async () => {
      const before = await sql(TABLE_DIGEST);
      const backup = await cli(["backup", "main"]);
      assert.equal(backup.code, 0, backup.stderr);
      const dump = backup.stdout.trim();
      await sql("DROP DATABASE main WITH (FORCE)", "postgres");
      const { code, stderr } = await cli(["restore", "main", dump, "--yes"]);
      assert.equal(code, 0, stderr);
      assert.match(stderr, new RegExp(`restored main from ${dump}`));
      assert.equal(await sql(TABLE_DIGEST), before);
    });
  });

  describe("Redis", () => {
    /** Every key with its type and value, in key order: strings, hashes, lists, sets, sorted sets. */
    const KEYSPACE_DUMP = [
      "local keys = redis.call('KEYS', '*'); table.sort(keys); local out = {}",
      "for _, k in ipairs(keys) do",
      "  local t = redis.call('TYPE', k).ok; local v",
      "  if t == 'string' then v = {redis.call('GET', k)}",
      "  elseif t == 'hash' then v = redis.call('HGETALL', k)",
      "  elseif t == 'list' then v = redis.call('LRANGE', k, 0, -1)",
      "  elseif t == 'set' then v = redis.call('SMEMBERS', k); table.sort(v)",
      "  elseif t == 'zset' then v = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES') end",
      "  if t == 'hash' then local pairs_ = {}; for i = 1, #v, 2 do pairs_[#pairs_ + 1] = v[i] .. '=' .. v[i + 1] end; table.sort(pairs_); v = pairs_ end",
      "  out[#out + 1] = k .. ' ' .. t .. ' ' .. table.concat(v, '\\31')",
      "end",
      "return #keys .. ' ' .. redis.sha1hex(table.concat(out, '\\30'))",
    ].join("\n");

    before(async () => {
      // Keys of every type, unicode in names and values, and one with a (long) expiry.
      const lua = [
        "for n = 1, 300 do",
        "  redis.call('SET', 'str:' .. n .. ':ü✓', 'value ' .. n .. ' Grüße 🚢 \\n tab\\t')",
        "  if n % 10 == 0 then",
        "    redis.call('HSET', 'hash:' .. n, 'a', n, 'b', 'zwei', 'c', '日本')",
        "    redis.call('RPUSH', 'list:' .. n, 'x', 'y', n)",
        "    redis.call('SADD', 'set:' .. n, 'p', 'q', n)",
        "    redis.call('ZADD', 'zset:' .. n, n, 'm' .. n, n / 3, 'third')",
        "  end",
        "end",
        "redis.call('SET', 'session:expiring', 'soon', 'EX', 86400)",
        "return redis.call('DBSIZE')",
      ].join("\n");
      assert.equal(await redis("EVAL", lua, "0"), "421");
    });

    it("backups lists a Redis database's off-site backups", async () => {
      const key = await backUp("redis", "cache", REDIS);
      const { code, stdout, stderr } = await cli(["backups", "cache"]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, new RegExp(`^${key.replace(/\./g, "\\.")} +\\d+(\\.\\d)? (B|kB|MB) +\\S+Z +off-site$`, "m"));
    });

    it("restores the newest snapshot after FLUSHALL: exactly its keys, also after a restart", async () => {
      const before = await redis("EVAL", KEYSPACE_DUMP, "0");
      assert.match(before, /^421 [0-9a-f]{40}$/);
      const key = await backUp("redis", "cache", REDIS);
      await redis("FLUSHALL");
      await redis("SET", "written:after-the-backup", "must go");

      const { code, stderr } = await cli(["restore", "cache", "--yes", "--identity", identity]);
      assert.equal(code, 0, stderr);
      assert.match(stderr, new RegExp(`the newest backup of cache is ${key.replace(/\./g, "\\.")} \\(off-site, taken `));
      assert.match(stderr, /cache is running on the snapshot: 421 keys/);
      assert.equal(await redis("EVAL", KEYSPACE_DUMP, "0"), before, "exactly the snapshot's keys and values");
      assert.equal((await docker("inspect", "-f", "{{.State.Health.Status}}", REDIS)).trim(), "healthy");
      assert.equal(await redis("DBSIZE"), "421");

      // The append-only file holds the snapshot now: a restart loads the same keys.
      await docker("restart", REDIS);
      assert.equal(await eventually(() => redis("EVAL", KEYSPACE_DUMP, "0")), before);
      const leftovers = await docker("exec", REDIS, "ls", "-A", "/data");
      assert.doesNotMatch(leftovers, /berth-restore|berth-before-restore/, "staging files are gone");
      assert.equal((await docker("ps", "-aq", "--filter", `label=berth.stack=${STACK}`, "--filter", "label=berth.role=restore")).trim(), "", "no helper left");
    });

    it("fails clearly with the wrong identity, without stopping Redis or changing a key", async () => {
      const key = await backUp("redis", "cache", REDIS);
      await redis("SET", "written:after", "stays");
      const before = await redis("EVAL", KEYSPACE_DUMP, "0");
      const started = await docker("inspect", "-f", "{{.State.StartedAt}}", REDIS);
      const stranger = path.join(dir, "stranger-redis.txt");
      execFileSync("age-keygen", ["-o", stranger], { stdio: "ignore" });
      const { code, stderr } = await cli(["restore", "cache", key, "--yes"], { BERTH_AGE_IDENTITY: stranger });
      assert.equal(code, 1);
      assert.match(stderr, /does not match the recipients .* was encrypted to .*; nothing was changed$/m);
      assert.equal(await redis("EVAL", KEYSPACE_DUMP, "0"), before);
      assert.equal(await docker("inspect", "-f", "{{.State.StartedAt}}", REDIS), started, "never stopped");
    });

    it("puts the old data back when a snapshot cannot be loaded, and starts Redis on it", async () => {
      await redis("SET", "written:before-the-bad-snapshot", "stays");
      const before = await redis("EVAL", KEYSPACE_DUMP, "0");
      // Authentic and starting like an RDB, but not one: Redis refuses to load it.
      const recipient = execFileSync("age-keygen", ["-y", identity], { encoding: "utf8" }).trim();
      const bad = execFileSync("age", ["-r", recipient], { input: Buffer.concat([Buffer.from("REDIS0010"), Buffer.alloc(4096, 0xfe)]) });
      const key = "redis/cache/cache-20991231T235959Z.rdb.age";
      const client = new S3Client({ endpoint: s3.storage.endpoint, region: s3.storage.region, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
      await client.send(new PutObjectCommand({ Bucket: s3.storage.bucket, Key: key, Body: bad }));
      client.destroy();

      const { code, stderr } = await cli(["restore", "cache", key, "--yes", "--identity", identity]);
      assert.equal(code, 1);
      assert.match(stderr, /^berth: loading the snapshot failed \(exit 1\); cache was started again on its old data:/m);
      assert.equal(await eventually(() => redis("EVAL", KEYSPACE_DUMP, "0")), before);
      assert.equal(await eventually(async () => assertHealthy(await docker("inspect", "-f", "{{.State.Health.Status}}", REDIS))), "healthy");
    });
  });
});

function assertHealthy(status: string): string {
  assert.equal(status.trim(), "healthy");
  return status.trim();
}

/** Outputs as `pulumi stack output --json` prints them without --show-secrets. */
function printed(outputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, k === "databaseUrls" ? "[secret]" : v]));
}

/** `node bin/berth.js <args>` without a terminal, the stand-in pulumi first on PATH. */
function berth(args: string[], pulumiDir: string, env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin", "berth.js"), ...args], {
      env: { ...process.env, PULUMI_STACK: "", AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", BERTH_AGE_IDENTITY: "", ...env, PATH: `${pulumiDir}:${process.env.PATH}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c) => (stdout += c));
    child.stderr!.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function sql(query: string, database = "main"): Promise<string> {
  return (await docker("exec", PG, "psql", "-U", "main", "-d", database, "-v", "ON_ERROR_STOP=1", "-tAc", query)).trim();
}

async function redis(...args: string[]): Promise<string> {
  return (await docker("exec", REDIS, "redis-cli", ...args)).trim();
}

async function docker(...args: string[]): Promise<string> {
  return (await promisify(execFile)("docker", args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
}
