import type Docker from "dockerode";
import { PassThrough, Writable } from "stream";
import type { Duplex } from "stream";

/** The terminal a command runs in: the process's own stdio, or stand-ins in tests. */
export interface Terminal {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number; on(event: "resize", fn: () => void): unknown };
  stderr: NodeJS.WritableStream;
}

/** A TTY only when the user sits at one: input and output both a terminal (as `docker run -it`). */
export function wantsTty(io: Terminal): boolean {
  return io.stdin.isTTY === true && io.stdout.isTTY === true;
}

/**
 * Connects a hijacked Docker attach or exec stream to the terminal: its output (demultiplexed
 * into stdout and stderr unless it is a TTY) until it ends, and, once `startInput` is called, the
 * terminal's input, raw on a TTY, with end-of-input passed on. `ended` resolves once the output
 * has ended; `release` gives the terminal back.
 */
export function connectTerminal(
  stream: Duplex,
  opts: { io: Terminal; tty: boolean; modem: Docker["modem"]; resize?: (size: { h: number; w: number }) => Promise<unknown> },
): { ended: Promise<void>; startInput(): void; release(): void } {
  const { io, tty } = opts;
  const ended = new Promise<void>((resolve) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", () => resolve());
  });
  if (tty) stream.on("data", (chunk: Buffer) => io.stdout.write(chunk));
  else opts.modem.demuxStream(stream, io.stdout, io.stderr);

  const forward = (chunk: Buffer) => stream.write(chunk);
  const endInput = () => stream.end();
  const resize = () => {
    const { rows, columns } = io.stdout;
    if (opts.resize && rows && columns) void opts.resize({ h: rows, w: columns }).catch(() => undefined);
  };
  let reading = false;
  return {
    ended,
    startInput() {
      reading = true;
      if (tty) {
        io.stdin.setRawMode?.(true);
        resize();
        io.stdout.on("resize", resize);
      }
      io.stdin.on("data", forward);
      io.stdin.once("end", endInput);
      io.stdin.resume();
    },
    release() {
      if (!reading) return;
      io.stdin.removeListener("data", forward);
      io.stdin.removeListener("end", endInput);
      io.stdin.pause();
      if (tty) {
        io.stdin.setRawMode?.(false);
        (io.stdout as NodeJS.EventEmitter).removeListener("resize", resize);
      }
    },
  };
}

export interface Captured {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in a running container without a terminal and collects what it prints. */
export async function execCapture(docker: Docker, containerId: string, cmd: string[]): Promise<Captured> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = collector();
  const err = collector();
  docker.modem.demuxStream(stream, out.sink, err.sink);
  await new Promise<void>((resolve, reject) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", reject);
  });
  return { exitCode: await execExitCode(exec), stdout: out.text(), stderr: err.text() };
}

/** An exec's exit code, once Docker has recorded it (it may lag the end of the output a little). */
export async function execExitCode(exec: Docker.Exec): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) return info.ExitCode;
    if (attempt === 50) return info.ExitCode ?? 1;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function collector(): { sink: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on("data", (c: Buffer) => chunks.push(c));
  return { sink, text: () => Buffer.concat(chunks).toString("utf8") };
}

/**
 * Runs a command in a running container with `input` on its standard input (ended when `input`
 * ends, or fails), and collects what it prints.
 */
export async function execWithInput(
  docker: Docker,
  containerId: string,
  cmd: string[],
  input: NodeJS.ReadableStream,
  opts: { user?: string } = {},
): Promise<Captured & { inputError?: Error }> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdin: true, AttachStdout: true, AttachStderr: true, ...(opts.user ? { User: opts.user } : {}) });
  const stream = (await exec.start({ hijack: true, stdin: true })) as Duplex;
  const out = collector();
  const err = collector();
  docker.modem.demuxStream(stream, out.sink, err.sink);
  let inputError: Error | undefined;
  // End of input (or its failure) is passed on as end of file: the command sees its input end.
  input.pipe(stream, { end: false });
  input.once("end", () => stream.end());
  input.once("error", (e: Error) => {
    inputError = e;
    input.unpipe(stream);
    stream.end();
  });
  // The command may end before its input does (it failed): its exit code says so.
  await new Promise<void>((resolve) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", () => resolve());
  });
  input.unpipe(stream);
  return { exitCode: await execExitCode(exec), stdout: out.text(), stderr: err.text(), inputError };
}
