#!/bin/sh
# mmdebstrap --customize-hook for node:18 (Debian 12's nodejs 18 and npm). $1 = rootfs.
set -eu
r="$1"
# The official image's unprivileged user.
chroot "$r" useradd --uid 1000 --user-group --create-home --shell /bin/bash node
