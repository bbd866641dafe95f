#!/usr/bin/env bash
# Example 1 of the reference document ("Real-World Examples: PostgreSQL Database"):
# rows written through one container survive `stop` + `rm`, and a new container on the same
# volume serves them.
#
# Differences from the document: `-p 5432:5432` becomes `--network host` (PostgreSQL listens on
# the host's port itself; PGPORT picks it, default 5432), so the example runs unchanged on the
# reference dockerd of the tests, which has no bridge; and `exec -it` becomes `exec` (no
# terminal needed when a script runs it).
. "$(dirname "$0")/lib.sh"

step "Example 1: PostgreSQL rows survive rm and a new container"
need_image postgres
uses_containers postgres
uses_volumes postgres-data

step "Create volume for database"
run ballast volume create postgres-data

step "Run PostgreSQL with volume"
run ballast run -d \
  --name postgres \
  -e POSTGRES_PASSWORD=secret \
  -e PGPORT="$PGPORT_HOST" \
  -v postgres-data:/var/lib/postgresql/data \
  --network host \
  postgres:15
first_id="$(ballast inspect -f '{{.Id}}' postgres)"
wait_for_postgres postgres

step "Add data"
run ballast exec postgres psql -U postgres -c \
  "CREATE TABLE users (id INT, name TEXT);"
run ballast exec postgres psql -U postgres -c \
  "INSERT INTO users VALUES (1, 'Alice'), (2, 'Bob');"

step "Stop and remove container"
run ballast stop postgres
run ballast rm postgres
say "the container is gone; its data is not. The volume on the host:"
run ls -C "$(volume_dir postgres-data)"
run stat -c '%n: owner %u:%g, mode %a' "$(volume_dir postgres-data)"
say "(PostgreSQL's cluster, owned by uid 999 = the image's postgres user)"

step "Start new container with same volume"
run ballast run -d \
  --name postgres \
  -e POSTGRES_PASSWORD=secret \
  -e PGPORT="$PGPORT_HOST" \
  -v postgres-data:/var/lib/postgresql/data \
  --network host \
  postgres:15
second_id="$(ballast inspect -f '{{.Id}}' postgres)"
wait_for_postgres postgres
[ "$first_id" != "$second_id" ] || fail "the second container has the first one's id"
say "new container ${second_id:0:12} (the first was ${first_id:0:12})"

step "Data is still there!"
run ballast exec postgres psql -U postgres -c \
  "SELECT * FROM users;"
expect_eq "rows after rm + new container" "1|Alice 2|Bob" \
  "$(ballast exec postgres psql -U postgres -tAc 'SELECT id, name FROM users ORDER BY id' | xargs)"
