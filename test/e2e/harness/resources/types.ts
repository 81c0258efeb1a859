/** What the harness stores about one resource it created: the Pulumi state of the e2e tier. */
export interface StoredResource {
  urn: string;
  type: string;
  name: string;
  id: string;
  /** Inputs as the program gave them (secrets unwrapped). */
  inputs: Record<string, any>;
  /** Outputs handed back to the program. */
  outputs: Record<string, any>;
  /** URNs this resource depends on. */
  dependencies: string[];
  retainOnDelete: boolean;
}

export interface Created {
  id: string;
  outputs: Record<string, any>;
}

/** How the harness creates, updates and deletes one resource type for real. */
export interface ResourceHandler {
  /** Creates the object; throws (like the provider) if it cannot. */
  create(name: string, inputs: Record<string, any>): Promise<Created>;
  /**
   * Whether a change from `before` to `after` needs a replacement (the provider's ForceNew
   * fields); otherwise it is an in-place update.
   */
  replaces(before: Record<string, any>, after: Record<string, any>): boolean;
  /** In-place update; only called when `replaces` is false. */
  update(old: StoredResource, inputs: Record<string, any>): Promise<Created>;
  delete(old: StoredResource): Promise<void>;
}

/** Top-level input fields whose values differ. */
export function changedFields(before: Record<string, any>, after: Record<string, any>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null));
}

/** A handler whose every change is a replacement, and which keeps nothing to delete. */
export function replaceOnly(create: ResourceHandler["create"], del: ResourceHandler["delete"] = async () => {}): ResourceHandler {
  return {
    create,
    replaces: (before, after) => changedFields(before, after).length > 0,
    update: async () => {
      throw new Error("e2e harness: this resource type has no in-place update");
    },
    delete: del,
  };
}
