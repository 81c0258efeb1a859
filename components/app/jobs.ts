import * as pulumi from "@pulumi/pulumi";
import type { JobConfig } from "../config/schema";
import type { DockerHost } from "../docker-host";
import { jobUnitName } from "../naming";
import { containerCommand } from "./command";
import { envFile, envNames, ReleaseEnvironment } from "./environment";
import { renderInstallJobsScript, renderUninstallJobsScript } from "./job-units";
import { renderOneOffScript } from "./one-off";
import { cronToOnCalendar } from "./schedule";

export interface JobsArgs {
  jobs: Record<string, JobConfig & { memoryMb: number }>;
  /** The current release's image id. */
  image: pulumi.Input<string>;
  networks: pulumi.Input<string>[];
  environment: ReleaseEnvironment;
  /** Most processes and threads in each run's container. */
  pidsLimit: number;
  /** Capabilities each run's container adds back after dropping ALL. */
  capAdd: string[];
  /** The jobs move to a new release only once every process runs it. */
  dependsOn: pulumi.Resource[];
}

/**
 * The app's scheduled jobs, installed by one host command: each job's run script (a one-off
 * container of the current release, components/app/one-off.ts) and the env file they share (0600,
 * from standard input); on a droplet also a systemd timer per job (components/app/job-units.ts).
 * The `local` target has no scheduler: its scripts are written, and run by hand.
 */
export function scheduledJobs(app: string, host: DockerHost, args: JobsArgs, parent: pulumi.Resource) {
  const unitPrefix = jobUnitName(host.namePrefix, app, "");
  const jobsDir = host.hostPath("jobs", app);
  const create = pulumi
    .all([args.image, pulumi.all(args.networks), host.labelMap({ "berth.role": "job", "berth.app": app })])
    .apply(([image, networks, labels]) =>
      renderInstallJobsScript({
        unitPrefix,
        jobsDir,
        schedule: host.hasSystemd,
        jobs: Object.entries(args.jobs).map(([job, spec]) => {
          const unit = jobUnitName(host.namePrefix, app, job);
          const runScriptPath = `${jobsDir}/${job}.sh`;
          return {
            name: job,
            unit: {
              unit,
              description: `berth job ${job} of app ${app}`,
              onCalendar: cronToOnCalendar(spec.schedule),
              runScriptPath,
              timeoutSeconds: spec.timeoutSeconds,
            },
            runScript: renderOneOffScript({
              container: unit,
              image,
              networks,
              command: containerCommand(spec.command),
              envNames: envNames(args.environment),
              envFile: `${jobsDir}/env`,
              timeoutSeconds: spec.timeoutSeconds,
              memoryMb: spec.memoryMb,
              pidsLimit: args.pidsLimit,
              capAdd: args.capAdd,
              labels: { ...labels, "berth.job": job },
              what: `job ${job} of ${app}`,
            }),
          };
        }),
      }),
    );
  return host.runOnHost(
    `${host.namePrefix}-${app}-jobs`,
    {
      create,
      delete: renderUninstallJobsScript({ unitPrefix, jobsDir, schedule: host.hasSystemd }),
      stdin: envFile(args.environment),
    },
    { parent, dependsOn: args.dependsOn },
  );
}
