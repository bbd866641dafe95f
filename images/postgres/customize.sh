#!/bin/sh
# mmdebstrap --customize-hook: shapes the Debian rootfs into a postgres:15 image. $1 = rootfs,
# $IMAGE_DIR = this directory.
set -eu
r="$1"

# postgresql-common created a "main" cluster on install; the image initialises its own
# cluster in $PGDATA at first start instead (docker-entrypoint.sh).
rm -rf "$r/var/lib/postgresql/15" "$r/etc/postgresql/15"

# JIT compilation is the only user of LLVM (libLLVM + libz3, ~130 MB of the image). Without
# llvmjit.so PostgreSQL silently runs with JIT unavailable, which is what short OLTP queries
# want anyway; everything else in postgresql-15 stays as Debian ships it.
rm -rf "$r/usr/lib/postgresql/15/lib/llvmjit.so" "$r/usr/lib/postgresql/15/lib/llvmjit_types.bc" \
  "$r/usr/lib/postgresql/15/lib/bitcode"
rm -f "$r"/usr/lib/x86_64-linux-gnu/libLLVM-*.so* "$r"/usr/lib/x86_64-linux-gnu/libz3.so*

install -m 0755 "$IMAGE_DIR/docker-entrypoint.sh" "$r/usr/local/bin/docker-entrypoint.sh"
ln -sf usr/local/bin/docker-entrypoint.sh "$r/docker-entrypoint.sh"
mkdir -p "$r/docker-entrypoint-initdb.d"

# PGDATA exists in the image, owned by postgres and private, so the VOLUME's copy-up gives a
# new volume the right owner and mode before the entrypoint even runs.
mkdir -p "$r/var/lib/postgresql/data"
chown 999:999 "$r/var/lib/postgresql" "$r/var/lib/postgresql/data"
chmod 0700 "$r/var/lib/postgresql/data"
# The unix socket directory (normally made by systemd-tmpfiles, which a container lacks).
mkdir -p "$r/var/run/postgresql"
chown 999:999 "$r/var/run/postgresql"
chmod 3777 "$r/var/run/postgresql"
