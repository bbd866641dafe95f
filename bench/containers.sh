#!/usr/bin/env bash
# Containers, side by side in one run with Debian's dockerd:
#  - `run --rm busybox true` through the docker CLI against each daemon and through bin/ballast;
#  - create-start-stop-rm cycles per second;
#  - dd of SIZE MiB into a volume, a bind mount, a tmpfs and the writable layer, against the
#    same dd on the host.
# Writes docs/benchmarks-containers.md.   bench/containers.sh [--runs N] [--size MiB]
source "$(dirname "$0")/lib.sh"
RUNS=15
SIZE=1024
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--size MiB]" >&2; exit 2 ;;
  esac
done
start_daemons
OUT="$BENCH_DIR/results"; mkdir -p "$OUT"
ROOTFS=$("$REPO/test/fixtures/busybox-rootfs.sh")
with_docker docker import "$ROOTFS" busybox:latest >/dev/null
with_ballastd docker import "$ROOTFS" busybox:latest >/dev/null

D="DOCKER_HOST=unix://$DOCKERD_SOCK docker"
BD="DOCKER_HOST=$BALLAST_HOST docker"
BB="$B"
for who in D BD BB; do
  cli=${!who}
  hyperfine --style none --warmup 2 --runs "$RUNS" --export-json "$OUT/$who-run.json" "sh -c '$cli run --rm busybox true'" >/dev/null
done

cycles() { # cli → cycles per second over N cycles
  local cli=$1 n=$2 start end
  start=$(date +%s.%N)
  for i in $(seq "$n"); do
    sh -c "$cli create --name cyc busybox sleep 60 >/dev/null && $cli start cyc >/dev/null && $cli stop -t 0 cyc >/dev/null && $cli rm cyc >/dev/null"
  done
  end=$(date +%s.%N)
  echo "$n / ($end - $start)" | bc -l
}
CD=$(cycles "$D" 10); CBD=$(cycles "$BD" 10); CBB=$(cycles "$BB" 10)

ddrate() { # MiB/s from dd's summary line
  # GNU dd: "…, 0.07 s, 908 MB/s"; busybox dd: "…, 0.12 seconds, 506.2MB/s"
  sed -n 's/.*[^0-9.]\([0-9.][0-9.]*\) \{0,1\}\([MG]\)B\/s.*/\1 \2/p' | awk '{ print ($2 == "G") ? $1 * 1000 : $1 }'
}
DD="dd if=/dev/zero of=FILE bs=1M count=$SIZE conv=fsync 2>&1 | tail -1"
mkdir -p "$BENCH_DIR/host" "$BENCH_DIR/bind"
HOST=$(sh -c "${DD/FILE/$BENCH_DIR/host/f}" | ddrate); rm -f "$BENCH_DIR/host/f"
declare -A R
for who in D BD; do
  cli=${!who}
  R[$who-volume]=$(sh -c "$cli run --rm -v benchvol:/v busybox sh -c '${DD/FILE//v/f}'" | ddrate)
  R[$who-bind]=$(sh -c "$cli run --rm -v $BENCH_DIR/bind:/b busybox sh -c '${DD/FILE//b/f}'" | ddrate); rm -f "$BENCH_DIR/bind/f"
  R[$who-tmpfs]=$(sh -c "$cli run --rm --tmpfs /t:size=$((SIZE + 64))m busybox sh -c '${DD/FILE//t/f}'" | ddrate)
  R[$who-layer]=$(sh -c "$cli run --rm busybox sh -c '${DD/FILE//f}'" | ddrate)
  sh -c "$cli volume rm benchvol" >/dev/null
done

median() { node -e "console.log((JSON.parse(require('fs').readFileSync('$1','utf8')).results[0].median*1000).toFixed(1))"; }
{
  echo "## Containers (issue 3)"
  echo
  echo "Measured by \`bench/containers.sh\` on $(date +%F) ($(nproc) cores), both daemons running at once, each on its own"
  echo "temporary root; \`docker\` is the stock CLI 28.2.2, dockerd is Debian's 20.10.24 (runc, overlay2); ballastd uses crun."
  echo
  echo "| measure | docker → dockerd | docker → ballastd | ballast → ballastd |"
  echo "|---|---|---|---|"
  echo "| \`run --rm busybox true\`, median of $RUNS | $(median "$OUT/D-run.json") ms | $(median "$OUT/BD-run.json") ms | $(median "$OUT/BB-run.json") ms |"
  printf '| create-start-stop-rm cycles per second | %.2f | %.2f | %.2f |\n' "$CD" "$CBD" "$CBB"
  echo
  echo "\`dd if=/dev/zero bs=1M count=$SIZE conv=fsync\` (MB/s; host: $HOST MB/s on the same filesystem)"
  echo
  echo "| target | dockerd | ballastd | ballastd / host |"
  echo "|---|---|---|---|"
  for t in volume bind tmpfs layer; do
    printf '| %s | %s | %s | %s |\n' "$t" "${R[D-$t]}" "${R[BD-$t]}" "$(echo "${R[BD-$t]} / $HOST" | bc -l | cut -c1-4)"
  done
  echo
  echo "Rerun: \`bench/containers.sh [--runs N] [--size MiB]\` as root."
} | tee /dev/stderr | node "$REPO/bench/publish.mjs" containers
