import { strict as assert } from "assert";
import { doDroplet } from "../e2e/harness/provider-model";
import { ProgramRun, runProgram } from "../harness/program";
import { configProblems, doConfig, stackFileConfig, TYPES } from "../harness/stacks";

const droplet = (run: ProgramRun) => run.get(TYPES.droplet, "berth-dev-droplet");

describe("droplet backups (berth:dropletBackups)", () => {
  let off: ProgramRun;
  let on: ProgramRun;
  before(async () => {
    off = await runProgram({ stack: "dev", config: doConfig() });
    on = await runProgram({ stack: "dev", config: doConfig({ dropletBackups: true, dropletBackupPolicy: { plan: "weekly", weekday: "SUN", hour: 4 } }) });
  });

  it("are off unless the stack turns them on", () => {
    assert.equal(droplet(off).inputs.backups, false);
    assert.equal(droplet(off).inputs.backupPolicy, undefined);
  });

  it("are turned on with the configured policy", () => {
    assert.equal(droplet(on).inputs.backups, true);
    assert.deepEqual(droplet(on).inputs.backupPolicy, { plan: "weekly", weekday: "SUN", hour: 4 });
  });

  it("turning them on updates the droplet in place, under the provider model, instead of replacing it", () => {
    const before = droplet(off).inputs;
    const changed = doDroplet.diff(before, before, droplet(on).inputs);
    assert.deepEqual(changed.sort(), ["backupPolicy", "backups"]);
    assert.deepEqual(changed.filter((field) => doDroplet.replaces(field)), []);
  });

  it("are on in the prod stack file", () => {
    assert.equal(stackFileConfig("prod").dropletBackups, true);
  });

  it("a policy without backups is refused, naming the key", () => {
    assert.deepEqual(configProblems(doConfig({ dropletBackupPolicy: { plan: "daily" } })), [
      "berth:dropletBackupPolicy can only be set when dropletBackups is true (a policy without backups does nothing)",
    ]);
  });

  it("a weekday on a daily plan is refused, naming the key", () => {
    assert.deepEqual(configProblems(doConfig({ dropletBackups: true, dropletBackupPolicy: { weekday: "MON" } })), [
      "berth:dropletBackupPolicy.weekday can only be set with plan: weekly (a daily backup runs every day) (got \"MON\")",
    ]);
  });

  it("an hour DigitalOcean does not start a backup window at is refused, with the hours allowed", () => {
    assert.deepEqual(configProblems(doConfig({ dropletBackups: true, dropletBackupPolicy: { hour: 3 } })), [
      "berth:dropletBackupPolicy.hour must be one of 0, 4, 8, 12, 16, 20 (the hour the backup window starts) (got 3)",
    ]);
  });

  it("an unknown plan is refused, with the plans allowed", () => {
    const problems = configProblems(doConfig({ dropletBackups: true, dropletBackupPolicy: { plan: "monthly" } }));
    assert.deepEqual(problems, ['berth:dropletBackupPolicy.plan must be one of daily, weekly (got "monthly")']);
  });
});
