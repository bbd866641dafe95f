#!/bin/sh
# mmdebstrap --customize-hook: shapes Debian's nginx into the official image's layout.
# $1 = rootfs, $IMAGE_DIR = this directory.
set -eu
r="$1"
rm -f "$r/etc/nginx/sites-enabled/default"
install -m 0644 "$IMAGE_DIR/nginx.conf" "$r/etc/nginx/nginx.conf"
mkdir -p "$r/etc/nginx/conf.d" "$r/usr/share/nginx/html"
install -m 0644 "$IMAGE_DIR/default.conf" "$r/etc/nginx/conf.d/default.conf"
# Debian's nginx-common ships index.html in /usr/share/nginx/html; keep it, add a 50x page.
[ -f "$r/usr/share/nginx/html/index.html" ] || cp "$r/var/www/html/index.nginx-debian.html" "$r/usr/share/nginx/html/index.html"
printf '<html><body><h1>An error occurred.</h1></body></html>\n' >"$r/usr/share/nginx/html/50x.html"
# Logs go to the container's output, where `logs` finds them.
mkdir -p "$r/var/log/nginx"
ln -sf /dev/stdout "$r/var/log/nginx/access.log"
ln -sf /dev/stderr "$r/var/log/nginx/error.log"
