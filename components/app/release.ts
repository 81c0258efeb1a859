import * as pulumi from "@pulumi/pulumi";
import type { Command } from "../config/schema";
import type { DockerHost } from "../docker-host";
import { dockerCpus } from "../docker-host/limits";
import { releaseName } from "../naming";
import { containerCommand } from "./command";
import { envFile, envNames, ReleaseEnvironment } from "./environment";
import { renderOneOffScript } from "./one-off";

export interface ReleaseArgs {
  /** The release command (a string runs through the image's shell, a list in exec form). */
  command: Command;
  /** The new release's image id. */
  image: pulumi.Input<string>;
  /** Networks the app's containers join (names). */
  networks: pulumi.Input<string>[];
  /** The release's environment, as the app's processes get it. */
  environment: ReleaseEnvironment;
  /** A run still going after this long is stopped, and fails the update. */
  timeoutSeconds: number;
  memoryMb: number;
  cpus?: number;
  /** Most processes and threads in the release's container. */
  pidsLimit: number;
  /** Capabilities the container adds back after dropping ALL. */
  capAdd: string[];
  /** Resources that must be up first: the app's databases. */
  dependsOn: pulumi.Resource[];
}

/**
 * The release phase: a host command that runs the release command once, in a one-off container of
 * the new image with the app's env, secrets and networks. Its output streams into `pulumi up`: the
 * progress display shows each line as it comes, and a failure's error carries all of it (the
 * harness's model: localCommand.facts.outputStreamed, statusNotInFinalOutput, runError).
 *
 * It runs again whenever its inputs change, i.e. the script (image id, command, networks, variable
 * names) or its standard input (the env file: values, secrets and database URLs); `replicas` is not
 * among them, so scaling never runs it. A failed run fails the update, and Pulumi keeps the last
 * successful run's inputs, so the next `pulumi up` runs it again; a successful run is not repeated.
 */
export function releasePhase(app: string, host: DockerHost, args: ReleaseArgs, parent: pulumi.Resource) {
  const name = releaseName(host.namePrefix, app);
  const create = pulumi
    .all([args.image, pulumi.all(args.networks), host.labelMap({ "berth.role": "release", "berth.app": app })])
    .apply(([image, networks, labels]) =>
      renderOneOffScript({
        container: name,
        image,
        networks,
        command: containerCommand(args.command),
        envNames: envNames(args.environment),
        envFile: "stdin",
        timeoutSeconds: args.timeoutSeconds,
        memoryMb: args.memoryMb,
        cpus: args.cpus === undefined ? undefined : dockerCpus(args.cpus),
        pidsLimit: args.pidsLimit,
        capAdd: args.capAdd,
        labels,
        what: `the release of ${app}`,
      }),
    );
  return host.runOnHost(name, { create, stdin: envFile(args.environment) }, { parent, dependsOn: args.dependsOn });
}
