#!/bin/sh
# mmdebstrap --essential-hook: runs before postgresql-15 is installed, with the rootfs as $1.
# The postgres user and group get the official image's ids (999:999), so a data volume
# written by this image has the same owner as one written by Docker Hub's postgres:15
# (postgresql-common's adduser call accepts an existing system user).
set -eu
r="$1"
grep -q '^postgres:' "$r/etc/group" || echo 'postgres:x:999:' >>"$r/etc/group"
grep -q '^postgres:' "$r/etc/passwd" ||
  echo 'postgres:x:999:999:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash' >>"$r/etc/passwd"
if [ -f "$r/etc/shadow" ] && ! grep -q '^postgres:' "$r/etc/shadow"; then
  echo 'postgres:*:19000:0:99999:7:::' >>"$r/etc/shadow"
fi
