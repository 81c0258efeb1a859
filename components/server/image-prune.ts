/**
 * A daily removal of dangling images on the droplet. Every build of an app's image re-tags it, and
 * the image the tag left behind stays on disk, untagged, until something removes it.
 * `docker image prune --force` removes dangling images only (no `--all`), and never one that a
 * container, running or stopped, was created from (see DROPLET_DOCKER in the e2e provider model):
 * an old replica or a job's image stays until nothing uses it.
 *
 * Pure: rendered into cloud-init (cloud-init.ts) and checked by systemd-analyze in the artifact tier.
 */

export const IMAGE_PRUNE_UNIT = "berth-image-prune";

/** The service and its daily timer; `docker` is the CLI's path (Docker's packages put it in /usr/bin). */
export function renderImagePruneUnits(docker = "/usr/bin/docker"): { service: string; timer: string } {
  return {
    service: `[Unit]
Description=berth: remove dangling images (never one a container uses)
After=docker.service

[Service]
Type=oneshot
ExecStart=${docker} image prune --force
`,
    timer: `[Unit]
Description=berth: daily removal of dangling images

[Timer]
OnCalendar=daily
RandomizedDelaySec=1h
Persistent=true

[Install]
WantedBy=timers.target
`,
  };
}

/** What cloud-init writes and runs to start the timer at first boot. */
export function imagePruneCloudConfig(): { writeFiles: { path: string; permissions: string; content: string }[]; runcmd: string[][] } {
  const units = renderImagePruneUnits();
  return {
    writeFiles: [
      { path: `/etc/systemd/system/${IMAGE_PRUNE_UNIT}.service`, permissions: "0644", content: units.service },
      { path: `/etc/systemd/system/${IMAGE_PRUNE_UNIT}.timer`, permissions: "0644", content: units.timer },
    ],
    runcmd: [["systemctl", "enable", "--now", `${IMAGE_PRUNE_UNIT}.timer`]],
  };
}
