#!/usr/bin/env bash
# Entrypoint of medusa-conformance/medusa-v1: migrate, seed the admin, serve.
#
# Environment: DATABASE_URL (required); JWT_SECRET, COOKIE_SECRET, ADMIN_CORS, STORE_CORS
# (medusa-config.js); MEDUSA_ADMIN_EMAIL and MEDUSA_ADMIN_PASSWORD (the admin, created
# if missing); MEDUSA_API_TOKEN (set as that admin's api_token); NODE_ENV (default
# development; production makes the session cookie Secure; SameSite=None, sent over
# https only); PORT (default 9000).
# Prints "medusa-conformance: medusa-v1 ready on port <PORT>" once /health answers 200.
# Never prints the password or the token.
set -euo pipefail
cd /opt/medusa
export PORT="${PORT:-9000}" NODE_ENV="${NODE_ENV:-development}" MEDUSA_DISABLE_TELEMETRY=true
ADMIN_EMAIL="${MEDUSA_ADMIN_EMAIL:-admin@medusa-test.com}"
MEDUSA=node_modules/.bin/medusa
log() { printf 'medusa-conformance: %s\n' "$*"; }
fail() { log "ERROR: $*" >&2; exit 1; }

[[ -n "${DATABASE_URL:-}" ]] || fail "DATABASE_URL is not set"
node dbtool.js wait 60 || fail "database not reachable"

log "running medusa migrations (NODE_ENV=$NODE_ENV)"
# Every SQL query is echoed: the output goes to a file, its tail is shown on failure.
# `medusa migrations run` can exit 0 after a missing module, hence the checks.
out=/tmp/medusa-migrations.log
if ! $MEDUSA migrations run >"$out" 2>&1 || grep -q "Cannot find module" "$out" || ! node dbtool.js migrated; then
  grep -v '^query:' "$out" | tail -n 40; fail "medusa migrations run failed"
fi

if ! node dbtool.js user-exists "$ADMIN_EMAIL"; then
  MEDUSA_ADMIN_PASSWORD_FOR_DBTOOL="${MEDUSA_ADMIN_PASSWORD:-supersecret}" \
    node dbtool.js create-user "$ADMIN_EMAIL" || fail "could not create the admin user"
fi
if [[ -n "${MEDUSA_API_TOKEN:-}" ]]; then
  node dbtool.js set-token "$ADMIN_EMAIL" || fail "could not set the api token"
fi

log "starting medusa on port $PORT"
$MEDUSA start -p "$PORT" &
child=$!
# bash is PID 1: pass stop signals on to Medusa
trap 'kill -TERM "$child" 2>/dev/null || true' TERM INT
( node readywait.js "$PORT" 120 && log "medusa-v1 ready on port $PORT" ) &
while true; do
  wait "$child" && status=0 || status=$?
  kill -0 "$child" 2>/dev/null || break # else a trapped signal interrupted the wait
done
log "medusa exited with status $status"
exit "$status"
