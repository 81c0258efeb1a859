import * as docker from "@pulumi/docker";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { registryHost } from "../config/build-rules";

/** An image built from source on the Docker host (Dokku's model: the source goes to the server). */
export interface ImageBuild {
  /** The build context, relative to the project directory (where the program and the provider run). */
  context: string;
  /** The Dockerfile, relative to the context. */
  dockerfile: string;
  /** The Dockerfile stage to build. */
  target?: string;
  /** Build arguments: plain values only (the config refuses an app's secrets here). */
  args: Record<string, string>;
  /** Also push to this repository (a tag is optional). */
  push?: string;
}

export interface BuildTarget {
  /** Name of the built image's repository on the host, e.g. berth-prod-web. */
  localRepository: string;
  /** A tag that names the Docker host: a new host is a new tag, so the image is built there too. */
  hostTag: pulumi.Input<string>;
  /** The tag a pushed image gets when `push` names none. */
  pushTag: string;
  /** The platform the host runs: linux/amd64 on a droplet. */
  platform: string;
  /** Credentials by registry address. */
  registries: { address: string; username: string; password: pulumi.Input<string> }[];
}

/**
 * The docker.Image inputs for a build on the provider's daemon (pulumi-docker provider/image.go
 * dockerBuild: the context is sent to the daemon the provider is configured for, over SSH on a
 * droplet). Every input that decides behaviour is stated, not inherited (provider-model.ts,
 * dockerImage):
 *   - buildOnPreview false: `pulumi preview` does not build;
 *   - platform: the provider's default is linux/<arch of the machine running pulumi>, which
 *     differs between a laptop and CI and rebuilds on every switch;
 *   - builderVersion BuildKit: the provider's default, stated;
 *   - skipPush unless `push` is given: no registry is involved.
 * A changed file in the context changes the provider's contextDigest, which rebuilds; an
 * unchanged context (.dockerignore'd files aside) plans nothing.
 */
export function imageBuildInputs(build: ImageBuild, target: BuildTarget): docker.ImageArgs {
  const pushing = build.push !== undefined;
  const registry = pushing ? target.registries.find((r) => r.address === registryHost(build.push!)) : undefined;
  const pushName = pushing ? (hasTag(build.push!) ? build.push! : `${build.push}:${target.pushTag}`) : undefined;
  return {
    imageName: pushName ?? pulumi.interpolate`${target.localRepository}:${target.hostTag}`,
    build: {
      context: build.context,
      // The provider reads a relative Dockerfile from the program's directory, not the context's.
      dockerfile: path.join(build.context, build.dockerfile),
      target: build.target,
      args: build.args,
      platform: target.platform,
      builderVersion: docker.BuilderVersion.BuilderBuildKit,
    },
    buildOnPreview: false,
    skipPush: !pushing,
    registry: registry && { server: registry.address, username: registry.username, password: pulumi.secret(registry.password) },
  };
}

function hasTag(repository: string): boolean {
  const last = repository.split("/").pop()!;
  return last.includes(":");
}

/** The Docker platform of the engine on this machine, for the local target. */
export function localPlatform(): string {
  return `linux/${process.arch === "x64" ? "amd64" : process.arch}`;
}
