#!/usr/bin/env bash
# Pattern 2 of the reference document ("Configuration Management"): the same app image run
# per environment, each with its configuration bind-mounted read-only and its own data volume.
# "myapp" is made here (busybox + myapp.sh) with `import`.
. "$(dirname "$0")/lib.sh"

step "Pattern 2: configuration management"
uses_containers app app-dev
uses_volumes app-data app-dev-data

cat >myapp.sh <<'PROG'
#!/bin/sh
# myapp: reads /app/config.yml at start, records each start in /app/data, then serves (sleeps).
set -eu
env=$(sed -n 's/^env: *//p' /app/config.yml)
greeting=$(sed -n 's/^greeting: *//p' /app/config.yml)
if (: >>/app/config.yml) 2>/dev/null; then echo "config is writable!"; exit 1; fi
echo "start $(( $(cat /app/data/starts.log 2>/dev/null | wc -l) + 1 )) env=$env greeting=$greeting" | tee -a /app/data/starts.log
echo "config is read-only"
exec sleep 2147483647
PROG
app_image myapp myapp.sh

step "Configurations on the host"
printf 'env: production\ngreeting: hello\n' >config.yml
printf 'env: development\ngreeting: hi there\n' >config.dev.yml
run head config.yml config.dev.yml

step "Base configuration (bind mount)"
run ballast run -d \
  --name app \
  -v ./config.yml:/app/config.yml:ro \
  -v app-data:/app/data \
  myapp

step "Override for different environments"
run ballast run -d \
  --name app-dev \
  -v ./config.dev.yml:/app/config.yml:ro \
  -v app-dev-data:/app/data \
  myapp

wait_started() { # until the app has printed its start line
  local i
  for i in $(seq 100); do ballast logs "$1" 2>&1 | grep -q 'config is read-only' && return 0; sleep 0.1; done
  ballast logs "$1" >&2; fail "$1 did not start"
}
wait_started app
wait_started app-dev
run ballast logs app
run ballast logs app-dev

step "A configuration change on the host reaches the app at its next start"
# Written in place: a single-file bind mount follows the file's inode, so an editor that
# replaces the file (sed -i, many IDEs) leaves the container on the old content until the
# container is recreated. Docker behaves the same.
printf 'env: production\ngreeting: good morning\n' >config.tmp && cat config.tmp >config.yml && rm config.tmp
run ballast restart app
wait_started app
run ballast exec app cat /app/config.yml

step "Each environment has its own data"
run cat "$(volume_dir app-data)/starts.log"
run cat "$(volume_dir app-dev-data)/starts.log"
expect_eq "production starts" "start 1 env=production greeting=hello
start 2 env=production greeting=good morning" "$(cat "$(volume_dir app-data)/starts.log")"
expect_eq "development starts" "start 1 env=development greeting=hi there" "$(cat "$(volume_dir app-dev-data)/starts.log")"
