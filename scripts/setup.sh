#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root) to build, run and test ballast:
# system packages, npm dependencies, the build. Idempotent and quick on rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  crun runc conmon            # OCI runtimes and their supervisor
  busybox-static              # the busybox image's rootfs
  e2fsprogs util-linux fuse3  # mkfs.ext4, losetup, mount, FUSE
  sshfs openssh-server openssh-client  # network volumes (fuse.sshfs) and their tests
  iproute2 nftables           # network namespaces for tests
  zstd attr                   # compression, xattr tools
  docker.io docker-compose python3-docker  # the reference dockerd and clients for tests and bench
  hyperfine bc                # benchmarks
)

missing=()
for p in "${PACKAGES[@]}"; do
  [[ "$p" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's docker.io enables dockerd on the default socket; ballast's tests run their own.
if command -v systemctl >/dev/null && systemctl is-active --quiet docker 2>/dev/null; then :; fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm ci refuses this lock: node-unix-socket declares optional per-platform packages that
  # were never published for some platforms (404), so npm cannot record them. npm install
  # with the same lock installs exactly the locked versions for this platform.
  npm ci --no-audit --no-fund 2>/dev/null || npm install --no-audit --no-fund
fi
npm run build --silent
echo "setup: ready (bin/ballast, bin/ballastd)" >&2
