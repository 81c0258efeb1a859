import { pickReplica, replicasOf, stackContainers } from "../containers";
import { requireApp, requireProcess } from "../lookup";
import { connectTerminal, execExitCode, wantsTty } from "../stdio";
import type { Command } from "./command";

export const exec: Command = {
  spec: {
    name: "exec",
    summary: "run a command inside a running replica of an app",
    args: [{ name: "app", description: "the app" }],
    options: {
      process: { type: "string", short: "p", value: "process", description: "a replica of this process (default: web)" },
      replica: { type: "string", short: "r", value: "container", description: "this replica, by container name (berth ps lists them)" },
    },
    passthrough: { name: "command", description: "what to run, e.g. sh" },
    details: [
      "Runs in the first running, healthy replica of the process unless --replica names one, with a",
      "TTY when standard input and output are a terminal. Exits with the command's exit code. The",
      "command shares the replica's memory limit: for heavy work, use berth run.",
    ],
  },
  async run(ctx, { args, options, passthrough }) {
    const outputs = await ctx.outputs();
    requireApp(outputs, ctx.stack, args.app);
    const process = requireProcess(outputs, ctx.stack, args.app, options.process as string | undefined);
    const docker = await ctx.docker();
    const replicas = replicasOf(await stackContainers(docker, ctx.stackName), args.app, options.replica === undefined ? process : undefined);
    const replica = pickReplica(replicas, options.replica === undefined ? `${args.app}/${process}` : args.app, options.replica as string | undefined, ctx.prefix);
    const tty = wantsTty(ctx.io);
    const exec = await docker.getContainer(replica.id).exec({ Cmd: passthrough, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: tty });
    const stream = await exec.start({ hijack: true, stdin: true, Tty: tty });
    const session = connectTerminal(stream, { io: ctx.io, tty, modem: docker.modem, resize: (size) => exec.resize(size) });
    session.startInput();
    await session.ended;
    session.release();
    return execExitCode(exec);
  },
};
