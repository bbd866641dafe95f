#!/usr/bin/env bash
# Question 2, Method 4 of the reference document ("Automated Backup Script"): backup-volumes.sh
# (next to this file) backs up every volume and applies the retention; each archive is then
# checked against its volume, file by file.
. "$(dirname "$0")/lib.sh"

step "Question 2, Method 4: back up every volume, with retention"
uses_volumes app-data db-config empty-vol
seed_volume app-data
run ballast volume create db-config
echo "max_connections = 100" >"$(volume_dir db-config)/postgresql.conf"
run ballast volume create empty-vol
run ballast volume ls

step "Backups from earlier runs: one 10 days old, one 2 days old"
mkdir -p backups
touch -d '10 days ago' backups/app-data-20000101-000000.tar.gz
touch -d '2 days ago' backups/app-data-20000102-000000.tar.gz
run ls -l backups

step "Run backup-volumes.sh"
cli_path="$REPO/bin/ballast"
[ "$EXAMPLE_CLI" = docker ] && { cli_path=docker; export DOCKER_HOST="$BALLAST_HOST"; }
show_cmd env BACKUP_DIR="$(pwd)/backups" CLI="$CLI_NAME" "$EXAMPLES_DIR/backup-volumes.sh"
BACKUP_DIR="$(pwd)/backups" CLI="$cli_path" "$EXAMPLES_DIR/backup-volumes.sh" 2>&1 | sed 's/^/    /'
run ls -l backups

step "Retention: the 10-day-old backup is gone, the 2-day-old one stays"
[ ! -e backups/app-data-20000101-000000.tar.gz ] || fail "the old backup is still there"
[ -e backups/app-data-20000102-000000.tar.gz ] || fail "the recent backup was removed"
say "ok: retention"

step "Every volume's archive holds exactly its files"
for v in app-data db-config empty-vol; do
  archive="$(ls backups/"$v"-2*.tar.gz | grep -v 2000010 | tail -n 1)"
  rm -rf check && mkdir check && tar -xzf "$archive" -C check
  expect_eq "$archive" "$(manifest "$(volume_dir "$v")")" "$(manifest check)"
done
rm -rf check
