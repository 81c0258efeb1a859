import { strict as assert } from "assert";
import type { MockResourceArgs } from "@pulumi/pulumi/runtime/mocks";
import { cronToOnCalendar } from "../../components/app/schedule";
import { BACKUP_PATHS, renderBackupUnits } from "../../components/backup/job";
import { renderBackupEnv, renderBackupScript } from "../../components/backup/script";
import { offsiteBackupKey, offsiteBackupKeyPattern } from "../../components/naming";
import { doSpacesBucket, doSpacesKey, HOST_COMMAND_IO } from "../e2e/harness/provider-model";
import { fakeOutputs } from "../harness/fakes";
import { plainOccurrences, runProgram } from "../harness/program";
import { configProblems, doConfig, localConfig, SAMPLE_AGE_RECIPIENT, TYPES } from "../harness/stacks";

const RECIPIENT = SAMPLE_AGE_RECIPIENT;
const HEARTBEAT = "https://hc-ping.com/0f7c1a52-2b7e-4c43-9f53-0d6a3e1b8c11";
const SPACES_SECRET = "MockSpacesSecretKey/abc+123";
const BUCKET = "digitalocean:index/spacesBucket:SpacesBucket";
const SPACES_KEY = "digitalocean:index/spacesKey:SpacesKey";

/** The fake providers, with a Spaces key that answers like the real one on create. */
const newResource = async (args: MockResourceArgs) => {
  const out = fakeOutputs(args);
  if (args.type === SPACES_KEY) return { ...out, state: { ...out.state, accessKey: "DO00MOCKACCESSKEY", secretKey: SPACES_SECRET } };
  return out;
};

const backups = (extra: Record<string, unknown> = {}) => ({ ageRecipients: [RECIPIENT], ...extra });
const run = (config: Record<string, unknown>, secretKeys: string[] = ["backups"]) => runProgram({ stack: "dev", config, secretKeys, newResource });

describe("Off-site backups: config", () => {
  it("requires an age recipient on a droplet with databases, and says how to opt out", () => {
    assert.deepEqual(configProblems(doConfig({ backups: {} })), [
      "berth:backups.ageRecipients must list at least one age public key when the stack has databases: off-site backups are encrypted to it " +
        "(create one with age-keygen and keep the private key off the droplet), or set berth:backups.offsite to false to keep only local dumps (got [])",
    ]);
  });

  it("accepts a droplet with databases and offsite false without recipients", () => {
    assert.deepEqual(configProblems(doConfig({ backups: { offsite: false } })), []);
  });

  it("needs no recipient on a droplet without databases", () => {
    assert.deepEqual(configProblems(doConfig({ databases: {}, apps: { web: { image: "ghcr.io/acme/web:1.0.0", hosts: ["app.example.com"] } } })), []);
  });

  it("refuses offsite on the local target, saying why", () => {
    assert.deepEqual(configProblems(localConfig({ backups: { offsite: true } })), [
      "berth:backups.offsite is not available on the local target (it has no scheduler to run backup jobs and no Spaces bucket); " +
        "remove it, or use `berth backup` for a local dump (got true)",
    ]);
  });

  it("refuses a recipient that is not an age public key", () => {
    assert.deepEqual(configProblems(doConfig({ backups: backups({ ageRecipients: ["AGE-SECRET-KEY-1QQQ"] }) })), [
      'berth:backups.ageRecipients[0] must be an age public key: age1 followed by 58 lowercase letters and digits, as age-keygen prints it (got "AGE-SECRET-KEY-1QQQ")',
    ]);
  });

  it("refuses a keepDays outside 1 to 3650", () => {
    assert.deepEqual(configProblems(doConfig({ backups: backups({ keepDays: 0 }) })), ["berth:backups.keepDays must be an integer from 1 to 3650 (got 0)"]);
  });

  it("refuses a schedule cron cannot run", () => {
    const problems = configProblems(doConfig({ backups: backups({ schedule: "0 3 * *" }) }));
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^berth:backups\.schedule must be a cron schedule: 5 fields .*; found 4 fields \(got "0 3 \* \*"\)$/);
  });

  it("refuses a heartbeat URL that is not https, without echoing it", () => {
    assert.deepEqual(configProblems(doConfig({ backups: backups({ heartbeatUrl: "http://hc-ping.com/secret-uuid" }) })), [
      "berth:backups.heartbeatUrl must be an https URL such as https://hc-ping.com/<uuid>, without spaces, quotes, a query or a fragment",
    ]);
  });

  it("asks for a Spaces region when the droplet's region has none", () => {
    assert.deepEqual(configProblems(doConfig({ region: "nyc1", backups: backups() })), [
      "berth:backups.spacesRegion is needed: the droplet's region nyc1 has no Spaces; set a Spaces region (ams3, atl1, blr1, fra1, lon1, nyc3, sfo2, sfo3, sgp1, syd1, tor1) or berth:backups.offsite to false",
    ]);
  });

  it("refuses a heartbeat URL stored in plain text", async () => {
    await assert.rejects(
      run(doConfig({ backups: backups({ heartbeatUrl: HEARTBEAT }) }), []),
      /berth:backups\.heartbeatUrl must be set with --secret \(e\.g\. pulumi config set --secret --path 'backups\.heartbeatUrl' https:\/\/hc-ping\.com\/<uuid>\); it is stored in plain text now/,
    );
  });
});

describe("Off-site backups: the bucket and its key", () => {
  it("creates a private bucket in the droplet's region whose objects expire after keepDays", async () => {
    const r = await run(doConfig({ region: "fra1", backups: backups({ keepDays: 45 }) }));
    const [bucket] = r.ofType(BUCKET);
    assert.equal(bucket.inputs.acl, "private");
    assert.equal(bucket.inputs.region, "fra1");
    assert.equal(bucket.inputs.forceDestroy, false);
    assert.deepEqual(bucket.inputs.lifecycleRules, [
      { id: "berth-backup-retention", enabled: true, expiration: { days: 45 }, abortIncompleteMultipartUploadDays: 1 },
    ]);
  });

  it("keeps the bucket and its backups when the stack is destroyed, and replaces it on a new name", async () => {
    const [bucket] = (await run(doConfig({ backups: backups() }))).ofType(BUCKET);
    assert.equal(bucket.retainOnDelete, true);
    assert.deepEqual(bucket.replaceOnChanges, ["name"]);
    assert.equal(bucket.deleteBeforeReplace, false);
  });

  it("relies only on provider facts that cite a repository, commit, path and lines", () => {
    const facts = [doSpacesBucket, doSpacesKey].flatMap((m) => [m.deleteBeforeReplace.source, m.replaceSource, m.updateApplies.source, ...Object.values(m.facts)]);
    for (const fact of [...facts, ...Object.values(HOST_COMMAND_IO)]) {
      assert.match(fact.commit, /^[0-9a-f]{40}$/, JSON.stringify(fact));
      assert.match(fact.lines, /^L\d+/, JSON.stringify(fact));
      assert.ok(fact.repo && fact.path && fact.says, JSON.stringify(fact));
    }
  });

  it("replaces the bucket on a new name because the provider would only update its state (the model's fact)", async () => {
    assert.equal(doSpacesBucket.replaces("name"), false, "the provider does not replace on a new name");
    assert.equal(doSpacesBucket.updateApplies.fields.includes("name"), false, "and its update does not rename");
    const [bucket] = (await run(doConfig({ backups: backups() }))).ofType(BUCKET);
    assert.ok(bucket.replaceOnChanges.includes("name"));
    assert.equal(doSpacesBucket.replaces("region"), true);
  });

  it("names the bucket after the stack with a random suffix, or as configured", async () => {
    const [derived] = (await run(doConfig({ backups: backups() }))).ofType(BUCKET);
    assert.match(derived.inputs.name, /^berth-dev-backups-[a-z0-9]+$/);
    const [named] = (await run(doConfig({ backups: backups({ bucket: "acme-db-backups" }) }))).ofType(BUCKET);
    assert.equal(named.inputs.name, "acme-db-backups");
  });

  it("gives the jobs a key that can read and write that bucket only", async () => {
    const r = await run(doConfig({ backups: backups({ bucket: "acme-db-backups" }) }));
    const [key] = r.ofType(SPACES_KEY);
    assert.deepEqual(key.inputs.grants, [{ bucket: "acme-db-backups", permission: "readwrite" }]);
    assert.equal(key.deleteBeforeReplace, false);
  });

  it("exports where the backups are, in plain text", async () => {
    const r = await run(doConfig({ region: "ams3", backups: backups({ bucket: "acme-db-backups" }) }));
    assert.deepEqual(r.outputs.backupStorage, {
      value: { endpoint: "https://ams3.digitaloceanspaces.com", region: "ams3", bucket: "acme-db-backups" },
      secret: false,
    });
  });

  it("creates no bucket and exports no storage with offsite false", async () => {
    const r = await run(doConfig({ backups: { offsite: false } }));
    assert.equal(r.ofType(BUCKET).length + r.ofType(SPACES_KEY).length, 0);
    assert.equal(r.outputs.backupStorage, undefined);
  });

  it("uses the configured Spaces region, for the bucket and the endpoint", async () => {
    const r = await run(doConfig({ region: "nyc1", backups: backups({ spacesRegion: "sfo3" }) }));
    assert.equal(r.ofType(BUCKET)[0].inputs.region, "sfo3");
    assert.equal((r.outputs.backupStorage.value as { endpoint: string }).endpoint, "https://sfo3.digitaloceanspaces.com");
  });
});

describe("Off-site backups: the jobs on the droplet", () => {
  it("installs a job for every database, postgres and redis, on the configured schedule", async () => {
    const r = await run(doConfig({ backups: backups({ schedule: "30 2 * * MON-FRI" }) }));
    const onCalendar = cronToOnCalendar("30 2 * * MON-FRI").map((v) => `OnCalendar=${v}`);
    for (const db of ["main", "cache"]) {
      const job = r.get(TYPES.remoteCommand, `${db}-backup`);
      for (const line of onCalendar) assert.ok(job.inputs.create.includes(line), `${db}: ${line}`);
      assert.match(job.inputs.create, /^Persistent=true$/m);
      assert.match(job.inputs.create, new RegExp(`^ExecStart=/usr/local/sbin/berth-backup-${db}$`, "m"));
    }
    assert.match(r.get(TYPES.remoteCommand, "cache-backup").inputs.create, /redis-cli --rdb/);
  });

  it("installs each job after its database and the settings file", async () => {
    const r = await run(doConfig({ backups: backups() }));
    const job = r.get(TYPES.remoteCommand, "cache-backup");
    assert.ok(job.dependencies.includes(r.get(TYPES.container, "cache-server").urn));
    assert.ok(job.dependencies.includes(r.get(TYPES.remoteCommand, "backup-settings").urn));
  });

  it("sends the Spaces secret key and the heartbeat URL on standard input only, as secrets", async () => {
    const r = await run(doConfig({ backups: backups({ heartbeatUrl: HEARTBEAT }) }));
    const settings = r.get(TYPES.remoteCommand, "backup-settings");
    assert.ok(settings.inputs.stdin.includes(`BERTH_BACKUP_SECRET_KEY='${SPACES_SECRET}'`));
    assert.ok(settings.inputs.stdin.includes(`BERTH_BACKUP_HEARTBEAT_URL='${HEARTBEAT}'`));
    for (const secret of [SPACES_SECRET, HEARTBEAT]) {
      for (const resource of r.resources) {
        assert.deepEqual(plainOccurrences(resource.wireInputs, secret), [], `${resource.name} holds a secret in plain text`);
      }
      assert.ok(!JSON.stringify(r.outputs).includes(secret), "no stack output holds it");
    }
  });

  it("puts no secret in any command line of the jobs or the settings", async () => {
    const r = await run(doConfig({ backups: backups({ heartbeatUrl: HEARTBEAT }) }));
    for (const command of r.ofType(TYPES.remoteCommand).filter((c) => /backup/.test(c.name))) {
      for (const field of ["create", "delete", "update"]) {
        const text = String(command.inputs[field] ?? "");
        assert.ok(!text.includes(SPACES_SECRET) && !text.includes(HEARTBEAT), `${command.name}.${field}`);
      }
    }
  });

  it("keeps only local dumps with offsite false, and no job for redis then", async () => {
    const r = await run(doConfig({ backups: { offsite: false } }));
    assert.match(r.get(TYPES.remoteCommand, "main-backup").inputs.create, /^offsite=0$/m);
    assert.equal(r.ofType(TYPES.remoteCommand).filter((c) => c.name === "cache-backup").length, 0);
  });

  it("installs age and curl on the droplet with cloud-init", async () => {
    const r = await run(doConfig({ backups: backups() }));
    const userData: string = r.ofType(TYPES.droplet)[0].inputs.userData;
    assert.match(userData, /^ {2}- age$/m);
    assert.match(userData, /^ {2}- curl$/m);
  });

  it("states the replacement order of the jobs and the settings: the old one's delete first", async () => {
    const r = await run(doConfig({ backups: backups() }));
    for (const name of ["backup-settings", "main-backup", "cache-backup"]) assert.equal(r.get(TYPES.remoteCommand, name).deleteBeforeReplace, true, name);
  });

  it("has no backup job, settings or bucket on the local target", async () => {
    const r = await runProgram({ stack: "local", config: localConfig(), newResource });
    assert.equal(r.resources.filter((c) => /backup/.test(c.name) && c.type !== TYPES.dockerVolume).length, 0);
    assert.equal(r.ofType(BUCKET).length, 0);
  });
});

describe("Off-site backups: the rendered job", () => {
  const opts = { engine: "postgres" as const, name: "main", container: "berth-dev-db-main", envFile: BACKUP_PATHS.envFile, statusDir: BACKUP_PATHS.statusDir };

  it("uploads under the key naming.ts gives, which the CLI's key pattern matches", () => {
    const script = renderBackupScript(opts);
    assert.ok(script.includes(`key="${offsiteBackupKey("postgres", "main", "${stamp}")}"`));
    const key = offsiteBackupKey("postgres", "main", "20261122T030512Z");
    const shellPattern = /^key_pattern='(.*)'$/m.exec(script)![1];
    assert.ok(new RegExp(shellPattern).test(key) && offsiteBackupKeyPattern("postgres", "main").test(key));
    assert.ok(!new RegExp(shellPattern).test(offsiteBackupKey("postgres", "main-2", "20261122T030512Z")), "another database's keys are not its own");
  });

  it("writes the settings as single-quoted shell assignments, and refuses a value that could break out", () => {
    const env = renderBackupEnv({
      endpoint: "https://fra1.digitaloceanspaces.com/",
      region: "fra1",
      bucket: "b",
      accessKeyId: "AK",
      secretKey: "s/k+1",
      recipientsFile: "/etc/berth/backup/recipients",
      keepDays: 30,
    });
    assert.match(env, /^BERTH_BACKUP_ENDPOINT='https:\/\/fra1\.digitaloceanspaces\.com'$/m);
    assert.match(env, /^BERTH_BACKUP_SECRET_KEY='s\/k\+1'$/m);
    assert.match(env, /^BERTH_BACKUP_HEARTBEAT_URL=''$/m);
    assert.throws(() => renderBackupEnv({ endpoint: "e", region: "r", bucket: "b", accessKeyId: "a", secretKey: "x'\"; rm", recipientsFile: "/r", keepDays: 1 }), /secretKey/);
  });

  it("refuses a job that would do nothing, and local dumps of redis", () => {
    assert.throws(() => renderBackupScript({ ...opts, offsite: false }), /does nothing/);
    assert.throws(() => renderBackupScript({ ...opts, engine: "redis", localDir: "/x", localKeepDays: 1 }), /postgres only/);
  });

  it("renders a timer that catches up missed runs", () => {
    const { timer } = renderBackupUnits({ unit: "berth-backup-main", description: "d", onCalendar: ["*-*-* 03:00:00 UTC"], scriptPath: "/usr/local/sbin/berth-backup-main" });
    assert.match(timer, /^OnCalendar=\*-\*-\* 03:00:00 UTC$/m);
    assert.match(timer, /^Persistent=true$/m);
  });
});
