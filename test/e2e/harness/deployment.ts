import type { MockResourceArgs, MockResourceResult } from "@pulumi/pulumi/runtime/mocks";
import { rm } from "fs/promises";
import * as path from "path";
import { RegisteredResource, runProgram, unwrapSecrets } from "../../harness/program";
import { deleteInReverseDependencyOrder } from "./deletes";
import { docker } from "./docker";
import { resourceHandlers } from "./resources";
import { changedFields, ResourceHandler, StoredResource } from "./resources/types";

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
  /**
   * Like `pulumi up --refresh`: first forget containers that are gone or stopped (the provider's
   * read drops a container that must run but does not), so the update re-creates them.
   */
  refresh?: boolean;
}

export interface UpResult {
  outputs: Record<string, unknown>;
  steps: Step[];
}

/** An update that failed: what Pulumi would print, plus the steps taken before the failure. */
export class UpdateFailed extends Error {
  constructor(
    public readonly errors: Error[],
    public readonly steps: Step[],
  ) {
    super(`update failed:\n${errors.map((e) => `  ${e.message}`).join("\n")}`);
  }
}

type Stored = StoredResource & { tainted?: boolean };

/**
 * A stack deployed for real on the local Docker engine. `up` runs the unmodified program under
 * `setMocks`; its newResource performs each resource's step against the engine, in the order
 * Pulumi would: creates, replacement-creates and updates as the program registers them (so in
 * dependency order, since a registration waits for its dependencies), and, once the program is
 * done, deletes — of removed resources and of the old halves of replacements — in reverse
 * dependency order. The first failed step ends the update: nothing else changes, nothing is deleted.
 */
export class Deployment {
  private readonly state = new Map<string, Stored>();
  /** Old halves of replacements whose update failed: Pulumi deletes them in the next update. */
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
  resources(type: string): StoredResource[] {
    return [...this.state.values()].filter((r) => r.type === type);
  }

  async up(config: Record<string, unknown>, options: UpOptions = {}): Promise<UpResult> {
    if (options.refresh) await this.refresh();
    const started = Date.now();
    const steps: Step[] = [];
    const errors: Error[] = [];
    const registered = new Map<string, RegisteredResource>();
    const seen = new Set<string>();
    const oldHalves: Stored[] = [];
    let inflight = 0;
    let settleFailure: () => void = () => {};
    const failed = new Promise<void>((resolve) => (settleFailure = resolve));

    const record = (op: Step["op"], r: { type: string; name: string }) => {
      const step: Step = { op, type: r.type, name: r.name, at: Date.now() - started };
      steps.push(step);
      return () => (step.done = Date.now() - started);
    };

    const step = async (reg: RegisteredResource, args: MockResourceArgs): Promise<MockResourceResult> => {
      const handler = this.handlers[reg.type];
      if (!handler) throw new Error(`e2e harness: no handler for resource type ${reg.type} (${reg.name})`);
      const inputs = unwrapSecrets(args.inputs);
      const old = this.state.get(reg.urn);
      seen.add(reg.urn);
      if (old && reg.ignoreChanges.length > 0) for (const field of reg.ignoreChanges) inputs[field] = old.inputs[field];

      const changed = old ? changedFields(old.inputs, inputs) : [];
      const op: Step["op"] | "same" = !old
        ? "create"
        : old.tainted || options.replace?.(reg) || (changed.length > 0 && handler.replaces(old.inputs, inputs))
          ? "replace"
          : changed.length > 0
            ? "update"
            : "same";
      if (op === "same") return { id: old!.id, state: old!.outputs };
      // Pulumi starts no new step once one has failed.
      if (errors.length > 0) throw new Error(`${reg.name}: not ${op}d, an earlier step failed`);

      const store = (created: { id: string; outputs: Record<string, any> }, tainted = false) =>
        this.state.set(reg.urn, {
          urn: reg.urn,
          type: reg.type,
          name: reg.name,
          id: created.id,
          inputs,
          outputs: created.outputs,
          dependencies: reg.dependencies,
          retainOnDelete: reg.retainOnDelete,
          tainted,
        });

      inflight++;
      try {
        if (op === "update") {
          const finished = record("update", reg);
          store(await handler.update(old!, inputs));
          finished();
        } else {
          if (op === "replace" && reg.deleteBeforeReplace) {
            const finished = record("delete", reg);
            await this.remove(old!);
            this.state.delete(reg.urn);
            finished();
          } else if (op === "replace") {
            oldHalves.push(old!);
          }
          const finished = record(op, reg);
          try {
            store(await handler.create(reg.name, inputs));
          } catch (err: any) {
            if (err.created) store(err.created, true);
            throw err;
          }
          finished();
        }
        return { id: this.state.get(reg.urn)!.id, state: this.state.get(reg.urn)!.outputs };
      } catch (err) {
        errors.push(err as Error);
        throw err;
      } finally {
        inflight--;
        if (errors.length > 0 && inflight === 0) settleFailure();
      }
    };

    const program = runProgram({
      stack: this.stack,
      config,
      secretKeys: options.secretKeys,
      beforeRegister: (r) => registered.set(`${r.type}\0${r.name}`, r),
      newResource: async (args) => {
        if (!args.custom && !args.type.startsWith("pulumi:providers:")) return { id: undefined, state: {} };
        const reg = registered.get(`${args.type}\0${args.name}`);
        if (!reg) throw new Error(`e2e harness: ${args.type} ${args.name} was not seen registering`);
        return step(reg, args);
      },
    });
    // A failed step leaves outputs that never resolve: stop waiting once no step is in flight.
    const outcome = await Promise.race([program.then((run) => ({ run })), failed.then(() => ({ run: undefined }))]).catch(
      (err: Error) => {
        errors.push(err);
        return { run: undefined };
      },
    );
    if (!outcome.run || errors.length > 0) {
      this.pendingDeletes.push(...oldHalves);
      throw new UpdateFailed(errors, steps);
    }

    const doomed = [...[...this.state.values()].filter((r) => !seen.has(r.urn)), ...this.pendingDeletes, ...oldHalves];
    this.pendingDeletes = [];
    await deleteInReverseDependencyOrder(doomed, async (r) => {
      const finished = record("delete", r);
      await this.remove(r);
      if (!seen.has(r.urn)) this.state.delete(r.urn);
      finished();
    });
    const outputs = Object.fromEntries(Object.entries(outcome.run.outputs).map(([k, v]) => [k, v.value]));
    return { outputs, steps };
  }

  private async refresh(): Promise<void> {
    for (const r of this.resources("docker:index/container:Container")) {
      const running = await docker
        .getContainer(r.id)
        .inspect()
        .then((c) => c.State.Running, () => false);
      if (!running) this.state.delete(r.urn);
    }
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
    await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove()));
    const { Volumes } = await docker.listVolumes({ filters });
    await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove()));
    await rm(path.resolve(".berth", this.stack), { recursive: true, force: true });
    this.state.clear();
    this.pendingDeletes = [];
  }

  private async remove(r: StoredResource): Promise<void> {
    if (r.retainOnDelete) return;
    await this.handlers[r.type].delete(r);
  }
}
