#!/usr/bin/env bash
# Entrypoint of medusa-conformance/medusa-v1: migrate, make the admin user, serve.
#
# Environment:
#   DATABASE_URL           required, e.g. postgres://postgres:postgres@pg:5432/medusa
#   JWT_SECRET, COOKIE_SECRET   secrets for Medusa (defaults: throw-away test values)
#   MEDUSA_ADMIN_EMAIL     admin user to create if missing (default admin@medusa-test.com)
#   MEDUSA_ADMIN_PASSWORD  its password (default supersecret)
#   MEDUSA_API_TOKEN       if set, written to that user's api_token column
#   MEDUSA_CREATE_USER     cli (default): `medusa user -e -p` (boots Medusa, 5-8 s);
#                          sql: the same row inserted directly (scrypt-kdf hash), ~0.3 s
#   PORT                   HTTP port (default 9000)
#   DB_WAIT_SECONDS        how long to wait for the database (default 60)
#   ADMIN_CORS, STORE_CORS, REDIS_URL   passed to medusa-config.js (optional)
#
# Prints, once /health answers 200:
#   medusa-conformance: medusa-v1 ready on port <PORT>
# Never prints the password or the token.
set -euo pipefail

cd /opt/medusa
export PORT="${PORT:-9000}"
export MEDUSA_DISABLE_TELEMETRY=true
export JWT_SECRET="${JWT_SECRET:-conformance-jwt-secret}"
export COOKIE_SECRET="${COOKIE_SECRET:-conformance-cookie-secret}"
# NODE_ENV=production would make Medusa v1 mark the session cookie Secure (and the
# harness talks plain HTTP), so it is kept out of "production" on purpose.
if [[ "${NODE_ENV:-}" == production || "${NODE_ENV:-}" == staging ]]; then
  echo "medusa-conformance: NODE_ENV=$NODE_ENV makes the session cookie Secure-only; using development" >&2
fi
export NODE_ENV=development
ADMIN_EMAIL="${MEDUSA_ADMIN_EMAIL:-admin@medusa-test.com}"
ADMIN_PASSWORD="${MEDUSA_ADMIN_PASSWORD:-supersecret}"
MEDUSA="/opt/medusa/node_modules/.bin/medusa"

log() { printf 'medusa-conformance: %s\n' "$*"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { local ms=$(( $(now_ms) - $1 )); printf '%d.%03ds' $((ms / 1000)) $((ms % 1000)); }
fail() { log "ERROR: $*" >&2; exit 1; }

[[ -n "${DATABASE_URL:-}" ]] || fail "DATABASE_URL is not set"

t=$(now_ms)
log "waiting for the database"
node dbtool.js wait "${DB_WAIT_SECONDS:-60}" || fail "database not reachable"
log "database reachable ($(secs "$t"))"

t=$(now_ms)
log "running medusa migrations"
# Its full output (every SQL query) goes to a file; only a summary is printed.
out=/tmp/medusa-migrations.log
if ! $MEDUSA migrations run >"$out" 2>&1; then
  tail -n 40 "$out"; fail "medusa migrations run failed (full log: $out in the container)"
fi
grep -E 'migrations (are|were)|Cannot find module|[Ee]rror:' "$out" | grep -v '^query:' || true
# `medusa migrations run` can exit 0 after failing (e.g. a missing module), so check.
if grep -q "Cannot find module" "$out"; then fail "medusa migrations run reported a missing module"; fi
node dbtool.js migrated || { tail -n 40 "$out"; fail "migrations did not create Medusa's tables"; }
log "migrations done: $(grep -c 'executed successfully' "$out" || true) executed ($(secs "$t"))"

t=$(now_ms)
if node dbtool.js user-exists "$ADMIN_EMAIL"; then
  log "admin user already exists"
else
  if [[ "${MEDUSA_CREATE_USER:-cli}" == sql ]]; then
    log "creating the admin user (by SQL, as medusa user would)"
    uout=$(MEDUSA_ADMIN_PASSWORD_FOR_DBTOOL="$ADMIN_PASSWORD" node dbtool.js create-user "$ADMIN_EMAIL" 2>&1) || true
  else
    log "creating the admin user (medusa user)"
    uout=$($MEDUSA user -e "$ADMIN_EMAIL" -p "$ADMIN_PASSWORD" 2>&1) || true
  fi
  if ! node dbtool.js user-exists "$ADMIN_EMAIL"; then
    printf '%s\n' "${uout//"$ADMIN_PASSWORD"/<password>}" >&2
    fail "could not create the admin user"
  fi
  log "admin user created ($(secs "$t"))"
fi
if [[ -n "${MEDUSA_API_TOKEN:-}" ]]; then
  node dbtool.js set-token "$ADMIN_EMAIL" || fail "could not set the api token"
  log "api token set"
fi

log "starting medusa on port $PORT"
t=$(now_ms)
$MEDUSA start -p "$PORT" &
child=$!
# bash is PID 1: forward stop signals to Medusa, and reap whatever exits
trap 'kill -TERM "$child" 2>/dev/null || true' TERM INT
# print the ready line once GET /health answers 200
( if node readywait.js "$PORT" 120; then
    log "medusa-v1 ready on port $PORT ($(secs "$t") after start)"
  else
    log "WARNING: /health did not answer 200 within 120s"
  fi ) &
status=0
while true; do
  wait "$child" && status=0 || status=$?
  # a status above 128 with the child still alive means a trapped signal interrupted wait
  if kill -0 "$child" 2>/dev/null; then continue; fi
  break
done
log "medusa exited with status $status"
exit "$status"
