import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { tempDir } from "../../harness/tools";
import { readBuildContext } from "./build-context";
import { planStep, replacedDependents } from "./engine-model";
import {
  allModels,
  canonical,
  cfZoneSetting,
  container,
  doFirewall,
  dockerImage,
  goDuration,
  localCommand,
  network,
  providerModel,
  remoteImage,
} from "./provider-model";
import { localCommandHandler } from "./resources/command";
import { containerCommand, formatCpus, healthcheckState, WAIT_WITHOUT_HEALTHCHECK } from "./resources/container";
import { COMMITS, ENGINE } from "./sources";

/** The engine and provider model, one test per cited fact. Pure: no Docker engine needed. */
const CONTAINER = "docker:index/container:Container";
const noOptions = { deleteBeforeReplace: undefined, replaceOnChanges: [], ignoreChanges: [] };
const stored = (inputs: Record<string, any>, outputs: Record<string, any> = container.withDefaults(inputs), initErrors?: string[]) => ({
  inputs: container.withDefaults(inputs),
  outputs,
  initErrors,
});

describe("provider model", () => {
  it("cites a repository, a full commit, a path and lines for every fact", () => {
    const models = allModels();
    assert.ok(models.length >= 20, `${models.length} models`);
    const sources = [
      ...Object.values(ENGINE),
      ...models.flatMap((m) => [m.deleteBeforeReplace.source, m.replaceSource, m.updateApplies.source, ...Object.values(m.facts)]),
    ];
    for (const s of sources) {
      assert.match(s.commit, /^[0-9a-f]{40}$/, JSON.stringify(s));
      assert.ok(s.repo && s.path && s.lines && s.says, JSON.stringify(s));
    }
    for (const commit of Object.values(COMMITS)) assert.match(commit, /^[0-9a-f]{40}$/);
  });

  it("docker containers are delete-before-replace by the provider's default; networks, volumes and images are not", () => {
    assert.equal(container.deleteBeforeReplace.value, true);
    assert.equal(network.deleteBeforeReplace.value, false);
    assert.equal(remoteImage.deleteBeforeReplace.value, false);
  });

  it("a built image is never replaced: a change to any of its inputs is an update, which builds again", () => {
    assert.equal(dockerImage.deleteBeforeReplace.value, false);
    for (const field of ["imageName", "build", "skipPush", "registry"]) assert.equal(dockerImage.replaces(field), false);
    assert.deepEqual(dockerImage.updateApplies.fields.sort(), ["build", "buildOnPreview", "imageName", "registry", "skipPush"]);
  });

  it("a built image's diff ignores a new registry password, as the provider's does", () => {
    const old = { imageName: "a:1", registry: { server: "ghcr.io", username: "u", password: "old" } };
    assert.deepEqual(dockerImage.diff({}, old, { ...old, registry: { ...old.registry, password: "new" } }), []);
    assert.deepEqual(dockerImage.diff({}, old, { ...old, registry: { ...old.registry, server: "quay.io" } }), ["registry"]);
  });

  it("a built image's context digest changes with a file that is sent, and not with one .dockerignore excludes", () => {
    const dir = tempDir("context");
    fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\nCOPY app.js /\n");
    fs.writeFileSync(path.join(dir, ".dockerignore"), "*.md\ncache/\n");
    fs.writeFileSync(path.join(dir, "app.js"), "1");
    const digest = () => dockerImage.withDefaults({ imageName: "a:1", build: { context: dir, dockerfile: path.join(dir, "Dockerfile") } }).build.contextDigest;
    const first = digest();
    fs.writeFileSync(path.join(dir, "README.md"), "ignored");
    fs.mkdirSync(path.join(dir, "cache"));
    fs.writeFileSync(path.join(dir, "cache", "x"), "ignored");
    assert.equal(digest(), first);
    assert.deepEqual(readBuildContext(dir, path.join(dir, "Dockerfile")).files, [".dockerignore", "Dockerfile", "app.js"]);
    fs.writeFileSync(path.join(dir, "app.js"), "2");
    assert.notEqual(digest(), first);
  });

  it("a built image's Dockerfile-specific ignore file wins over the context's", () => {
    const dir = tempDir("context");
    fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\n");
    fs.writeFileSync(path.join(dir, "Dockerfile.dockerignore"), "secret.txt\n");
    fs.writeFileSync(path.join(dir, ".dockerignore"), "app.js\n");
    fs.writeFileSync(path.join(dir, "app.js"), "1");
    fs.writeFileSync(path.join(dir, "secret.txt"), "s");
    assert.deepEqual(readBuildContext(dir, path.join(dir, "Dockerfile")).files, [".dockerignore", "Dockerfile", "Dockerfile.dockerignore", "app.js"]);
  });

  it("the engine takes the provider's delete-before-replace unless the program states the option", () => {
    const old = stored({ image: "sha256:a" });
    assert.equal(planStep(CONTAINER, noOptions, old, { image: "sha256:b" }).deleteBeforeReplace, true);
    assert.equal(planStep(CONTAINER, { ...noOptions, deleteBeforeReplace: false }, old, { image: "sha256:b" }).deleteBeforeReplace, false);
  });

  it("a changed health check is an in-place update, which the provider's Update never applies to the container", () => {
    const old = stored({ image: "a", healthcheck: { tests: ["CMD", "true"], interval: "5s" } });
    const step = planStep(CONTAINER, noOptions, old, { image: "a", healthcheck: { tests: ["CMD", "true"], interval: "10s" } });
    assert.equal(step.op, "update");
    assert.ok(!container.updateApplies.fields.includes("healthcheck"));
  });

  it("replaceOnChanges makes the engine replace on an input the provider would update in place", () => {
    const old = stored({ image: "a", healthcheck: { tests: ["CMD", "true"], interval: "5s" } });
    const step = planStep(CONTAINER, { ...noOptions, replaceOnChanges: ["healthcheck"] }, old, { image: "a", healthcheck: { tests: ["CMD", "true"], interval: "10s" } });
    assert.equal(step.op, "replace");
  });

  it("the provider's Update applies only the restart policy and resource limits", () => {
    assert.deepEqual(container.updateApplies.fields.sort(), ["cpuSet", "cpuShares", "maxRetryCount", "memory", "memoryReservation", "memorySwap", "restart"]);
    assert.equal(container.replaces("memory"), false);
    assert.equal(container.replaces("cpus"), true);
  });

  it("a published port with no address is published on 0.0.0.0 only", () => {
    assert.deepEqual(container.withDefaults({ ports: [{ internal: 80, external: 80 }] }).ports, [{ internal: 80, external: 80, ip: "0.0.0.0", protocol: "tcp" }]);
  });

  it("durations read back as Go prints them, so 60s in the program is a change against 1m0s in state", () => {
    assert.equal(goDuration(60e9), "1m0s");
    assert.equal(goDuration(5e9), "5s");
    assert.equal(goDuration(90e9), "1m30s");
    assert.equal(goDuration(500e6), "500ms");
    const old = stored({ image: "a", healthcheck: { tests: ["CMD", "true"], startPeriod: "60s" } }, container.withDefaults({ image: "a", healthcheck: { tests: ["CMD", "true"], startPeriod: "1m0s" } }));
    assert.equal(planStep(CONTAINER, noOptions, old, { image: "a", healthcheck: { tests: ["CMD", "true"], startPeriod: "60s" } }).op, "update");
  });

  it("cpus read back as the provider formats NanoCpus: 1 → 1.0, 0.5 → 0.5, 0.25 → 0.25, 0.05 → 0.1", () => {
    assert.deepEqual([1e9, 5e8, 2.5e8, 5e7, 1.5e9].map(formatCpus), ["1.0", "0.5", "0.25", "0.1", "1.5"]);
  });

  it("a memory swap limit the program did not set reads back as Docker's derived one: a diff on every up", () => {
    const old = stored({ image: "a", memory: 512 }, container.withDefaults({ image: "a", memory: 512, memorySwap: 1024 }));
    assert.deepEqual(planStep(CONTAINER, noOptions, old, { image: "a", memory: 512 }).changed, ["memorySwap"]);
    const stated = stored({ image: "a", memory: 512, memorySwap: 1024 }, container.withDefaults({ image: "a", memory: 512, memorySwap: 1024 }));
    assert.equal(planStep(CONTAINER, noOptions, stated, { image: "a", memory: 512, memorySwap: 1024 }).op, "same");
  });

  it("an unchanged resource whose create failed after it got an id gets an empty update, not a replacement", () => {
    const old = stored({ image: "a" }, undefined, ["container failed to be in healthy state"]);
    const step = planStep(CONTAINER, noOptions, old, { image: "a" });
    assert.equal(step.op, "update");
    assert.deepEqual(step.changed, []);
  });

  it("ignoreChanges keeps the old value of an input", () => {
    const old = stored({ image: "a", restart: "no" });
    assert.equal(planStep(CONTAINER, { ...noOptions, ignoreChanges: ["image"] }, old, { image: "b", restart: "no" }).op, "same");
  });

  it("a set-typed input's order is not a change", () => {
    assert.equal(canonical(["b", "a"], true), canonical(["a", "b"], true));
    assert.notEqual(canonical(["b", "a"]), canonical(["a", "b"]));
  });

  it("a delete-before-replace also replaces the dependents whose ForceNew inputs come from it, not those that only depend on it", () => {
    const net = "urn:network";
    const onNetwork = { urn: "urn:app", type: CONTAINER, propertyDependencies: { networksAdvanced: [net] } };
    const afterIt = { urn: "urn:reload", type: "command:local:Command", propertyDependencies: { create: [] as string[] } };
    assert.deepEqual(replacedDependents(net, [onNetwork, afterIt]), [onNetwork]);
  });

  it("a command's triggers replace it; a changed script or stdin is an update that runs the update (else create) script", () => {
    assert.equal(localCommand.replaces("triggers"), true);
    assert.equal(localCommand.replaces("stdin"), false);
    assert.equal(providerModel("command:local:Command"), localCommand);
  });

  it("a DigitalOcean volume grows in place: an update of the block device, nothing on the filesystem", () => {
    const old = { inputs: { size: 20 }, outputs: { size: 20 } };
    const step = planStep("digitalocean:index/volume:Volume", noOptions, old, { size: 40 });
    assert.equal(step.op, "update");
  });

  it("a firewall's tags attach it to every droplet with those tags; berth's uses droplet ids", () => {
    assert.match(doFirewall.facts.tagsAttach.says, /tags of droplets the firewall applies to/);
  });

  it("a Cloudflare zone setting's delete leaves the zone as it is, and its value updates in place", () => {
    assert.match(cfZoneSetting.facts.deleteIsNoop.says, /leaves the zone's setting/);
    assert.equal(cfZoneSetting.replaces("value"), false);
  });

  it("a new order of an origin certificate's hostnames is a new certificate", () => {
    const old = { inputs: { hostnames: ["a", "b"] }, outputs: { hostnames: ["a", "b"] } };
    assert.equal(planStep("cloudflare:index/originCaCertificate:OriginCaCertificate", noOptions, old, { hostnames: ["b", "a"] }).op, "replace");
  });

  // Workers: command, a NONE health check, wait and must_run.

  const WORKER = { image: "sha256:a", command: ["node", "worker.js"], healthcheck: { tests: ["NONE"] }, wait: false };
  const workerOptions = { ...noOptions, replaceOnChanges: ["healthcheck"] };
  const readBack = (inputs: Record<string, any>, overrides: Record<string, any>) => ({ ...container.withDefaults(inputs), ...overrides });

  it("a NONE health check is sent with zero durations and reads back as the program wrote it: an unchanged worker plans nothing", () => {
    // healthcheckCreate, healthcheckDefaults, healthcheckReadBack: Docker's {Test: ["NONE"]} and zeros.
    const state = healthcheckState({ Test: ["NONE"], Interval: 0, Timeout: 0, StartPeriod: 0, Retries: 0 });
    assert.deepEqual(state, { tests: ["NONE"], interval: "0s", timeout: "0s", startPeriod: "0s", startInterval: "0s", retries: 0 });
    assert.deepEqual(state, container.withDefaults(WORKER).healthcheck);
    const old = stored(WORKER, readBack(WORKER, { healthcheck: state }));
    assert.equal(planStep(CONTAINER, workerOptions, old, WORKER).op, "same");
  });

  it("the daemon fills a NONE check's zeros from the image's HEALTHCHECK: with replaceOnChanges on healthcheck, such a worker is replaced on every up", () => {
    assert.match(container.facts.daemonMergesHealthcheck.says, /under \["NONE"\] too/);
    const state = healthcheckState({ Test: ["NONE"], Interval: 30e9, Timeout: 3e9, StartPeriod: 0, Retries: 3 });
    const old = stored(WORKER, readBack(WORKER, { healthcheck: state }));
    const step = planStep(CONTAINER, workerOptions, old, WORKER);
    assert.equal(step.op, "replace");
    assert.deepEqual(step.changed, ["healthcheck"]);
  });

  it("a container the program gives no health check keeps the image's in state, and that is no change", () => {
    const inputs = { image: "sha256:a" };
    const old = stored(inputs, readBack(inputs, { healthcheck: healthcheckState({ Test: ["CMD", "true"], Interval: 30e9 }) }));
    assert.equal(planStep(CONTAINER, noOptions, old, inputs).op, "same");
    assert.equal(healthcheckState(undefined), undefined, "no health check in Docker: none in state");
  });

  it("NONE leaves Docker no health state, so wait: true fails with the provider's error, after the container got its id", () => {
    assert.match(container.facts.noneHasNoHealth.says, /"NONE"/);
    assert.ok(container.facts.waitWithoutHealth.says.includes(WAIT_WITHOUT_HEALTHCHECK));
    // idBeforeWait: in state with init errors; the next up with the same inputs is an empty update, which waits for nothing.
    const old = stored({ ...WORKER, wait: true }, undefined, [WAIT_WITHOUT_HEALTHCHECK]);
    const step = planStep(CONTAINER, workerOptions, old, { ...WORKER, wait: true });
    assert.equal(step.op, "update");
    assert.deepEqual(step.changed, []);
  });

  it("wait is off unless set, and changes in place", () => {
    assert.equal(container.withDefaults({}).wait, false);
    assert.equal(container.replaces("wait"), false);
    assert.match(container.facts.waitDefault.says, /not checked/);
  });

  it("a new command is a new container; a program without one keeps the image's CMD that Read stored", () => {
    assert.equal(container.replaces("command"), true);
    const old = stored(WORKER);
    assert.equal(planStep(CONTAINER, workerOptions, old, { ...WORKER, command: ["node", "other.js"] }).op, "replace");
    // commandReadBack, daemonMergesCmd: Config.Cmd is the image's when the program gave none.
    const web = { image: "sha256:a" };
    assert.equal(planStep(CONTAINER, noOptions, stored(web, readBack(web, { command: ["node", "server.js"] })), web).op, "same");
    assert.match(container.facts.commandForceNew.says, /ForceNew, Computed/);
    assert.match(container.facts.daemonMergesCmd.says, /image's Cmd/);
  });

  it("an empty argument in a command is refused before anything is created", () => {
    assert.throws(() => containerCommand(["node", ""]), /^Error: values for command may not be empty$/);
    assert.deepEqual(containerCommand(["/bin/sh", "-c", "node worker.js"]), ["/bin/sh", "-c", "node worker.js"]);
  });

  it("create never checks a container stays up: one that exited reads back with mustRun false, and the next up starts it", () => {
    assert.match(container.facts.startThenRead.says, /never checks/);
    const old = stored(WORKER, readBack(WORKER, { mustRun: false, exitCode: 1 }));
    const step = planStep(CONTAINER, workerOptions, old, WORKER);
    assert.equal(step.op, "update");
    assert.deepEqual(step.changed, ["mustRun"]);
    assert.match(container.facts.readStopped.says, /must_run false/);
  });

  it("a container in its restart back-off reads as running: create and refresh leave mustRun alone", () => {
    assert.match(container.facts.restartingIsRunning.says, /Running = true/);
  });

  // Commands: the release phase and the health gates.

  const COMMAND = "command:local:Command";
  const release = { create: "run-release", stdin: "A=1\n", triggers: ["sha256:a", "hash1"] };
  const commandState = (inputs: Record<string, any>) => ({ inputs, outputs: { ...inputs, stdout: "", stderr: "" } });

  it("a successful command does not run again while its inputs are unchanged; new triggers replace it, new stdin updates it", () => {
    assert.match(localCommand.facts.notRunWhenUnchanged.says, /will not be executed/);
    const old = commandState(release);
    assert.equal(planStep(COMMAND, noOptions, old, release).op, "same");
    assert.equal(planStep(COMMAND, noOptions, old, { ...release, triggers: ["sha256:b", "hash1"] }).op, "replace");
    assert.equal(planStep(COMMAND, noOptions, old, { ...release, stdin: "A=2\n" }).op, "update");
  });

  it("a command that exits non-zero fails with the provider's error: exit status, the script, then its output as written", async () => {
    const script = "echo out; sleep 0.1; echo err >&2; exit 3";
    await assert.rejects(localCommandHandler.create("fail", { create: script }), (err: Error & { created?: unknown }) => {
      assert.equal(err.message, `exit status 3: running ${JSON.stringify(script)}:\nout\nerr\n`);
      assert.equal(err.created, undefined, "no id, no state");
      return true;
    });
    assert.match(localCommand.facts.runError.says, /running %q/);
  });

  it("the provider returns that error as a plain error: the engine stores nothing for a failed create, so the next up creates it again", () => {
    assert.match(localCommand.facts.createReturnsError.says, /plain error/);
    assert.match(localCommand.facts.plainErrorNoState.says, /only a ResourceInitFailedError/);
    assert.match(ENGINE.pluginPlainError.says, /no id, no outputs/);
    assert.match(ENGINE.failedCreateNotStored.says, /before s\.new gets an id/);
    assert.equal(planStep(COMMAND, noOptions, undefined, release).op, "create");
  });

  it("a failed update keeps the old state and inputs, so the next up plans the same update again", () => {
    assert.match(ENGINE.failedUpdateKeepsOld.says, /before s\.new\.Outputs/);
    assert.match(ENGINE.snapshotOnlyOnSuccess.says, /err == nil \|\| status == resource\.StatusPartialFailure/);
    assert.match(ENGINE.snapshotMutations.says, /only if successful/);
    const old = commandState(release);
    const next = { ...release, stdin: "A=2\n" };
    assert.equal(planStep(COMMAND, noOptions, old, next).op, "update");
    assert.equal(planStep(COMMAND, noOptions, old, next).op, "update", "the same step, every up until it succeeds");
  });

  it("a command's stdout and stderr outputs lose one trailing newline", async () => {
    const made = await localCommandHandler.create("trim", { create: "printf 'a\\n\\n'; printf 'b\\n' >&2" });
    assert.equal(made.outputs.stdout, "a\n");
    assert.equal(made.outputs.stderr, "b");
    assert.match(localCommand.facts.outputsTrimmed.says, /TrimSuffix/);
  });

  it("a command's output streams to pulumi up line by line, both streams unless logging says otherwise", async () => {
    const script = "echo one; sleep 0.1; echo two >&2";
    assert.deepEqual((await localCommandHandler.create("both", { create: script })).log, ["one", "two"]);
    assert.deepEqual((await localCommandHandler.create("stderr", { create: script, logging: "stderr" })).log, ["two"]);
    assert.deepEqual((await localCommandHandler.create("none", { create: script, logging: "none" })).log, []);
    await assert.rejects(localCommandHandler.create("failing", { create: "echo migrating; exit 1" }), (err: Error & { log?: string[] }) => {
      assert.deepEqual(err.log, ["migrating"]);
      return true;
    });
    assert.match(localCommand.facts.loggingDefault.says, /logs both/);
    assert.match(localCommand.facts.outputStreamed.says, /while the command runs/);
    assert.match(localCommand.facts.linesAsStatus.says, /InfoStatus/);
  });

  it("those lines are status messages: shown while the step runs, not in the final summary, which only a failure's error reaches", () => {
    assert.match(localCommand.facts.statusNotInFinalOutput.says, /not in the final output/);
    assert.match(ENGINE.statusDiag.says, /statusDiag/);
    assert.match(ENGINE.statusSinkEphemeral.says, /newEventSink\(emitter, true\)/);
    assert.match(ENGINE.ephemeralNotInSummary.says, /skips payloads with v\.Ephemeral/);
  });

  it("refuses a resource type it has no facts for, so the harness never guesses", () => {
    assert.throws(() => providerModel("docker:index/service:Service"), /no provider model/);
  });
});
