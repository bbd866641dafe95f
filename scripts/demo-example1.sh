#!/usr/bin/env bash
# A newcomer's first run of ballast: Example 1 of the reference document (PostgreSQL rows that
# survive removing their container), narrated step by step, showing where the data lives.
#
# Runs against its own ballastd on a temporary root and socket (nothing else on the machine is
# touched) and removes it at the end; KEEP=1 keeps the daemon, root and data for a look around.
# The first run builds the postgres:15 image from Debian packages (a few minutes; cached in
# /var/cache/ballast-images, so later runs take seconds).
set -euo pipefail
unset BALLAST_HOST   # always a private daemon: examples/lib.sh starts one
. "$(dirname "$0")/../examples/lib.sh"

explain() { printf '    %s\n' "$@"; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=5432
if port_in_use "$PORT"; then
  PORT=15432
  while port_in_use "$PORT"; do PORT=$((PORT + 1)); done
fi
PGPORT_HOST="$PORT"
uses_containers postgres postgres-tmp-1 postgres-tmp-2
uses_volumes postgres-data

step "ballast: a Docker-compatible engine. This demo runs Example 1 of the reference document"
explain "ballastd is running just for this demo:" \
  "  root   $ROOT" \
  "  socket $BALLAST_HOST" \
  "The commands below are the document's, with 'docker' spelled '$CLI_NAME'; the stock docker" \
  "CLI gives the same results: DOCKER_HOST=$BALLAST_HOST docker ..."

step "The image: postgres:15, built from Debian 12's postgresql-15 package"
explain "(first time: built with mmdebstrap and cached in /var/cache/ballast-images; later: seconds)"
t0=$SECONDS
need_image postgres
explain "postgres:15 is ready ($((SECONDS - t0)) s)"
run ballast images postgres

step "1. Create volume for database"
run ballast volume create postgres-data
data="$(volume_dir postgres-data)"
explain "A named volume is a directory on the host, managed by ballast:" "  $data" \
  "It is empty now; nothing ties it to any container."
run ls -la "$data"

step "2. Run PostgreSQL with the volume mounted on its data directory"
explain "(the document's -p 5432:5432 is --network host here: PostgreSQL listens on the" \
  " host's port $PORT itself, no port mapping involved)"
run ballast run -d \
  --name postgres \
  -e POSTGRES_PASSWORD=secret \
  -e PGPORT="$PORT" \
  -v postgres-data:/var/lib/postgresql/data \
  --network host \
  postgres:15
first_id="$(ballast inspect -f '{{.Id}}' postgres)"
wait_for_postgres postgres
upper="$(ballast inspect -f '{{.GraphDriver.Data.UpperDir}}' postgres)"
explain "The container's own files are an overlay: the image's read-only layers plus a writable" \
  "layer of its own, here:" "  $upper" \
  "The volume is mounted over /var/lib/postgresql/data, so the database does not write there:"
run ballast inspect -f '{{range .Mounts}}{{.Type}} {{.Name}} -> {{.Destination}}{{end}}' postgres
explain "At first start the image's entrypoint found the volume empty and ran initdb into it," \
  "as the postgres user (uid 999):"
run ls -C "$data"

step "3. Add data"
run ballast exec postgres psql -U postgres -c \
  "CREATE TABLE users (id INT, name TEXT);"
run ballast exec postgres psql -U postgres -c \
  "INSERT INTO users VALUES (1, 'Alice'), (2, 'Bob');"
run ballast exec postgres psql -U postgres -c "CHECKPOINT;"
rel="$(ballast exec postgres psql -U postgres -tAc "SELECT pg_relation_filepath('users')")"
explain "The table 'users' is the file $rel of the cluster, which on the host is:"
run ls -ln "$data/$rel"
show_cmd grep -a -o -E 'Alice|Bob' "$data/$rel"
grep -a -o -E 'Alice|Bob' "$data/$rel" | sed 's/^/    /'

step "4. Stop and remove the container"
run ballast stop postgres
run ballast rm postgres
run ballast ps -a
explain "The container is gone, and with it its writable layer:"
if [ -e "$upper" ]; then explain "  $upper (still there!)"; else explain "  $upper: no longer exists"; fi
explain "The volume is not part of the container, so it stays:"
run ballast volume ls
run ls -ln "$data/$rel"

step "5. Start a new container with the same volume"
run ballast run -d \
  --name postgres \
  -e POSTGRES_PASSWORD=secret \
  -e PGPORT="$PORT" \
  -v postgres-data:/var/lib/postgresql/data \
  --network host \
  postgres:15
second_id="$(ballast inspect -f '{{.Id}}' postgres)"
wait_for_postgres postgres
explain "A different container (${second_id:0:12}, the first was ${first_id:0:12}); this time the" \
  "entrypoint found a cluster in the volume and skipped initialisation:"
printf '%s$ %s logs postgres | grep -i skipping%s\n' "$D" "$CLI_NAME" "$R"
ballast logs postgres 2>&1 | grep -i 'skipping initialization' | sed 's/^/    /' || :

step "6. Data is still there!"
run ballast exec postgres psql -U postgres -c \
  "SELECT * FROM users;"
expect_eq "Alice and Bob survived the container" "1|Alice 2|Bob" \
  "$(ballast exec postgres psql -U postgres -tAc 'SELECT id, name FROM users ORDER BY id' | xargs)"

step "For contrast: the same without -v"
explain "The image declares VOLUME /var/lib/postgresql/data, so a container started without -v" \
  "gets a fresh anonymous volume of its own; a second container starts with an empty database:"
run ballast run -d --name postgres-tmp-1 -e POSTGRES_PASSWORD=secret -e PGPORT="$((PORT + 100))" --network host postgres:15
wait_for_postgres postgres-tmp-1
run ballast exec postgres-tmp-1 psql -U postgres -c "CREATE TABLE users (id INT, name TEXT);"
run ballast rm -f -v postgres-tmp-1
run ballast run -d --name postgres-tmp-2 -e POSTGRES_PASSWORD=secret -e PGPORT="$((PORT + 100))" --network host postgres:15
wait_for_postgres postgres-tmp-2
run ballast exec postgres-tmp-2 psql -U postgres -c "SELECT * FROM users;" || :
run ballast rm -f -v postgres-tmp-2

step "What happened"
explain "- the rows were written by container ${first_id:0:12} into the volume postgres-data;" \
  "- 'rm' deleted that container and its writable layer, not the volume;" \
  "- container ${second_id:0:12} mounted the same volume and found the same files." \
  "" \
  "Where the data lives: $data" \
  "  (<root>/volumes/<name>/_data, as with Docker; here <root> is $ROOT," \
  "   normally /var/lib/ballast)" \
  "" \
  "More examples, each runnable on its own: examples/README.md"
if [ "${KEEP:-0}" != 1 ]; then explain "" "(the demo's daemon and root are removed now; KEEP=1 keeps them)"; fi
