#!/usr/bin/env bash
# Question 2, Method 2 of the reference document ("Using docker cp"): a created (never started)
# container gives `cp` access to the volume, both ways.
#
# As with Docker, `cp` out of a container creates host files owned by the user running it, and
# `cp` into a container creates files owned by root (`cp -a` would keep the owners): names,
# types, modes and bytes come back, owners become root.
. "$(dirname "$0")/lib.sh"

step "Question 2, Method 2: backup and restore with cp"
uses_containers temp
uses_volumes my-volume
seed_volume my-volume
original="$(manifest "$(volume_dir my-volume)" | sed 's/ [0-9]*:[0-9]*/ 0:0/')"

step "Backup"
say "Create temporary container"
run ballast create --name temp -v my-volume:/data busybox
say "Copy data from volume"
run ballast cp temp:/data ./backup-data
say "Clean up"
run ballast rm temp
say "Archive"
run tar czf backup-data.tar.gz backup-data
run ls -l backup-data.tar.gz

step "Disaster: the volume is removed"
run ballast volume rm my-volume
rm -rf backup-data

step "Restore"
say "Extract archive"
run tar xzf backup-data.tar.gz
say "Create temporary container (a new, empty my-volume comes with it)"
run ballast create --name temp -v my-volume:/data busybox
say "Copy data to volume"
run ballast cp ./backup-data/. temp:/data
say "Clean up"
run ballast rm temp
run ls -la "$(volume_dir my-volume)"
expect_eq "my-volume after restore (names, types, modes, bytes; owners root)" "$original" "$(manifest "$(volume_dir my-volume)")"
