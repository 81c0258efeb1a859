import { randomBytes } from "crypto";
import type { Duplex } from "stream";
import { oneOffRunName } from "../../components/naming";
import { pickReplica, processOf, replicasOf, stackContainers } from "../containers";
import { requireApp, requireProcess } from "../lookup";
import { oneOffContainer } from "../one-off";
import { connectTerminal, wantsTty } from "../stdio";
import type { Command } from "./command";

/** Seconds the output may still take to arrive once the container has exited. */
const DRAIN_MS = 5000;

export const run: Command = {
  spec: {
    name: "run",
    summary: "run a command in a one-off container of the app's current release, removed afterwards",
    args: [{ name: "app", description: "the app" }],
    options: {
      process: { type: "string", short: "p", value: "process", description: "take the release from this process's replica (default: web's, else any)" },
    },
    passthrough: { name: "command", description: "what to run, e.g. bin/rails console" },
    details: [
      "The container gets the image, env (secrets and database URLs included), working directory,",
      "user, networks and limits of a running replica, but no network alias: the proxy never sends",
      "it a request. Interactive, with a TTY, when standard input and output are a terminal; otherwise",
      "standard input is passed on. Exits with the command's exit code. Ctrl-C (without a TTY) stops",
      "the command; the container is removed however the run ends.",
    ],
  },
  async run(ctx, { args, options, passthrough }) {
    const outputs = await ctx.outputs();
    requireApp(outputs, ctx.stack, args.app);
    const process = requireProcess(outputs, ctx.stack, args.app, options.process as string | undefined);
    const docker = await ctx.docker();
    // Every process runs the same release: without --process, any running replica will do, web's first.
    const replicas = replicasOf(await stackContainers(docker, ctx.stackName), args.app);
    const candidates = [...replicas.filter((r) => processOf(r) === process), ...(options.process === undefined ? replicas.filter((r) => processOf(r) !== process) : [])];
    const replica = pickReplica(candidates, options.process === undefined ? args.app : `${args.app}/${process}`);
    const tty = wantsTty(ctx.io);
    const { create, otherNetworks } = oneOffContainer(await docker.getContainer(replica.id).inspect(), {
      name: oneOffRunName(ctx.prefix, args.app, randomBytes(4).toString("hex")),
      app: args.app,
      command: passthrough,
      tty,
    });

    const container = await docker.createContainer(create);
    const forwarded: [NodeJS.Signals, () => void][] = [];
    try {
      for (const network of otherNetworks) await docker.getNetwork(network).connect({ Container: container.id });
      const stream = await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
      const session = connectTerminal(stream as Duplex, { io: ctx.io, tty, modem: docker.modem, resize: (size) => container.resize(size) });
      const exited = container.wait({ condition: "next-exit" }) as Promise<{ StatusCode: number }>;
      await container.start();
      session.startInput();
      // Without a TTY, Ctrl-C and SIGTERM reach the command, as with `docker run`; a second Ctrl-C kills it.
      let interrupts = 0;
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        const handler = () => void container.kill({ signal: signal === "SIGINT" && ++interrupts > 1 ? "SIGKILL" : signal }).catch(() => undefined);
        globalThis.process.on(signal, handler);
        forwarded.push([signal, handler]);
      }
      const { StatusCode } = await exited;
      await Promise.race([session.ended, new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
      session.release();
      return StatusCode;
    } finally {
      for (const [signal, handler] of forwarded) globalThis.process.removeListener(signal, handler);
      await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  },
};
