#!/usr/bin/env bash
# Question 2, "Best Practices: 2. Verify Backups" of the reference document: a backup is
# restored into a scratch volume, looked at, compared, and the scratch volume removed.
. "$(dirname "$0")/lib.sh"

step "Question 2: verify a backup by restoring it into a temporary volume"
uses_volumes my-volume test-restore
seed_volume my-volume
say "the backup to verify (Method 1):"
run ballast run --rm -v my-volume:/data -v "$(pwd):/backup" busybox \
  tar czf /backup/my-volume-backup.tar.gz -C /data .

step "Test restore to temporary volume"
run ballast volume create test-restore
run ballast run --rm \
  -v test-restore:/data \
  -v "$(pwd):/backup" \
  busybox \
  tar xzf /backup/my-volume-backup.tar.gz -C /data

step "Verify data"
run ballast run --rm \
  -v test-restore:/data \
  busybox \
  ls -la /data
expect_eq "test-restore matches my-volume (names, types, modes, owners, bytes)" \
  "$(manifest "$(volume_dir my-volume)")" "$(manifest "$(volume_dir test-restore)")"

step "Clean up"
run ballast volume rm test-restore
if ballast volume inspect test-restore >/dev/null 2>&1; then fail "test-restore still exists"; fi
say "ok: test-restore removed"
