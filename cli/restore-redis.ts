import { randomBytes } from "crypto";
import type Docker from "dockerode";
import type { ContainerInspectInfo } from "dockerode";
import { ENGINE_SPECS } from "../components/database/engines";
import { restoreHelperName } from "../components/naming";
import { CliError } from "./errors";
import { Captured, execCapture, execWithInput } from "./stdio";

/**
 * Restoring a Redis database from an RDB snapshot. berth's Redis runs with `appendonly yes`
 * (components/database/engines.ts renderRedisConfig), and with the append-only file on, Redis
 * loads only that file at start, never dump.rdb: redis/redis 7.0.15
 * (f35f36a265403c07b119830aa4bb3b7d71653ec9) src/server.c L6585-L6592, loadDataFromDisk: `if
 * (server.aof_state == AOF_ON) { ... loadAppendOnlyFiles(...) } else { ... rdbLoad ... }`. So the
 * snapshot must become the append-only file:
 *
 *   1. stage: the snapshot is streamed into the data directory as .berth-restore.rdb, next to the
 *      running server (which does not read it); nothing changes until it is there, complete and
 *      authenticated;
 *   2. stop the Redis container;
 *   3. convert, in a helper container of the same image on the same data, no network: the current
 *      append-only file and dump.rdb are moved aside, the snapshot becomes dump.rdb, a redis-server
 *      with appendonly off (so it loads dump.rdb) turns it on with CONFIG SET appendonly yes, which
 *      rewrites the append-only file from exactly the loaded data (src/config.c L2467-L2476
 *      updateAppendonly → startAppendOnly, src/aof.c L974-L996: rewriteAppendOnlyFileBackground),
 *      waits for the rewrite, and shuts down; on any failure the helper puts the old files back;
 *   4. start the Redis container and wait until it is healthy;
 *   5. check its keyspace is the snapshot's, then delete the files moved aside. If 4 or 5 fails,
 *      the old files are put back and Redis is started on them.
 *
 * Docker facts this relies on (moby v20.10.24, 5d6db842238e3c4f5f9fb9ad70ea46b35227d084): a stopped
 * container stays stopped under `restart: unless-stopped` (daemon/kill.go L86-L88 sets
 * HasBeenManuallyStopped on a stop; restartmanager/restartmanager.go L88 restarts unless-stopped
 * only when it is not set; daemon/start.go L160 clears it on start), so nothing starts Redis on the
 * data while the helper works; and the helper's VolumesFrom gives it every mount of the database
 * container, same source and destination (daemon/volumes.go L94-L115).
 */

const DATA_DIR = ENGINE_SPECS.redis.dataDir;
const STAGED = ".berth-restore.rdb";
const ASIDE = ".berth-before-restore";

/** Step 3's script ($1: the data directory; $2: convert, put-back or discard). */
export const REDIS_RESTORE_SCRIPT = [
  "set -eu",
  'cd "$1"',
  `aside=${ASIDE}`,
  "sock=/tmp/berth-restore.sock",
  "put_back() {",
  '  rm -rf appendonlydir appendonly.aof dump.rdb',
  '  for f in "$aside"/* "$aside"/.[!.]*; do if [ -e "$f" ]; then mv "$f" .; fi; done',
  '  rmdir "$aside"',
  "}",
  'case "$2" in',
  "  put-back) put_back; exit 0 ;;",
  '  discard) rm -rf "$aside"; exit 0 ;;',
  "  convert) ;;",
  '  *) echo "unknown step $2" >&2; exit 2 ;;',
  "esac",
  `if [ ! -s ${STAGED} ]; then echo "no staged snapshot" >&2; exit 1; fi`,
  'rm -rf "$aside"',
  'mkdir "$aside"',
  "pid=",
  "on_exit() {",
  "  status=$?",
  '  if [ "$status" -eq 0 ]; then return; fi',
  '  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi',
  "  put_back",
  '  echo "berth: loading the snapshot failed; the old data is back in place" >&2',
  "}",
  "trap on_exit EXIT",
  'for f in appendonlydir appendonly.aof dump.rdb; do if [ -e "$f" ]; then mv "$f" "$aside/"; fi; done',
  `mv ${STAGED} dump.rdb`,
  "# appendonly off: this server loads dump.rdb (nothing else listens: no port, no network).",
  `redis-server --port 0 --unixsocket "$sock" --dir "$1" --dbfilename dump.rdb --appendonly no --save '' --logfile /tmp/berth-restore.log &`,
  "pid=$!",
  "until redis-cli -s \"$sock\" ping 2>/dev/null | grep -qx PONG; do",
  '  if ! kill -0 "$pid" 2>/dev/null; then cat /tmp/berth-restore.log >&2; exit 1; fi',
  "  sleep 0.1",
  "done",
  "# Turning the append-only file on rewrites it from the loaded data.",
  'redis-cli -s "$sock" config set appendonly yes | grep -qx OK',
  "while :; do",
  "  info=$(redis-cli -s \"$sock\" info persistence | tr -d '\\r')",
  '  case "$info" in',
  "    *aof_rewrite_in_progress:1*|*aof_rewrite_scheduled:1*) sleep 0.1 ;;",
  "    *) break ;;",
  "  esac",
  "done",
  'case "$info" in *aof_last_bgrewrite_status:ok*) ;; *) echo "the append-only file rewrite failed" >&2; cat /tmp/berth-restore.log >&2; exit 1 ;; esac',
  "redis-cli -s \"$sock\" info keyspace | tr -d '\\r' | sed -n 's/^\\(db[0-9]*\\):keys=\\([0-9]*\\).*/keyspace \\1 \\2/p'",
  'redis-cli -s "$sock" shutdown >/dev/null 2>&1 || true',
  'wait "$pid" || true',
  "pid=",
  'if [ ! -e appendonlydir ] && [ ! -e appendonly.aof ]; then echo "no append-only file was written" >&2; exit 1; fi',
].join("\n");

/** Keys per database, from `keyspace db0 3` lines (the helper) or INFO keyspace (`db0:keys=3,...`). */
export function parseKeyspace(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = /^(?:keyspace )?(db\d+)(?::keys=| )(\d+)/.exec(line.trim());
    if (m) counts[m[1]] = Number(m[2]);
  }
  return counts;
}

export interface RedisSnapshot {
  /** The decrypted RDB, as it arrives. */
  stream: NodeJS.ReadableStream;
  /** Resolves once the whole snapshot is authenticated (age exited 0). */
  done: Promise<void>;
}

/** Restores `snapshot` into the stack's running Redis container; resolves with the restored keys per database. */
export async function restoreRedis(docker: Docker, containerName: string, db: string, snapshot: RedisSnapshot, say: (line: string) => void): Promise<Record<string, number>> {
  const container = docker.getContainer(containerName);
  const info = await container.inspect();
  if (!info.State.Running) throw new CliError(`database ${db}'s container ${containerName} is not running (${info.State.Status})`);
  const owner = (await mustExec(docker, info.Id, ["stat", "-c", "%u:%g", DATA_DIR], `reading the owner of ${DATA_DIR}`)).stdout.trim();

  // 1. Stage.
  const staged = await execWithInput(docker, info.Id, ["sh", "-c", `umask 077; cat > "$1/${STAGED}"`, "berth-restore", DATA_DIR], snapshot.stream, { user: owner });
  const unstage = () => execCapture(docker, info.Id, ["rm", "-f", `${DATA_DIR}/${STAGED}`]).catch(() => undefined);
  if (staged.exitCode !== 0) {
    await unstage();
    throw new CliError(`copying the snapshot into ${containerName} failed (exit ${staged.exitCode}), nothing changed: ${staged.stderr.trim()}`);
  }
  const unauthentic = await snapshot.done.then(() => undefined, (err: Error) => err);
  if (unauthentic) {
    await unstage();
    throw new CliError(`${unauthentic.message}; nothing was changed`);
  }
  say(`snapshot staged in ${containerName}:${DATA_DIR}; stopping Redis`);

  // 2. Stop.
  await container.stop({ t: (info.Config as { StopTimeout?: number }).StopTimeout ?? ENGINE_SPECS.redis.stopGraceSeconds }).catch(notModified);

  // 3. Convert.
  const converted = await runHelper(docker, info, db, owner, "convert");
  if (converted.exitCode !== 0) {
    await container.start().catch(notModified);
    throw new CliError(`loading the snapshot failed (exit ${converted.exitCode}); ${db} was started again on its old data:\n${converted.stderr.trim()}`);
  }
  const expected = parseKeyspace(converted.stdout);

  // 4. Start, and 5. check.
  try {
    await container.start().catch(notModified);
    await waitHealthy(docker, containerName);
    const live = await mustExec(docker, info.Id, ["redis-cli", "info", "keyspace"], "reading the keyspace");
    const actual = parseKeyspace(live.stdout.replace(/\r/g, ""));
    if (JSON.stringify(sorted(actual)) !== JSON.stringify(sorted(expected))) {
      throw new CliError(`after the restore ${db} holds ${JSON.stringify(actual)} keys, the snapshot ${JSON.stringify(expected)}`);
    }
  } catch (err) {
    say(`the restored ${db} did not come up as expected; putting the old data back`);
    await container.stop({ t: ENGINE_SPECS.redis.stopGraceSeconds }).catch(notModified);
    await runHelper(docker, info, db, owner, "put-back");
    await container.start().catch(notModified);
    throw err;
  }
  await runHelper(docker, info, db, owner, "discard");
  return expected;
}

function sorted(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
}

/** Starting a started container, stopping a stopped one: HTTP 304, nothing to do. */
function notModified(err: { statusCode?: number }): void {
  if (err.statusCode !== 304) throw err;
}

async function mustExec(docker: Docker, id: string, cmd: string[], what: string): Promise<Captured> {
  const result = await execCapture(docker, id, cmd);
  if (result.exitCode !== 0) throw new CliError(`${what} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  return result;
}

/** Waits until the container's health check passes (or it has none and runs). */
async function waitHealthy(docker: Docker, name: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = (await docker.getContainer(name).inspect()).State;
    if (state.Running && (state.Health === undefined || state.Health.Status === "healthy")) return;
    if (!state.Running && state.Status !== "restarting" && state.Status !== "created") throw new CliError(`${name} stopped after the restore (${state.Status}, exit ${state.ExitCode})`);
    if (Date.now() > deadline) throw new CliError(`${name} is not healthy ${timeoutMs / 1000} s after the restore (${state.Health?.Status ?? state.Status})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Runs step 3's script in a helper container: the database container's image and volumes, as the
 * owner of its data, no network, no capabilities, the same memory and PID limits; removed afterwards.
 */
async function runHelper(docker: Docker, db: ContainerInspectInfo, name: string, owner: string, step: "convert" | "put-back" | "discard"): Promise<Captured> {
  const labels = db.Config.Labels ?? {};
  const prefix = db.Name.replace(/^\//, "").replace(new RegExp(`-db-${name}$`), "");
  const helper = await docker.createContainer({
    name: restoreHelperName(prefix, name, randomBytes(4).toString("hex")),
    Image: db.Image,
    User: owner,
    Entrypoint: ["sh"],
    Cmd: ["-c", REDIS_RESTORE_SCRIPT, "berth-restore", DATA_DIR, step],
    Env: [],
    Labels: { ...Object.fromEntries(Object.entries(labels).filter(([k]) => ["berth.project", "berth.stack", "berth.host", "berth.database"].includes(k))), "berth.role": "restore" },
    HostConfig: {
      VolumesFrom: [db.Id],
      NetworkMode: "none",
      Memory: db.HostConfig.Memory || undefined,
      // Hardened like every container berth starts: it runs as the data's owner, so it needs no capability.
      SecurityOpt: ["no-new-privileges:true"],
      CapDrop: ["ALL"],
      PidsLimit: db.HostConfig.PidsLimit || undefined,
    },
  });
  try {
    await helper.start();
    const { StatusCode } = (await helper.wait()) as { StatusCode: number };
    const logs = (await helper.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    const { stdout, stderr } = demuxBuffer(logs);
    return { exitCode: StatusCode, stdout, stderr };
  } finally {
    await helper.remove({ force: true, v: false }).catch(() => undefined);
  }
}

/** Docker's multiplexed log frames (8-byte header: stream, 0, 0, 0, length) split into stdout and stderr. */
export function demuxBuffer(raw: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const length = raw.readUInt32BE(at + 4);
    (raw[at] === 2 ? err : out).push(raw.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }
  return { stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}
