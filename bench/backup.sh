#!/usr/bin/env bash
# Volume backup and restore, side by side in one run (issue 5), on the data set of
# backup-landscape.md §6 (~1 GiB, 20,003 files, about half compressible):
#
#   m1   Method 1 on Debian's dockerd: docker run --rm -v vol:/data -v $PWD:/backup busybox tar czf …
#   m1r  Method 1's restore into a new volume: … busybox tar xzf …
#   host host GNU tar | zstd -3 -T2 (the speed target)        hostr  zstd -d | tar x
#   bk   ballast volume backup VOL -o FILE                     bkr    ballast volume restore FILE NEW
#   bks  ballast volume backup VOL > FILE (streamed through the CLI)
#
# Both daemons see the data through a local-driver bind volume over the same host directory
# (type=none,o=bind), as in the report. Page cache warm (the source is read before each trial);
# every timed step ends with `sync`. Medians of per-trial times and of per-trial ratios.
#   bench/backup.sh [--size-mib N (default 1024)] [--trials N (default 3)]
# Quick check: bench/backup.sh --size-mib 64 --trials 1
source "$(dirname "$0")/lib.sh"
SIZE_MIB=1024
TRIALS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mib) SIZE_MIB=$2; shift 2 ;;
    --trials) TRIALS=$2; shift 2 ;;
    *) echo "usage: $0 [--size-mib N] [--trials N]" >&2; exit 2 ;;
  esac
done
for tool in zstd tar docker dockerd; do command -v "$tool" >/dev/null || { echo "bench: $tool missing" >&2; exit 1; }; done

start_daemons
SRC="$BENCH_DIR/src"
OUT="$BENCH_DIR/out"
mkdir -p "$SRC" "$OUT"
echo "bench: generating $SIZE_MIB MiB of mixed files …" >&2
node "$REPO/bench/gen-backup-data.mjs" "$SRC" --scale "$(awk "BEGIN{print $SIZE_MIB/1024}")"
SRC_FILES=$(find "$SRC" -type f | wc -l)
SRC_BYTES=$(du -s -B1 --apparent-size "$SRC" | cut -f1)

# busybox for Method 1, from Debian's busybox-static (the cached rootfs the image scripts build).
BUSYBOX_TAR=$("$REPO/scripts/build-images.sh" --no-import --print busybox 2>/dev/null | awk '$1=="busybox"{print $3}' | tail -1)
[ -f "$BUSYBOX_TAR" ] || { echo "bench: no busybox rootfs (scripts/build-images.sh busybox)" >&2; exit 1; }
with_docker docker import "$BUSYBOX_TAR" busybox:bench >/dev/null
with_docker docker volume create -o type=none -o o=bind -o device="$SRC" bk-data >/dev/null
"$B" volume create -o type=none -o o=bind -o device="$SRC" bk-data >/dev/null

TIMES="$BENCH_DIR/times.tsv"
: >"$TIMES"
# timed NAME TRIAL CMD… : runs CMD, then sync; records wall seconds.
timed() {
  local name=$1 trial=$2
  shift 2
  sync
  local t0 t1
  t0=$(date +%s.%N)
  "$@"
  sync
  t1=$(date +%s.%N)
  echo -e "$name\t$trial\t$(awk "BEGIN{print $t1-$t0}")" >>"$TIMES"
}
check_tree() { # DIR LABEL
  local files bytes
  files=$(find "$1" -type f | wc -l)
  bytes=$(du -s -B1 --apparent-size "$1" | cut -f1)
  if [ "$files" != "$SRC_FILES" ]; then echo "bench: $2 restored $files files, expected $SRC_FILES" >&2; exit 1; fi
  echo "bench: $2 restored $files files, $bytes bytes (source $SRC_BYTES)" >&2
}
warm() { tar -C "$SRC" -cf - . | cat >/dev/null; }

m1() { with_docker docker run --rm --network none -v bk-data:/data -v "$OUT:/backup" busybox:bench tar czf /backup/m1.tar.gz -C /data .; }
m1r() { with_docker docker run --rm --network none -v "m1r-$1:/data" -v "$OUT:/backup" busybox:bench tar xzf /backup/m1.tar.gz -C /data; }
host() { tar -C "$SRC" -cf - . | zstd -q -3 -T2 >"$OUT/host.tar.zst"; }
hostr() { mkdir "$OUT/hostr-$1" && zstd -q -dc "$OUT/host.tar.zst" | tar -x -C "$OUT/hostr-$1"; }
bk() { rm -f "$OUT/bk.tar.zst"; "$B" volume backup bk-data -o "$OUT/bk.tar.zst"; }
bks() { "$B" volume backup bk-data >"$OUT/bks.tar.zst"; }
bkr() { "$B" volume restore "$OUT/bk.tar.zst" "bkr-$1" >/dev/null; }

for trial in $(seq "$TRIALS"); do
  echo "bench: trial $trial/$TRIALS" >&2
  warm; timed m1 "$trial" m1
  warm; timed host "$trial" host
  warm; timed bk "$trial" bk
  warm; timed bks "$trial" bks
  timed m1r "$trial" m1r "$trial"
  timed hostr "$trial" hostr "$trial"
  timed bkr "$trial" bkr "$trial"
  check_tree "$BENCH_DIR/docker-root/volumes/m1r-$trial/_data" "Method 1"
  check_tree "$OUT/hostr-$trial" "host zstd|tar"
  check_tree "$BENCH_DIR/ballast-root/volumes/bkr-$trial/_data" "ballast"
  "$B" volume verify "$OUT/bk.tar.zst" >/dev/null
  with_docker docker volume rm "m1r-$trial" >/dev/null
  "$B" volume rm "bkr-$trial" >/dev/null
  rm -rf "$OUT/hostr-$trial"
done

SIZES="m1=$(stat -c %s "$OUT/m1.tar.gz") host=$(stat -c %s "$OUT/host.tar.zst") bk=$(stat -c %s "$OUT/bk.tar.zst") bks=$(stat -c %s "$OUT/bks.tar.zst")"
node - "$TIMES" "$SIZE_MIB" "$SRC_FILES" "$SRC_BYTES" "$SIZES" <<'EOF'
const [times, sizeMib, files, bytes, sizes] = process.argv.slice(2);
const rows = require('fs').readFileSync(times, 'utf8').trim().split('\n').map((l) => l.split('\t'));
const t = {};
for (const [name, trial, secs] of rows) (t[name] ??= {})[trial] = Number(secs);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const trials = Object.keys(t.m1 ?? {});
const med = (n) => median(trials.map((k) => t[n][k]));
const ratio = (a, b) => median(trials.map((k) => t[a][k] / t[b][k]));
const size = Object.fromEntries(sizes.split(' ').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
const mb = (n) => (n / 1e6).toFixed(1) + ' MB';
const runs = (n) => trials.map((k) => t[n][k].toFixed(1)).join(', ');
const lines = [
  `Backup benchmark: ${sizeMib} MiB data set, ${files} files, ${bytes} bytes; ${trials.length} trial(s); medians (runs).`,
  '',
  '| step | time | runs | output | vs Method 1 | vs host tar\\|zstd |',
  '|---|---|---|---|---|---|',
  `| Method 1 backup (dockerd, busybox tar czf) | ${med('m1').toFixed(2)} s | ${runs('m1')} | ${mb(size.m1)} | 1.00 | ${ratio('m1', 'host').toFixed(2)} |`,
  `| host tar \\| zstd -3 -T2 | ${med('host').toFixed(2)} s | ${runs('host')} | ${mb(size.host)} | ${ratio('host', 'm1').toFixed(3)} | 1.00 |`,
  `| **ballast volume backup -o FILE** | **${med('bk').toFixed(2)} s** | ${runs('bk')} | ${mb(size.bk)} | ${ratio('bk', 'm1').toFixed(3)} (${ratio('m1', 'bk').toFixed(1)}× faster) | **${ratio('bk', 'host').toFixed(2)}** |`,
  `| ballast volume backup > FILE (streamed) | ${med('bks').toFixed(2)} s | ${runs('bks')} | ${mb(size.bks)} | ${ratio('bks', 'm1').toFixed(3)} | ${ratio('bks', 'host').toFixed(2)} |`,
  `| Method 1 restore (busybox tar xzf) | ${med('m1r').toFixed(2)} s | ${runs('m1r')} | | 1.00 | |`,
  `| host zstd -d \\| tar x | ${med('hostr').toFixed(2)} s | ${runs('hostr')} | | ${ratio('hostr', 'm1r').toFixed(3)} | |`,
  `| **ballast volume restore** | **${med('bkr').toFixed(2)} s** | ${runs('bkr')} | | ${ratio('bkr', 'm1r').toFixed(3)} (**${ratio('m1r', 'bkr').toFixed(1)}× faster**) | ${ratio('bkr', 'hostr').toFixed(2)} vs host restore |`,
  '',
  `Targets (issue 5): backup ≥ 15× faster than Method 1 → ${ratio('m1', 'bk').toFixed(1)}×; within 1.2× of host tar|zstd → ${ratio('bk', 'host').toFixed(2)}×; restore ≥ 3× faster than Method 1's → ${ratio('m1r', 'bkr').toFixed(1)}×.`,
];
console.log(lines.join('\n'));
EOF
