// What a reader of bench-results.json needs to judge the numbers: when, on what, with what.
import * as os from "os";
import type { StandInImages } from "../test/e2e/images";
import { docker } from "./docker";

export function machine(): Record<string, unknown> {
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    kernel: os.release(),
    node: process.version,
  };
}

/** Versions of the Docker engine and of the proxies inside the stand-in images. */
export async function softwareVersions(images: StandInImages): Promise<Record<string, string>> {
  const haproxyImage = Object.entries(images.registry).find(([official]) => official.startsWith("haproxy:"))?.[1];
  const inImage = async (image: string | undefined, command: string) =>
    image ? (await docker("run", "--rm", "--entrypoint", "sh", image, "-c", `${command} 2>&1`)).trim().split("\n")[0] : "unknown";
  return {
    docker: (await docker("version", "--format", "{{.Server.Version}}")).trim(),
    haproxy: await inImage(haproxyImage, "haproxy -v"),
    nginx: await inImage(images.nginx, "nginx -v"),
    caddy: await inImage(images.caddy, "caddy version"),
  };
}
