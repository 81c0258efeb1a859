import { providerModel, TypeModel } from "./provider-model";

/**
 * Pulumi's engine rules the harness applies, from pulumi/pulumi's deployment engine (the
 * `ENGINE.*` names refer to the cited sources in sources.ts). Pure
 * functions, so each rule has a test of its own (engine-model.test.ts).
 *
 * How one resource's step is chosen (step_generator.go):
 *   1. ignoreChanges: the ignored inputs keep their old values before anything is compared.
 *   2. The provider diffs the new inputs (with its defaults filled in) against the old state,
 *      i.e. the values its Read stored, not the inputs the program gave last time.
 *   3. A changed input the provider marks ForceNew, or that the program lists in
 *      replaceOnChanges, makes it a replacement; any other change is an in-place update.
 *   4. No change, but the old state has init errors (a create that failed after the provider
 *      returned an id): an update, which the provider applies as an empty one.
 *   5. A replacement is delete-before-replace when the program says so, else when the provider
 *      says so; create-before-delete otherwise, its old half deleted at the end of the update.
 */

/** The engine's view of a stored resource. */
export interface OldState {
  /** Inputs the program gave last time (after ignoreChanges). */
  inputs: Record<string, any>;
  /** The provider's state: what its Read stored. */
  outputs: Record<string, any>;
  /** Set when the create failed after the provider returned an id. */
  initErrors?: string[];
}

/** The options of a registration that decide the step. */
export interface StepOptions {
  deleteBeforeReplace: boolean | undefined;
  replaceOnChanges: string[];
  ignoreChanges: string[];
}

export type Op = "create" | "update" | "replace" | "same";

export interface PlannedStep {
  op: Op;
  /** Only meaningful for "replace". */
  deleteBeforeReplace: boolean;
  /** Inputs whose value differs from the old state. */
  changed: string[];
  /** The inputs (after ignoreChanges and provider defaults) that go to the provider. */
  inputs: Record<string, any>;
  /** Why, in one line: for test messages and the perpetual-diff check. */
  why: string;
}

/** Rule 1: ignored inputs keep their old values. ENGINE.ignoreChanges */
export function applyIgnoreChanges(news: Record<string, any>, old: OldState | undefined, ignore: string[]): Record<string, any> {
  if (!old || ignore.length === 0) return news;
  const out = { ...news };
  for (const field of ignore) {
    if (field in old.inputs) out[field] = old.inputs[field];
    else delete out[field];
  }
  return out;
}

/** Rule 5. ENGINE.deleteBeforeReplace */
export function deleteBeforeReplace(model: TypeModel, options: StepOptions): boolean {
  return options.deleteBeforeReplace ?? model.deleteBeforeReplace.value;
}

export function planStep(type: string, options: StepOptions, old: OldState | undefined, news: Record<string, any>, forceReplace = false): PlannedStep {
  const model = providerModel(type);
  const inputs = model.withDefaults(applyIgnoreChanges(news, old, options.ignoreChanges));
  const dbr = deleteBeforeReplace(model, options);
  if (!old) return { op: "create", deleteBeforeReplace: dbr, changed: [], inputs, why: "new" };

  const changed = model.diff(old.outputs, old.inputs, inputs);
  const forceNew = changed.filter((f) => model.replaces(f));
  const onChanges = changed.filter((f) => options.replaceOnChanges.includes(f) || options.replaceOnChanges.includes("*"));
  const describe = (fields: string[]) => fields.map((f) => `${f}: ${JSON.stringify(old.outputs[f])} → ${JSON.stringify(inputs[f])}`).join("; ");
  if (forceReplace) return { op: "replace", deleteBeforeReplace: dbr, changed, inputs, why: "--replace" };
  if (forceNew.length > 0) return { op: "replace", deleteBeforeReplace: dbr, changed, inputs, why: `provider replaces on ${describe(forceNew)}` };
  if (onChanges.length > 0) return { op: "replace", deleteBeforeReplace: dbr, changed, inputs, why: `replaceOnChanges ${describe(onChanges)}` };
  if (changed.length > 0) return { op: "update", deleteBeforeReplace: dbr, changed, inputs, why: `update ${describe(changed)}` };
  // Rule 4. ENGINE.initErrorsUpdate
  if (old.initErrors && old.initErrors.length > 0) {
    return { op: "update", deleteBeforeReplace: dbr, changed, inputs, why: `init errors from the last update: ${old.initErrors.join("; ")}` };
  }
  return { op: "same", deleteBeforeReplace: dbr, changed, inputs, why: "no change" };
}

/**
 * ENGINE.dependentReplacements: when a resource is replaced delete-before-replace, the engine
 * first deletes every dependent whose inputs come from it and which that change would replace
 * (its provider marks the input ForceNew): they cannot outlive what they were made from.
 */
export function replacedDependents<T extends { urn: string; type: string; propertyDependencies: Record<string, string[]> }>(
  replaced: string,
  candidates: T[],
): T[] {
  const out: T[] = [];
  const queue = [replaced];
  while (queue.length > 0) {
    const urn = queue.shift()!;
    for (const c of candidates) {
      if (out.includes(c)) continue;
      const model = providerModel(c.type);
      const hit = Object.entries(c.propertyDependencies).some(([field, deps]) => deps.includes(urn) && model.replaces(field));
      if (hit) {
        out.push(c);
        queue.push(c.urn);
      }
    }
  }
  return out;
}
