# Shared by the bench scripts: start ballastd and Debian's dockerd side by side
# on temporary roots and sockets, and stop both on exit.
set -euo pipefail
BENCH_DIR=$(mktemp -d /tmp/ballast-bench.XXXXXX)
BALLAST_SOCK="$BENCH_DIR/ballast.sock"
DOCKERD_SOCK="$BENCH_DIR/dockerd.sock"
export BALLAST_HOST="unix://$BALLAST_SOCK"
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B="$REPO/bin/ballast"

start_daemons() {
  "$REPO/bin/ballastd" --root "$BENCH_DIR/ballast-root" --host "$BALLAST_HOST" --log-level warn 2>"$BENCH_DIR/ballastd.log" &
  BALLASTD_PID=$!
  dockerd --data-root "$BENCH_DIR/docker-root" --exec-root "$BENCH_DIR/docker-exec" \
    --host "unix://$DOCKERD_SOCK" --pidfile "$BENCH_DIR/dockerd.pid" \
    --iptables=false --ip6tables=false --bridge=none >"$BENCH_DIR/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  for _ in $(seq 200); do
    if DOCKER_HOST="unix://$DOCKERD_SOCK" docker version >/dev/null 2>&1 && "$B" version >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "bench: daemons did not start (see $BENCH_DIR/*.log)" >&2
  return 1
}

stop_daemons() {
  kill "${BALLASTD_PID:-}" "${DOCKERD_PID:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  # dockerd bind-mounts its data root onto itself and containerd leaves mounts under the exec
  # root; unmount whatever is left below the bench directory, deepest first, until none is.
  for _ in 1 2 3 4 5; do
    local left
    left=$(awk -v d="$BENCH_DIR" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
    [ -z "$left" ] && break
    echo "$left" | xargs -r -n1 umount -l 2>/dev/null || true
    sleep 0.2
  done
  rm -rf "$BENCH_DIR"
}
trap stop_daemons EXIT

with_docker() { DOCKER_HOST="unix://$DOCKERD_SOCK" "$@"; }
with_ballastd() { DOCKER_HOST="$BALLAST_HOST" "$@"; }
