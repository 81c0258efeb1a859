import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PassThrough, Readable } from "stream";
import { parseCommandLine } from "../../cli/args";
import { ageProblem, decrypt, identityPath } from "../../cli/age";
import { BackupEntry, classifyBackupName, newestFirst } from "../../cli/catalog";
import { COMMANDS } from "../../cli/commands";
import { renderBackups } from "../../cli/commands/backups";
import { CliError } from "../../cli/errors";
import { openOffsiteBackup } from "../../cli/fetch-backup";
import { main } from "../../cli/main";
import { OffsiteStore, parseOffsiteListing, requireBackupStorage, spacesCredentials } from "../../cli/offsite";
import { parseStackOutputs, runPulumi } from "../../cli/outputs";
import { databaseSql, maintenanceSql, restoreFromInputCommand } from "../../cli/restore-postgres";
import { parseKeyspace, REDIS_RESTORE_SCRIPT } from "../../cli/restore-redis";
import { holdEndUntil, peek } from "../../cli/streams";
import { offsiteBackupKey } from "../../components/naming";
import { fakePulumi as fakeStackCli } from "../harness/fake-pulumi";
import { FAKE } from "../harness/fakes";
import { S3RVER_CREDENTIALS, startS3 } from "../harness/s3rver";
import { tempDir } from "../harness/tools";

const SPECS = COMMANDS.map((c) => c.spec);
const STORAGE = { endpoint: "https://fra1.digitaloceanspaces.com", region: "fra1", bucket: "acme-berth-prod" };
/** dockerHost points nowhere: a command that got past its checks would fail differently. */
const UNREACHABLE = {
  dockerHost: { kind: "ssh", user: "root", address: "192.0.2.1", hostPublicKey: FAKE.hostPublicKey },
  databases: { main: { engine: "postgres", container: "berth-known-db-main" }, cache: { engine: "redis", container: "berth-known-db-cache" } },
  replicaNames: { web: { web: ["berth-known-web-0-a1b2c3d"] } },
};

async function berth(argv: string[], opts: { outputs?: unknown; env?: NodeJS.ProcessEnv; stdinTty?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c) => (out += c));
  stderr.on("data", (c) => (err += c));
  const path0 = process.env.PATH;
  process.env.PATH = `${fakeStackCli("known", opts.outputs ?? UNREACHABLE)}:${path0}`;
  try {
    const stdin = Object.assign(new PassThrough(), { isTTY: opts.stdinTty });
    const code = await main(argv, { stdin, stdout: stdout as any, stderr }, { ...opts.env }, runPulumi);
    return { code, stdout: out, stderr: err };
  } finally {
    process.env.PATH = path0;
  }
}

/** A fresh age identity; returns its file and public key. */
function ageIdentity(dir: string, name = "key.txt"): { file: string; recipient: string } {
  const file = path.join(dir, name);
  execFileSync("age-keygen", ["-o", file], { stdio: "ignore" });
  return { file, recipient: execFileSync("age-keygen", ["-y", file], { encoding: "utf8" }).trim() };
}

function encrypt(plaintext: Buffer, recipient: string): Buffer {
  return execFileSync("age", ["-r", recipient], { input: plaintext });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

describe("berth CLI: off-site backups and restore", () => {
  describe("command line", () => {
    it("takes restore's backup as optional, and an identity file by path", () => {
      const bare = parseCommandLine(["restore", "main", "-s", "prod"], SPECS, {});
      assert.ok(bare.kind === "invoke");
      assert.deepEqual(bare.invocation.args, { db: "main" });
      const full = parseCommandLine(["restore", "main", "postgres/main/main-20261122T030512Z.dump.age", "-i", "/home/me/berth.key", "-y", "-s", "prod"], SPECS, {});
      assert.ok(full.kind === "invoke");
      assert.deepEqual(full.invocation.args, { db: "main", backup: "postgres/main/main-20261122T030512Z.dump.age" });
      assert.deepEqual(full.invocation.options, { identity: "/home/me/berth.key", yes: true });
    });

    it("shows the optional backup in restore's usage", async () => {
      const { stdout } = await berth(["restore", "--help"]);
      assert.match(stdout, /^Usage: berth restore <db> \[<backup>\] \[options\]$/m);
      assert.match(stdout, /-i, --identity <file> +age identity file that decrypts off-site backups \(default: \$BERTH_AGE_IDENTITY\)/);
    });
  });

  describe("stack output backupStorage", () => {
    it("is read when present and optional otherwise", () => {
      assert.deepEqual(parseStackOutputs("prod", { ...UNREACHABLE, backupStorage: STORAGE }).backupStorage, STORAGE);
      assert.equal(parseStackOutputs("prod", UNREACHABLE).backupStorage, undefined);
    });

    it("is refused when it lacks the endpoint, region or bucket", () => {
      assert.throws(() => parseStackOutputs("prod", { ...UNREACHABLE, backupStorage: { endpoint: STORAGE.endpoint, region: "fra1" } }), /output backupStorage is not \{ endpoint, region, bucket \}/);
    });

    it("absent, makes off-site backups an error that says they are off", () => {
      assert.throws(
        () => requireBackupStorage(parseStackOutputs("prod", UNREACHABLE), "prod"),
        /^Error: stack 'prod' has no off-site backups: its outputs have no backupStorage \(off-site backups are off/,
      );
    });
  });

  describe("the operator's Spaces key", () => {
    it("comes from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", () => {
      assert.deepEqual(spacesCredentials({ AWS_ACCESS_KEY_ID: "DO00EXAMPLE", AWS_SECRET_ACCESS_KEY: "s3cr3t" }, STORAGE), { accessKeyId: "DO00EXAMPLE", secretAccessKey: "s3cr3t" });
    });

    it("missing, is an error naming the variables and the bucket", () => {
      assert.throws(
        () => spacesCredentials({ AWS_ACCESS_KEY_ID: "DO00EXAMPLE" }, STORAGE),
        (err: CliError) =>
          err.message ===
          "off-site backups are in bucket acme-berth-prod at https://fra1.digitaloceanspaces.com: set AWS_SECRET_ACCESS_KEY to a Spaces access key that can read it (DigitalOcean › Spaces Object Storage › Access Keys)",
      );
      assert.throws(() => spacesCredentials({}, STORAGE), /set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to a Spaces access key/);
    });

    it("missing, stops berth backups before anything connects", async () => {
      const { code, stderr } = await berth(["backups", "main", "-s", "known"], { outputs: { ...UNREACHABLE, backupStorage: STORAGE } });
      assert.equal(code, 1);
      assert.match(stderr, /^berth: off-site backups are in bucket acme-berth-prod at https:\/\/fra1\.digitaloceanspaces\.com: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    });
  });

  describe("backup names", () => {
    it("lists a database's off-site backups newest first, leaving out other databases' and other objects", () => {
      const listed = parseOffsiteListing("postgres", "main", [
        { Key: "postgres/main/main-20261121T030001Z.dump.age", Size: 1234 },
        { Key: "postgres/main/main-20261122T030512Z.dump.age", Size: 99 },
        { Key: "postgres/main/main-20261122T030512Z.dump.age.partial", Size: 5 },
        { Key: "postgres/main/mainly-20261122T030512Z.dump.age", Size: 7 },
        { Key: "postgres/main-2/main-2-20261123T030512Z.dump.age", Size: 7 },
      ]);
      assert.deepEqual(
        listed.map((b) => [b.key, b.bytes, b.takenAt.toISOString()]),
        [
          ["postgres/main/main-20261122T030512Z.dump.age", 99, "2026-11-22T03:05:12.000Z"],
          ["postgres/main/main-20261121T030001Z.dump.age", 1234, "2026-11-21T03:00:01.000Z"],
        ],
      );
    });

    it("tells a local dump from an off-site object, as backups prints them", () => {
      assert.deepEqual(classifyBackupName("postgres", "main", "main-20261122T030512Z.dump"), { where: "local", name: "main-20261122T030512Z.dump" });
      assert.deepEqual(classifyBackupName("postgres", "main", "/backups/main-20261122T030512Z.dump"), { where: "local", name: "main-20261122T030512Z.dump" });
      const key = offsiteBackupKey("postgres", "main", "20261122T030512Z");
      assert.deepEqual(classifyBackupName("postgres", "main", key), { where: "off-site", name: key });
      assert.deepEqual(classifyBackupName("redis", "cache", "redis/cache/cache-20261122T030512Z.rdb.age"), { where: "off-site", name: "redis/cache/cache-20261122T030512Z.rdb.age" });
    });

    it("refuses anything else, saying what a name looks like", () => {
      assert.throws(() => classifyBackupName("postgres", "main", "postgres/main/../cache/cache-20261122T030512Z.rdb.age"), /is not the name of a backup of main \(like main-20261122T030512Z\.dump \(local\) or postgres\/main\/main-20261122T030512Z\.dump\.age \(off-site\)/);
      assert.throws(() => classifyBackupName("redis", "cache", "cache-20261122T030512Z.dump"), /is not the name of a backup of cache \(like redis\/cache\/cache-20261122T030512Z\.rdb\.age \(off-site\); berth backups cache lists them\)/);
    });

    it("puts the newest first, a local dump before the off-site copy of the same time", () => {
      const at = (iso: string) => new Date(iso);
      const entries: BackupEntry[] = [
        { name: "postgres/main/main-20261122T030512Z.dump.age", where: "off-site", bytes: 1, takenAt: at("2026-11-22T03:05:12Z") },
        { name: "main-20261121T030512Z.dump", where: "local", bytes: 1, takenAt: at("2026-11-21T03:05:12Z") },
        { name: "main-20261122T030512Z.dump", where: "local", bytes: 1, takenAt: at("2026-11-22T03:05:12Z") },
      ];
      assert.deepEqual(newestFirst(entries).map((e) => e.name), ["main-20261122T030512Z.dump", "postgres/main/main-20261122T030512Z.dump.age", "main-20261121T030512Z.dump"]);
    });

    it("prints name, size, time and where, one row each", () => {
      const table = renderBackups([
        { name: "main-20261122T030512Z.dump", where: "local", bytes: 1234, takenAt: new Date("2026-11-22T03:05:12Z") },
        { name: "postgres/main/main-20261122T030512Z.dump.age", where: "off-site", bytes: 1300, takenAt: new Date("2026-11-22T03:05:12Z") },
      ]);
      assert.equal(
        table,
        [
          "NAME                                          SIZE    TAKEN                 WHERE",
          "main-20261122T030512Z.dump                    1.2 kB  2026-11-22T03:05:12Z  local",
          "postgres/main/main-20261122T030512Z.dump.age  1.3 kB  2026-11-22T03:05:12Z  off-site",
          "",
        ].join("\n"),
      );
    });
  });

  describe("checks before anything connects", () => {
    it("a Redis database without off-site backups has nothing to list or restore", async () => {
      for (const argv of [["backups", "cache"], ["restore", "cache", "--yes"]]) {
        const { code, stderr } = await berth([...argv, "-s", "known"], { env: { ...S3RVER_CREDENTIALS } });
        assert.equal(code, 1, stderr);
        assert.match(stderr, /^berth: stack 'known' has no off-site backups: its outputs have no backupStorage/);
      }
    });

    it("an off-site backup named on a stack without backupStorage says off-site backups are off", async () => {
      const dir = tempDir("cli-no-storage");
      const { code, stderr } = await berth(["restore", "main", "postgres/main/main-20261122T030512Z.dump.age", "--yes", "-i", ageIdentity(dir).file, "-s", "known"]);
      assert.equal(code, 1);
      assert.match(stderr, /^berth: stack 'known' has no off-site backups: its outputs have no backupStorage/);
    });

    it("an off-site restore needs an identity file: --identity or BERTH_AGE_IDENTITY", async () => {
      const key = "postgres/main/main-20261122T030512Z.dump.age";
      const outputs = { ...UNREACHABLE, backupStorage: STORAGE };
      const none = await berth(["restore", "main", key, "--yes", "-s", "known"], { outputs, env: { ...S3RVER_CREDENTIALS } });
      assert.equal(none.code, 1);
      assert.equal(none.stderr, "berth: restoring an off-site backup needs the age identity (private key) of the backups' recipients: pass --identity <file> or set BERTH_AGE_IDENTITY=<file>\n");
      const missing = await berth(["restore", "main", key, "--yes", "-s", "known"], { outputs, env: { ...S3RVER_CREDENTIALS, BERTH_AGE_IDENTITY: "/nonexistent/key.txt" } });
      assert.equal(missing.stderr, "berth: cannot read the age identity file /nonexistent/key.txt: ENOENT\n");
    });

    it("the identity comes from --identity before BERTH_AGE_IDENTITY", () => {
      const dir = tempDir("cli-identity");
      const a = ageIdentity(dir, "a.txt").file;
      const b = ageIdentity(dir, "b.txt").file;
      assert.equal(identityPath(a, { BERTH_AGE_IDENTITY: b }), a);
      assert.equal(identityPath(undefined, { BERTH_AGE_IDENTITY: b }), b);
      assert.throws(() => identityPath(dir, {}), /the age identity .* is not a file/);
    });

    it("without a terminal and without --yes, restore is refused whatever the backup", async () => {
      const { code, stderr } = await berth(["restore", "cache", "-s", "known"], { outputs: { ...UNREACHABLE, backupStorage: STORAGE } });
      assert.equal(code, 2);
      assert.equal(stderr, "berth: restore: refusing to replace cache without confirmation: standard input is not a terminal; pass --yes\n");
    });
  });

  describe("decryption with age", () => {
    const dir = tempDir("cli-age");
    const right = ageIdentity(dir, "right.txt");
    const wrong = ageIdentity(dir, "wrong.txt");
    const plaintext = Buffer.concat([Buffer.from("PGDMP"), Buffer.alloc(200_000, 7)]);
    const ciphertext = encrypt(plaintext, right.recipient);

    it("gives back the exact plaintext with the matching identity", async () => {
      const d = decrypt(Readable.from([ciphertext]), right.file, "k");
      assert.ok((await readAll(d.plaintext)).equals(plaintext));
      await d.done;
    });

    it("says which identity does not match, and writes nothing", async () => {
      const d = decrypt(Readable.from([ciphertext]), wrong.file, "postgres/main/main-20261122T030512Z.dump.age");
      assert.equal((await readAll(d.plaintext)).length, 0);
      await assert.rejects(d.done, (err: CliError) =>
        err.message.startsWith(`the age identity ${wrong.file} does not match the recipients postgres/main/main-20261122T030512Z.dump.age was encrypted to (age: no identity matched any of the recipients`),
      );
    });

    it("keeps every byte for a reader that comes after age has exited", async () => {
      const small = Buffer.concat([Buffer.from("PGDMP"), Buffer.alloc(20_000, 9)]);
      const d = decrypt(Readable.from([encrypt(small, right.recipient)]), right.file, "k");
      assert.equal((await peek(d.plaintext, 5)).toString(), "PGDMP");
      await d.done; // age has written everything and exited; nobody has read it yet
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok((await readAll(d.plaintext)).equals(small));
    });

    it("fails a truncated backup: age never vouches for a part", async () => {
      const d = decrypt(Readable.from([ciphertext.subarray(0, ciphertext.length - 100)]), right.file, "k");
      await readAll(d.plaintext);
      await assert.rejects(d.done, /decrypting k failed \(age: /);
    });

    it("says when an object is not age-encrypted", () => {
      assert.equal(ageProblem('age: error: failed to read header: parsing age header: unexpected intro: "garbage\\n"\nage: report unexpected or unhelpful errors at https://filippo.io/age/report\n', "/k", "x"), 'x is not an age-encrypted file (age: failed to read header: parsing age header: unexpected intro: "garbage\\n")');
    });

    it("checks the decrypted backup is the engine's before anything is changed", async () => {
      const store = (bytes: Buffer) => ({ download: async () => ({ body: Readable.from([bytes]), bytes: bytes.length }) }) as unknown as OffsiteStore;
      const rdb = encrypt(Buffer.from("REDIS0010 and more"), right.recipient);
      await assert.rejects(openOffsiteBackup(store(rdb), "k", right.file, "postgres"), /k decrypts to something that is not a pg_dump custom-format archive; nothing was changed/);
      await assert.rejects(openOffsiteBackup(store(ciphertext), "k", wrong.file, "postgres"), /does not match the recipients k was encrypted to .*; nothing was changed$/);
      const opened = await openOffsiteBackup(store(ciphertext), "k", right.file, "postgres");
      assert.ok((await readAll(opened.plaintext)).equals(plaintext), "the checked bytes are still in the stream");
      await opened.done;
    });
  });

  describe("streams", () => {
    it("peek leaves the first bytes in the stream", async () => {
      const s = Readable.from([Buffer.from("PG"), Buffer.from("DMP-rest")], { objectMode: false });
      assert.equal((await peek(s, 5)).toString(), "PGDMP");
      assert.equal((await readAll(s)).toString(), "PGDMP-rest");
    });

    it("holds the last chunk back until the verdict: all of it when it is good", async () => {
      const out = Readable.from([Buffer.from("a"), Buffer.from("b"), Buffer.from("c")]).pipe(holdEndUntil(Promise.resolve()));
      assert.equal((await readAll(out)).toString(), "abc");
    });

    it("holds the last chunk back until the verdict: never the end when it is bad", async () => {
      const seen: string[] = [];
      const out = Readable.from([Buffer.from("a"), Buffer.from("b"), Buffer.from("c")]).pipe(holdEndUntil(Promise.reject(new Error("age: truncated"))));
      out.on("data", (c: Buffer) => seen.push(c.toString()));
      await assert.rejects(new Promise((resolve, reject) => (out.on("end", resolve), out.on("error", reject))), /age: truncated/);
      assert.deepEqual(seen, ["a", "b"]);
    });
  });

  describe("Postgres", () => {
    it("restores from standard input in one transaction, dropping and re-creating what the dump holds", () => {
      assert.deepEqual(restoreFromInputCommand("main"), ["pg_restore", "-U", "main", "-d", "main", "--clean", "--if-exists", "--no-owner", "--single-transaction"]);
    });

    it("creates a dropped database again, owned by its user, through the maintenance database", () => {
      assert.deepEqual(databaseSql("main"), { exists: "SELECT 1 FROM pg_database WHERE datname = 'main'", create: 'CREATE DATABASE "main" OWNER "main"' });
      assert.deepEqual(maintenanceSql("main", "SELECT 1").slice(0, 4), ["psql", "-U", "main", "-d"]);
      assert.equal(maintenanceSql("main", "SELECT 1")[4], "postgres");
      assert.throws(() => databaseSql(`main"; DROP ROLE x; --`), /is not a database name berth makes/);
    });
  });

  describe("Redis", () => {
    it("reads the keyspace as the helper and INFO print it", () => {
      assert.deepEqual(parseKeyspace("keyspace db0 1200\nkeyspace db3 4\n"), { db0: 1200, db3: 4 });
      assert.deepEqual(parseKeyspace("# Keyspace\ndb0:keys=1200,expires=3,avg_ttl=0\n"), { db0: 1200 });
    });

    it("converts with appendonly off, then on: the append-only file is rewritten from the snapshot", () => {
      assert.match(REDIS_RESTORE_SCRIPT, /redis-server --port 0 --unixsocket "\$sock" --dir "\$1" --dbfilename dump\.rdb --appendonly no --save ''/);
      assert.match(REDIS_RESTORE_SCRIPT, /config set appendonly yes/);
      assert.match(REDIS_RESTORE_SCRIPT, /aof_last_bgrewrite_status:ok/);
    });

    it("has a conversion script shellcheck accepts", function () {
      try {
        execFileSync("shellcheck", ["--version"], { stdio: "ignore" });
      } catch {
        this.skip();
      }
      const file = path.join(tempDir("cli-redis-script"), "restore.sh");
      fs.writeFileSync(file, `#!/bin/sh\n${REDIS_RESTORE_SCRIPT}\n`);
      execFileSync("shellcheck", ["-s", "sh", file]);
    });
  });

  describe("the bucket (s3rver)", function () {
    this.timeout(30_000);
    let s3: Awaited<ReturnType<typeof startS3>>;
    before(async () => {
      s3 = await startS3("berth-unit");
      const client = new S3Client({ endpoint: s3.storage.endpoint, region: s3.storage.region, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
      for (const [key, body] of [
        ["postgres/main/main-20261121T030001Z.dump.age", "older"],
        ["postgres/main/main-20261122T030512Z.dump.age", "newer!"],
        ["redis/cache/cache-20261122T030512Z.rdb.age", "rdb"],
      ]) {
        await client.send(new PutObjectCommand({ Bucket: "berth-unit", Key: key, Body: body }));
      }
      client.destroy();
    });
    after(() => s3?.close());

    it("lists one database's backups with their sizes, newest first", async () => {
      const store = new OffsiteStore(s3.storage, { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
      assert.deepEqual(
        (await store.list("postgres", "main")).map((b) => [b.key, b.bytes]),
        [
          ["postgres/main/main-20261122T030512Z.dump.age", 6],
          ["postgres/main/main-20261121T030001Z.dump.age", 5],
        ],
      );
      store.close();
    });

    it("downloads an object as it is", async () => {
      const store = new OffsiteStore(s3.storage, { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
      assert.equal((await readAll((await store.download("redis/cache/cache-20261122T030512Z.rdb.age")).body)).toString(), "rdb");
      store.close();
    });

    it("says a missing backup and a refused key in words", async () => {
      const store = new OffsiteStore(s3.storage, { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
      await assert.rejects(store.download("postgres/main/main-20260101T000000Z.dump.age"), /downloading postgres\/main\/main-20260101T000000Z\.dump\.age from bucket berth-unit at http:\/\/127\.0\.0\.1:\d+ failed: no such backup/);
      store.close();
      const stranger = new OffsiteStore(s3.storage, { accessKeyId: "NOTME", secretAccessKey: "nope" });
      await assert.rejects(stranger.list("postgres", "main"), /listing bucket berth-unit at .* failed: access denied: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
      stranger.close();
    });
  });
});
