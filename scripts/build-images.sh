#!/usr/bin/env bash
# Builds the example images from Debian 12 packages and imports them into a daemon:
#
#   postgres:15     Debian's postgresql-15 + images/postgres/docker-entrypoint.sh
#   nginx:latest    Debian's nginx, laid out like the official image (images/nginx/)
#   node:18         Debian's nodejs (18) and npm
#   busybox:latest  Debian's busybox-static (test/fixtures/busybox-rootfs.sh)
#
# usage: scripts/build-images.sh [--no-import] [--print] [--rebuild] [IMAGE...]
#   IMAGE        postgres, nginx, node, busybox (default: all of them)
#   --no-import  only build (or find) the cached rootfs tarballs
#   --print      also print "<image> <tag> <tarball> <key>" per image on stdout (progress
#                goes to stderr), for tests and benchmarks
#   --rebuild    ignore cached tarballs
#
# Each rootfs is made by mmdebstrap (apt-get install -y mmdebstrap) from Debian's mirrors and
# cached as <cache>/<image>-<key>.tar, where <key> hashes everything in images/<image>/ and
# the recipe below: a rerun only imports (and skips images the daemon already has with the
# same key, recorded in the label org.ballast.image.key). Concurrent runs build each image once.
#
# Where images go: the daemon BALLAST_HOST names (through bin/ballast), else the one DOCKER_HOST
# names (through the docker CLI), else ballast's default socket.
#
# Environment: BALLAST_IMAGE_CACHE (default /var/cache/ballast-images), DEBIAN_MIRROR,
# DEBIAN_SECURITY_MIRROR, BALLAST_IMAGES_CLIENT=ballast|docker (force a client).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ALL_IMAGES=(postgres nginx node busybox)
# Bump when the recipe below changes in a way that must rebuild every image.
RECIPE=2
CACHE="${BALLAST_IMAGE_CACHE:-/var/cache/ballast-images}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
SUITE=bookworm

do_import=1 print=0 rebuild=0
images=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-import) do_import=0 ;;
    --print) print=1 ;;
    --rebuild) rebuild=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "build-images: unknown option $1" >&2; exit 2 ;;
    *)
      case " ${ALL_IMAGES[*]} " in
        *" $1 "*) images+=("$1") ;;
        *) echo "build-images: unknown image $1 (known: ${ALL_IMAGES[*]})" >&2; exit 2 ;;
      esac ;;
  esac
  shift
done
[ ${#images[@]} -gt 0 ] || images=("${ALL_IMAGES[@]}")

say() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

mkdir -p "$CACHE"

sources() {
  printf 'deb %s %s main\n' "$MIRROR" "$SUITE" "$MIRROR" "$SUITE-updates"
  printf 'deb %s %s-security main\n' "$SECURITY" "$SUITE"
}

# The cache key: the recipe, the mirrors, every file of images/<image>/ (names, modes, bytes),
# and for busybox the fixture tarball it is made from.
key_of() {
  local name="$1" dir="$REPO/images/$1"
  {
    echo "recipe=$RECIPE suite=$SUITE"
    sources
    (cd "$dir" && find . -type f | LC_ALL=C sort | while read -r f; do
      printf '%s %s %s\n' "$f" "$(stat -c %a "$f")" "$(sha256sum <"$f" | cut -c1-64)"
    done)
    if [ "$name" = busybox ]; then sha256sum <"$(busybox_fixture)" | cut -c1-64; fi
  } | sha256sum | cut -c1-16
}

busybox_fixture() { "$REPO/test/fixtures/busybox-rootfs.sh"; }

tarball_of() { echo "$CACHE/$1-$2.tar"; }

build_debian() {
  local name="$1" out="$2" dir="$REPO/images/$1"
  local pkgs
  pkgs="$(grep -v '^#' "$dir/packages" | xargs | tr ' ' ',')"
  local args=(
    --variant=apt --mode=root --format=tar
    # usr-is-merged instead of usrmerge, which would pull perl (~50 MB) into every image
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
    # No fsync per unpacked file: the result is a tarball written once at the end.
    --dpkgopt=force-unsafe-io
    --aptopt='APT::Install-Recommends "false"'
    --dpkgopt='path-exclude=/usr/share/doc/*'
    --dpkgopt='path-include=/usr/share/doc/*/copyright'
    --dpkgopt='path-exclude=/usr/share/man/*'
    --dpkgopt='path-exclude=/usr/share/info/*'
    --dpkgopt='path-exclude=/usr/share/locale/*'
    --dpkgopt='path-exclude=/usr/share/lintian/*'
    --skip=output/dev
    --include="$pkgs"
  )
  if [ -x "$dir/essential.sh" ]; then
    args+=(--essential-hook="IMAGE_DIR='$dir' '$dir/essential.sh' \"\$1\"")
  fi
  if [ -x "$dir/customize.sh" ]; then
    args+=(--customize-hook="IMAGE_DIR='$dir' '$dir/customize.sh' \"\$1\"")
  fi
  # Leave no apt state behind that the image does not need.
  args+=(--customize-hook='rm -rf "$1"/var/log/apt/* "$1"/var/log/dpkg.log "$1"/var/cache/debconf/*-old')
  local mirrors=()
  while read -r line; do mirrors+=("$line"); done < <(sources)
  mmdebstrap "${args[@]}" "$SUITE" "$out" "${mirrors[@]}"
}

build_busybox() {
  cp "$(busybox_fixture)" "$1"
}

# Build one image into the cache unless it is there; prints nothing on stdout.
ensure_tarball() {
  local name="$1" key="$2" tar log tmp
  tar="$(tarball_of "$name" "$key")"
  log="$CACHE/$name-$key.log"
  exec 8>"$CACHE/.$name.lock"
  flock 8
  if [ "$rebuild" = 0 ] && [ -s "$tar" ]; then exec 8>&-; return 0; fi
  tmp="$CACHE/.$name-$key.$$.tar"
  local t0; t0="$(now)"
  say "build $name: building rootfs (log: $log)"
  if [ "$name" = busybox ]; then build_busybox "$tmp" >"$log" 2>&1 || { say "build $name failed:"; tail -n 30 "$log" >&2; rm -f "$tmp"; return 1; }
  else build_debian "$name" "$tmp" >"$log" 2>&1 || { say "build $name failed:"; tail -n 30 "$log" >&2; rm -f "$tmp"; return 1; }
  fi
  mv "$tmp" "$tar"
  # Older builds of the same image are superseded.
  find "$CACHE" -maxdepth 1 -name "$name-*.tar" ! -name "$name-$key.tar" -delete
  find "$CACHE" -maxdepth 1 -name "$name-*.log" ! -name "$name-$key.log" -delete
  say "build $name: done in $(since "$t0") s ($(du -h "$tar" | cut -f1))"
  exec 8>&-
}

# --- the client that imports ------------------------------------------------------------------
client=()
pick_client() {
  local which="${BALLAST_IMAGES_CLIENT:-}"
  if [ -z "$which" ]; then
    if [ -n "${BALLAST_HOST:-}" ] || [ -z "${DOCKER_HOST:-}" ]; then which=ballast; else which=docker; fi
  fi
  case "$which" in
    ballast) client=("$REPO/bin/ballast") ;;
    docker)
      client=(docker)
      # The docker CLI talks to BALLAST_HOST when only that is set.
      if [ -z "${DOCKER_HOST:-}" ] && [ -n "${BALLAST_HOST:-}" ]; then export DOCKER_HOST="$BALLAST_HOST"; fi ;;
    *) say "BALLAST_IMAGES_CLIENT must be ballast or docker"; exit 2 ;;
  esac
}

import_image() {
  local name="$1" key="$2" tar="$3" tag have
  tag="$(cat "$REPO/images/$name/tag")"
  have="$("${client[@]}" image inspect -f '{{index .Config.Labels "org.ballast.image.key"}}' "$tag" 2>/dev/null || true)"
  if [ "$have" = "$key" ]; then
    say "import $tag: already there (key $key)"
    return 0
  fi
  local changes=()
  while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    changes+=(--change "$line")
  done <"$REPO/images/$name/changes"
  changes+=(--change "LABEL org.ballast.image.key=$key")
  local t0; t0="$(now)"
  "${client[@]}" import "${changes[@]}" "$tar" "$tag" >/dev/null
  say "import $tag: done in $(since "$t0") s"
}

# --- main ------------------------------------------------------------------------------------
t_all="$(now)"
declare -A keys
for name in "${images[@]}"; do keys[$name]="$(key_of "$name")"; done

# mmdebstrap, once, before the builds start side by side (they would race for dpkg's lock).
for name in "${images[@]}"; do
  if [ "$name" != busybox ] && { [ "$rebuild" = 1 ] || [ ! -s "$(tarball_of "$name" "${keys[$name]}")" ]; }; then
    command -v mmdebstrap >/dev/null || {
      say "mmdebstrap is missing: installing it (apt-get install -y mmdebstrap)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y mmdebstrap >&2
    }
    break
  fi
done

# Builds run side by side: they mostly wait on the mirror.
pids=()
for name in "${images[@]}"; do
  ensure_tarball "$name" "${keys[$name]}" &
  pids+=("$!")
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ "$failed" = 0 ] || { say "build-images: some images failed to build"; exit 1; }

if [ "$do_import" = 1 ]; then
  pick_client
  for name in "${images[@]}"; do
    import_image "$name" "${keys[$name]}" "$(tarball_of "$name" "${keys[$name]}")"
  done
fi
if [ "$print" = 1 ]; then
  for name in "${images[@]}"; do
    printf '%s %s %s %s\n' "$name" "$(cat "$REPO/images/$name/tag")" "$(tarball_of "$name" "${keys[$name]}")" "${keys[$name]}"
  done
fi
say "build-images: ${images[*]} ready in $(since "$t_all") s"
