#!/usr/bin/env bash
# The main demo: a newcomer's first look at ballast's volumes, step by step.
# Runs against its own daemon on a temporary root and socket, and stops it at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
demo_root=$(mktemp -d /tmp/ballast-demo.XXXXXX)
export BALLAST_HOST="unix://$demo_root/ballast.sock"
export BALLAST_ROOT="$demo_root/root"
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
say() { printf '    %s\n' "$*"; }

bin/ballastd --root "$BALLAST_ROOT" --host "$BALLAST_HOST" 2>"$demo_root/ballastd.log" &
daemon=$!
cleanup() { kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null || true; rm -rf "$demo_root"; }
trap cleanup EXIT
for _ in $(seq 100); do bin/ballast version >/dev/null 2>&1 && break; sleep 0.05; done

step "ballastd is running (root $BALLAST_ROOT, socket $BALLAST_HOST)"
bin/ballast version

step "Create a named volume, as 'docker volume create postgres-data' would"
bin/ballast volume create postgres-data
bin/ballast volume create --label env=production app-data

step "Its data lives where Docker users look for it"
bin/ballast volume inspect postgres-data
mp=$(bin/ballast volume inspect -f '{{.Mountpoint}}' postgres-data)
echo "hello from the host" > "$mp/greeting.txt"
say "wrote $mp/greeting.txt"

step "A tmpfs-backed volume (the local driver's options really mount)"
bin/ballast volume create -d local -o type=tmpfs -o device=tmpfs -o o=size=16m scratch
bin/ballast volume ls
bin/ballast volume ls --filter label=env=production --format '{{.Name}} {{.Labels}}'

step "The stock docker CLI sees the same volumes through the same API"
if command -v docker >/dev/null; then DOCKER_HOST="$BALLAST_HOST" docker volume ls; fi

step "Sizes, as 'docker system df -v' reports them"
bin/ballast system df -v | sed -n '/Local Volumes/,/Build cache/p' | sed '$d'

step "The daemon is killed with -9 and restarted: nothing is lost"
kill -9 "$daemon"; wait "$daemon" 2>/dev/null || true
bin/ballastd --root "$BALLAST_ROOT" --host "$BALLAST_HOST" 2>>"$demo_root/ballastd.log" &
daemon=$!
for _ in $(seq 100); do bin/ballast version >/dev/null 2>&1 && break; sleep 0.05; done
bin/ballast volume ls
say "$(cat "$mp/greeting.txt")  (still in $mp)"

step "Unused volumes are pruned as Docker prunes them"
bin/ballast volume rm scratch
bin/ballast volume prune -f
bin/ballast volume ls
