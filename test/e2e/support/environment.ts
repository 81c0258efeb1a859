import type { Context } from "mocha";
import { Engine, ensureEngine } from "../engine";
import { ensureStandInImages, StandInImages } from "../images";

/** The image references the e2e stacks use for the example app; the stand-in registry serves them. */
export const APP_IMAGES = { v1: "example-app:v1", v2: "example-app:v2", broken: "example-app:broken" } as const;

export interface E2eEnvironment {
  engine: Engine;
  images: StandInImages;
  /** What the harness "pulls": official references and the example app's → local stand-ins. */
  registry: Record<string, string>;
}

let prepared: Promise<E2eEnvironment> | undefined;

/**
 * The Docker engine and stand-in images, prepared once per test run. With `E2E=required` (CI) a
 * missing engine fails the run; otherwise the e2e tier is skipped, loudly.
 */
export async function e2eEnvironment(context: Context): Promise<E2eEnvironment> {
  context.timeout(20 * 60 * 1000); // the first run builds the stand-in images
  prepared ??= prepareE2eEnvironment();
  try {
    return await prepared;
  } catch (err) {
    if (process.env.E2E === "required") throw err;
    const banner = "!".repeat(78);
    console.warn(`\n${banner}\n  E2E TIER SKIPPED: no usable Docker engine.\n  ${(err as Error).message}\n  Set E2E=required to make this a failure.\n${banner}\n`);
    context.skip();
  }
}

/** Engine, stand-in images and registry, without mocha (the benchmark uses it too). */
export async function prepareE2eEnvironment(): Promise<E2eEnvironment> {
  const engine = await ensureEngine();
  const images = await ensureStandInImages((line) => console.log(`    [images] ${line}`));
  const registry = {
    ...images.registry,
    [APP_IMAGES.v1]: images.app.v1,
    [APP_IMAGES.v2]: images.app.v2,
    [APP_IMAGES.broken]: images.app.broken,
  };
  return { engine, images, registry };
}
