import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { renderBackupScript } from "../../components/backup/script";
import { ENGINE_SPECS } from "../../components/database/engines";
import { tempDir } from "../harness/tools";

/**
 * Backups that cannot be restored are not backups. This runs berth's backup script against a real
 * PostgreSQL server (Debian's), with a stand-in `docker` that runs `docker exec <container> CMD`
 * as CMD against that server, then restores the dump the way the README says and checks the rows.
 * It also runs the database container's health command against the same server.
 */
describe("Postgres backup and restore (checked with a real PostgreSQL)", function () {
  this.timeout(60000);
  const bin = (() => {
    const versions = fs.existsSync("/usr/lib/postgresql") ? fs.readdirSync("/usr/lib/postgresql").sort() : [];
    return versions.length ? `/usr/lib/postgresql/${versions[versions.length - 1]}/bin` : "";
  })();
  let dir: string;
  let dataDir: string;
  let port: number;

  /** Runs a command as the postgres OS user against the test server. */
  function asPostgres(command: string[], input?: string) {
    const env = `PGHOST=${dir} PGPORT=${port} PATH=${bin}:/usr/bin:/bin`;
    const result = spawnSync("runuser", ["-u", "postgres", "--", "sh", "-c", `${env} exec "$@"`, "sh", ...command], {
      input,
      encoding: "utf8",
    });
    return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
  }
  const sql = (query: string) => {
    const r = asPostgres(["psql", "-U", "main", "-d", "main", "-tAc", query]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };

  before(async function () {
    if (!bin) throw new Error("PostgreSQL is not installed: apt-get install -y postgresql (bash .ci/run does this)");
    if (process.getuid?.() !== 0) this.skip(); // runs the server as the postgres user
    dir = tempDir("postgres");
    fs.chmodSync(dir, 0o777);
    dataDir = path.join(dir, "data");
    port = await new Promise<number>((ok) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => ok(p));
      });
    });
    // Like the official image: superuser and database named after POSTGRES_USER / POSTGRES_DB.
    let r = asPostgres(["initdb", "-D", dataDir, "-U", "main", "--auth=trust"]);
    assert.equal(r.status, 0, r.stderr);
    r = asPostgres(["pg_ctl", "-D", dataDir, "-w", "-o", `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1`, "-l", path.join(dir, "log"), "start"]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    r = asPostgres(["createdb", "-U", "main", "main"]);
    assert.equal(r.status, 0, r.stderr);
  });

  after(() => {
    if (dataDir) asPostgres(["pg_ctl", "-D", dataDir, "-m", "fast", "stop"]);
  });

  it("the container's health command passes against a running server", () => {
    const r = asPostgres(["env", "POSTGRES_USER=main", "POSTGRES_DB=main", "sh", "-c", ENGINE_SPECS.postgres.healthCommand.replace("-h 127.0.0.1", `-h 127.0.0.1 -p ${port}`)]);
    assert.equal(r.status, 0, r.stderr);
  });

  it("a dump made by berth's backup script restores every row", () => {
    sql("CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL)");
    sql("INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 500) g");

    // `docker exec <container> CMD...` becomes CMD run against the test server.
    const shim = path.join(dir, "shim");
    fs.mkdirSync(shim);
    fs.writeFileSync(
      path.join(shim, "docker"),
      `#!/bin/sh\nif [ "$1" = inspect ]; then echo true; exit 0; fi\n[ "$1" = exec ] || exit 64\nshift 2\nexec runuser -u postgres -- env PGHOST=${dir} PGPORT=${port} PATH=${bin}:/usr/bin:/bin "$@"\n`,
      { mode: 0o755 },
    );
    const dumps = path.join(dir, "dumps");
    const script = path.join(dir, "backup.sh");
    // The job as a droplet runs it, keeping the local dump only (the off-site part: offsite-backup.test.ts).
    const envFile = path.join(dir, "backup.env");
    fs.writeFileSync(envFile, "", { mode: 0o600 });
    fs.writeFileSync(
      script,
      renderBackupScript({ engine: "postgres", name: "main", container: "berth-test-db-main", localDir: dumps, localKeepDays: 7, offsite: false, envFile, statusDir: path.join(dir, "status") }),
    );
    const backup = spawnSync("bash", [script], { env: { ...process.env, PATH: `${shim}:${process.env.PATH}` }, encoding: "utf8" });
    assert.equal(backup.status, 0, backup.stderr);
    const [dump] = fs.readdirSync(dumps);
    assert.match(dump, /^main-\d{8}T\d{6}Z\.dump$/);

    sql("DROP TABLE items");
    // pg_restore reads the dump on standard input, as in the README's restore command.
    const piped = spawnSync("sh", ["-c", `runuser -u postgres -- env PGHOST=${dir} PGPORT=${port} ${bin}/pg_restore -U main -d main --clean --if-exists < "$1"`, "sh", path.join(dumps, dump)], { encoding: "utf8" });
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal(sql("SELECT count(*) FROM items"), "500");
    assert.equal(sql("SELECT name FROM items WHERE id = 250"), "item 250");
  });
});
