#!/usr/bin/env bash
# Example 2 of the reference document ("Web Application Development"), the compose service
# written as one `run`: source code and package.json bind-mounted from the host and seen live
# inside (`npm run dev` is `node --watch`), dependencies in the node-modules volume, logs in a
# bind mount. `ports: "3000:3000"` becomes `--network host` (PORT, default 3000).
#
# The dependency is a local tarball (vendor/), so `npm install --offline` needs no registry.
. "$(dirname "$0")/lib.sh"

PORT="${EXAMPLE_HTTP_PORT:-3000}"
command -v curl >/dev/null || fail "this example talks to the app with curl: apt-get install -y curl"
fetch() { curl -sS --max-time 5 "http://127.0.0.1:$PORT$1"; }
# until GET / answers with a body containing $1
wait_for_body() {
  local i
  for i in $(seq 150); do fetch / 2>/dev/null | grep -q -- "$1" && return 0; sleep 0.2; done
  ballast logs web >&2 || :
  fail "the app never answered with '$1'"
}

step "Example 2: web application development (node:18)"
need_image node
uses_containers web
uses_volumes node-modules

step "Project structure"
mkdir -p src/views logs vendor/greeting
cat >package.json <<'JSON'
{
  "name": "project",
  "version": "1.0.0",
  "private": true,
  "scripts": {
    "dev": "node --watch src/app.js"
  },
  "dependencies": {
    "greeting": "file:vendor/greeting-1.0.0.tgz"
  }
}
JSON
cat >src/app.js <<'JS'
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const greeting = require('greeting');

const VERSION = 'v1';
const port = Number(process.env.PORT || 3000);
const log = (line) => fs.appendFileSync(path.join(__dirname, '..', 'logs', 'app.log'), `${new Date().toISOString()} ${line}\n`);

http.createServer((req, res) => {
  // The view is read per request: edits on the host show up at once.
  const view = fs.readFileSync(path.join(__dirname, 'views', 'index.html'), 'utf8');
  res.end(view.replace('{{message}}', `${greeting('dev')} [${VERSION}, ${process.env.NODE_ENV}]`));
  log(`${req.method} ${req.url} ${VERSION}`);
}).listen(port, () => {
  log(`listening on ${port} (${VERSION})`);
  console.log(`listening on ${port} (${VERSION})`);
});
JS
echo '<h1>{{message}}</h1>' >src/views/index.html
cat >vendor/greeting/package.json <<'JSON'
{ "name": "greeting", "version": "1.0.0", "main": "index.js" }
JSON
echo "module.exports = (who) => 'Hello, ' + who + ' (greeting 1.0.0)';" >vendor/greeting/index.js
(cd vendor && tar czf greeting-1.0.0.tgz --transform 's,^greeting,package,' greeting && rm -rf greeting)
run find . -path ./vendor -prune -o -type f -print

step "Dependencies into the node-modules volume (a one-off container)"
run ballast run --rm \
  -w /app \
  -v ./package.json:/app/package.json \
  -v ./vendor:/app/vendor:ro \
  -v node-modules:/app/node_modules \
  node:18 npm install --offline --no-audit --no-fund
run ls "$(volume_dir node-modules)"

step "The dev service: npm run dev"
run ballast run -d \
  --name web \
  -w /app \
  -v ./src:/app/src \
  -v ./package.json:/app/package.json \
  -v node-modules:/app/node_modules \
  -v ./logs:/app/logs \
  -e NODE_ENV=development \
  -e PORT="$PORT" \
  --network host \
  node:18 npm run dev
wait_for_body 'v1'
run curl -sS "http://127.0.0.1:$PORT/"

step "Edit a view on the host: the next request shows it (no restart)"
echo '<h1>{{message}}</h1><p>edited on the host</p>' >src/views/index.html
run curl -sS "http://127.0.0.1:$PORT/"
expect_eq "view after the edit" "<h1>Hello, dev (greeting 1.0.0) [v1, development]</h1><p>edited on the host</p>" "$(fetch /)"

step "Edit the code on the host: node --watch restarts the app"
sed "s/const VERSION = 'v1'/const VERSION = 'v2'/" src/app.js >app.js.new && cat app.js.new >src/app.js && rm app.js.new
wait_for_body 'v2'
run curl -sS "http://127.0.0.1:$PORT/"
run ballast logs web

step "Logs: written inside to /app/logs, read on the host in ./logs"
run cat logs/app.log
grep -q 'listening on .* (v2)' logs/app.log || fail "logs/app.log has no v2 start"
say "ok: the restart is in ./logs/app.log"

step "Dependencies live in the volume, not in the project"
[ ! -e node_modules ] || fail "node_modules appeared in the project directory"
run ls -l "$(volume_dir node-modules)/greeting"
say "recreate the service: no reinstall needed"
run ballast rm -f web
run ballast run -d --name web -w /app -v ./src:/app/src -v ./package.json:/app/package.json \
  -v node-modules:/app/node_modules -v ./logs:/app/logs -e NODE_ENV=development -e PORT="$PORT" \
  --network host node:18 npm run dev
wait_for_body 'v2'
expect_eq "the recreated service" "<h1>Hello, dev (greeting 1.0.0) [v2, development]</h1><p>edited on the host</p>" "$(fetch /)"
