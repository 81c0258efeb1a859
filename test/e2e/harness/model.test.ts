import { strict as assert } from "assert";
import { planStep, replacedDependents } from "./engine-model";
import {
  canonical,
  cfOriginCertificate,
  cfZoneSetting,
  container,
  doFirewall,
  doVolume,
  goDuration,
  localCommand,
  network,
  providerModel,
  remoteImage,
} from "./provider-model";
import { formatCpus } from "./resources/container";
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
    const models = [container, network, remoteImage, localCommand, doVolume, doFirewall, cfZoneSetting, cfOriginCertificate];
    const sources = [
      ...Object.values(ENGINE),
      ...models.flatMap((m) => [m.deleteBeforeReplace.source, m.replaceSource, m.updateApplies.source, ...Object.values(m.facts)]),
    ];
    for (const s of sources) {
      assert.match(s.commit, /^[0-9a-f]{40}$/, JSON.stringify(s));
      assert.ok(s.repo && s.path && s.lines && s.says, JSON.stringify(s));
    }
    assert.equal(Object.values(COMMITS).length, 9);
  });

  it("docker containers are delete-before-replace by the provider's default; networks, volumes and images are not", () => {
    assert.equal(container.deleteBeforeReplace.value, true);
    assert.equal(network.deleteBeforeReplace.value, false);
    assert.equal(remoteImage.deleteBeforeReplace.value, false);
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

  it("refuses a resource type it has no facts for, so the harness never guesses", () => {
    assert.throws(() => providerModel("docker:index/service:Service"), /no provider model/);
  });
});
