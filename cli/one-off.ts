import type { ContainerCreateOptions, ContainerInspectInfo } from "dockerode";

/**
 * The one-off container of `berth run`: the current release as a running replica has it (its
 * image, env, working directory, user, networks and limits), taken from `docker inspect` of that
 * replica, so nothing is re-derived from config. The env goes to Docker in the API request's body,
 * never on a command line. No network alias: the proxy must never send it a request.
 */
export function oneOffContainer(
  replica: Pick<ContainerInspectInfo, "Image" | "Config" | "HostConfig" | "NetworkSettings">,
  opts: { name: string; app: string; command: string[]; tty: boolean },
): { create: ContainerCreateOptions; otherNetworks: string[] } {
  const [network, ...otherNetworks] = Object.keys(replica.NetworkSettings.Networks ?? {});
  const labels = replica.Config.Labels ?? {};
  const kept = ["berth.project", "berth.stack", "berth.host"].filter((key) => labels[key] !== undefined);
  const host = replica.HostConfig;
  return {
    create: {
      name: opts.name,
      Image: replica.Image,
      Cmd: opts.command,
      Env: replica.Config.Env ?? [],
      WorkingDir: replica.Config.WorkingDir || undefined,
      User: replica.Config.User || undefined,
      Labels: { ...Object.fromEntries(kept.map((key) => [key, labels[key]])), "berth.role": "one-off", "berth.app": opts.app },
      Tty: opts.tty,
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: {
        NetworkMode: network,
        Init: true,
        Memory: host.Memory || undefined,
        MemorySwap: host.MemorySwap || undefined,
        NanoCpus: host.NanoCpus || undefined,
        SecurityOpt: host.SecurityOpt ?? undefined,
        // The replica's hardening: its capabilities (ALL dropped, the app's capAdd) and PID limit.
        CapDrop: host.CapDrop ?? undefined,
        CapAdd: host.CapAdd ?? undefined,
        PidsLimit: host.PidsLimit || undefined,
      },
    },
    otherNetworks,
  };
}
