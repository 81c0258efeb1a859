#!/bin/bash
# Trims a freshly debootstrapped bookworm root (argument 1) before it is imported as the
# berth-standin/base image. Runs on the host, as root.
set -euo pipefail

root=${1:?usage: prepare-rootfs.sh ROOTFS}
[ -x "$root/usr/bin/apt-get" ] || { echo "prepare-rootfs: $root is not a Debian root" >&2; exit 2; }

# Debian's postgresql package creates a "main" cluster; the postgres stand-in runs initdb in PGDATA.
rm -rf "$root/var/lib/postgresql/15/main" "$root/etc/postgresql/15/main"

# Debian's caddy package takes uid/gid 999, which the official postgres and redis images give their
# server user. Move caddy to 998 so the postgres and redis stand-ins can take 999.
if [ "$(chroot "$root" id -u caddy)" = 999 ]; then
  chroot "$root" groupmod -g 998 caddy
  chroot "$root" usermod -u 998 -g 998 caddy
  find "$root" -xdev -uid 999 -exec chown -h 998 {} +
  find "$root" -xdev -gid 999 -exec chgrp -h 998 {} +
fi

# Package archives and lists, docs, man pages and translations: nothing runs from them.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/*
rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/*
find "$root/usr/share/doc" -type f ! -name copyright -delete
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
rm -f "$root"/var/log/*.log "$root"/var/log/apt/*
