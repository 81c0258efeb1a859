#!/bin/bash
# The parts of the official redis image's entrypoint that berth relies on.
set -euo pipefail

# `docker run IMAGE --foo` or `docker run IMAGE /path/redis.conf`: arguments for redis-server.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi

if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
  # /data may be a fresh root-owned volume: hand it to redis (uid 999), then drop privileges.
  find . \! -user redis -exec chown redis {} +
  exec setpriv --reuid=999 --regid=999 --init-groups "$0" "$@"
fi

if [ "$1" = 'redis-server' ]; then
  # The official image is built with protected mode off; without a config file, turn it off here.
  if [ "$#" -eq 1 ] || [ "${2#-}" != "$2" ]; then
    set -- "$@" --protected-mode no
  fi
  # Files redis writes (RDB, AOF) are readable by redis only, as in the official image.
  umask 0077
fi

exec "$@"
