import { S3Client, ListObjectsV2Command, PutObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import { strict as assert } from "assert";
import { execFile, execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { promisify } from "util";
import { renderBackupEnv, renderBackupScript } from "../../components/backup/script";
import { offsiteBackupKey, offsiteBackupPrefix } from "../../components/naming";
import { RunningS3, startS3 } from "../harness/s3rver";
import { freePort } from "../harness/sshd";
import { tempDir } from "../harness/tools";
import { Deployment } from "./harness/deployment";
import { e2eEnvironment } from "./support/environment";
import { SigV4Front, startSigV4Front } from "./support/sigv4-front";
import { exampleApp, exampleStack } from "./support/stack";

const STACK = "e2e-offsite";
const PG = `berth-${STACK}-db-main`;
const REDIS = `berth-${STACK}-db-cache`;
/** Apart from the other suites' ports and the `local` stack's 8080/8443. */
const PORTS = { httpPort: 38080, httpsPort: 38443 };
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
const BUCKET = `berth-${STACK}-backups`;

interface Ping {
  path: string;
  body: string;
}

interface Status {
  database: string;
  engine: string;
  lastOutcome: "success" | "failure";
  lastSuccess?: { at: string; key: string; bytes: number };
  lastFailure?: { at: string; step: string; reason: string };
}

/**
 * The backup job (components/backup/script.ts), rendered and run with bash on this machine as on
 * a droplet, against the database containers of a `local` stack on the real engine: docker exec
 * pg_dump / redis-cli, age, curl. Off-site storage is s3rver behind a front that checks SigV4 as
 * S3 does (s3rver alone does not); the heartbeat is a local HTTP server that records its pings.
 */
describe("e2e: off-site backups, encrypted, verified, failing loudly", function () {
  this.timeout(300_000);
  let deployment: Deployment;
  let s3: RunningS3;
  let front: SigV4Front;
  let client: S3Client;
  let heartbeat: http.Server;
  let heartbeatUrl: string;
  const pings: Ping[] = [];
  let dir: string;
  let identity: string;
  let recipients: string;
  const marker = `offsite-${Date.now().toString(36)}`;

  before(async function () {
    const env = await e2eEnvironment(this);
    this.timeout(300_000);
    deployment = new Deployment(STACK, env.registry);
    await deployment.sweep();
    await deployment.up(exampleStack({ web: exampleApp({ replicas: 1 }) }, PORTS));
    s3 = await startS3(BUCKET);
    front = await startSigV4Front(s3.storage.endpoint, CREDENTIALS);
    client = new S3Client({ endpoint: s3.storage.endpoint, region: s3.storage.region, forcePathStyle: true, credentials: CREDENTIALS });
    heartbeat = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        pings.push({ path: req.url!, body });
        res.end("OK");
      });
    });
    const port = await freePort();
    await new Promise<void>((ok) => heartbeat.listen(port, "127.0.0.1", ok));
    heartbeatUrl = `http://127.0.0.1:${port}/ping/0f7c1a52`;
    dir = tempDir("offsite-e2e");
    identity = path.join(dir, "identity.txt");
    execFileSync("age-keygen", ["-o", identity], { stdio: "ignore" });
    recipients = path.join(dir, "recipients.txt");
    fs.writeFileSync(recipients, execFileSync("age-keygen", ["-y", identity]));
    await docker("exec", PG, "psql", "-U", "main", "-d", "main", "-v", "ON_ERROR_STOP=1", "-c",
      `CREATE TABLE offsite_check (id serial PRIMARY KEY, note text); INSERT INTO offsite_check (note) SELECT '${marker} ' || n FROM generate_series(1, 200) n`);
    await docker("exec", REDIS, "redis-cli", "SET", "offsite:marker", marker);
  });

  after(async function () {
    this.timeout(120_000);
    await deployment?.sweep();
    await front?.close();
    await s3?.close();
    client?.destroy();
    await new Promise<void>((ok) => (heartbeat ? heartbeat.close(() => ok()) : ok()));
  });

  beforeEach(() => {
    pings.length = 0;
  });

  /** Runs the job of one database once, with its own status directory; the env file is 0600. */
  async function runJob(engine: "postgres" | "redis", name: string, container: string, env: { endpoint?: string; recipientsFile?: string; keepDays?: number; secretKey?: string; statusDir?: string; heartbeatUrl?: string } = {}) {
    const run = tempDir(`offsite-${name}`);
    const firstPing = pings.length;
    const envFile = path.join(run, "backup.env");
    fs.writeFileSync(
      envFile,
      renderBackupEnv({
        endpoint: env.endpoint ?? front.endpoint,
        region: s3.storage.region,
        bucket: BUCKET,
        accessKeyId: CREDENTIALS.accessKeyId,
        secretKey: env.secretKey ?? CREDENTIALS.secretAccessKey,
        recipientsFile: env.recipientsFile ?? recipients,
        keepDays: env.keepDays ?? 30,
        heartbeatUrl: env.heartbeatUrl ?? heartbeatUrl,
      }),
      { mode: 0o600 },
    );
    const statusDir = env.statusDir ?? path.join(run, "status");
    const script = path.join(run, "backup.sh");
    fs.writeFileSync(script, renderBackupScript({ engine, name, container, envFile, statusDir }), { mode: 0o700 });
    // Asynchronously: s3rver, the front and the heartbeat answer from this process's event loop.
    const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) =>
      execFile("bash", [script], (err, stdout, stderr) => done({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })),
    );
    const statusFile = path.join(statusDir, `${name}.json`);
    const status = fs.existsSync(statusFile) ? (JSON.parse(fs.readFileSync(statusFile, "utf8")) as Status) : undefined;
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, status, statusDir, pings: pings.slice(firstPing), key: /^berth: backed up \S+ to (\S+)$/m.exec(result.stdout)?.[1] };
  }

  const keys = async (prefix: string) =>
    ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
  const object = async (key: string) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());
  /** Decrypts with an identity file; throws when age refuses. */
  const decrypt = (encrypted: Buffer, identityFile: string) =>
    execFileSync("age", ["-d", "-i", identityFile], { input: encrypted, maxBuffer: 64 * 1024 * 1024, stdio: ["pipe", "pipe", "pipe"] });

  describe("a Postgres backup", () => {
    let run: Awaited<ReturnType<typeof runJob>>;
    let encrypted: Buffer;

    before(async () => {
      run = await runJob("postgres", "main", PG);
      assert.equal(run.code, 0, run.stderr);
      encrypted = await object(run.key!);
    });

    it("lands as one object under the key naming.ts gives it", async () => {
      const listed = await keys(offsiteBackupPrefix("postgres", "main"));
      assert.deepEqual(listed, [run.key]);
      assert.match(run.key!, /^postgres\/main\/main-\d{8}T\d{6}Z\.dump\.age$/);
      assert.equal(run.key, offsiteBackupKey("postgres", "main", /main-(\d{8}T\d{6}Z)/.exec(run.key!)![1]));
    });

    it("is age-encrypted: the header, and no row's text in clear", () => {
      assert.equal(encrypted.subarray(0, 21).toString(), "age-encryption.org/v1");
      assert.ok(!encrypted.includes(marker), "a row's text is readable in the object");
    });

    it("decrypts with the matching identity to a custom-format dump holding the rows", () => {
      const dump = decrypt(encrypted, identity);
      const list = spawnSync("pg_restore", ["--list"], { input: dump, encoding: "utf8" });
      assert.equal(list.status, 0, list.stderr);
      assert.match(list.stdout, /TABLE DATA public offsite_check/);
      const data = spawnSync("pg_restore", ["--data-only", "--table=offsite_check", "-f", "-"], { input: dump, encoding: "utf8" });
      assert.equal(data.status, 0, data.stderr);
      assert.equal(data.stdout.split("\n").filter((line) => line.includes(marker)).length, 200);
    });

    it("does not decrypt with another identity", () => {
      const other = path.join(dir, "other-identity.txt");
      if (!fs.existsSync(other)) execFileSync("age-keygen", ["-o", other], { stdio: "ignore" });
      assert.throws(() => decrypt(encrypted, other));
    });

    it("records the success and pings the heartbeat", () => {
      assert.equal(run.status?.lastOutcome, "success");
      assert.equal(run.status?.lastSuccess?.key, run.key);
      assert.equal(run.status?.lastSuccess?.bytes, encrypted.length);
      assert.equal(run.status?.lastFailure, undefined);
      assert.deepEqual(run.pings, [{ path: "/ping/0f7c1a52", body: `backup of main: ${run.key} (${encrypted.length} bytes)` }]);
      assert.equal(fs.statSync(run.statusDir).mode & 0o777, 0o700);
      assert.equal(fs.statSync(path.join(run.statusDir, "main.json")).mode & 0o777, 0o600);
    });

    it("signs every request as S3 checks it", () => {
      assert.deepEqual(front.refused, []);
    });
  });

  describe("a Redis backup", () => {
    it("lands as one encrypted RDB snapshot holding the keys, and pings success", async () => {
      const run = await runJob("redis", "cache", REDIS);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(await keys(offsiteBackupPrefix("redis", "cache")), [run.key]);
      const encrypted = await object(run.key!);
      assert.equal(encrypted.subarray(0, 21).toString(), "age-encryption.org/v1");
      assert.ok(!encrypted.includes(marker));
      const rdb = decrypt(encrypted, identity);
      assert.equal(rdb.subarray(0, 5).toString(), "REDIS");
      assert.ok(rdb.includes(marker), "the snapshot holds the key written");
      assert.deepEqual(pings, [{ path: "/ping/0f7c1a52", body: `backup of cache: ${run.key} (${encrypted.length} bytes)` }]);
    });
  });

  describe("failures are loud", () => {
    it("storage unreachable: exits non-zero, records the reason, pings /fail, records no success", async () => {
      const closed = `http://127.0.0.1:${await freePort()}`;
      const run = await runJob("postgres", "main", PG, { endpoint: closed });
      assert.equal(run.code, 1);
      assert.equal(run.status?.lastOutcome, "failure");
      assert.equal(run.status?.lastSuccess, undefined);
      assert.equal(run.status?.lastFailure?.step, "uploading");
      assert.match(run.status!.lastFailure!.reason, /^main: uploading failed: curl: \(7\) Failed to connect to 127\.0\.0\.1 port \d+/);
      assert.equal(pings.length, 1);
      assert.equal(pings[0].path, "/ping/0f7c1a52/fail");
      assert.equal(pings[0].body, `backup of ${run.status!.lastFailure!.reason}`);
    });

    it("an invalid recipient (encryption fails): exits non-zero, records the reason, pings /fail, uploads nothing", async () => {
      const bad = path.join(dir, "bad-recipients.txt");
      fs.writeFileSync(bad, "age1notavalidrecipient\n");
      const before = await keys(offsiteBackupPrefix("redis", "cache"));
      const run = await runJob("redis", "cache", REDIS, { recipientsFile: bad });
      assert.equal(run.code, 1);
      assert.equal(run.status?.lastOutcome, "failure");
      assert.equal(run.status?.lastSuccess, undefined);
      assert.equal(run.status?.lastFailure?.step, "encrypting with age");
      assert.match(run.status!.lastFailure!.reason, /^cache: encrypting with age failed: age exited 1: .*recipient/);
      assert.deepEqual(pings.map((p) => p.path), ["/ping/0f7c1a52/fail"]);
      assert.deepEqual(await keys(offsiteBackupPrefix("redis", "cache")), before);
    });

    it("a wrong Spaces secret key: the store refuses the upload, and the failure is recorded", async () => {
      const run = await runJob("postgres", "main", PG, { secretKey: "not-the-secret" });
      assert.equal(run.code, 1);
      assert.equal(run.status?.lastFailure?.step, "uploading");
      assert.match(run.status!.lastFailure!.reason, /returned error: 403/);
      assert.ok(front.refused.some((r) => /the signature does not match/.test(r)), front.refused.join("\n"));
      assert.deepEqual(run.pings.map((p) => p.path), ["/ping/0f7c1a52/fail"]);
      front.refused.length = 0;
    });

    it("keeps the shared heartbeat failing while another database's last backup failed", async () => {
      const statusDir = path.join(tempDir("offsite-shared"), "status");
      const failed = await runJob("redis", "cache", REDIS, { statusDir, recipientsFile: path.join(dir, "missing-recipients.txt") });
      assert.equal(failed.code, 1);
      const ok = await runJob("postgres", "main", PG, { statusDir });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.status?.lastOutcome, "success");
      assert.deepEqual(ok.pings, [
        { path: "/ping/0f7c1a52/fail", body: `backup of main succeeded (${ok.key}), but the last backup of: cache failed (see ${statusDir})` },
      ]);
    });

    it("a stopped container: exits non-zero and says which container", async () => {
      await docker("stop", REDIS);
      try {
        const run = await runJob("redis", "cache", REDIS);
        assert.equal(run.code, 1);
        assert.equal(run.status?.lastFailure?.step, "checking the container");
        assert.match(run.status!.lastFailure!.reason, new RegExp(`container ${REDIS} is not running`));
        assert.deepEqual(pings.map((p) => p.path), ["/ping/0f7c1a52/fail"]);
      } finally {
        await docker("start", REDIS);
      }
    });
  });

  describe("the heartbeat", () => {
    it("unreachable: a good backup still succeeds and is recorded, and the failed ping is logged", async () => {
      const run = await runJob("redis", "cache", REDIS, { heartbeatUrl: `http://127.0.0.1:${await freePort()}/ping/x` });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.status?.lastOutcome, "success");
      assert.match(run.stderr, /berth: the heartbeat ping failed \(the backup outcome stands\)/);
    });
  });

  describe("retention", () => {
    it("removes this database's objects older than keepDays by the time in their key, and keeps newer ones", async () => {
      const stamp = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
      const old = offsiteBackupKey("postgres", "main", stamp(12));
      const recent = offsiteBackupKey("postgres", "main", stamp(8));
      const otherDb = offsiteBackupKey("postgres", "main-2", stamp(40));
      const notABackup = `${offsiteBackupPrefix("postgres", "main")}README.txt`;
      for (const key of [old, recent, otherDb, notABackup]) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "x" }));
      const run = await runJob("postgres", "main", PG, { keepDays: 10 });
      assert.equal(run.code, 0, run.stderr);
      const left = await keys("postgres/");
      assert.ok(!left.includes(old), "the 12-day-old backup is pruned");
      for (const key of [recent, otherDb, notABackup, run.key!]) assert.ok(left.includes(key), `${key} is kept`);
    });
  });
});

async function docker(...args: string[]): Promise<string> {
  return (await promisify(execFile)("docker", args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
}
