import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { renderBackupScript } from "../../components/backup/script";
import { runProgram } from "../harness/program";
import { doConfig, localConfig, TYPES } from "../harness/stacks";
import { tempDir } from "../harness/tools";

const execFileAsync = promisify(execFile);
/** A valid age public key (its private half is not kept anywhere). */
const RECIPIENT = "age14pttezml4ff8enfxaka42czg9kdap23v63whg8050es3qdx75flq3cgruf";

describe("Database backups", () => {
  it("installs a pg_dump job for each postgres database on a droplet, keeping dumps on the volume", async () => {
    const run = await runProgram({ stack: "dev", config: doConfig({ backups: { ageRecipients: [RECIPIENT] } }) });
    const backup = run.get(TYPES.remoteCommand, "main-backup");
    assert.match(backup.inputs.create, /pg_dump -U "\$name" -d "\$name" --format=custom/);
    assert.match(backup.inputs.create, /local_dir='\/mnt\/berth\/backups\/postgres\/main'/);
    assert.match(backup.inputs.create, /local_keep_days=7/);
    assert.match(backup.inputs.create, /systemctl enable --now 'berth-backup-main\.timer'/);
    assert.match(backup.inputs.delete, /systemctl disable --now 'berth-backup-main\.timer'/);
    assert.doesNotMatch(backup.inputs.delete, /\/mnt\/berth/, "removing the job never removes dumps");
    assert.equal(backup.deleteBeforeReplace, true);
    assert.ok(backup.dependencies.includes(run.get(TYPES.container, "main-server").urn));
  });

  it("keeps as many days of local dumps as configured, and none when set to 0", async () => {
    const config = (keepDays: number) =>
      doConfig({ databases: { main: { engine: "postgres", backupKeepDays: keepDays }, cache: { engine: "redis" } }, backups: { ageRecipients: [RECIPIENT] } });
    const fourteen = await runProgram({ stack: "dev", config: config(14) });
    assert.match(fourteen.get(TYPES.remoteCommand, "main-backup").inputs.create, /local_keep_days=14/);
    const none = await runProgram({ stack: "dev", config: config(0) });
    assert.match(none.get(TYPES.remoteCommand, "main-backup").inputs.create, /local_dir=''/, "off-site only");
  });

  it("has no scheduled job on the local target", async () => {
    const run = await runProgram({ stack: "local", config: localConfig() });
    assert.equal(run.ofType(TYPES.localCommand).filter((c) => c.name.endsWith("-backup")).length, 0);
  });

  describe("the backup script (run with a stand-in docker CLI)", () => {
    let dir: string;
    let bin: string;
    let dumps: string;
    const script = () => {
      const file = path.join(dir, "backup.sh");
      // The local dumps only: the off-site part has tests of its own (offsite-backup.test.ts).
      const envFile = path.join(dir, "backup.env");
      fs.writeFileSync(envFile, "", { mode: 0o600 });
      fs.writeFileSync(
        file,
        renderBackupScript({ engine: "postgres", name: "main", container: "berth-dev-db-main", localDir: dumps, localKeepDays: 7, offsite: false, envFile, statusDir: path.join(dir, "status") }),
      );
      return file;
    };
    const run = (dump: string) =>
      execFileAsync("bash", [script()], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_DUMP: dump } });

    beforeEach(() => {
      dir = tempDir("backup");
      bin = path.join(dir, "bin");
      dumps = path.join(dir, "dumps");
      fs.mkdirSync(bin);
      // A running container; `docker exec` records its arguments and prints $FAKE_DUMP, as pg_dump would print a dump.
      fs.writeFileSync(
        path.join(bin, "docker"),
        `#!/bin/sh\nif [ "$1" = inspect ]; then echo true; exit 0; fi\necho "$@" > "${dir}/docker-args"\nprintf '%s' "$FAKE_DUMP"\n`,
        { mode: 0o755 },
      );
    });

    it("writes a timestamped dump, readable only by root, from pg_dump in the container", async () => {
      await run("PGDMP-fake-dump");
      const files = fs.readdirSync(dumps);
      assert.equal(files.length, 1);
      assert.match(files[0], /^main-\d{8}T\d{6}Z\.dump$/);
      assert.equal(fs.readFileSync(path.join(dumps, files[0]), "utf8"), "PGDMP-fake-dump");
      assert.equal(fs.statSync(path.join(dumps, files[0])).mode & 0o777, 0o600);
      assert.equal(fs.readFileSync(path.join(dir, "docker-args"), "utf8").trim(), "exec berth-dev-db-main pg_dump -U main -d main --format=custom");
    });

    it("fails and leaves no file when the dump is empty", async () => {
      await assert.rejects(run(""));
      assert.deepEqual(fs.readdirSync(dumps), []);
      await assert.rejects(run("not a dump"), /does not start with PGDMP/);
      assert.deepEqual(fs.readdirSync(dumps), []);
    });

    it("prunes dumps older than keepDays and keeps newer ones", async () => {
      fs.mkdirSync(dumps, { recursive: true });
      const old = path.join(dumps, "main-20200101T030000Z.dump");
      const recent = path.join(dumps, "main-recent.dump");
      const other = path.join(dumps, "notes.txt");
      for (const f of [old, recent, other]) fs.writeFileSync(f, "x");
      const tenDaysAgo = new Date(Date.now() - 10 * 86400_000);
      fs.utimesSync(old, tenDaysAgo, tenDaysAgo);
      fs.utimesSync(other, tenDaysAgo, tenDaysAgo);
      await run("PGDMP-fake-dump");
      assert.ok(!fs.existsSync(old), "an old dump is pruned");
      assert.ok(fs.existsSync(recent));
      assert.ok(fs.existsSync(other), "only the database's own dumps are touched");
    });
  });
});
