import { strict as assert } from "assert";
import { fakeImageId, fakePassword } from "../harness/fakes";
import { ProgramRun, runProgram } from "../harness/program";
import { doConfig, localConfig, TYPES } from "../harness/stacks";

describe("Database", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ stack: "dev", config: doConfig() });
  });
  const postgres = () => run.get(TYPES.container, "main-server");
  const redis = () => run.get(TYPES.container, "cache-server");

  it("stops the old container before starting a new one (one server per data directory)", () => {
    assert.equal(postgres().deleteBeforeReplace, true);
    assert.equal(redis().deleteBeforeReplace, true);
  });

  it("publishes no port and joins only the internal network, under its alias", () => {
    for (const db of [postgres(), redis()]) {
      assert.equal(db.inputs.ports, undefined);
      assert.deepEqual(db.inputs.networksAdvanced, [{ name: "berth-dev-data", aliases: [db.name === "main-server" ? "db-main" : "db-cache"] }]);
    }
  });

  it("keeps data on the droplet's volume, and Postgres dumps next to it, at /backups in the container", () => {
    assert.deepEqual(postgres().inputs.volumes, [
      { hostPath: "/mnt/berth/postgres/main", containerPath: "/var/lib/postgresql/data" },
      { hostPath: "/mnt/berth/backups/postgres/main", containerPath: "/backups" },
    ]);
    assert.deepEqual(redis().inputs.volumes, [{ hostPath: "/mnt/berth/redis/cache", containerPath: "/data" }], "no dumps for redis");
  });

  it("mounts the dumps directory even when no daily backup is scheduled (berth backup still works)", async () => {
    const none = await runProgram({
      stack: "dev",
      config: doConfig({ databases: { main: { engine: "postgres", backupKeepDays: 0 }, cache: { engine: "redis" } } }),
    });
    assert.deepEqual(none.get(TYPES.container, "main-server").inputs.volumes[1], { hostPath: "/mnt/berth/backups/postgres/main", containerPath: "/backups" });
  });

  it("keeps data, and Postgres dumps, in retained named volumes on the local target", async () => {
    const local = await runProgram({ stack: "local", config: localConfig() });
    const volume = local.get(TYPES.dockerVolume, "main-data");
    assert.equal(volume.inputs.name, "berth-local-db-main-data");
    assert.equal(volume.retainOnDelete, true);
    const dumps = local.get(TYPES.dockerVolume, "main-backups");
    assert.equal(dumps.inputs.name, "berth-local-db-main-backups");
    assert.equal(dumps.retainOnDelete, true);
    assert.deepEqual(local.get(TYPES.container, "main-server").inputs.volumes, [
      { volumeName: "berth-local-db-main-data", containerPath: "/var/lib/postgresql/data" },
      { volumeName: "berth-local-db-main-backups", containerPath: "/backups" },
    ]);
  });

  it("checks health with pg_isready and redis-cli ping, and waits for it", () => {
    assert.deepEqual(postgres().inputs.healthcheck.tests, ["CMD-SHELL", 'pg_isready -q -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"']);
    assert.deepEqual(redis().inputs.healthcheck.tests, ["CMD-SHELL", "redis-cli ping | grep -q PONG"]);
    assert.equal(postgres().inputs.wait, true);
    assert.equal(redis().inputs.wait, true);
  });

  it("runs with a memory limit, restart unless-stopped and a clean-shutdown grace period", () => {
    const pg = postgres().inputs;
    assert.equal(pg.memory, 512);
    assert.equal(pg.restart, "unless-stopped");
    assert.equal(pg.stopSignal, "SIGINT");
    assert.equal(pg.destroyGraceSeconds, 60);
    assert.equal(pg.name, "berth-dev-db-main");
    assert.equal(pg.image, fakeImageId("postgres:17"));
    assert.equal(redis().inputs.image, fakeImageId("redis:7"));
    assert.equal(run.get(TYPES.remoteImage, "berth-dev-image-postgres-17").inputs.name, "postgres:17");
  });

  it("gives Postgres a generated password and a database named after it", () => {
    const pw = fakePassword("main-password");
    assert.deepEqual(postgres().inputs.envs, ["POSTGRES_USER=main", "POSTGRES_DB=main", `POSTGRES_PASSWORD=${pw}`, "PGDATA=/var/lib/postgresql/data"]);
    assert.equal(run.get(TYPES.randomPassword, "main-password").inputs.special, false);
  });

  it("gives Redis its password in a 0600 config file owned by the redis user, not on a command line", () => {
    const pw = fakePassword("cache-password");
    const r = redis().inputs;
    assert.deepEqual(r.command, ["redis-server", "/usr/local/etc/redis/berth.conf"]);
    assert.ok(!JSON.stringify(r.command).includes(pw));
    const [upload] = r.uploads;
    assert.equal(upload.file, "/usr/local/etc/redis/berth.conf");
    assert.equal(upload.permissions, "0600");
    assert.equal(upload.owner, "999");
    assert.match(upload.content, new RegExp(`^requirepass ${pw}$`, "m"));
    assert.match(upload.content, /^appendonly yes$/m);
    assert.deepEqual(r.envs, [`REDISCLI_AUTH=${pw}`]);
  });

  it("hands apps DATABASE_URL and REDIS_URL", () => {
    const replica = run.get(TYPES.container, "berth-dev-web-0").inputs;
    assert.ok(replica.envs.includes(`DATABASE_URL=postgres://main:${fakePassword("main-password")}@db-main:5432/main`));
    assert.ok(replica.envs.includes(`REDIS_URL=redis://:${fakePassword("cache-password")}@db-cache:6379/0`));
  });
});
