import type Docker from "dockerode";
import { stackPrefix } from "../components/naming";
import { connectDocker, DockerConnection } from "./docker";
import { CliError } from "./errors";
import { PulumiRunner, readStackOutputs, shortStackName, StackOutputs } from "./outputs";
import type { Terminal } from "./stdio";

/** What a command works with: the stack's outputs and its Docker engine, each fetched once, on first use. */
export class Context {
  /** The stack's name as its containers are labelled (`prod` for `acme/berth/prod`). */
  readonly stackName: string;
  /** Prefix of the stack's Docker object names, `berth-prod`. */
  readonly prefix: string;
  private outputsRead?: Promise<StackOutputs>;
  private connection?: Promise<DockerConnection>;

  constructor(
    /** The stack as given on the command line. */
    readonly stack: string,
    readonly io: Terminal,
    private readonly pulumi: PulumiRunner,
    /** The environment: off-site credentials and the age identity's path come from it, never from argv. */
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.stackName = shortStackName(stack);
    this.prefix = stackPrefix(this.stackName);
  }

  outputs(): Promise<StackOutputs> {
    return (this.outputsRead ??= readStackOutputs(this.stack, this.pulumi));
  }

  async docker(): Promise<Docker> {
    this.connection ??= this.outputs().then(async ({ dockerHost }) => {
      const connection = connectDocker(dockerHost);
      const where = dockerHost.kind === "local" ? "the local Docker engine" : `the Docker engine on ${dockerHost.address}`;
      try {
        await connection.docker.ping();
      } catch (err) {
        connection.close();
        throw err instanceof CliError ? err : new CliError(`could not reach ${where}: ${(err as Error).message}`);
      }
      return connection;
    });
    return (await this.connection).docker;
  }

  close(): void {
    void this.connection?.then((c) => c.close(), () => undefined);
  }
}
