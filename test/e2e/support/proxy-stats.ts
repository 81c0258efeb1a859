import { execFile } from "child_process";
import { promisify } from "util";

export interface ServerStat {
  /** Server name: the replica's container name. */
  name: string;
  /** Address the name resolved to, e.g. 172.20.0.5:3000 (empty when it does not resolve). */
  address: string;
  /** HAProxy's status: UP, DOWN, MAINT, "UP 1/2", ... */
  status: string;
}

/**
 * The servers of one backend as HAProxy sees them, read from its runtime API inside the proxy
 * container (the same loopback socket berth's reload script uses).
 */
export async function backendServers(proxyContainer: string, backend: string): Promise<ServerStat[]> {
  const { stdout } = await promisify(execFile)("docker", [
    "exec",
    proxyContainer,
    "bash",
    "-c",
    'exec 3<>/dev/tcp/127.0.0.1/9999; echo "show stat" >&3; cat <&3',
  ]);
  const [header, ...rows] = stdout.trim().split("\n");
  const columns = header.replace(/^# /, "").split(",");
  const col = (row: string[], name: string) => row[columns.indexOf(name)] ?? "";
  return rows
    .map((line) => line.split(","))
    .filter((row) => col(row, "pxname") === backend && !["FRONTEND", "BACKEND"].includes(col(row, "svname")))
    .map((row) => ({ name: col(row, "svname"), address: col(row, "addr"), status: col(row, "status") }));
}

/** The servers that take traffic: resolved and passing their health check. */
export async function serversInRotation(proxyContainer: string, backend: string): Promise<ServerStat[]> {
  return (await backendServers(proxyContainer, backend)).filter((s) => s.status.startsWith("UP"));
}
