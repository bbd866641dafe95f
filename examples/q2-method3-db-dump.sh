#!/usr/bin/env bash
# Question 2, Method 3 of the reference document ("Database-Specific Backups", PostgreSQL):
# pg_dump through exec into a host file, the same dump into a volume, and a restore through
# `exec -i … psql < backup.sql`. (MySQL and MongoDB are not part of ballast's examples.)
#
# The document's "dump to volume" line, `exec postgres pg_dump … > /var/lib/postgresql/backup/dump.sql`,
# redirects on the host; the redirect must run inside the container (`sh -c '… > …'`), onto a
# volume mounted there.
. "$(dirname "$0")/lib.sh"

step "Question 2, Method 3: database-specific backups (PostgreSQL)"
need_image postgres
uses_containers postgres
uses_volumes pgdata pg-backup

run ballast run -d --name postgres \
  -e POSTGRES_PASSWORD=secret -e POSTGRES_DB=mydb -e PGPORT="$PGPORT_HOST" \
  -v pgdata:/var/lib/postgresql/data \
  -v pg-backup:/var/lib/postgresql/backup \
  --network host postgres:15
wait_for_postgres postgres

step "mydb gets a table with awkward content (quotes, newlines, unicode, bytes, JSON)"
run ballast exec postgres psql -U postgres mydb -v ON_ERROR_STOP=1 -c "
  CREATE TABLE docs (id int PRIMARY KEY, title text, body text, blob bytea, meta jsonb);
  INSERT INTO docs SELECT g, 'doc ' || g || ' ''quoted'' ü €',
    repeat('line' || chr(10) || chr(9) || 'tab ', g % 5), decode(md5(g::text), 'hex'),
    jsonb_build_object('n', g, 'tags', ARRAY['a', 'b'])
    FROM generate_series(1, 500) g;"
fingerprint() {
  ballast exec postgres psql -U postgres mydb -tAc \
    "SELECT count(*) || ' rows, md5 ' || md5(string_agg(id || title || body || encode(blob, 'hex') || meta::text, '|' ORDER BY id)) FROM docs"
}
before="$(fingerprint)"
say "docs: $before"

step "Backup"
run_to backup.sql ballast exec postgres pg_dump -U postgres mydb
run wc -c backup.sql

step "Or dump to volume (the redirect runs inside the container)"
run ballast exec postgres sh -c 'pg_dump -U postgres mydb > /var/lib/postgresql/backup/dump.sql'
run ls -l "$(volume_dir pg-backup)/dump.sql"
# pg_dump (15.14 and later) brackets a dump with "\restrict <random key>" … "\unrestrict <key>";
# everything else of two dumps of the same data is the same, byte for byte.
unkeyed() { sed 's/^\\\(un\)\{0,1\}restrict .*/\\\1restrict <key>/' "$1" | sha256sum; }
expect_eq "the dump in the volume is the host file's bytes (but the restrict key)" \
  "$(unkeyed backup.sql)" "$(unkeyed "$(volume_dir pg-backup)/dump.sql")"

step "Lose the data, then restore"
run ballast exec postgres psql -U postgres mydb -c "DROP TABLE docs;"
run_stdin backup.sql ballast exec -i postgres psql -U postgres mydb -v ON_ERROR_STOP=1 -q
after="$(fingerprint)"
say "docs: $after"
expect_eq "docs after restore" "$before" "$after"
