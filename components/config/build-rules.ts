import * as fs from "fs";
import * as path from "path";
import { ParsedStack } from "./schema";
import type { RuleIssue } from "./rules";

/** Names Docker Hub goes by; a repository that names no registry host is on Docker Hub. */
const DOCKER_HUB = ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"];

/**
 * The registry host of a repository, as Docker reads it: the first path component when it has a
 * '.' or a ':' or is `localhost`, else Docker Hub.
 */
export function registryHost(repository: string): string {
  const first = repository.split("/")[0];
  const named = repository.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return named ? first : "docker.io";
}

/**
 * Rules for apps built from source: one of `image` and `build`; a context and Dockerfile that exist
 * (relative to the project directory, where `pulumi` runs the program and the Docker provider);
 * no secret in a build argument; a registry entry for `push`.
 */
export function buildIssues(cfg: ParsedStack, projectDir: string = process.cwd()): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const [app, spec] of Object.entries(cfg.apps)) {
    const at = ["apps", app];
    if ((spec.image === undefined) === (spec.build === undefined)) {
      issues.push({ path: at, message: "must give exactly one of image (a pushed image) and build (built from source on the Docker host)" });
      continue;
    }
    const build = spec.build;
    if (!build) continue;
    const context = path.resolve(projectDir, build.context);
    if (!isDirectory(context)) {
      issues.push({ path: [...at, "build", "context"], message: "must be a directory, relative to the project directory", got: build.context });
    } else if (!isFile(path.resolve(context, build.dockerfile))) {
      issues.push({ path: [...at, "build", "dockerfile"], message: `must be a file in the build context (${build.context})`, got: build.dockerfile });
    }
    // A build argument stays in the image's history: secrets go to the container at run time.
    const secretNames = new Set([...spec.secretEnv, ...Object.keys(cfg.secrets.env[app] ?? {})]);
    for (const name of Object.keys(build.args)) {
      if (secretNames.has(name)) {
        issues.push({
          path: [...at, "build", "args", name],
          message: "names one of the app's secrets; a build argument is kept in the image's history, so secrets reach the container at run time only (secretEnv)",
        });
      }
    }
    if (build.push !== undefined) {
      const host = registryHost(build.push);
      const known = cfg.registries.map((r) => r.address);
      const listed = DOCKER_HUB.includes(host) ? known.some((a) => DOCKER_HUB.includes(a)) : known.includes(host);
      if (!listed) {
        issues.push({
          path: [...at, "build", "push"],
          message: `needs credentials for ${host}: add it to berth:registries (and its token to berth:secrets.registries)`,
          got: build.push,
        });
      }
    }
  }
  return issues;
}

function isDirectory(p: string): boolean {
  return fs.existsSync(p) && fs.statSync(p).isDirectory();
}

function isFile(p: string): boolean {
  return fs.existsSync(p) && fs.statSync(p).isFile();
}
