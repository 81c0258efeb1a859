// Runs a comparison proxy (nginx or Caddy stand-in) next to berth's HAProxy: on the stack's edge
// network, reached by its container address like HAProxy, labelled with the stack so that the
// harness's sweep removes it whatever happens.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { containerIp, docker } from "../docker";
import { sleep } from "../load/rate";
import { EDGE_NETWORK, STACK } from "../stack";

export interface ComparisonProxy {
  name: string;
  /** http://<address>:80/ */
  url: string;
  remove(): Promise<void>;
}

export async function runComparisonProxy(opts: {
  role: string;
  image: string;
  config: string;
  /** Where the config goes in the container. */
  configPath: string;
}): Promise<ComparisonProxy> {
  const name = `berth-${STACK}-${opts.role}`;
  await docker("rm", "-f", name).catch(() => undefined); // left over from an interrupted run
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `berth-bench-${opts.role}-`));
  const file = path.join(dir, path.basename(opts.configPath));
  fs.writeFileSync(file, opts.config, { mode: 0o644 });
  fs.chmodSync(dir, 0o755); // nginx and Caddy read it as their own users
  const remove = async () => {
    await docker("rm", "-f", name).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  await docker(
    "run", "-d", "--name", name,
    "--label", `berth.stack=${STACK}`, "--label", `berth.role=bench-${opts.role}`,
    "--network", EDGE_NETWORK,
    "-v", `${file}:${opts.configPath}:ro`,
    opts.image,
  );
  return { name, url: `http://${await containerIp(name, EDGE_NETWORK)}:80/`, remove };
}

/** Waits until `check` passes (the proxy answers 200 through to the app), or fails with its last error. */
export async function untilAnswering(what: string, check: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} did not answer within ${timeoutMs / 1000} s: ${(err as Error).message}`);
      await sleep(250);
    }
  }
}
