import type { StoredResource } from "./resources/types";

/**
 * Runs the deletes of an update in reverse dependency order, as Pulumi does: a resource goes only
 * after everything being deleted that depends on it. Independent deletes run in parallel.
 */
export async function deleteInReverseDependencyOrder(
  doomed: StoredResource[],
  remove: (resource: StoredResource) => Promise<void>,
): Promise<void> {
  let remaining = [...doomed];
  while (remaining.length > 0) {
    const ready = remaining.filter((r) => !remaining.some((other) => other !== r && other.dependencies.includes(r.urn)));
    if (ready.length === 0) throw new Error(`e2e harness: dependency cycle among ${remaining.map((r) => r.urn).join(", ")}`);
    await Promise.all(ready.map(remove));
    remaining = remaining.filter((r) => !ready.includes(r));
  }
}
