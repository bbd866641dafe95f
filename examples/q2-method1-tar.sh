#!/usr/bin/env bash
# Question 2, Method 1 of the reference document ("Using Temporary Container"): a volume backed
# up to a .tar.gz on the host by a throw-away container (busybox standing in for alpine), then
# restored into the same volume and into a new one.
. "$(dirname "$0")/lib.sh"

step "Question 2, Method 1: backup and restore through a temporary container"
uses_volumes my-volume my-volume-restored
seed_volume my-volume
original="$(manifest "$(volume_dir my-volume)")"
run ls -la "$(volume_dir my-volume)"

step "Backup volume to tar file"
run ballast run --rm \
  -v my-volume:/data \
  -v "$(pwd):/backup" \
  busybox \
  tar czf /backup/my-volume-backup.tar.gz -C /data .
run ls -l my-volume-backup.tar.gz
run sh -c 'tar tzvf my-volume-backup.tar.gz | head -n 5'

step "Disaster: the volume is emptied"
run ballast run --rm -v my-volume:/data busybox sh -c 'rm -rf /data/* /data/.[!.]* && ls -A /data | wc -l'

step "Restore from tar file"
run ballast run --rm \
  -v my-volume:/data \
  -v "$(pwd):/backup" \
  busybox \
  tar xzf /backup/my-volume-backup.tar.gz -C /data
expect_eq "my-volume after restore (names, types, modes, owners, bytes)" "$original" "$(manifest "$(volume_dir my-volume)")"

step "Or create new volume and restore"
run ballast volume create my-volume-restored
run ballast run --rm \
  -v my-volume-restored:/data \
  -v "$(pwd):/backup" \
  busybox \
  tar xzf /backup/my-volume-backup.tar.gz -C /data
expect_eq "my-volume-restored (names, types, modes, owners, bytes)" "$original" "$(manifest "$(volume_dir my-volume-restored)")"
