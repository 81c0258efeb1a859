import type Docker from "dockerode";
import { Readable } from "stream";
import { integerOption } from "../args";
import { replicasOf, StackContainer, stackContainers } from "../containers";
import { CliError } from "../errors";
import { byTime, formatLine, lineSink, LogLine, parseTimestamped, replicaLabel, sinceParameter } from "../log-lines";
import { requireApp, requireProcess } from "../lookup";
import type { Command } from "./command";

const DEFAULT_LINES = 100;

export const logs: Command = {
  spec: {
    name: "logs",
    summary: "every replica's logs, interleaved in time order and labelled",
    args: [{ name: "app", description: "the app" }],
    options: {
      process: { type: "string", short: "p", value: "process", description: "only this process's replicas (default: every process)" },
      follow: { type: "boolean", short: "f", description: "keep printing new lines until Ctrl-C" },
      lines: { type: "string", short: "n", value: "N", description: `the last N lines of each replica (default: ${DEFAULT_LINES})` },
      timestamps: { type: "boolean", short: "t", description: "show Docker's timestamp of each line" },
    },
    details: [
      "Each line is prefixed with its replica's container name, without the stack prefix. Standard",
      "error stays on standard error. -f follows the replicas present when it starts.",
    ],
  },
  async run(ctx, { args, options }) {
    const lines = integerOption("logs", "lines", options.lines) ?? DEFAULT_LINES;
    const outputs = await ctx.outputs();
    requireApp(outputs, ctx.stack, args.app);
    const process = options.process === undefined ? undefined : requireProcess(outputs, ctx.stack, args.app, options.process as string);
    const docker = await ctx.docker();
    const replicas = replicasOf(await stackContainers(docker, ctx.stackName), args.app, process);
    if (replicas.length === 0) throw new CliError(`${process ? `${args.app}/${process}` : args.app} has no replicas on the engine (berth ps shows the stack's containers)`);

    const width = Math.max(...replicas.map((r) => replicaLabel(r.name, ctx.prefix).length));
    const print = (line: LogLine) => (line.stream === "stdout" ? ctx.io.stdout : ctx.io.stderr).write(formatLine(line, width, options.timestamps === true));

    // The last lines of every replica, merged by time.
    const tails = lines === 0 ? replicas.map(() => []) : await Promise.all(replicas.map((r) => recentLines(docker, r, ctx.prefix, lines)));
    byTime(tails.flat()).forEach(print);
    if (options.follow !== true) return 0;

    // Then what each replica prints from its last line shown on (none shown: from its start).
    await Promise.all(
      replicas.map((r, i) => {
        const last = tails[i].at(-1)?.at;
        return followLines(docker, r, ctx.prefix, lines === 0 ? { tail: 0 } : { since: last }, print);
      }),
    );
    return 0;
  },
};

async function recentLines(docker: Docker, replica: StackContainer, prefix: string, tail: number): Promise<LogLine[]> {
  const raw = (await docker.getContainer(replica.id).logs({ stdout: true, stderr: true, timestamps: true, tail, follow: false })) as unknown as Buffer;
  const lines: LogLine[] = [];
  await demuxLines(docker, Readable.from([raw]), replicaLabel(replica.name, prefix), (line) => lines.push(line));
  return lines;
}

async function followLines(
  docker: Docker,
  replica: StackContainer,
  prefix: string,
  from: { tail: 0 } | { since?: bigint },
  print: (line: LogLine) => void,
): Promise<void> {
  const since = "since" in from ? from.since : undefined;
  const stream = await docker.getContainer(replica.id).logs({
    stdout: true,
    stderr: true,
    timestamps: true,
    follow: true,
    ...("tail" in from ? { tail: 0 } : since !== undefined ? { since: sinceParameter(since) as unknown as number } : {}),
  });
  // `since` is inclusive: skip what was already shown.
  await demuxLines(docker, stream, replicaLabel(replica.name, prefix), (line) => (since === undefined || line.at > since) && print(line));
}

/** Splits Docker's multiplexed log stream into labelled lines; resolves when it ends. */
function demuxLines(docker: Docker, source: NodeJS.ReadableStream, label: string, onLine: (line: LogLine) => void): Promise<void> {
  const sink = (stream: LogLine["stream"]) => lineSink((text) => onLine({ ...parseTimestamped(text), stream, label }));
  const out = sink("stdout");
  const err = sink("stderr");
  docker.modem.demuxStream(source, out, err);
  return new Promise((resolve, reject) => {
    source.once("end", () => {
      out.end();
      err.end();
      let open = 2;
      const closed = () => --open === 0 && resolve();
      out.once("finish", closed);
      err.once("finish", closed);
    });
    source.once("error", reject);
  });
}
