#!/usr/bin/env bash
# Entrypoint of ballast's postgres:15 image (Debian's postgresql-15), after the official
# image's docker-entrypoint.sh:
#
#   - an empty $PGDATA is initialised with POSTGRES_USER (default postgres), POSTGRES_PASSWORD
#     (required unless POSTGRES_HOST_AUTH_METHOD=trust) and POSTGRES_DB (default the user),
#     then /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz|*.sql.xz|*.sql.zst run once;
#   - a $PGDATA that already holds a cluster is started as it is;
#   - the server runs as the postgres user (uid 999), listens on all addresses on
#     ${PGPORT:-5432}, and accepts password logins (scram-sha-256) over TCP and trusted
#     local logins over the unix socket, so `exec <ctr> psql -U postgres` works.
#
# Differences from the official image, on purpose:
#   - the temporary server used during initialisation listens on a private socket directory,
#     so nothing outside the entrypoint (a readiness probe, `exec psql`) reaches it: the first
#     query that succeeds is served by the real server;
#   - 127.0.0.1/::1 also need the password (with --network host, "localhost" is the host's);
#   - `import --change` has no STOPSIGNAL, so when this script is PID 1 it stays as a small
#     parent and turns `stop`'s SIGTERM into PostgreSQL's fast shutdown (SIGINT), as the
#     official image's STOPSIGNAL SIGINT does.
#   - *_FILE variants (POSTGRES_PASSWORD_FILE …) are read as in the official image.
set -Eeo pipefail

# usage: file_env VAR [DEFAULT] — VAR from $VAR or from the file named by $VAR_FILE.
file_env() {
  local var="$1" fileVar="${1}_FILE" def="${2:-}"
  if [ "${!var:-}" ] && [ "${!fileVar:-}" ]; then
    printf >&2 'error: both %s and %s are set (but are exclusive)\n' "$var" "$fileVar"
    exit 1
  fi
  local val="$def"
  if [ "${!var:-}" ]; then
    val="${!var}"
  elif [ "${!fileVar:-}" ]; then
    val="$(<"${!fileVar}")"
  fi
  export "$var"="$val"
  unset "$fileVar"
}

# Arguments that ask postgres a question instead of starting a server.
want_help() {
  local arg
  for arg; do
    case "$arg" in
      -'?'|--help|--describe-config|-V|--version|-C) return 0 ;;
    esac
  done
  return 1
}

setup_env() {
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  : "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
  export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
  DATABASE_ALREADY_EXISTS=
  if [ -s "$PGDATA/PG_VERSION" ]; then DATABASE_ALREADY_EXISTS=yes; fi
}

# As root: directories exist with the owner and mode PostgreSQL insists on.
create_directories() {
  local user; user="$(id -u)"
  mkdir -p "$PGDATA"
  chmod 00700 "$PGDATA" || :
  mkdir -p /var/run/postgresql || :
  chmod 03775 /var/run/postgresql || :
  if [ "$user" = 0 ]; then
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
    find /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
  fi
}

verify_minimum_env() {
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    cat >&2 <<'EOM'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.
EOM
    exit 1
  fi
  if [ "${#POSTGRES_PASSWORD}" -ge 100 ]; then
    echo >&2 'WARNING: POSTGRES_PASSWORD is 100 characters or longer; some clients truncate it.'
  fi
}

init_database_dir() {
  # The password reaches initdb through a pipe, never a file or the command line. The process
  # substitution must sit in the same command as initdb (its fd closes after that command).
  local pw=''
  if [ -n "$POSTGRES_PASSWORD" ]; then pw='--pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD")'; fi
  # POSTGRES_INITDB_ARGS is a list of shell words, as in the official image.
  eval 'initdb --username="$POSTGRES_USER" '"$pw"' --auth-local=trust \
    --auth-host="$POSTGRES_HOST_AUTH_METHOD" '"$POSTGRES_INITDB_ARGS"
  {
    echo
    echo "# added by docker-entrypoint.sh: password logins from anywhere"
    echo "host all all all $POSTGRES_HOST_AUTH_METHOD"
  } >>"$PGDATA/pg_hba.conf"
  {
    echo
    echo "# added by docker-entrypoint.sh"
    echo "listen_addresses = '*'"
  } >>"$PGDATA/postgresql.conf"
}

# The temporary server: no TCP, socket in a directory only this script knows.
temp_server_start() {
  INIT_SOCKET_DIR="$(mktemp -d /tmp/pg-init.XXXXXX)"
  export PGHOST="$INIT_SOCKET_DIR"
  local extra=""
  if [ "$#" -gt 1 ]; then extra="$(printf '%q ' "${@:2}")"; fi
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -c unix_socket_directories='$INIT_SOCKET_DIR' -p ${PGPORT:-5432} $extra" start
}

temp_server_stop() {
  pg_ctl -D "$PGDATA" -m fast -w stop
  unset PGHOST
  rm -rf "$INIT_SOCKET_DIR"
}

psql_init() {
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"
}

setup_db() {
  local exists
  exists="$(POSTGRES_DB= psql_init --dbname postgres --set db="$POSTGRES_DB" --tuples-only <<'EOSQL'
SELECT 1 FROM pg_database WHERE datname = :'db' ;
EOSQL
)"
  if [ -z "$exists" ]; then
    POSTGRES_DB= psql_init --dbname postgres --set db="$POSTGRES_DB" <<'EOSQL'
CREATE DATABASE :"db" ;
EOSQL
    echo
  fi
}

process_init_files() {
  local f
  for f; do
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then echo "$0: running $f"; "$f"
        else echo "$0: sourcing $f"; . "$f"; fi ;;
      *.sql) echo "$0: running $f"; psql_init --dbname "$POSTGRES_DB" -f "$f"; echo ;;
      *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | psql_init --dbname "$POSTGRES_DB"; echo ;;
      *.sql.xz) echo "$0: running $f"; xzcat "$f" | psql_init --dbname "$POSTGRES_DB"; echo ;;
      *.sql.zst) echo "$0: running $f"; zstd -dc "$f" | psql_init --dbname "$POSTGRES_DB"; echo ;;
      *) echo "$0: ignoring $f" ;;
    esac
  done
}

# PID 1 gets `stop`'s SIGTERM; PostgreSQL's SIGTERM is "smart" shutdown, which waits for every
# client to leave. Forward it as SIGINT (fast shutdown: roll back, checkpoint, exit) instead.
run_as_pid1() {
  "$@" &
  local pid=$! status=0
  trap 'kill -INT "$pid" 2>/dev/null || :' TERM INT
  trap 'kill -HUP "$pid" 2>/dev/null || :' HUP
  trap 'kill -QUIT "$pid" 2>/dev/null || :' QUIT
  while :; do
    if wait "$pid"; then status=0; else status=$?; fi
    kill -0 "$pid" 2>/dev/null || break
  done
  exit "$status"
}

main() {
  if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

  if [ "$1" = postgres ] && ! want_help "$@"; then
    setup_env
    create_directories
    if [ "$(id -u)" = 0 ]; then
      # Drop to postgres and start over (same PID: setpriv execs).
      exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
    fi

    if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
      verify_minimum_env
      ls /docker-entrypoint-initdb.d/ >/dev/null
      init_database_dir
      export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
      temp_server_start "$@"
      setup_db
      process_init_files /docker-entrypoint-initdb.d/*
      temp_server_stop
      unset PGPASSWORD
      echo
      echo 'PostgreSQL init process complete; ready for start up.'
      echo
    else
      echo
      echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
      echo
    fi
  fi

  if [ "$1" = postgres ] && [ "$$" = 1 ]; then run_as_pid1 "$@"; fi
  exec "$@"
}

shopt -s nullglob
main "$@"
