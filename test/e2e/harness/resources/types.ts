/** What the harness stores about one resource it created: the Pulumi state of the e2e tier. */
export interface StoredResource {
  urn: string;
  type: string;
  name: string;
  id: string;
  /** Inputs as the program gave them (secrets unwrapped, provider defaults filled in). */
  inputs: Record<string, any>;
  /** The provider's state: outputs as its Read stores them (see provider-model.ts). */
  outputs: Record<string, any>;
  /** URNs this resource depends on. */
  dependencies: string[];
  /** Input property → URNs its value came from. */
  propertyDependencies: Record<string, string[]>;
  retainOnDelete: boolean;
}

export interface Created {
  id: string;
  outputs: Record<string, any>;
  /**
   * Lines the provider streamed to `pulumi up` while it ran (status messages: shown while the step
   * runs, not in the final summary). A failed step's error may carry them too, as `log`.
   */
  log?: string[];
}

/**
 * How the harness creates, updates and deletes one resource type for real. Which of the three a
 * change needs is the engine model's decision (engine-model.ts), not the handler's.
 */
export interface ResourceHandler {
  /** Creates the object; throws (like the provider) if it cannot. */
  create(name: string, inputs: Record<string, any>): Promise<Created>;
  /**
   * In-place update of the `changed` inputs: applies what the provider's Update applies, and
   * nothing else (provider-model.ts, updateApplies). `changed` is empty for the update the engine
   * runs on a resource with init errors.
   */
  update(old: StoredResource, inputs: Record<string, any>, changed: string[]): Promise<Created>;
  delete(old: StoredResource): Promise<void>;
}

/** A handler for a type whose every change is a replacement, and which keeps nothing to delete. */
export function replaceOnly(create: ResourceHandler["create"], del: ResourceHandler["delete"] = async () => {}): ResourceHandler {
  return {
    create,
    update: async (old, _inputs, changed) => {
      if (changed.length > 0) throw new Error(`e2e harness: ${old.type} has no in-place update (changed: ${changed.join(", ")})`);
      return { id: old.id, outputs: old.outputs };
    },
    delete: del,
  };
}
