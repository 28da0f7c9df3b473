#!/usr/bin/env bash
# Entrypoint of medusa-conformance/postgres:15 (runs as user postgres).
#   POSTGRES_PASSWORD  password of POSTGRES_USER (default postgres)
#   POSTGRES_USER      superuser to log in as (default postgres)
#   POSTGRES_DB        database to create (optional)
#   PGDATA             cluster directory (default /var/lib/postgresql/data)
#   PG_TEST_TUNING     on (default): fsync, synchronous_commit and full_page_writes off —
#                      a throw-away test database, faster migrations and shutdown;
#                      off: PostgreSQL's durable defaults
# Extra arguments are passed to the postgres server (e.g. -c fsync=off).
# The set-up is done in single-user mode, so the only "ready to accept connections"
# line is the real server's; the server's log goes to stdout.
set -euo pipefail

PGDATA="${PGDATA:-/var/lib/postgresql/data}"
PGUSER_NAME="${POSTGRES_USER:-postgres}"
PGPASS="${POSTGRES_PASSWORD:-postgres}"
DB="${POSTGRES_DB:-}"

log() { printf 'postgres-entrypoint: %s\n' "$*"; }
sql_ident() { local s=${1//\"/\"\"}; printf '"%s"' "$s"; }

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  log "initialising a new cluster in $PGDATA"
  mkdir -p "$PGDATA"; chmod 0700 "$PGDATA"
  pwfile=$(mktemp); chmod 600 "$pwfile"
  printf '%s\n' "$PGPASS" > "$pwfile"
  initdb -D "$PGDATA" -U "$PGUSER_NAME" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  {
    echo "host all all 0.0.0.0/0 scram-sha-256"
    echo "host all all ::/0 scram-sha-256"
  } >> "$PGDATA/pg_hba.conf"
  {
    echo "listen_addresses = '*'"
    echo "port = 5432"
    echo "unix_socket_directories = '/var/run/postgresql'"
    echo "password_encryption = 'scram-sha-256'"
    if [[ "${PG_TEST_TUNING:-on}" == on ]]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } >> "$PGDATA/postgresql.conf"
  if [[ -n "$DB" && "$DB" != postgres ]]; then
    log "creating database $DB"
    printf 'CREATE DATABASE %s OWNER %s;\n' "$(sql_ident "$DB")" "$(sql_ident "$PGUSER_NAME")" \
      | postgres --single -D "$PGDATA" -j postgres >/tmp/pg-single.log 2>&1 \
      || { cat /tmp/pg-single.log; log "ERROR: could not create database $DB"; exit 1; }
    rm -f /tmp/pg-single.log
  fi
  log "cluster initialised"
fi

exec postgres -D "$PGDATA" "$@" 2>&1
