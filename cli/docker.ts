import type Modem from "docker-modem";
import Docker from "dockerode";
import type { DockerHostAccess } from "../components/docker-host";
import { SshDockerAgent, sshIdentity } from "./ssh";

export interface DockerConnection {
  docker: Docker;
  /** Lets the process exit: ends the SSH connection, if any. */
  close(): void;
}

/**
 * The stack's Docker engine. `local`: the engine the Docker provider uses too (DOCKER_HOST, or the
 * default socket). `ssh`: the droplet, over one SSH connection pinned to the stack's host key.
 */
export function connectDocker(access: DockerHostAccess & { port?: number }): DockerConnection {
  if (access.kind === "local") return { docker: new Docker(), close: () => {} };
  const agent = new SshDockerAgent(access, sshIdentity());
  // The host name is never resolved: every connection is a channel of the agent's SSH connection.
  // Dockerode hands its options to docker-modem, which takes an agent (@types/dockerode omits it).
  const options: Docker.DockerOptions & Modem.ConstructorOptions = { protocol: "http", host: "docker", port: 80, agent };
  const docker = new Docker(options);
  return { docker, close: () => agent.close() };
}
