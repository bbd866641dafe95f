#!/usr/bin/env bash
# The reference document's nginx examples ("Configuration Files" under bind mounts, and the web
# service of Example 3): nginx.conf bind-mounted read-only from the host, edited there, and
# applied with `exec nginx nginx -s reload`; static files in a volume that the image's own
# /usr/share/nginx/html pre-fills. `-p 80:80` becomes `--network host` on port
# ${EXAMPLE_HTTP_PORT:-8080}.
. "$(dirname "$0")/lib.sh"

PORT="${EXAMPLE_HTTP_PORT:-8080}"
step "nginx: a config bind mount, edited on the host, reloaded through exec"
need_image nginx
uses_containers nginx
uses_volumes static-files

command -v curl >/dev/null || fail "this example talks to nginx with curl: apt-get install -y curl"
fetch() { curl -sS --max-time 5 "http://127.0.0.1:$PORT$1"; }

step "nginx.conf on the host"
cat >nginx.conf <<CONF
events {}
http {
    include /etc/nginx/mime.types;
    server {
        listen $PORT;
        location / { root /usr/share/nginx/html; }
        location = /version { default_type text/plain; return 200 "config v1\n"; }
    }
}
CONF
run cat nginx.conf

step "Mount nginx config (and the static files volume)"
run ballast run -d \
  --name nginx \
  -v "$(pwd)/nginx.conf:/etc/nginx/nginx.conf:ro" \
  -v static-files:/usr/share/nginx/html \
  --network host \
  nginx
for _ in $(seq 100); do fetch /version >/dev/null 2>&1 && break; sleep 0.1; done
run curl -sS "http://127.0.0.1:$PORT/version"
say "the new volume was filled from the image's /usr/share/nginx/html:"
run ls "$(volume_dir static-files)"
show_cmd curl -sS "http://127.0.0.1:$PORT/"
say "$(fetch / | grep -o '<title>.*</title>')"

step "Can edit nginx.conf on the host (in place: the bind mount follows the file's inode)"
sed 's/config v1/config v2/' nginx.conf >nginx.conf.new && cat nginx.conf.new >nginx.conf && rm nginx.conf.new
run grep version nginx.conf
say "nginx still serves the old config until it is told:"
run curl -sS "http://127.0.0.1:$PORT/version"

step "Reload: docker exec nginx nginx -s reload"
run ballast exec nginx nginx -s reload
for _ in $(seq 50); do [ "$(fetch /version)" = "config v2" ] && break; sleep 0.1; done
run curl -sS "http://127.0.0.1:$PORT/version"
expect_eq "config after reload" "config v2" "$(fetch /version)"

step "Static files: written into the volume on the host, served at once"
echo '<h1>hello from the static-files volume</h1>' >"$(volume_dir static-files)/hello.html"
run curl -sS "http://127.0.0.1:$PORT/hello.html"
expect_eq "static file" "<h1>hello from the static-files volume</h1>" "$(fetch /hello.html)"
run ballast logs nginx
