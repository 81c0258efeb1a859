import type { ImageInfo } from "dockerode";
import { healthOf, processOf, StackContainer, stackContainers, uptimeOf } from "../containers";
import type { StackOutputs } from "../outputs";
import type { Command } from "./command";

export const ps: Command = {
  spec: {
    name: "ps",
    summary: "list the stack's containers: processes, replicas, health, image, uptime",
    args: [],
    options: {},
    details: [
      "Every container labelled with the stack: app replicas by app/process, databases, the proxy, and",
      "release, job and one-off containers while they run. HEALTH is Docker's health check (- when the",
      "container has none); UPTIME is how long it has run, or its last status when it is not running.",
    ],
  },
  async run(ctx) {
    const outputs = await ctx.outputs();
    const docker = await ctx.docker();
    const [containers, images] = await Promise.all([stackContainers(docker, ctx.stackName), docker.listImages()]);
    ctx.io.stdout.write(renderPs(containers, imageNames(images), outputs));
    return 0;
  },
};

/** Image id → the name to show: its first tag, else its short id. */
export function imageNames(images: Pick<ImageInfo, "Id" | "RepoTags">[]): Map<string, string> {
  return new Map(images.map((i) => [i.Id, (i.RepoTags ?? []).filter((t) => t !== "<none>:<none>").sort()[0] ?? shortId(i.Id)]));
}

const KIND_ORDER = ["app", "database", "proxy", "release", "job", "one-off"];

export function renderPs(containers: StackContainer[], images: Map<string, string>, outputs: Pick<StackOutputs, "databases">): string {
  if (containers.length === 0) return "no containers of this stack on its Docker engine\n";
  const rows = containers.map((c) => {
    const role = c.labels["berth.role"] ?? "?";
    const kind = role === "database" ? (outputs.databases[c.labels["berth.database"]]?.engine ?? "database") : role;
    const name =
      role === "app" ? `${c.labels["berth.app"]}/${processOf(c)}`
      : role === "database" ? c.labels["berth.database"]
      : role === "job" ? `${c.labels["berth.app"]}/${c.labels["berth.job"] ?? "?"}`
      : (c.labels["berth.app"] ?? role);
    return {
      order: KIND_ORDER.indexOf(role === "database" ? "database" : role),
      cells: [
        kind,
        name,
        c.name,
        c.state,
        healthOf(c.status) ?? "-",
        images.get(c.imageId) ?? shortId(c.imageId),
        c.state === "running" ? (uptimeOf(c.status) ?? c.status) : c.status,
      ],
    };
  });
  rows.sort((a, b) => (a.order === -1 ? 99 : a.order) - (b.order === -1 ? 99 : b.order) || a.cells[1].localeCompare(b.cells[1]) || a.cells[2].localeCompare(b.cells[2], "en", { numeric: true }));
  return formatTable(["KIND", "NAME", "CONTAINER", "STATE", "HEALTH", "IMAGE", "UPTIME"], rows.map((r) => r.cells));
}

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ") + "\n";
  return [header, ...rows].map(line).join("");
}

function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}
