/**
 * Names shared by the components: Docker object names, network aliases and labels. One place, so
 * the proxy config and the containers always agree on how an app is found.
 */

/** Prefix of every Docker object of a stack, e.g. `berth-prod`. */
export function stackPrefix(stack: string): string {
  return `berth-${stack.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`;
}

/** Network alias every replica of an app joins; HAProxy resolves it through Docker's DNS. */
export function appAlias(app: string): string {
  return `app-${app}`;
}

/** Network alias of a database on the internal data network. */
export function databaseAlias(db: string): string {
  return `db-${db}`;
}

/** Docker label list, as the Docker provider takes it. */
export function dockerLabels(labels: Record<string, string>): { label: string; value: string }[] {
  return Object.entries(labels).map(([label, value]) => ({ label, value }));
}
