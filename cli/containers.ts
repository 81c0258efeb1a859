import type Docker from "dockerode";
import { WEB_PROCESS } from "../components/naming";
import { CliError } from "./errors";

/** The stack's containers on its engine, found by the `berth.stack` label every one of them carries. */

export interface StackContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** Docker's state: running, exited, restarting, created, ... */
  state: string;
  /** Docker's status line: `Up 3 hours (healthy)`, `Exited (1) 2 minutes ago`. */
  status: string;
  imageId: string;
}

export async function stackContainers(docker: Docker, stack: string): Promise<StackContainer[]> {
  const found = await docker.listContainers({ all: true, filters: { label: [`berth.stack=${stack}`] } });
  return found
    .map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ""),
      labels: c.Labels ?? {},
      state: c.State,
      status: c.Status,
      imageId: c.ImageID,
    }))
    .sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
}

/** The process an app replica runs (the web process carries no `berth.process` label). */
export function processOf(c: StackContainer): string | undefined {
  return c.labels["berth.role"] === "app" ? (c.labels["berth.process"] ?? WEB_PROCESS) : undefined;
}

/** Replicas of an app, of one process or all. */
export function replicasOf(containers: StackContainer[], app: string, process?: string): StackContainer[] {
  return containers.filter((c) => c.labels["berth.app"] === app && processOf(c) !== undefined && (process === undefined || processOf(c) === process));
}

/** Health from Docker's status line; undefined for a container without a health check. */
export function healthOf(status: string): "healthy" | "unhealthy" | "starting" | undefined {
  const m = /\((healthy|unhealthy|health: starting)\)$/.exec(status);
  return m ? (m[1] === "health: starting" ? "starting" : (m[1] as "healthy" | "unhealthy")) : undefined;
}

/** How long a running container has been up, from its status line (`Up 3 hours (healthy)` → `3 hours`). */
export function uptimeOf(status: string): string | undefined {
  const m = /^Up (.+?)(?: \((?:healthy|unhealthy|health: starting|Paused)\))*$/.exec(status);
  return m ? m[1] : undefined;
}

/**
 * The replica a command runs in: the one named, else the first running one, healthy ones first (a
 * replica without a health check counts as healthy once running).
 */
export function pickReplica(replicas: StackContainer[], what: string, name?: string, prefix?: string): StackContainer {
  if (name !== undefined) {
    // Its container name, the name without the stack prefix (as `berth logs` labels it), or its id.
    const named = replicas.find((c) => c.name === name || c.name === `${prefix}-${name}` || (name.length >= 6 && c.id.startsWith(name)));
    if (!named) throw new CliError(`${what} has no replica named '${name}' (replicas: ${replicas.map((c) => c.name).join(", ") || "none"})`);
    if (named.state !== "running") throw new CliError(`replica ${named.name} is not running (${named.status})`);
    return named;
  }
  const running = replicas.filter((c) => c.state === "running");
  const ready = running.filter((c) => healthOf(c.status) !== "unhealthy" && healthOf(c.status) !== "starting");
  const chosen = ready[0] ?? running[0];
  if (!chosen) throw new CliError(`${what} has no running replica (berth ps shows them)`);
  return chosen;
}
