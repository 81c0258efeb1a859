import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { planStep, replacedDependents } from "../e2e/harness/engine-model";
import { canonical, cfDnsRecord, doDroplet, doReservedIp, doReservedIpAssignment, doVolumeAttachment, providerModel, remoteCommand } from "../e2e/harness/provider-model";
import { ENGINE } from "../e2e/harness/sources";
import { ProgramRun, RegisteredResource, runProgram } from "../harness/program";
import { doConfig, TYPES } from "../harness/stacks";

/**
 * Replacing the droplet, as the engine would plan it for berth's declared graph: the order that
 * docs/operations.md ("Replace the server") states is the order pinned here.
 *
 * How the plan is computed from the program's registrations and the engine and provider model:
 *   1. State: every custom resource of a first run (droplet 424242), as its provider stored it.
 *   2. The next run (the change under test; the new droplet gets id 777777) plans each resource
 *      in registration order with the engine model (planStep: ignoreChanges, ForceNew, the
 *      program's deleteBeforeReplace over the provider's). A type the model does not know yet is
 *      left out only when its inputs are unchanged and nothing of the droplet reaches it.
 *   3. A protected resource that would be replaced stops the update before any step
 *      (ENGINE.protectedNeverReplaced).
 *   4. A delete-before-replace first deletes the dependents that the change replaces, in reverse
 *      dependency order, then the resource, then creates it (ENGINE.dependentsFromDependingOn,
 *      dependentsDeletedFirst, dependentReplacements); a protected one among them stops it
 *      (ENGINE.protectedDependentBlocks). Those dependents are created again when they register.
 *   5. Every other step runs when the resource registers, i.e. after its dependencies' steps
 *      finished (ENGINE.dependenciesAwaited, registerAfterStep).
 *   6. Old halves of create-before-delete replacements are deleted at the end
 *      (ENGINE.oldHalfDeletedAtEnd).
 */

interface PlannedOp {
  op: "delete" | "create" | "update";
  name: string;
  type: string;
}

const NEW_DROPLET = "777777";

async function replacementPlan(change: Record<string, unknown>): Promise<{ ops: PlannedOp[]; before: ProgramRun; after: ProgramRun }> {
  const before = await runProgram({ stack: "dev", config: doConfig() });
  const after = await runProgram({ stack: "dev", config: doConfig(change), fakes: { dropletId: NEW_DROPLET } });
  return { ops: plan(before, after), before, after };
}

function plan(before: ProgramRun, after: ProgramRun): PlannedOp[] {
  const olds = new Map(before.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
  const order = (r: RegisteredResource) => before.resources.indexOf(r);
  const stateOf = (r: RegisteredResource) => {
    const stored = providerModel(r.type).withDefaults(r.inputs);
    return { inputs: stored, outputs: stored };
  };
  const ops: PlannedOp[] = [];
  const record = (op: PlannedOp["op"], r: RegisteredResource) => ops.push({ op, name: r.name, type: r.type });
  const deletedAhead = new Set<string>();
  const oldHalves: RegisteredResource[] = [];

  const droplet = after.get(TYPES.droplet, "berth-dev-droplet");
  const ofDroplet = new Set(dependingOn(droplet.urn, [...olds.values()]).map((r) => r.urn));
  for (const reg of after.resources.filter((r) => r.custom)) {
    const old = deletedAhead.has(reg.urn) ? undefined : olds.get(reg.urn);
    // A type the model does not know yet (another part's resources) may only be left out when
    // nothing of it can change here: same inputs, and nothing from the droplet.
    if (!modelled(reg.type) && old && !ofDroplet.has(reg.urn) && canonical(old.inputs) === canonical(reg.inputs)) continue;
    const step = planStep(reg.type, reg, old && stateOf(old), reg.inputs);
    if (step.op === "same") continue;
    if (step.op === "create" || step.op === "update") {
      record(step.op, reg);
      continue;
    }
    if (old!.protect && reg.protect) throw new Error(`unable to replace resource ${reg.name} as it is currently marked for protection (${step.why})`);
    if (!step.deleteBeforeReplace) {
      record("create", reg);
      oldHalves.push(old!);
      continue;
    }
    const dependents = replacedDependents(reg.urn, dependingOn(reg.urn, [...olds.values()])).sort((a, b) => order(b) - order(a));
    for (const d of dependents) {
      if (d.protect) throw new Error(`unable to replace resource ${d.name} as part of replacing ${reg.name}: it is protected`);
      record("delete", d);
      deletedAhead.add(d.urn);
    }
    record("delete", old!);
    record("create", reg);
  }
  for (const old of oldHalves.sort((a, b) => order(b) - order(a))) record("delete", old);
  return ops;
}

function modelled(type: string): boolean {
  try {
    providerModel(type);
    return true;
  } catch {
    return false;
  }
}

/** Every stored resource that depends on `root`, directly or not: by dependency or by provider. */
function dependingOn(root: string, resources: RegisteredResource[]): RegisteredResource[] {
  const providerUrn = (ref: string) => ref.slice(0, ref.lastIndexOf("::"));
  const reached = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of resources) {
      if (reached.has(r.urn)) continue;
      if (r.dependencies.some((d) => reached.has(d)) || (r.provider && reached.has(providerUrn(r.provider)))) {
        reached.add(r.urn);
        grew = true;
      }
    }
  }
  return resources.filter((r) => r.urn !== root && reached.has(r.urn));
}

const at = (ops: PlannedOp[], op: PlannedOp["op"], name: string) => {
  const i = ops.findIndex((o) => o.op === op && o.name === name);
  assert.ok(i >= 0, `no ${op} of ${name} in the plan:\n${ops.map((o) => `  ${o.op} ${o.name}`).join("\n")}`);
  return i;
};
const opsOf = (ops: PlannedOp[], name: string) => ops.filter((o) => o.name === name).map((o) => o.op);
const DATABASES = ["main-server", "cache-server"];

/** The runbook's "What happens, in order", phase by phase: each phase's first step in the plan. */
export const RUNBOOK_ORDER = [
  "Containers stop",
  "Volume detached and IP unassigned",
  "Old droplet deleted",
  "New droplet created",
  "Volume attached and IP moved",
  "Readiness",
  "Containers recreated",
] as const;

function phaseOf(o: PlannedOp): (typeof RUNBOOK_ORDER)[number] | undefined {
  if (o.type === TYPES.container) return o.op === "delete" ? "Containers stop" : "Containers recreated";
  if (o.type === TYPES.volumeAttachment || o.type === TYPES.reservedIpAssignment) {
    return o.op === "delete" ? "Volume detached and IP unassigned" : "Volume attached and IP moved";
  }
  if (o.type === TYPES.droplet) return o.op === "delete" ? "Old droplet deleted" : "New droplet created";
  if (o.name === "berth-dev-ready" && o.op === "create") return "Readiness";
  return undefined;
}

describe("Replacing the server: the declared graph under the provider model", () => {
  let ops: PlannedOp[];
  let after: ProgramRun;
  before(async () => {
    ({ ops, after } = await replacementPlan({ dropletImage: "ubuntu-26-04-x64" }));
  });

  it("a new droplet image replaces the droplet, the old one deleted before the new one is created", () => {
    assert.equal(doDroplet.replaces("image"), true);
    assert.deepEqual(opsOf(ops, "berth-dev-droplet"), ["delete", "create"]);
  });

  it("stops every database container before the data volume is detached from the old droplet", () => {
    for (const db of DATABASES) assert.ok(at(ops, "delete", db) < at(ops, "delete", "berth-dev-data-attachment"), db);
  });

  it("deletes the old containers while the reserved IP still leads to the old droplet, where they run", () => {
    for (const c of after.ofType(TYPES.container)) assert.ok(at(ops, "delete", c.name) < at(ops, "delete", "berth-dev-ip-assignment"), c.name);
  });

  it("detaches the volume and unassigns the IP while the old droplet still exists, then deletes it", () => {
    // deleteUnassignsOwnDroplet: the assignment's delete reads the droplet on the IP unchecked.
    assert.match(doReservedIpAssignment.facts.deleteUnassignsOwnDroplet.says, /while a droplet holds the IP/);
    assert.ok(at(ops, "delete", "berth-dev-data-attachment") < at(ops, "delete", "berth-dev-droplet"));
    assert.ok(at(ops, "delete", "berth-dev-ip-assignment") < at(ops, "delete", "berth-dev-droplet"));
  });

  it("attaches the volume to the new droplet only once it exists, never while the old one holds it", () => {
    assert.match(doVolumeAttachment.facts.attachUnlessAlready.says, /any other error fails the create/);
    assert.ok(at(ops, "create", "berth-dev-droplet") < at(ops, "create", "berth-dev-data-attachment"));
    assert.deepEqual(opsOf(ops, "berth-dev-data-attachment"), ["delete", "create"]);
    assert.equal(after.get(TYPES.volumeAttachment, "berth-dev-data-attachment").inputs.dropletId, Number(NEW_DROPLET));
  });

  it("moves the reserved IP: unassigned from the old droplet, assigned to the new one", () => {
    assert.deepEqual(opsOf(ops, "berth-dev-ip-assignment"), ["delete", "create"]);
    assert.ok(at(ops, "create", "berth-dev-droplet") < at(ops, "create", "berth-dev-ip-assignment"));
    assert.equal(after.get(TYPES.reservedIpAssignment, "berth-dev-ip-assignment").inputs.dropletId, Number(NEW_DROPLET));
  });

  it("never deletes or replaces the data volume, the reserved IP, the SSH host key or the database passwords", () => {
    for (const name of ["berth-dev-data", "berth-dev-ip", "berth-dev-host-key", "main-password", "cache-password"]) {
      assert.deepEqual(opsOf(ops, name), [], name);
    }
  });

  it("starts the database containers on the new droplet only after the readiness check has mounted the volume", () => {
    const ready = after.get(TYPES.remoteCommand, "berth-dev-ready");
    assert.ok(ready.dependencies.includes(after.get(TYPES.volumeAttachment, "berth-dev-data-attachment").urn));
    assert.match(ready.inputs.create, /mountpoint -q "\$data_path"/);
    for (const db of DATABASES) {
      assert.ok(after.get(TYPES.container, db).dependencies.includes(ready.urn), db);
      assert.ok(at(ops, "create", "berth-dev-ready") < at(ops, "create", db), db);
    }
  });

  it("re-creates every container, image and network on the new droplet", () => {
    for (const type of [TYPES.container, TYPES.remoteImage, TYPES.network]) {
      for (const r of after.ofType(type)) assert.deepEqual(opsOf(ops, r.name), ["delete", "create"], r.name);
    }
  });

  it("points the firewall at the new droplet in place", () => {
    assert.deepEqual(opsOf(ops, "berth-dev-firewall"), ["update"]);
    assert.ok(at(ops, "create", "berth-dev-droplet") < at(ops, "update", "berth-dev-firewall"));
  });

  it("keeps the DNS records: A points at the reserved IP, AAAA follows the new droplet's IPv6 address in place", () => {
    const aaaa = after.get(TYPES.dnsRecord, "dns-app.example.com-aaaa");
    assert.ok(aaaa.propertyDependencies.content.includes(after.get(TYPES.droplet, "berth-dev-droplet").urn));
    assert.equal(cfDnsRecord.replaces("content"), false);
    for (const r of after.ofType(TYPES.dnsRecord)) assert.ok(!opsOf(ops, r.name).includes("delete"), r.name);
  });

  it("runs the phases in the order the runbook states", () => {
    const first = new Map<string, number>();
    ops.forEach((o, i) => {
      const phase = phaseOf(o);
      if (phase && !first.has(phase)) first.set(phase, i);
    });
    assert.deepEqual([...first.entries()].sort((a, b) => a[1] - b[1]).map(([p]) => p), [...RUNBOOK_ORDER]);
  });

  it("docs/operations.md lists the same phases in the same order", () => {
    const doc = fs.readFileSync(path.resolve(__dirname, "../../docs/operations.md"), "utf8");
    const section = doc.split("### What happens, in order")[1]?.split(/\n#{2,3} /)[0] ?? "";
    const phases = [...section.matchAll(/^\d+\. \*\*([^*]+?)\.?\*\*/gm)].map((m) => m[1]);
    assert.deepEqual(phases, [...RUNBOOK_ORDER]);
  });
});

describe("Replacing the server: the facts the plan rests on", () => {
  it("cites a repository, a full commit, a path and lines for every fact", () => {
    const models = [doDroplet, doVolumeAttachment, doReservedIp, doReservedIpAssignment, remoteCommand];
    const sources = [
      ENGINE.dependentsFromDependingOn,
      ENGINE.dependentsDeletedFirst,
      ENGINE.protectedDependentBlocks,
      ENGINE.protectedNeverReplaced,
      ENGINE.registerAfterStep,
      ENGINE.dependenciesAwaited,
      ...models.flatMap((m) => [m.deleteBeforeReplace.source, m.replaceSource, ...Object.values(m.facts)]),
    ];
    for (const s of sources) {
      assert.match(s.commit, /^[0-9a-f]{40}$/, JSON.stringify(s));
      assert.ok(s.repo && s.path && /^L\d+/.test(s.lines) && s.says, JSON.stringify(s));
    }
  });

  it("the attachment, the assignment and the readiness check are replaced by a new droplet id", () => {
    assert.equal(doVolumeAttachment.replaces("dropletId"), true);
    assert.equal(doReservedIpAssignment.replaces("dropletId"), true);
    assert.equal(remoteCommand.replaces("triggers"), true);
    assert.equal(remoteCommand.replaces("connection"), false);
  });
});

describe("Replacing the server: the options that make the order safe", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ stack: "dev", config: doConfig() });
  });

  it("replaces the droplet delete-before-replace, so its dependents (containers, attachment, assignment) go first", () => {
    assert.match(ENGINE.dependentsDeletedFirst.says, /reverse dependency order/);
    assert.equal(run.get(TYPES.droplet, "berth-dev-droplet").deleteBeforeReplace, true);
  });

  it("states delete-before-replace for the attachment and the assignment, so two halves never share the volume or the IP", () => {
    assert.equal(doVolumeAttachment.deleteBeforeReplace.value, false, "the provider's default is create-before-delete");
    assert.equal(run.get(TYPES.volumeAttachment, "berth-dev-data-attachment").deleteBeforeReplace, true);
    assert.equal(run.get(TYPES.reservedIpAssignment, "berth-dev-ip-assignment").deleteBeforeReplace, true);
  });

  it("protects the data volume and keeps it on destroy", () => {
    const volume = run.get(TYPES.volume, "berth-dev-data");
    assert.equal(volume.protect, true);
    assert.equal(volume.retainOnDelete, true);
  });

  it("makes nothing protected depend on the droplet, which would block the replacement", () => {
    const droplet = run.get(TYPES.droplet, "berth-dev-droplet");
    const protectedDependents = dependingOn(droplet.urn, run.resources.filter((r) => r.custom)).filter((r) => r.protect);
    assert.deepEqual(protectedDependents.map((r) => r.name), []);
  });

  it("gives the volume no input that comes from the droplet", () => {
    const volume = run.get(TYPES.volume, "berth-dev-data");
    assert.ok(!volume.dependencies.includes(run.get(TYPES.droplet, "berth-dev-droplet").urn));
  });
});

describe("Replacing the server: what triggers it", () => {
  const saved = process.env.BERTH_APPLY_CLOUD_INIT;
  afterEach(() => {
    if (saved === undefined) delete process.env.BERTH_APPLY_CLOUD_INIT;
    else process.env.BERTH_APPLY_CLOUD_INIT = saved;
  });

  it("a changed cloud-init leaves the droplet alone without BERTH_APPLY_CLOUD_INIT", async () => {
    delete process.env.BERTH_APPLY_CLOUD_INIT;
    const { ops } = await replacementPlan({ swapSizeGb: 4 });
    assert.deepEqual(opsOf(ops, "berth-dev-droplet"), []);
  });

  it("a changed cloud-init replaces the droplet, in the same order, with BERTH_APPLY_CLOUD_INIT=1", async () => {
    process.env.BERTH_APPLY_CLOUD_INIT = "1";
    const { ops } = await replacementPlan({ swapSizeGb: 4 });
    assert.deepEqual(opsOf(ops, "berth-dev-droplet"), ["delete", "create"]);
    assert.ok(at(ops, "delete", "main-server") < at(ops, "delete", "berth-dev-data-attachment"));
    assert.ok(at(ops, "create", "berth-dev-data-attachment") < at(ops, "create", "main-server"));
  });

  it("a new SSH key list replaces the droplet too: the provider takes SSH keys only when it creates one", async () => {
    const { ops } = await replacementPlan({ sshKeys: ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa", "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99"] });
    assert.equal(doDroplet.replaces("sshKeys"), true);
    assert.deepEqual(opsOf(ops, "berth-dev-droplet"), ["delete", "create"]);
  });

  it("refuses a new region: it would replace the protected volume and reserved IP", async () => {
    await assert.rejects(replacementPlan({ region: "ams3" }), /unable to replace resource berth-dev-(data|ip) as it is currently marked for protection/);
    assert.match(ENGINE.protectedNeverReplaced.says, /bails there, before the step runs/);
  });
});
