#!/usr/bin/env bash
# Pattern 1 of the reference document ("Database with Backups"): a production database on a
# volume, a dump of it in a host file, and a restore from that file.
#
# The document's backup and restore run `pg_dump`/`psql` in a second `postgres:15` container
# with `> /backup/dump.sql` / `< /backup/dump.sql`: as written, that redirect is done by the
# host's shell, and the second container has no server to talk to. What works (and what the
# issue asks for) is the database's own container: `exec db pg_dump … > file` on the host and
# `exec -i db psql … < file`.
. "$(dirname "$0")/lib.sh"

step "Pattern 1: database with backups"
need_image postgres
uses_containers db
uses_volumes db-data

step "Production database"
run ballast run -d \
  --name db \
  -e POSTGRES_PASSWORD=secret \
  -e PGPORT="$PGPORT_HOST" \
  -v db-data:/var/lib/postgresql/data \
  --network host \
  postgres:15
wait_for_postgres db

step "Data worth keeping: 1000 orders"
run ballast exec db psql -U postgres -v ON_ERROR_STOP=1 -c "
  CREATE TABLE orders (id serial PRIMARY KEY, customer text NOT NULL, amount numeric(10,2), note text);
  INSERT INTO orders (customer, amount, note)
    SELECT 'customer-' || g, g * 1.25, repeat('xy', g % 7) FROM generate_series(1, 1000) g;"
fingerprint() {
  ballast exec db psql -U postgres -tAc \
    "SELECT count(*) || ' rows, sum ' || sum(amount) || ', md5 ' || md5(string_agg(id || customer || amount || coalesce(note, '-'), ',' ORDER BY id)) FROM orders"
}
before="$(fingerprint)"
say "orders: $before"

step "Regular backups: pg_dump through exec, into a file on the host"
mkdir -p backups
run_to backups/dump.sql ballast exec db pg_dump -U postgres
run wc -c backups/dump.sql
run grep -c '^COPY public.orders' backups/dump.sql

step "Disaster: the table is dropped"
run ballast exec db psql -U postgres -c "DROP TABLE orders;"

step "Restore: psql through exec -i, the dump on its stdin"
run_stdin backups/dump.sql ballast exec -i db psql -U postgres -v ON_ERROR_STOP=1 -q
after="$(fingerprint)"
say "orders: $after"
expect_eq "orders after restore" "$before" "$after"
