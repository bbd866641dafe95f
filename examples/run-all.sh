#!/usr/bin/env bash
# Runs every example against one daemon (a temporary one unless BALLAST_HOST is set), one after
# the other, and prints a summary. Extra environment is passed on (EXAMPLE_CLI, ports, …).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
own=""
if [ -z "${BALLAST_HOST:-}" ]; then
  own="$(mktemp -d /tmp/ballast-examples.XXXXXX)"
  export BALLAST_HOST="unix://$own/ballast.sock"
  "$repo/bin/ballastd" --root "$own/root" --host "$BALLAST_HOST" >"$own/ballastd.log" 2>&1 &
  pid=$!
  trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$own"' EXIT
  for _ in $(seq 200); do "$repo/bin/ballast" version >/dev/null 2>&1 && break; sleep 0.05; done
fi
scripts=(example1-postgres example2-node-dev example4-pipeline pattern1-db-backups pattern2-config
  pattern3-etl nginx-config-reload q2-method1-tar q2-method2-cp q2-method3-db-dump
  q2-method4-backup-all q2-verify-backup)
failed=()
for s in "${scripts[@]}"; do
  start=$SECONDS
  if "$here/$s.sh"; then printf '\n--- %s: ok (%d s)\n' "$s" $((SECONDS - start))
  else printf '\n--- %s: FAILED (%d s)\n' "$s" $((SECONDS - start)); failed+=("$s"); fi
done
echo
if [ ${#failed[@]} -eq 0 ]; then echo "all ${#scripts[@]} examples passed"; else echo "failed: ${failed[*]}"; exit 1; fi
