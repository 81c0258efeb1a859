#!/bin/bash
# As the official haproxy image's entrypoint: run haproxy in master-worker mode in the foreground.
set -euo pipefail

# `docker run IMAGE -f some.cfg`: arguments for haproxy.
if [ "${1#-}" != "$1" ]; then
  set -- haproxy "$@"
fi
if [ "$1" = 'haproxy' ]; then
  shift
  set -- haproxy -W -db "$@"
fi

exec "$@"
