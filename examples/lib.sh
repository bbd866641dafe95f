# Shared by the example scripts (sourced, not run). Each example prints every command it runs
# ("$ ballast …") and what it shows, and checks what it claims (a failed check exits 1).
#
# Environment:
#   BALLAST_HOST   the daemon to use. Unset: the example starts its own ballastd on a temporary
#                  root and socket and stops it at the end (nothing on the machine is touched).
#   EXAMPLE_CLI    ballast (default: bin/ballast) or docker (the stock docker CLI, pointed at
#                  the same daemon through DOCKER_HOST).
#   EXAMPLE_DIR    the project directory ("$(pwd)" of the reference document); default a
#                  temporary directory. Created if missing.
#   KEEP=1         leave containers, volumes, files (and a private daemon) in place at the end.
#   EXAMPLE_PGPORT / EXAMPLE_HTTP_PORT   ports for --network host servers (5432 / 8080 / 3000).
set -euo pipefail

EXAMPLES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$EXAMPLES_DIR/.." && pwd)"
EXAMPLE_CLI="${EXAMPLE_CLI:-ballast}"
PGPORT_HOST="${EXAMPLE_PGPORT:-5432}"

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$'\033[1m' D=$'\033[2m' R=$'\033[0m'; else B='' D='' R=''; fi
step() { printf '\n%s==> %s%s\n' "$B" "$*" "$R"; }
say() { printf '    %s\n' "$*"; }
fail() { printf '\n!!! %s\n' "$*" >&2; exit 1; }

# The client, under the name the examples show. `docker` runs the stock CLI against our daemon.
case "$EXAMPLE_CLI" in
  ballast) CLI_NAME=ballast; cli_cmd() { "$REPO/bin/ballast" "$@"; } ;;
  docker) CLI_NAME=docker; cli_cmd() { DOCKER_HOST="$BALLAST_HOST" command docker "$@"; } ;;
  *) echo "EXAMPLE_CLI must be ballast or docker" >&2; exit 2 ;;
esac
ballast() { cli_cmd "$@"; }

# A command as the reader would type it: words quoted only when they need it, and the
# client under the name being used.
fmt_cmd() {
  local out=() a
  for a in "$@"; do
    if [[ "$a" =~ ^[][A-Za-z0-9_@%+=:,./-]+$ ]]; then out+=("$a")
    elif [[ "$a" != *[\"\$\`\\!]* ]]; then out+=("\"$a\"")
    else out+=("'${a//\'/\'\\\'\'}'"); fi
  done
  [ "${out[0]}" = ballast ] && out[0]="$CLI_NAME"
  printf '%s' "${out[*]}"
}
show_cmd() { printf '%s$ %s%s\n' "$D" "$(fmt_cmd "$@")" "$R"; }
# Show a command, then run it; its output is indented under it.
run() {
  show_cmd "$@"
  "$@" 2>&1 | sed 's/^/    /'
  return "${PIPESTATUS[0]}"
}
# Like run, with stdin from a file (shown as "< file").
run_stdin() {
  local file="$1"; shift
  printf '%s$ %s < %s%s\n' "$D" "$(fmt_cmd "$@")" "$file" "$R"
  "$@" <"$file" 2>&1 | sed 's/^/    /'
  return "${PIPESTATUS[0]}"
}
# Like run, with stdout into a file (shown as "> file"); stderr stays on screen.
run_to() {
  local file="$1"; shift
  printf '%s$ %s > %s%s\n' "$D" "$(fmt_cmd "$@")" "$file" "$R"
  "$@" >"$file"
}

expect_eq() { # expect_eq WHAT EXPECTED ACTUAL
  if [ "$2" != "$3" ]; then fail "$1: expected [$2], got [$3]"; fi
  say "ok: $1"
}

# --- clean-up --------------------------------------------------------------------------------
OWN_DAEMON=0
OWN_WORKDIR=0
EXAMPLE_DIR="${EXAMPLE_DIR:-}"
CLEAN_CONTAINERS=()
CLEAN_VOLUMES=()
CLEAN_IMAGES=()
# Names this example uses: leftovers of an earlier run are removed first, and at the end
# (unless KEEP=1) again.
uses_containers() { CLEAN_CONTAINERS+=("$@"); ballast rm -f "$@" >/dev/null 2>&1 || :; }
uses_volumes() { CLEAN_VOLUMES+=("$@"); ballast volume rm -f "$@" >/dev/null 2>&1 || :; }

example_cleanup() {
  local status=$?
  if [ "${KEEP:-0}" = 1 ]; then
    printf '\n(KEEP=1: left in place: project %s; daemon %s, root %s)\n' "$EXAMPLE_DIR" "${BALLAST_HOST:-}" "${ROOT:-}"
    return "$status"
  fi
  if [ "${#CLEAN_CONTAINERS[@]}" -gt 0 ]; then ballast rm -f "${CLEAN_CONTAINERS[@]}" >/dev/null 2>&1 || :; fi
  if [ "${#CLEAN_VOLUMES[@]}" -gt 0 ]; then ballast volume rm -f "${CLEAN_VOLUMES[@]}" >/dev/null 2>&1 || :; fi
  if [ "${#CLEAN_IMAGES[@]}" -gt 0 ]; then ballast rmi "${CLEAN_IMAGES[@]}" >/dev/null 2>&1 || :; fi
  if [ "$OWN_WORKDIR" = 1 ]; then rm -rf "$EXAMPLE_DIR"; fi
  if [ "$OWN_DAEMON" = 1 ]; then
    kill "$OWN_DAEMON_PID" 2>/dev/null || :
    wait "$OWN_DAEMON_PID" 2>/dev/null || :
    # Nothing of the daemon's may stay mounted under the tree about to be removed.
    grep -o " $OWN_DIR/[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r | xargs -r -n1 umount -l 2>/dev/null || :
    rm -rf "$OWN_DIR"
  fi
  return "$status"
}
trap example_cleanup EXIT

# --- the daemon ------------------------------------------------------------------------------
if [ -z "${BALLAST_HOST:-}" ]; then
  OWN_DAEMON=1
  OWN_DIR="$(mktemp -d /tmp/ballast-example.XXXXXX)"
  export BALLAST_HOST="unix://$OWN_DIR/ballast.sock"
  "$REPO/bin/ballastd" --root "$OWN_DIR/root" --host "$BALLAST_HOST" >"$OWN_DIR/ballastd.log" 2>&1 &
  OWN_DAEMON_PID=$!
  for _ in $(seq 200); do "$REPO/bin/ballast" version >/dev/null 2>&1 && break; sleep 0.05; done
  "$REPO/bin/ballast" version >/dev/null 2>&1 || { cat "$OWN_DIR/ballastd.log" >&2; fail "ballastd did not start"; }
fi
ROOT="$("$REPO/bin/ballast" info -f '{{.DockerRootDir}}' 2>/dev/null || docker -H "$BALLAST_HOST" info -f '{{.DockerRootDir}}')"

# --- the project directory -------------------------------------------------------------------
if [ -n "$EXAMPLE_DIR" ]; then mkdir -p "$EXAMPLE_DIR"
else EXAMPLE_DIR="$(mktemp -d /tmp/ballast-example-work.XXXXXX)"; OWN_WORKDIR=1; fi
EXAMPLE_DIR="$(cd "$EXAMPLE_DIR" && pwd)"
cd "$EXAMPLE_DIR"

# --- images ----------------------------------------------------------------------------------
# need_image postgres|nginx|node|busybox: import it (building it first if it is not cached).
need_image() {
  local name tag
  for name; do
    tag="$(cat "$REPO/images/$name/tag")"
    if ! ballast image inspect "$tag" >/dev/null 2>&1; then
      say "importing $tag (scripts/build-images.sh $name)"
      BALLAST_IMAGES_CLIENT="$EXAMPLE_CLI" DOCKER_HOST="$BALLAST_HOST" \
        "$REPO/scripts/build-images.sh" "$name" 2>&1 | sed 's/^/    /'
    fi
  done
}

# app_image TAG PROGRAM: an image standing in for the document's made-up ones (data-processor,
# extractor, myapp …): the busybox rootfs plus PROGRAM as /usr/local/bin/app, its CMD.
# Made the way any rootfs becomes an image: `import --change`.
app_image() {
  local tag="$1" program="$2" base work
  need_image busybox
  base="$("$REPO/scripts/build-images.sh" --no-import --print busybox 2>/dev/null | awk '{ print $3 }')"
  work="$(mktemp -d)"
  cp "$base" "$work/rootfs.tar"
  mkdir -p "$work/add/usr/local/bin"
  install -m 0755 "$program" "$work/add/usr/local/bin/app"
  tar --numeric-owner --owner=0 --group=0 -rf "$work/rootfs.tar" -C "$work/add" ./usr/local/bin/app
  CLEAN_IMAGES+=("$tag")
  say "image $tag = busybox + $(basename "$program") as /usr/local/bin/app"
  show_cmd ballast import --change 'CMD ["app"]' rootfs.tar "$tag"
  ballast import --change 'CMD ["app"]' "$work/rootfs.tar" "$tag" >/dev/null
  rm -rf "$work"
}

# manifest DIR: one line per entry below DIR (path, type, mode, owner, size, symlink target,
# sha256 of regular files), sorted: two trees with equal manifests hold the same files and bytes.
manifest() {
  (cd "$1" && find . -mindepth 1 -printf '%P\t%y %m %U:%G\t%l\n' | LC_ALL=C sort |
    while IFS=$'\t' read -r p meta target; do
      case "$meta" in
        f*) echo "$p $meta $(stat -c %s "$p") $(sha256sum <"$p" | cut -c1-64)" ;;
        l*) echo "$p $meta -> $target" ;;
        *) echo "$p $meta" ;;
      esac
    done)
}

# seed_volume NAME: fill a volume with files worth backing up (text, 3 MiB of random bytes, a
# hidden file, a name with spaces, a symlink, an empty directory, a file owned by uid 1000 with
# mode 640), copied in from ./seed by a busybox container.
seed_volume() {
  need_image busybox
  rm -rf seed && mkdir -p seed/data seed/uploads seed/cache
  printf 'listen = 8080\nworkers = 4\n' >seed/app.conf
  head -c 3145728 /dev/urandom >seed/data/records.bin
  echo secret-ish >seed/data/.hidden
  echo "remember the milk" >"seed/notes 2024.txt"
  head -c 200000 /dev/urandom >seed/uploads/photo.jpg
  chown 1000:1000 seed/uploads/photo.jpg && chmod 640 seed/uploads/photo.jpg
  ln -s data/records.bin seed/current
  run ballast volume create "$1"
  run ballast run --rm -v "$1:/data" -v "$(pwd)/seed:/seed:ro" busybox cp -a /seed/. /data/
}

# wait_for_postgres CONTAINER: until `exec CONTAINER pg_isready` says the server accepts
# connections (the image's init-time server is private, so this means the real one).
wait_for_postgres() {
  local i
  show_cmd ballast exec "$1" pg_isready -U postgres
  for i in $(seq 300); do
    if ballast exec "$1" pg_isready -U postgres -q >/dev/null 2>&1; then say "ready after $((i / 5)).$((i % 5 * 2)) s"; return 0; fi
    if [ "$(ballast inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = false ]; then
      ballast logs "$1" 2>&1 | tail -n 20 >&2
      fail "$1 exited before accepting connections"
    fi
    sleep 0.2
  done
  ballast logs "$1" 2>&1 | tail -n 20 >&2
  fail "$1 did not accept connections within 60 s"
}

# The volume's directory on the host, as Docker users know it.
volume_dir() { echo "$ROOT/volumes/$1/_data"; }
