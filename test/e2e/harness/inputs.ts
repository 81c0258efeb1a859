/**
 * Strict access to a resource's inputs. Every field a handler applies is read through `take`; at
 * the end `done()` throws on any field nobody read, so the program can never rely on an input the
 * e2e tier silently ignores.
 */
export class Inputs {
  private readonly seen = new Set<string>();

  constructor(
    private readonly what: string,
    private readonly values: Record<string, any>,
  ) {}

  /** The value of a field (undefined when unset), marking it as applied. */
  take<T = any>(field: string): T | undefined {
    this.seen.add(field);
    const value = this.values[field];
    return value === null ? undefined : value;
  }

  /** Like `take`, but the field must be set. */
  require<T = any>(field: string): T {
    const value = this.take<T>(field);
    if (value === undefined) throw new Error(`e2e harness: ${this.what} needs input "${field}"`);
    return value;
  }

  /** Marks fields as applied without reading them (they only matter to the diff). */
  accept(...fields: string[]): void {
    for (const f of fields) this.seen.add(f);
  }

  /** Throws if any set field was not applied. */
  done(): void {
    const unapplied = Object.keys(this.values).filter(
      (k) => !this.seen.has(k) && this.values[k] !== undefined && this.values[k] !== null,
    );
    if (unapplied.length > 0) {
      throw new Error(`e2e harness: ${this.what} has inputs the harness does not apply: ${unapplied.join(", ")}`);
    }
  }
}

/** Checks a nested object (e.g. one upload) with the same rule. */
export function strictObject(what: string, value: Record<string, any>, fields: string[]): Record<string, any> {
  const unknown = Object.keys(value).filter((k) => !fields.includes(k) && value[k] !== undefined && value[k] !== null);
  if (unknown.length > 0) throw new Error(`e2e harness: ${what} has fields the harness does not apply: ${unknown.join(", ")}`);
  return value;
}
