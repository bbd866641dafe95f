#!/usr/bin/env bash
# Example 4 of the reference document ("Data Processing Pipeline"): CSV files are processed
# with the input bind-mounted read-only, results written to an output bind, intermediate
# results kept in a cache volume that the next run reuses, and scratch work in a size-limited
# tmpfs. "data-processor" is made here (busybox + process.sh) with `import`.
. "$(dirname "$0")/lib.sh"

step "Example 4: data processing pipeline"
uses_volumes processing-cache

step "The processor: sums units and revenue per region, caching per-file totals in /cache"
cat >process.sh <<'PROG'
#!/bin/sh
set -eu
if touch /input/.probe 2>/dev/null; then echo "input is writable!"; exit 1; fi
echo "input: $(ls /input | wc -l) file(s), read-only"
echo "tmp:   $(df -h /tmp | awk 'NR == 2 { print $1 ", " $2 }')"
hits=0 misses=0
: >/tmp/all.csv
for f in /input/*.csv; do
  key=$(sha256sum "$f" | cut -c1-16)
  if [ -f "/cache/$key.totals" ]; then
    hits=$((hits + 1))
  else
    misses=$((misses + 1))
    # Temporary calculations in /tmp (tmpfs: memory, gone with the container).
    tail -n +2 "$f" | sort -t, -k1,1 >/tmp/sorted.csv
    awk -F, '{ u[$1] += $3; r[$1] += $3 * $4 } END { for (k in u) printf "%s,%d,%.2f\n", k, u[k], r[k] }' \
      /tmp/sorted.csv | sort >"/cache/$key.totals"
  fi
  cat "/cache/$key.totals" >>/tmp/all.csv
done
echo "region,units,revenue" >/output/report.csv
awk -F, '{ u[$1] += $2; r[$1] += $3 } END { for (k in u) printf "%s,%d,%.2f\n", k, u[k], r[k] }' /tmp/all.csv |
  sort >>/output/report.csv
echo "cache: $hits hit(s), $misses miss(es)" | tee /output/cache-stats.txt
PROG
app_image data-processor process.sh

step "Input on the host"
mkdir -p input output
printf 'region,product,units,price\nnorth,apple,10,0.50\nsouth,pear,4,0.75\nnorth,pear,3,0.75\neast,plum,7,1.10\n' >input/sales-jan.csv
printf 'region,product,units,price\nsouth,apple,12,0.50\neast,apple,1,0.50\nnorth,plum,2,1.10\n' >input/sales-feb.csv
run ls -l input

step "Process CSV files (first run: nothing cached yet)"
run ballast run --rm \
  -v "$(pwd)/input:/input:ro" \
  -v "$(pwd)/output:/output" \
  -v processing-cache:/cache \
  --tmpfs /tmp:size=2g \
  data-processor
run cat output/report.csv
expect_eq "first run" "cache: 0 hit(s), 2 miss(es)" "$(cat output/cache-stats.txt)"

step "A new month arrives; the second run reuses the cache volume"
printf 'region,product,units,price\nwest,apple,5,0.50\nnorth,apple,1,0.50\n' >input/sales-mar.csv
run ballast run --rm \
  -v "$(pwd)/input:/input:ro" \
  -v "$(pwd)/output:/output" \
  -v processing-cache:/cache \
  --tmpfs /tmp:size=2g \
  data-processor
run cat output/report.csv
expect_eq "second run" "cache: 2 hit(s), 1 miss(es)" "$(cat output/cache-stats.txt)"
expect_eq "report" "region,units,revenue
east,8,8.20
north,16,9.95
south,16,9.00
west,5,2.50" "$(cat output/report.csv)"

step "Where everything is"
say "input (unchanged, read-only inside):  $(pwd)/input"
say "output (written by the container):     $(pwd)/output"
run ls "$(volume_dir processing-cache)"
say "cache (a volume, reused across runs):  $(volume_dir processing-cache)"
say "/tmp was a 2g tmpfs: in memory only, gone with each container"
