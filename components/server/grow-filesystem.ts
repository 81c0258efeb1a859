import { script, shellQuote } from "../host/shell";

/**
 * Grows the data volume's ext4 filesystem to the size of its block device. DigitalOcean resizes a
 * volume in place when `size` grows, but only the block device: the filesystem on it keeps its
 * old size until it is resized on the droplet. Runs after every change of the volume's size (and
 * once on create, when there is nothing to grow). ext4 grows online, while mounted.
 */
export function renderGrowFilesystemScript(opts: { volumeDevice: string }): string {
  return script("Written by berth: grows the data volume's filesystem to the size of the volume.", [
    `device=${shellQuote(opts.volumeDevice)}`,
    'if [ -b "$device" ]; then',
    "  # Make the kernel read the device's new size now.",
    '  rescan="/sys/class/block/$(basename "$(readlink -f "$device")")/device/rescan"',
    '  if [ -w "$rescan" ]; then echo 1 > "$rescan"; fi',
    "fi",
    "# Online when mounted; offline (after the check resize2fs requires) when not.",
    'if ! findmnt --source "$device" >/dev/null 2>&1; then',
    '  e2fsck -f -p "$device"',
    "fi",
    'resize2fs "$device"',
  ]);
}
