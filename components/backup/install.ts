import * as pulumi from "@pulumi/pulumi";
import { cronToOnCalendar } from "../app/schedule";
import type { Engine } from "../config/schema";
import type { DockerHost } from "../docker-host";
import { BACKUP_PATHS, backupUnitName, renderInstallBackupJobScript, renderUninstallBackupJobScript } from "./job";
import { renderBackupScript } from "./script";

export interface BackupJobArgs {
  engine: Engine;
  /** Database name. */
  name: string;
  /** The database container's name. */
  container: string;
  /** Cron schedule, UTC. */
  schedule: string;
  /** Postgres: host directory the local dumps are kept in. */
  localDir?: string;
  /** Days of local dumps (with localDir). */
  localKeepDays?: number;
  /** Upload encrypted copies off-site. */
  offsite: boolean;
}

/**
 * Installs a database's backup job on the host: script, service and timer (job.ts). Nothing secret
 * in it: the job reads its secrets from the settings file (settings.ts). The delete script removes
 * the job, never a backup; it runs before a replacement's create (runOnHost states the order).
 */
export function installBackupJob(host: DockerHost, args: BackupJobArgs, opts: pulumi.CustomResourceOptions): pulumi.Resource {
  const unit = backupUnitName(args.name);
  const scriptPath = `${BACKUP_PATHS.scriptDir}/${unit}`;
  const script = renderBackupScript({
    engine: args.engine,
    name: args.name,
    container: args.container,
    localDir: args.localDir,
    localKeepDays: args.localKeepDays,
    envFile: BACKUP_PATHS.envFile,
    statusDir: BACKUP_PATHS.statusDir,
    offsite: args.offsite,
  });
  const where = [args.localDir && "locally", args.offsite && "off-site"].filter(Boolean).join(" and ");
  const spec = {
    unit,
    description: `berth backup of ${args.engine === "postgres" ? "Postgres" : "Redis"} database ${args.name} (${where})`,
    onCalendar: cronToOnCalendar(args.schedule),
    scriptPath,
  };
  return host.runOnHost(
    `${args.name}-backup`,
    { create: renderInstallBackupJobScript(spec, script), delete: renderUninstallBackupJobScript(unit, args.name) },
    // The old job's delete before the new one's create: after it, it would remove the new job's
    // files (pulumi-command has no order of its own: provider-model.ts, remoteCommand).
    { ...opts, deleteBeforeReplace: true },
  );
}
