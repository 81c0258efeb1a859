import type { MockResourceArgs, MockResourceResult } from "@pulumi/pulumi/runtime/mocks";
import { rm } from "fs/promises";
import * as path from "path";
import { RegisteredResource, runProgram, unwrapSecrets } from "../../harness/program";
import { deleteInReverseDependencyOrder } from "./deletes";
import { docker, isNotFound } from "./docker";
import { PlannedStep, planStep, replacedDependents } from "./engine-model";
import { container as containerModel, network as networkModel, volume as volumeModel } from "./provider-model";
import { resourceHandlers } from "./resources";
import { removeNetwork } from "./resources/network";
import { ResourceHandler, StoredResource } from "./resources/types";

/** One step the harness took, in the order it took them. */
export interface Step {
  op: "create" | "update" | "replace" | "delete";
  type: string;
  name: string;
  /** ms since the update started, when the step began. */
  at: number;
  /** ms since the update started, when the step finished (unset if it failed). */
  done?: number;
}

export interface UpOptions {
  /** Like `pulumi up --replace`: resources to replace even if unchanged. */
  replace?: (resource: RegisteredResource) => boolean;
  /** `berth:` keys stored as secrets. */
  secretKeys?: string[];
  /** Like `pulumi up --refresh`: read every container first (see refresh()). */
  refresh?: boolean;
}

/**
 * A line a provider streamed to `pulumi up` while a step ran: a command's output (its status
 * messages: ENGINE.statusDiag, statusSinkEphemeral, ephemeralNotInSummary).
 */
export interface LogLine {
  /** The resource's name. */
  name: string;
  line: string;
}

export interface UpResult {
  outputs: Record<string, unknown>;
  steps: Step[];
  logs: LogLine[];
}

/** An update that failed: what Pulumi would print, plus the steps taken before the failure. */
export class UpdateFailed extends Error {
  constructor(
    public readonly errors: Error[],
    public readonly steps: Step[],
    public readonly logs: LogLine[] = [],
  ) {
    super(`update failed:\n${errors.map((e) => `  ${e.message}`).join("\n")}`);
  }
}

/** What a second `pulumi up` with the same config would change: must be nothing. */
export class PerpetualDiff extends Error {
  constructor(public readonly changes: { name: string; step: PlannedStep }[]) {
    super(`a second up with the same config would change:\n${changes.map((c) => `  ${c.step.op} ${c.name}: ${c.step.why}`).join("\n")}`);
  }
}

type Stored = StoredResource & {
  /** Set when the create failed after the provider returned an id (ENGINE.initErrorsKept). */
  initErrors?: string[];
};

/**
 * A stack deployed for real on the local Docker engine. `up` runs the unmodified program under
 * `setMocks`; its newResource performs each resource's step against the engine, choosing the step
 * by the engine model (engine-model.ts) and applying it by the provider model (provider-model.ts):
 *
 *   1. Pending deletes left by a failed update stay until the end (ENGINE.pendingDeletesAtEnd).
 *   2. Creates, replacements and updates run as the program registers them, i.e. in dependency
 *      order. A delete-before-replace deletes the resource, and the dependents that change
 *      replaces, before creating it again (ENGINE.deleteBeforeReplace, dependentReplacements).
 *   3. The first failed step ends the update: no new step starts (ENGINE.noStepAfterFailure). A
 *      create that failed after the provider returned an id stays in state with init errors, and
 *      the old half of its replacement becomes a pending delete (ENGINE.initErrorsKept,
 *      oldHalfMarkedForDelete). Any other failed create stores nothing, and a failed update keeps
 *      the old state, so the next up takes the same step again (ENGINE.pluginPlainError,
 *      failedCreateNotStored, failedUpdateKeepsOld, snapshotOnlyOnSuccess, snapshotMutations).
 *      What providers streamed while their steps ran is kept, in order, as `logs`.
 *   4. Once the program is done, and only if every step succeeded: deletes of removed resources,
 *      of pending deletes and of the old halves of create-before-delete replacements, in reverse
 *      dependency order (ENGINE.oldHalfDeletedAtEnd, noStepAfterFailure).
 *   5. A second run of the program with the same config must plan no change (PerpetualDiff).
 */
export class Deployment {
  private readonly state = new Map<string, Stored>();
  /** Old halves of replacements whose update failed: deleted at the end of the next successful one. */
  private pendingDeletes: Stored[] = [];
  private readonly handlers: Record<string, ResourceHandler>;

  constructor(
    /** Stack name: also berth's container-name prefix `berth-<stack>` and the `berth.stack` label. */
    public readonly stack: string,
    /** Official image reference → local stand-in tag. */
    registry: Record<string, string>,
  ) {
    this.handlers = resourceHandlers(registry);
  }

  /** The stored resources of a type, e.g. every app replica container. */
  resources(type: string): (StoredResource & { initErrors?: string[] })[] {
    return [...this.state.values()].filter((r) => r.type === type);
  }

  async up(config: Record<string, unknown>, options: UpOptions = {}): Promise<UpResult> {
    if (options.refresh) await this.refresh();
    const started = Date.now();
    const steps: Step[] = [];
    const errors: Error[] = [];
    const logs: LogLine[] = [];
    const collect = <T extends { log?: string[] }>(name: string, made: T): T => {
      for (const line of made.log ?? []) logs.push({ name, line });
      return made;
    };
    const registered = new Map<string, RegisteredResource>();
    const seen = new Set<string>();
    const oldHalves: Stored[] = [];
    /** Deleted ahead of a delete-before-replace of something they were made from; re-created when registered. */
    const deletedAhead = new Set<string>();
    let inflight = 0;
    let settleFailure: () => void = () => {};
    const failed = new Promise<void>((resolve) => (settleFailure = resolve));

    const record = (op: Step["op"], r: { type: string; name: string }) => {
      const step: Step = { op, type: r.type, name: r.name, at: Date.now() - started };
      steps.push(step);
      return () => (step.done = Date.now() - started);
    };
    const deleteNow = async (r: Stored) => {
      const finished = record("delete", r);
      await this.remove(r);
      finished();
    };

    const step = async (reg: RegisteredResource, args: MockResourceArgs): Promise<MockResourceResult> => {
      const handler = this.handler(reg.type, reg.name);
      const old = this.state.get(reg.urn);
      seen.add(reg.urn);
      const plan = planStep(reg.type, reg, old, unwrapSecrets(args.inputs), options.replace?.(reg) === true);
      if (plan.op === "same") return { id: old!.id, state: old!.outputs };
      // ENGINE.noStepAfterFailure
      if (errors.length > 0) throw new Error(`${reg.name}: not ${plan.op}d, an earlier step failed`);

      const store = (made: { id: string; outputs: Record<string, any> }, initErrors?: string[]) =>
        this.state.set(reg.urn, {
          urn: reg.urn,
          type: reg.type,
          name: reg.name,
          id: made.id,
          inputs: plan.inputs,
          outputs: made.outputs,
          dependencies: reg.dependencies,
          propertyDependencies: reg.propertyDependencies,
          retainOnDelete: reg.retainOnDelete,
          initErrors,
        });

      inflight++;
      try {
        if (plan.op === "update") {
          const finished = record("update", reg);
          store(collect(reg.name, await handler.update(old!, plan.inputs, plan.changed)));
          finished();
        } else {
          const replacing = plan.op === "replace" || deletedAhead.has(reg.urn);
          if (plan.op === "replace" && plan.deleteBeforeReplace) {
            // ENGINE.dependentReplacements, then the resource itself.
            const others = [...this.state.values()].filter((r) => r.urn !== reg.urn);
            const dependents = replacedDependents(reg.urn, others);
            await deleteInReverseDependencyOrder([...dependents, old!], async (r) => {
              await deleteNow(r as Stored);
              this.state.delete(r.urn);
              if (r.urn !== reg.urn) deletedAhead.add(r.urn);
            });
          } else if (plan.op === "replace") {
            oldHalves.push(old!);
          }
          const finished = record(replacing ? "replace" : "create", reg);
          try {
            store(collect(reg.name, await handler.create(reg.name, plan.inputs)));
          } catch (err: any) {
            if (err.created) {
              // ENGINE.initErrorsKept: in state, with the reason; the old half stays a pending delete.
              store(err.created, [err.message]);
            } else if (plan.op === "replace" && !plan.deleteBeforeReplace) {
              // Nothing was created: the old resource is still the live one.
              oldHalves.splice(oldHalves.indexOf(old!), 1);
            }
            throw err;
          }
          finished();
        }
        const now = this.state.get(reg.urn)!;
        return { id: now.id, state: now.outputs };
      } catch (err) {
        collect(reg.name, (err ?? {}) as { log?: string[] });
        errors.push(err as Error);
        throw err;
      } finally {
        inflight--;
        if (errors.length > 0 && inflight === 0) settleFailure();
      }
    };

    const program = this.run(config, options, registered, (reg, args) => step(reg, args));
    // A failed step leaves outputs that never resolve: stop waiting once no step is in flight.
    const outcome = await Promise.race([program.then((run) => ({ run })), failed.then(() => ({ run: undefined }))]).catch(
      (err: Error) => {
        errors.push(err);
        return { run: undefined };
      },
    );
    if (!outcome.run || errors.length > 0) {
      // ENGINE.oldHalfMarkedForDelete
      this.pendingDeletes.push(...oldHalves);
      throw new UpdateFailed(errors, steps, logs);
    }

    // 4. ENGINE.oldHalfDeletedAtEnd, ENGINE.pendingDeletesAtEnd
    const removed = [...this.state.values()].filter((r) => !seen.has(r.urn));
    const pending = this.pendingDeletes;
    this.pendingDeletes = [];
    await deleteInReverseDependencyOrder([...removed, ...pending, ...oldHalves], async (r) => {
      await deleteNow(r as Stored);
      if (!seen.has(r.urn)) this.state.delete(r.urn);
    });

    // 5. The same config again must plan nothing.
    const changes = await this.plan(config, options);
    if (changes.length > 0) throw new PerpetualDiff(changes);

    const outputs = Object.fromEntries(Object.entries(outcome.run.outputs).map(([k, v]) => [k, v.value]));
    return { outputs, steps, logs };
  }

  /**
   * `pulumi preview`: the steps an up with this config would take, without taking any. Returns
   * every resource that would not be left as it is.
   */
  async plan(config: Record<string, unknown>, options: Pick<UpOptions, "secretKeys"> = {}): Promise<{ name: string; step: PlannedStep }[]> {
    const changes: { name: string; step: PlannedStep }[] = [];
    const seen = new Set<string>();
    await this.run(config, options, new Map(), async (reg, args) => {
      seen.add(reg.urn);
      const old = this.state.get(reg.urn);
      const step = planStep(reg.type, reg, old, unwrapSecrets(args.inputs));
      if (step.op !== "same") changes.push({ name: reg.name, step });
      return old ? { id: old.id, state: old.outputs } : { id: `${reg.name}-planned`, state: step.inputs };
    });
    for (const r of this.state.values()) {
      if (!seen.has(r.urn)) changes.push({ name: r.name, step: { op: "replace", deleteBeforeReplace: false, changed: [], inputs: {}, why: "deleted" } });
    }
    return changes;
  }

  private run(
    config: Record<string, unknown>,
    options: Pick<UpOptions, "secretKeys">,
    registered: Map<string, RegisteredResource>,
    onResource: (reg: RegisteredResource, args: MockResourceArgs) => Promise<MockResourceResult>,
  ) {
    return runProgram({
      stack: this.stack,
      config,
      secretKeys: options.secretKeys,
      beforeRegister: (r) => registered.set(`${r.type}\0${r.name}`, r),
      newResource: async (args) => {
        if (!args.custom && !args.type.startsWith("pulumi:providers:")) return { id: undefined, state: {} };
        const reg = registered.get(`${args.type}\0${args.name}`);
        if (!reg) throw new Error(`e2e harness: ${args.type} ${args.name} was not seen registering`);
        return onResource(reg, args);
      },
    });
  }

  /**
   * `pulumi refresh`, for containers, networks and volumes: one the provider cannot find reads
   * back as gone and leaves the state (ENGINE.refreshDropsMissing; container.facts.refreshGone,
   * network.facts.refreshGone, volume.facts.refreshGone), so the next update creates it; a
   * container that is stopped while `mustRun` is on reads back with `mustRun: false`
   * (container.facts.refreshStopped), so the next update's diff (false → true) starts it again.
   */
  async refresh(): Promise<void> {
    for (const r of this.resources(containerModel.type)) {
      const running = await docker
        .getContainer(r.id)
        .inspect()
        .then((c) => c.State.Running, () => undefined);
      if (running === undefined) this.state.delete(r.urn);
      else if (!running && r.outputs.mustRun !== false) r.outputs = { ...r.outputs, mustRun: false };
    }
    const gone = (inspect: () => Promise<unknown>) => inspect().then(() => false, (err) => isNotFound(err));
    for (const r of this.resources(networkModel.type)) if (await gone(() => docker.getNetwork(r.id).inspect())) this.state.delete(r.urn);
    for (const r of this.resources(volumeModel.type)) if (await gone(() => docker.getVolume(r.id).inspect())) this.state.delete(r.urn);
  }

  /** `pulumi destroy`: every resource, in reverse dependency order; retained ones stay on the engine. */
  async destroy(): Promise<void> {
    await deleteInReverseDependencyOrder([...this.state.values(), ...this.pendingDeletes], async (r) => {
      await this.remove(r);
      this.state.delete(r.urn);
    });
    this.pendingDeletes = [];
  }

  /** Removes everything the stack left on the engine, retained volumes included, and its host files. */
  async sweep(): Promise<void> {
    const filters = { label: [`berth.stack=${this.stack}`] };
    const containers = await docker.listContainers({ all: true, filters });
    await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
    const networks = await docker.listNetworks({ filters });
    await Promise.all(networks.map((n) => removeNetwork(n.Id, { forceDisconnect: true })));
    const { Volumes } = await docker.listVolumes({ filters });
    await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove()));
    await rm(path.resolve(".berth", this.stack), { recursive: true, force: true });
    this.state.clear();
    this.pendingDeletes = [];
  }

  private handler(type: string, name: string): ResourceHandler {
    const handler = this.handlers[type];
    if (!handler) throw new Error(`e2e harness: no handler for resource type ${type} (${name})`);
    return handler;
  }

  private async remove(r: StoredResource): Promise<void> {
    if (r.retainOnDelete) return;
    await this.handler(r.type, r.name).delete(r);
  }
}

