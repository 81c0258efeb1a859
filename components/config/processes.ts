import { WEB_PROCESS } from "../naming";
import { healthSchema } from "./schema";
import type { BasicAuthConfig, Command, JobConfig, ParsedStack, ProcessInput } from "./schema";

type ParsedApp = ParsedStack["apps"][string];

/** The keys on an app that describe its web process, as stack files wrote it before processes. */
export const WEB_SHORTHAND_KEYS = ["hosts", "port", "replicas", "health", "basicAuth"] as const;

/** Defaults of a process that the schema cannot give, because they depend on whether it is routed. */
export const PROCESS_DEFAULTS = { port: 3000, healthPath: "/health", paths: ["/"], stripPrefix: false } as const;

/** The app's processes as written: `processes`, plus the web process its top-level keys describe. */
export function writtenProcesses(app: ParsedApp): Record<string, ProcessInput> {
  if (app.hosts === undefined) return app.processes;
  const web: ProcessInput = {
    hosts: app.hosts,
    port: app.port,
    replicas: app.replicas ?? 1,
    health: app.health,
    basicAuth: app.basicAuth,
  };
  return { [WEB_PROCESS]: web, ...app.processes };
}

/** Where the proxy sends a routed process's requests. */
export interface RouteConfig {
  hosts: string[];
  /** Path prefixes claimed on those hosts; ["/"] is every path. */
  paths: string[];
  stripPrefix: boolean;
  /** Port the process listens on, also passed as PORT. */
  port: number;
  basicAuth?: BasicAuthConfig;
}

export interface HealthConfig {
  /** HTTP path the proxy (and, without `command`, Docker) checks: routed processes only. */
  path?: string;
  /** Command Docker runs instead of the built-in HTTP probe. */
  command?: Command;
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
  startPeriodSeconds: number;
}

export interface ProcessConfig {
  command?: Command;
  replicas: number;
  /** Routed processes always have one; a worker only when it gives health.command. */
  health?: HealthConfig;
  /** Set for a routed (web) process; a worker has none. */
  route?: RouteConfig;
  memoryMb: number;
  cpus?: number;
  destroyGraceSeconds: number;
  /** Most processes and threads per replica. */
  pidsLimit: number;
}

/** A process with every default resolved; app-wide limits fill what the process leaves unset. */
export function resolveProcess(app: ParsedApp, p: ProcessInput): ProcessConfig {
  const health = p.health;
  const route: RouteConfig | undefined = p.hosts && {
    hosts: p.hosts,
    paths: p.paths ?? [...PROCESS_DEFAULTS.paths],
    stripPrefix: p.stripPrefix ?? PROCESS_DEFAULTS.stripPrefix,
    port: p.port ?? PROCESS_DEFAULTS.port,
    basicAuth: p.basicAuth,
  };
  const timing = healthSchema.parse({});
  return {
    command: p.command,
    replicas: p.replicas,
    health: route
      ? { ...timing, ...health, path: health?.path ?? PROCESS_DEFAULTS.healthPath }
      : health?.command !== undefined
        ? { ...timing, ...health }
        : undefined,
    route,
    memoryMb: p.memoryMb ?? app.memoryMb,
    cpus: p.cpus ?? app.cpus,
    destroyGraceSeconds: p.destroyGraceSeconds ?? app.destroyGraceSeconds,
    pidsLimit: p.pidsLimit ?? app.pidsLimit,
  };
}

/** A job with the app-wide memory limit filled in. */
export function resolveJob(app: ParsedApp, job: JobConfig): JobConfig & { memoryMb: number } {
  return { ...job, memoryMb: job.memoryMb ?? app.memoryMb };
}

/** An app with its processes and jobs resolved: what the App component is built from. */
export interface AppConfig {
  /** The image to run, or (exactly one of the two) */
  image?: string;
  /** the source to build it from on the Docker host. */
  build?: { context: string; dockerfile: string; target?: string; args: Record<string, string>; push?: string };
  release?: Command;
  releaseTimeoutSeconds: number;
  env: Record<string, string>;
  secretEnv: string[];
  databases: string[];
  memoryMb: number;
  cpus?: number;
  /** Most processes and threads per container of the release and jobs (processes have their own). */
  pidsLimit: number;
  /** Capabilities every container of the app adds back after dropping ALL. */
  capAdd: string[];
  processes: Record<string, ProcessConfig>;
  jobs: Record<string, JobConfig & { memoryMb: number }>;
}

export function resolveApp(app: ParsedApp): AppConfig {
  const processes = Object.fromEntries(Object.entries(writtenProcesses(app)).map(([name, p]) => [name, resolveProcess(app, p)]));
  const jobs = Object.fromEntries(Object.entries(app.jobs).map(([name, job]) => [name, resolveJob(app, job)]));
  return {
    image: app.image,
    build: app.build,
    release: app.release,
    releaseTimeoutSeconds: app.releaseTimeoutSeconds,
    env: app.env,
    secretEnv: app.secretEnv,
    databases: app.databases,
    memoryMb: app.memoryMb,
    cpus: app.cpus,
    pidsLimit: app.pidsLimit,
    capAdd: app.capAdd,
    processes,
    jobs,
  };
}
