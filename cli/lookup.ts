import { WEB_PROCESS } from "../components/naming";
import { CliError } from "./errors";
import type { StackOutputs } from "./outputs";

/** Names given on the command line, checked against the stack's outputs: a typo fails before any connection. */

export function requireApp(outputs: StackOutputs, stack: string, app: string): Record<string, string[]> {
  const processes = outputs.replicaNames[app];
  if (!processes) throw new CliError(`no app named '${app}' in stack '${stack}' (apps: ${list(Object.keys(outputs.replicaNames))})`);
  return processes;
}

/** The process asked for, else the app's web process, else its first. */
export function requireProcess(outputs: StackOutputs, stack: string, app: string, process?: string): string {
  const processes = Object.keys(requireApp(outputs, stack, app));
  if (process === undefined) return processes.includes(WEB_PROCESS) ? WEB_PROCESS : processes.sort()[0];
  if (!processes.includes(process)) throw new CliError(`app '${app}' has no process named '${process}' (processes: ${list(processes)})`);
  return process;
}

export function requireDatabase(outputs: StackOutputs, stack: string, db: string): { engine: string; container: string } {
  const found = outputs.databases[db];
  if (!found) throw new CliError(`no database named '${db}' in stack '${stack}' (databases: ${list(Object.keys(outputs.databases))})`);
  return found;
}

/** A database that has local dumps: `backup` takes them, `backups` and `restore` find them. */
export function requirePostgres(outputs: StackOutputs, stack: string, db: string): { engine: string; container: string } {
  const found = requireDatabase(outputs, stack, db);
  if (found.engine !== "postgres") {
    throw new CliError(
      `dumps are for postgres databases only: '${db}' is ${found.engine} (its backups are the scheduled off-site snapshots: berth backups ${db} lists them)`,
    );
  }
  return found;
}

function list(names: string[]): string {
  return names.length > 0 ? [...names].sort().join(", ") : "none";
}
