// The few docker CLI calls the benchmark makes itself (the deployment goes through the e2e harness).
import { execFile } from "child_process";
import { promisify } from "util";

export async function docker(...args: string[]): Promise<string> {
  return (await dockerStreams(...args)).stdout;
}

/** stdout and stderr apart: `docker logs` passes a container's stderr on as its own. */
export async function dockerStreams(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await promisify(execFile)("docker", args, { maxBuffer: 256 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`docker ${args.join(" ")}: ${(e.stderr ?? "").trim() || e.message}`);
  }
}

/** A container's address on one network: what the host reaches it by, with no docker-proxy hop. */
export async function containerIp(container: string, network: string): Promise<string> {
  const networks = JSON.parse(await docker("inspect", "-f", "{{json .NetworkSettings.Networks}}", container)) as Record<string, { IPAddress?: string }>;
  const ip = networks[network]?.IPAddress;
  if (!ip) throw new Error(`${container} has no address on ${network} (it is on: ${Object.keys(networks).join(", ") || "none"})`);
  return ip;
}

/** Names of running containers that are not this stack's: other work competing for the CPUs. */
export async function othersRunning(stack: string): Promise<string[]> {
  const lines = (await docker("ps", "--format", '{{.Names}}\t{{.Label "berth.stack"}}')).split("\n").filter(Boolean);
  return lines.filter((l) => l.split("\t")[1] !== stack).map((l) => l.split("\t")[0]);
}

/** An RFC 3339 time with nanoseconds (docker's timestamps) → ms since the epoch, sub-ms kept. */
export function dockerTimeMs(text: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text.trim());
  if (!m) throw new Error(`not a docker timestamp: ${text}`);
  const fraction = Number(`0.${m[2] ?? "0"}`);
  return Date.parse(`${m[1]}${m[3]}`) + fraction * 1000;
}
