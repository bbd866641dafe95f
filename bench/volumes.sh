#!/usr/bin/env bash
# Volume operations, side by side in one run: the docker CLI against Debian's
# dockerd, the docker CLI against ballastd, and bin/ballast against ballastd;
# then `volume ls` with N volumes in each daemon. Writes the table to
# docs/benchmarks-volumes.md (and prints it).
#   bench/volumes.sh [--runs N] [--volumes N]
source "$(dirname "$0")/lib.sh"
RUNS=20
NVOL=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --volumes) NVOL=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--volumes N]" >&2; exit 2 ;;
  esac
done
start_daemons
OUT="$BENCH_DIR/results"; mkdir -p "$OUT"
D="DOCKER_HOST=unix://$DOCKERD_SOCK docker"
BD="DOCKER_HOST=$BALLAST_HOST docker"
BB="$B"

measure() { # name command [prepare]
  local name=$1 cmd=$2 prep=${3:-}
  if [ -n "$prep" ]; then
    hyperfine -N --style none --warmup 2 --runs "$RUNS" --prepare "$prep" --export-json "$OUT/$name.json" "$cmd" >/dev/null 2>&1 ||
      hyperfine --style none --warmup 2 --runs "$RUNS" --prepare "$prep" --export-json "$OUT/$name.json" "$cmd" >/dev/null
  else
    hyperfine -N --style none --warmup 2 --runs "$RUNS" --export-json "$OUT/$name.json" "$cmd" >/dev/null 2>&1 ||
      hyperfine --style none --warmup 2 --runs "$RUNS" --export-json "$OUT/$name.json" "$cmd" >/dev/null
  fi
}

for who in D BD BB; do
  cli=${!who}
  sh -c "$cli volume create bench-keep" >/dev/null
  measure "$who-create" "sh -c '$cli volume create bench-x'" "sh -c '$cli volume rm -f bench-x >/dev/null'"
  measure "$who-inspect" "sh -c '$cli volume inspect bench-keep'"
  measure "$who-ls" "sh -c '$cli volume ls'"
  measure "$who-rm" "sh -c '$cli volume rm bench-x'" "sh -c '$cli volume create bench-x >/dev/null'"
done

# N volumes in each daemon, created through the API concurrently.
node "$REPO/bench/create-volumes.mjs" "$DOCKERD_SOCK" "$NVOL"
node "$REPO/bench/create-volumes.mjs" "$BALLAST_SOCK" "$NVOL"
LSRUNS=$(( RUNS < 5 ? RUNS : 5 ))
hyperfine --style none --warmup 1 --runs "$LSRUNS" --export-json "$OUT/D-ls-many.json" "sh -c '$D volume ls -q | wc -l'" >/dev/null
hyperfine --style none --warmup 1 --runs "$LSRUNS" --export-json "$OUT/BD-ls-many.json" "sh -c '$BD volume ls -q | wc -l'" >/dev/null
hyperfine --style none --warmup 1 --runs "$LSRUNS" --export-json "$OUT/BB-ls-many.json" "sh -c '$BB volume ls -q | wc -l'" >/dev/null

# The daemons alone: GET /volumes over the socket, no CLI decoding or sorting.
hyperfine -N --style none --warmup 1 --runs "$LSRUNS" --export-json "$OUT/D-api-many.json" "curl -s -o /dev/null --unix-socket $DOCKERD_SOCK http://d/v1.41/volumes" >/dev/null
hyperfine -N --style none --warmup 1 --runs "$LSRUNS" --export-json "$OUT/BD-api-many.json" "curl -s -o /dev/null --unix-socket $BALLAST_SOCK http://d/v1.41/volumes" >/dev/null
cp "$OUT/BD-api-many.json" "$OUT/BB-api-many.json"

node "$REPO/bench/report-volumes.mjs" "$OUT" "$NVOL" "$RUNS" | tee /dev/stderr | node "$REPO/bench/publish.mjs" volumes
