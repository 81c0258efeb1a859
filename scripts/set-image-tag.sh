#!/usr/bin/env bash
# Points apps at one image tag in a stack's config, without editing any committed file:
#
#   scripts/set-image-tag.sh <stack> <tag> [<app>...]
#
# For each app, reads berth:apps.<app>.image with `pulumi config get`, keeps its repository
# (registry host and port included), drops its tag and digest, and sets <repository>:<tag> with
# `pulumi config set`. deploy.yml runs it before `pulumi up`, with the apps named in the repository
# variable BERTH_IMAGE_APPS and the commit's SHA (dev) or release tag (prod); the change lives only in
# the runner's checkout. Every app is read before any is set, so a bad name changes nothing. No app
# named: nothing to do.
set -euo pipefail

usage() {
  echo "usage: scripts/set-image-tag.sh <stack> <tag> [<app>...]" >&2
  exit 2
}

[ "$#" -ge 2 ] || usage
stack="$1"
tag="$2"
shift 2
[ -n "$stack" ] || usage

# Docker's tag grammar (berth's config accepts the same): up to 128 letters, digits, '_', '.' and
# '-', not starting with '.' or '-'. A git SHA and a tag such as v1.4.2 both qualify.
if ! [[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then
  echo "set-image-tag: '$tag' is not an image tag (up to 128 of A-Z a-z 0-9 _ . -, not starting with . or -)" >&2
  exit 2
fi

# The repository of an image reference: without its digest (everything from '@') and without its
# tag (a ':' after the last '/'; the ':' of a registry port, as in registry:5000/app, stays).
repository_of() {
  local ref="${1%%@*}"
  local last="${ref##*/}"
  if [[ "$last" == *:* ]]; then
    ref="${ref%:*}"
  fi
  printf '%s\n' "$ref"
}

apps=()
images=()
for app in "$@"; do
  # berth's app names (components/config/fields.ts, resourceName); anything else is not a key.
  if ! [[ "$app" =~ ^[a-z][a-z0-9-]{0,29}$ ]]; then
    echo "set-image-tag: '$app' is not an app name (lowercase letters, digits and '-', starting with a letter)" >&2
    exit 2
  fi
  if ! current="$(pulumi config get --path "apps.${app}.image" -s "$stack")" || [ -z "$current" ]; then
    echo "set-image-tag: berth:apps.${app}.image is not set in stack ${stack}; only apps with an image can be listed" >&2
    exit 1
  fi
  repository="$(repository_of "$current")"
  if [ -z "$repository" ]; then
    echo "set-image-tag: berth:apps.${app}.image in stack ${stack} names no repository: ${current}" >&2
    exit 1
  fi
  apps+=("$app")
  images+=("${current}|${repository}:${tag}")
done

for i in "${!apps[@]}"; do
  app="${apps[$i]}"
  current="${images[$i]%%|*}"
  next="${images[$i]#*|}"
  pulumi config set --path "apps.${app}.image" "$next" -s "$stack"
  echo "berth:apps.${app}.image (stack ${stack}): ${current} -> ${next}"
done
