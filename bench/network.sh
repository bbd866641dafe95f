#!/usr/bin/env bash
# Networking, side by side in one run with Debian's dockerd (its bridge works here for user
# networks; it runs with --iptables=false, so its published ports go through docker-proxy):
#  - the time networking adds to `run --rm busybox true`: --network none against a user
#    network (and, for ballast, the default bridge and a user network with a published port);
#  - a published port against the container's own address, from the host: bulk download
#    (64 MiB, curl, MiB/s) and one-connection-per-request rate and latency (busybox httpd).
# Writes docs/benchmarks-network.md.   bench/network.sh [--runs N] [--secs S]
source "$(dirname "$0")/lib.sh"
RUNS=15
SECS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --secs) SECS=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--secs S]" >&2; exit 2 ;;
  esac
done
# ballast's networks from a private pool, so the bench never takes Docker's defaults.
export BALLAST_DEFAULT_ADDRESS_POOL="base=10.$((200 + RANDOM % 50)).0.0/16,size=24"
start_daemons
OUT="$BENCH_DIR/results"; mkdir -p "$OUT"
ROOTFS=$("$REPO/test/fixtures/busybox-rootfs.sh")
with_docker docker import "$ROOTFS" busybox:latest >/dev/null
with_ballastd docker import "$ROOTFS" busybox:latest >/dev/null
with_docker docker network create benchnet >/dev/null
with_ballastd docker network create benchnet >/dev/null

D="DOCKER_HOST=unix://$DOCKERD_SOCK docker"
BD="DOCKER_HOST=$BALLAST_HOST docker"
median() { node -e "console.log((JSON.parse(require('fs').readFileSync('$1','utf8')).results[0].median*1000).toFixed(1))"; }
hf() { # name command
  hyperfine --style none --warmup 2 --runs "$RUNS" --export-json "$OUT/$1.json" "$2" >/dev/null
  median "$OUT/$1.json"
}
declare -A T
T[D-none]=$(hf D-none "sh -c '$D run --rm --network none busybox true'")
T[D-user]=$(hf D-user "sh -c '$D run --rm --network benchnet busybox true'")
T[B-none]=$(hf B-none "sh -c '$BD run --rm --network none busybox true'")
T[B-bridge]=$(hf B-bridge "sh -c '$BD run --rm busybox true'")
T[B-user]=$(hf B-user "sh -c '$BD run --rm --network benchnet busybox true'")
T[B-port]=$(hf B-port "sh -c '$BD run --rm --network benchnet -p 80 busybox true'")
T[BB-none]=$(hf BB-none "sh -c '$B run --rm --network none busybox true'")
T[BB-user]=$(hf BB-user "sh -c '$B run --rm --network benchnet busybox true'")
diff() { echo "$1 - $2" | bc -l | xargs printf '%.1f'; }
# The machine is shared, so blocks of runs drift apart: the added time is also measured as the
# median over interleaved pairs (none, then the network) of the difference.
pairs() { # cli network extra-args → median ms of (with network − none)
  local i a b c
  for i in $(seq "$RUNS"); do
    a=$(date +%s%N); sh -c "$1 run --rm --network none busybox true" >/dev/null
    b=$(date +%s%N); sh -c "$1 run --rm --network $2 $3 busybox true" >/dev/null
    c=$(date +%s%N); echo $(( (c - b) - (b - a) ))
  done | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1e6 }'
}
declare -A P
P[D-user]=$(pairs "$D" benchnet "")
P[B-user]=$(pairs "$BD" benchnet "")
P[B-bridge]=$(pairs "$BD" bridge "")
P[B-port]=$(pairs "$BD" benchnet "-p 80")
# The engine's own network work, without CLI, daemon and runtime around it.
MICRO=$(node "$REPO/dist/bench/network-setup.js" 30)
mf() { node -e "console.log(JSON.parse(process.argv[1]).$2.toFixed(1))" "$1"; }

# Throughput: a 64 MiB file and a small page served by busybox httpd on each daemon.
SRV="mkdir -p /www && echo ok > /www/index.html && dd if=/dev/zero of=/www/big bs=1M count=64 2>/dev/null && exec httpd -f -p 80 -h /www"
free_port() { node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})"; }
PD=$(free_port); PB=$(free_port)
sh -c "$D run -d --name srv --network benchnet -p $PD:80 busybox sh -c '$SRV'" >/dev/null
sh -c "$BD run -d --name srv --network benchnet -p $PB:80 busybox sh -c '$SRV'" >/dev/null
IPD=$(sh -c "$D inspect -f '{{(index .NetworkSettings.Networks \"benchnet\").IPAddress}}' srv")
IPB=$(sh -c "$BD inspect -f '{{(index .NetworkSettings.Networks \"benchnet\").IPAddress}}' srv")
for url in "http://$IPD/index.html" "http://127.0.0.1:$PD/index.html" "http://$IPB/index.html" "http://127.0.0.1:$PB/index.html"; do
  for _ in $(seq 100); do curl -sf -o /dev/null "$url" && break; sleep 0.1; done
done
# Direct and published are measured alternately, round after round, so load changes on a shared
# machine hit both alike; medians over the rounds.
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mib() { curl -s -o /dev/null -w '%{speed_download}\n' "$1" | awk '{ printf "%.0f\n", $1 / 1048576 }'; }
load() { node "$REPO/bench/net-load.mjs" "$1" 4 "$SECS"; }
declare -A X L
for who in D B; do
  if [ "$who" = D ]; then ip=$IPD; port=$PD; else ip=$IPB; port=$PB; fi
  : >"$OUT/$who-bulk-direct"; : >"$OUT/$who-bulk-pub"; : >"$OUT/$who-load-direct"; : >"$OUT/$who-load-pub"
  for _ in $(seq 9); do
    mib "http://$ip/big" >>"$OUT/$who-bulk-direct"
    mib "http://127.0.0.1:$port/big" >>"$OUT/$who-bulk-pub"
  done
  for _ in $(seq 5); do
    load "http://$ip/index.html" >>"$OUT/$who-load-direct"
    load "http://127.0.0.1:$port/index.html" >>"$OUT/$who-load-pub"
  done
  X[$who-direct]=$(med <"$OUT/$who-bulk-direct"); X[$who-pub]=$(med <"$OUT/$who-bulk-pub")
  for path in direct pub; do
    L[$who-$path]="$(awk '{print $1}' "$OUT/$who-load-$path" | med) $(awk '{print $2}' "$OUT/$who-load-$path" | med) $(awk '{print $3}' "$OUT/$who-load-$path" | med)"
  done
done
sh -c "$D rm -f srv; $BD rm -f srv" >/dev/null
pct() { echo "100 * $1 / $2" | bc -l | xargs printf '%.0f'; }
f() { echo "$1" | awk "{print \$$2}"; }

DOC="$REPO/docs/benchmarks-network.md"
{
  echo "# Networking benchmarks"
  echo
  echo "\`bench/network.sh --runs $RUNS --secs $SECS\` on $(nproc) vCPUs, $(uname -r), $(date -u +%Y-%m-%d). Medians; the machine is shared (load average $(cut -d' ' -f1-3 /proc/loadavg) at the end), so figures are noisy."
  echo "dockerd is Debian's $(dockerd --version | awk '{print $3}' | tr -d ,) with \`--iptables=false --bridge=none\` (user networks work; published ports go through docker-proxy)."
  echo
  echo "## Time networking adds to \`run --rm busybox true\` (ms, median of $RUNS)"
  echo
  echo "| client → daemon | --network none | user network | default bridge | user net + \`-p 80\` |"
  echo "|---|---|---|---|---|"
  echo "| docker → dockerd | ${T[D-none]} | ${T[D-user]} | – | – |"
  echo "| docker → ballastd | ${T[B-none]} | ${T[B-user]} | ${T[B-bridge]} | ${T[B-port]} |"
  echo "| ballast → ballastd | ${T[BB-none]} | ${T[BB-user]} | – | – |"
  echo
  echo "Added time, median over $RUNS interleaved pairs (\`none\` then the network) of the difference, ms:"
  echo
  echo "| client → daemon | user network | default bridge | user net + \`-p 80\` |"
  echo "|---|---|---|---|"
  echo "| docker → dockerd | ${P[D-user]} | – | – |"
  echo "| docker → ballastd | **${P[B-user]}** | ${P[B-bridge]} | ${P[B-port]} |"
  echo
  echo "The engine's own per-container network work (\`dist/bench/network-setup.js\`: netns + veth + addresses + the 127.0.0.11 table + one published port; 30 rounds): setup median **$(mf "$MICRO" setupMedianMs) ms** (min $(mf "$MICRO" setupMinMs)), teardown median $(mf "$MICRO" teardownMedianMs) ms."
  echo
  echo "## Published port against the container's own address (host → container, busybox httpd)"
  echo
  echo "| daemon | path | 64 MiB download, MiB/s (median of 9) | req/s (c=4, new connection each; median of 5 × ${SECS} s) | p50 ms | p99 ms |"
  echo "|---|---|---|---|---|---|"
  echo "| dockerd | container IP | ${X[D-direct]} | $(f "${L[D-direct]}" 1) | $(f "${L[D-direct]}" 2) | $(f "${L[D-direct]}" 3) |"
  echo "| dockerd | 127.0.0.1:port (docker-proxy) | ${X[D-pub]} ($(pct "${X[D-pub]}" "${X[D-direct]}") %) | $(f "${L[D-pub]}" 1) ($(pct "$(f "${L[D-pub]}" 1)" "$(f "${L[D-direct]}" 1)") %) | $(f "${L[D-pub]}" 2) | $(f "${L[D-pub]}" 3) |"
  echo "| ballastd | container IP | ${X[B-direct]} | $(f "${L[B-direct]}" 1) | $(f "${L[B-direct]}" 2) | $(f "${L[B-direct]}" 3) |"
  echo "| ballastd | 127.0.0.1:port (nftables DNAT) | ${X[B-pub]} (**$(pct "${X[B-pub]}" "${X[B-direct]}") %**) | $(f "${L[B-pub]}" 1) (**$(pct "$(f "${L[B-pub]}" 1)" "$(f "${L[B-direct]}" 1)") %**) | $(f "${L[B-pub]}" 2) | $(f "${L[B-pub]}" 3) |"
  echo
  echo "Targets (issue 6): networking adds ≤ 25 ms to \`run\`; a published port reaches ≥ 90 % of the container's own address."
} > "$DOC"
cat "$DOC"
