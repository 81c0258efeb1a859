import * as pulumi from "@pulumi/pulumi";
import type { DockerHost } from "../docker-host";
import { BACKUP_PATHS, renderInstallBackupSettingsScript, renderUninstallBackupSettingsScript } from "./job";
import { renderBackupEnv } from "./script";
import type { BackupStorage } from "./storage";

export interface BackupSettingsArgs {
  /** Where the bucket is; unset when backups stay local (then only the heartbeat is set). */
  storage?: BackupStorage;
  /** age public keys the backups are encrypted to. */
  recipients: string[];
  /** Days an off-site backup is kept (the job's own prune). */
  keepDays: number;
  /** Ping URL (secret). */
  heartbeatUrl?: pulumi.Input<string>;
}

/**
 * Writes the settings every backup job on the host reads: the env file (0600) and the age
 * recipients. The env file holds the Spaces secret key and the heartbeat URL, so it travels on the
 * host command's standard input, which pulumi-command hands to the SSH session's stdin
 * (provider-model.ts, HOST_COMMAND_IO.remoteStdin): never a command line, here or on the droplet.
 */
export function installBackupSettings(host: DockerHost, args: BackupSettingsArgs, opts: pulumi.CustomResourceOptions = {}): pulumi.Resource {
  const storage = args.storage;
  const env = pulumi
    .all([storage?.bucketName ?? "", storage?.accessKeyId ?? "", storage?.secretKey ?? "", args.heartbeatUrl ?? ""])
    .apply(([bucket, accessKeyId, secretKey, heartbeatUrl]) =>
      renderBackupEnv({
        endpoint: storage?.endpoint ?? "",
        region: storage?.region ?? "",
        bucket,
        accessKeyId,
        secretKey,
        recipientsFile: BACKUP_PATHS.recipientsFile,
        keepDays: args.keepDays,
        heartbeatUrl: heartbeatUrl || undefined,
      }),
    );
  return host.runOnHost(
    "backup-settings",
    {
      create: renderInstallBackupSettingsScript(args.recipients),
      delete: renderUninstallBackupSettingsScript(),
      stdin: pulumi.secret(env),
    },
    // The old settings' delete before the new ones' create: after it, it would remove the new file
    // (pulumi-command has no order of its own: provider-model.ts, remoteCommand).
    { ...opts, deleteBeforeReplace: true },
  );
}
