import * as pulumi from "@pulumi/pulumi";
import type { MockResourceArgs, MockResourceResult } from "@pulumi/pulumi/runtime/mocks";
import * as path from "path";
import { FakeOverrides, fakeInvoke, fakeOutputs } from "./fakes";

/**
 * Runs the unmodified berth program (index.ts) under `pulumi.runtime.setMocks` and records every
 * resource it registers, with the options the engine would see (protect, deleteBeforeReplace,
 * ignoreChanges, ...) and its inputs as serialized on the wire, secret markers included.
 */

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const PROGRAM = path.resolve(__dirname, "../../index");

export interface RegisteredResource {
  type: string;
  name: string;
  urn: string;
  /** URN of the parent ("" for the stack's direct children). */
  parent: string;
  custom: boolean;
  /** Inputs with secrets unwrapped. */
  inputs: Record<string, any>;
  /** Inputs as serialized on the wire: secret values are wrapped in Pulumi's secret marker. */
  wireInputs: Record<string, any>;
  protect: boolean;
  /** The program's deleteBeforeReplace option; undefined when it did not set one (the provider decides). */
  deleteBeforeReplace: boolean | undefined;
  retainOnDelete: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  /** URNs this resource depends on (explicit and through inputs). */
  dependencies: string[];
  /** Input property → URNs its value came from. */
  propertyDependencies: Record<string, string[]>;
  provider: string;
}

export interface StackOutput {
  value: unknown;
  secret: boolean;
}

export interface ProgramRun {
  resources: RegisteredResource[];
  outputs: Record<string, StackOutput>;
  /** Resources of one type token, e.g. `docker:index/container:Container`. */
  ofType(type: string): RegisteredResource[];
  /** The one resource with this type and name; throws when missing. */
  get(type: string, name: string): RegisteredResource;
}

export interface RunOptions {
  stack: string;
  /** `berth:` config keys (without the namespace) → value; objects are passed as JSON like the CLI does. */
  config: Record<string, unknown>;
  /** Keys (without namespace) set with --secret. */
  secretKeys?: string[];
  /** Extra provider config, e.g. `{ "cloudflare:apiToken": "..." }`. */
  providerConfig?: Record<string, string>;
  /** Keys of `providerConfig` set with --secret, e.g. `["cloudflare:apiToken"]`. */
  providerSecretKeys?: string[];
  /** Changes to what the fake providers answer. */
  fakes?: FakeOverrides;
  /**
   * Replaces the fake providers: the e2e tier creates real Docker objects here. Called for every
   * registration (components too, with `custom: false`).
   */
  newResource?: (args: MockResourceArgs) => Promise<MockResourceResult>;
  /** Sees each registration's options before `newResource` runs for it. */
  beforeRegister?: (resource: RegisteredResource) => void;
}

/** Runs the program once. Rejects with the program's own error (e.g. a ConfigError). */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
  const resources: RegisteredResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: opts.newResource ?? ((args) => fakeOutputs(args, opts.fakes)),
      call: (args) => fakeInvoke(args),
    },
    "berth",
    opts.stack,
    false,
  );
  recordRegistrations(resources, opts.beforeRegister);

  const config: Record<string, string> = { ...opts.providerConfig };
  for (const [key, value] of Object.entries(opts.config)) {
    config[`berth:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  pulumi.runtime.setAllConfig(config, [...(opts.secretKeys ?? []).map((k) => `berth:${k}`), ...(opts.providerSecretKeys ?? [])]);

  delete require.cache[require.resolve(PROGRAM)];
  const exported: Record<string, unknown> = require(PROGRAM);

  const outputs: Record<string, StackOutput> = {};
  for (const [key, value] of Object.entries(exported)) {
    if (value === undefined) continue;
    const output = pulumi.output(value);
    outputs[key] = { value: await resolve(output), secret: await pulumi.isSecret(output) };
  }
  await settle();

  return {
    resources,
    outputs,
    ofType: (type) => resources.filter((r) => r.type === type),
    get: (type, name) => {
      const found = resources.find((r) => r.type === type && r.name === name);
      if (!found) {
        const names = resources.filter((r) => r.type === type).map((r) => r.name);
        throw new Error(`no ${type} named ${name} (have: ${names.join(", ") || "none"})`);
      }
      return found;
    },
  };
}

function resolve<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((done) => output.apply((v) => done(v)));
}

/** Waits until the program has no registration or invoke in flight. */
async function settle(): Promise<void> {
  const settings = require("@pulumi/pulumi/runtime/settings");
  await settings.waitForRPCs();
}

// The mock monitor hands newResource only type, name and inputs; the options are on the request.
function recordRegistrations(into: RegisteredResource[], before?: (resource: RegisteredResource) => void): void {
  const settings = require("@pulumi/pulumi/runtime/settings");
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: any, res: any) => void) => {
    const wire = req.getObject()?.toJavaScript() ?? {};
    const resource: RegisteredResource = {
      type: req.getType(),
      name: req.getName(),
      // The same URN the mock monitor gives it.
      urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
      parent: req.getParent(),
      custom: req.getCustom(),
      inputs: unwrapSecrets(wire),
      wireInputs: wire,
      protect: req.getProtect() === true,
      deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() === true : undefined,
      retainOnDelete: req.getRetainondelete() === true,
      ignoreChanges: req.getIgnorechangesList(),
      replaceOnChanges: req.getReplaceonchangesList(),
      dependencies: req.getDependenciesList(),
      propertyDependencies: propertyDependencies(req),
      provider: req.getProvider(),
    };
    before?.(resource);
    register(req, (err: any, res: any) => {
      if (!err) into.push(resource);
      callback(err, res);
    });
  };
}

function propertyDependencies(req: any): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((deps: any, key: string) => (out[key] = deps.getUrnsList()));
  return out;
}

export function isSecretValue(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as any)[SECRET_SIG_KEY] === SECRET_SIG;
}

export function unwrapSecrets(value: any): any {
  if (isSecretValue(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/**
 * Paths of the strings in `value` that contain `needle` outside of a secret marker: where a
 * secret has leaked into plain state.
 */
export function plainOccurrences(value: any, needle: string, at = "$"): string[] {
  if (isSecretValue(value)) return [];
  if (typeof value === "string") return value.includes(needle) ? [at] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => plainOccurrences(v, needle, `${at}[${i}]`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => plainOccurrences(v, needle, `${at}.${k}`));
  }
  return [];
}
