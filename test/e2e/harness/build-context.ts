import dockerignore from "@balena/dockerignore";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { pack } from "tar-stream";

/**
 * A Docker build context as pulumi-docker's native Image provider reads it (provider-model.ts,
 * dockerImage): the ignore file is `<Dockerfile>.dockerignore`, else the context's `.dockerignore`;
 * ignored files are neither sent to the daemon nor part of the context digest; the Dockerfile and
 * the ignore file are always sent.
 */
export interface BuildContext {
  /** Absolute context directory. */
  dir: string;
  /** The Dockerfile's path relative to the context, '/'-separated. */
  dockerfile: string;
  /** Files sent to the daemon, relative to the context, in walk order. */
  files: string[];
}

export function readBuildContext(context: string, dockerfile: string, cwd: string = process.cwd()): BuildContext {
  const dir = path.resolve(cwd, context);
  const dockerfilePath = path.resolve(cwd, dockerfile);
  const relDockerfile = path.relative(dir, dockerfilePath).split(path.sep).join("/");
  if (relDockerfile.startsWith("../")) {
    throw new Error(`e2e harness: a Dockerfile outside the build context (${dockerfile}) is not modelled`);
  }
  const ignore = dockerignore({ ignorecase: false }).add(ignorePatterns(dir, dockerfilePath));
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      const kept = !ignore.ignores(name) || name === relDockerfile || name === ".dockerignore";
      if (entry.isDirectory()) {
        // A directory may be ignored while a file below it is re-included ("!dir/keep"): walk it.
        walk(name);
      } else if (kept && (entry.isFile() || entry.isSymbolicLink())) {
        files.push(name);
      }
    }
  };
  walk("");
  return { dir, dockerfile: relDockerfile, files };
}

function ignorePatterns(dir: string, dockerfilePath: string): string[] {
  for (const candidate of [`${dockerfilePath}.dockerignore`, path.join(dir, ".dockerignore")]) {
    if (fs.existsSync(candidate)) return fs.readFileSync(candidate, "utf8").split("\n");
  }
  return [];
}

/**
 * The context digest the provider's Check adds to the inputs: the Dockerfile's content, then every
 * file sent, by relative name, mode and content. Any change to a file that is sent changes it.
 */
export function contextDigest(ctx: BuildContext): string {
  const entry = (file: string, name: string) => {
    const stat = fs.lstatSync(file);
    const content = stat.isSymbolicLink() ? fs.readlinkSync(file) : fs.readFileSync(file);
    return `${name}\0${stat.mode.toString(8)}\0${createHash("sha256").update(content).digest("hex")}\0`;
  };
  const all = entry(path.join(ctx.dir, ctx.dockerfile), "Dockerfile") + ctx.files.map((f) => entry(path.join(ctx.dir, f), f)).join("");
  return createHash("sha256").update(all).digest("hex");
}

/** The context as the tar stream the provider sends to the daemon (owned by root, as it does). */
export function contextTar(ctx: BuildContext): ReturnType<typeof pack> {
  const tar = pack();
  (async () => {
    for (const name of ctx.files) {
      const full = path.join(ctx.dir, name);
      const stat = fs.lstatSync(full);
      if (stat.isSymbolicLink()) {
        tar.entry({ name, type: "symlink", linkname: fs.readlinkSync(full), uid: 0, gid: 0, mode: stat.mode & 0o7777 });
      } else {
        await new Promise<void>((resolve, reject) =>
          tar.entry({ name, size: stat.size, mode: stat.mode & 0o7777, uid: 0, gid: 0, mtime: stat.mtime }, fs.readFileSync(full), (err) =>
            err ? reject(err) : resolve(),
          ),
        );
      }
    }
    tar.finalize();
  })().catch((err) => tar.destroy(err));
  return tar;
}
