#!/usr/bin/env bash
# Pattern 3 of the reference document ("Multi-Stage Processing"): extract → transform → load,
# each stage a container, handing data over in volumes that the next stage mounts read-only.
# The three stage images are made here (busybox + a script) with `import`.
. "$(dirname "$0")/lib.sh"

step "Pattern 3: multi-stage processing"
uses_volumes raw-data processed-data

cat >extract.sh <<'PROG'
#!/bin/sh
# Extract: 1000 raw events from "the source" (generated, so every run is the same).
set -eu
awk 'BEGIN { for (i = 1; i <= 1000; i++) printf "%d,user%d,%d\n", i, i % 7, (i * 37) % 100 }' >/data/events.csv
sha256sum /data/events.csv | cut -c1-64 >/data/events.sha256
echo "extracted $(wc -l </data/events.csv) events into /data"
PROG
cat >transform.sh <<'PROG'
#!/bin/sh
# Transform: check the raw data, total the values per user.
set -eu
if touch /input/.probe 2>/dev/null; then echo "input is writable!"; exit 1; fi
[ "$(sha256sum /input/events.csv | cut -c1-64)" = "$(cat /input/events.sha256)" ]
awk -F, '{ t[$2] += $3; n[$2]++ } END { for (u in t) printf "%s,%d,%d\n", u, n[u], t[u] }' /input/events.csv |
  sort >/output/totals.csv
echo "transformed: $(wc -l </output/totals.csv) users (input read-only, checksum ok)"
PROG
cat >load.sh <<'PROG'
#!/bin/sh
# Load: read the processed data (read-only) and load it into "the warehouse" (stdout here).
set -eu
if touch /data/.probe 2>/dev/null; then echo "data is writable!"; exit 1; fi
while IFS=, read -r user events total; do echo "load $user events=$events total=$total"; done </data/totals.csv
echo "loaded $(wc -l </data/totals.csv) rows"
PROG
app_image extractor extract.sh
app_image transformer transform.sh
app_image loader load.sh

step "Stage 1: Extract"
run ballast run --rm \
  -v raw-data:/data \
  extractor

step "Stage 2: Transform"
run ballast run --rm \
  -v raw-data:/input:ro \
  -v processed-data:/output \
  transformer

step "Stage 3: Load"
run ballast run --rm \
  -v processed-data:/data:ro \
  loader
expect_eq "loaded rows" "loaded 7 rows" "$(ballast run --rm -v processed-data:/data:ro loader | tail -n 1)"

step "The hand-over volumes on the host"
run ls -l "$(volume_dir raw-data)" "$(volume_dir processed-data)"
expect_eq "events in raw-data" "1000" "$(wc -l <"$(volume_dir raw-data)/events.csv")"
