#!/usr/bin/env bash
# Entrypoint of medusa-conformance/medusa-v2: migrate, seed the admin, serve, seed the API key.
#
# Environment: DATABASE_URL (required); JWT_SECRET, COOKIE_SECRET, ADMIN_CORS, AUTH_CORS
# (default ADMIN_CORS), STORE_CORS (medusa-config.ts); MEDUSA_ADMIN_EMAIL and
# MEDUSA_ADMIN_PASSWORD (the admin, created with `medusa user` if missing); MEDUSA_API_TOKEN
# (sk_...: the token of the secret API key created for that admin through POST /admin/api-keys;
# without it Medusa's own token is written to /opt/medusa/secrets/api-key, mode 0600);
# NODE_ENV (default production, as `medusa start` sets it: the session cookie is
# Secure; SameSite=Lax and only set over https or with X-Forwarded-Proto: https);
# PORT (default 9000).
# Prints "medusa-conformance: medusa-v2 ready on port <PORT>" once /health answers 200
# and the API key authenticates. Never prints the password or the API key.
set -euo pipefail
cd /opt/medusa
export PORT="${PORT:-9000}" NODE_ENV="${NODE_ENV:-production}" MEDUSA_DISABLE_TELEMETRY=true
ADMIN_EMAIL="${MEDUSA_ADMIN_EMAIL:-admin@medusa-test.com}"
ADMIN_PASSWORD="${MEDUSA_ADMIN_PASSWORD:-supersecret}"
MEDUSA=node_modules/.bin/medusa
log() { printf 'medusa-conformance: %s\n' "$*"; }
fail() { log "ERROR: $*" >&2; exit 1; }
t0=$SECONDS

[[ -n "${DATABASE_URL:-}" ]] || fail "DATABASE_URL is not set"
node v2tool.js wait 60 || fail "database not reachable"

log "running medusa db:migrate (NODE_ENV=$NODE_ENV)"
out=/tmp/medusa-migrate.log
if ! $MEDUSA db:migrate >"$out" 2>&1 || ! node v2tool.js migrated; then
  tail -n 40 "$out"; fail "medusa db:migrate failed"
fi
log "migrated in $((SECONDS - t0))s"

if ! node v2tool.js user-exists "$ADMIN_EMAIL"; then
  # `medusa user` takes the password on its command line: /proc/<pid>/cmdline is readable
  # inside this container only, for the few seconds it runs.
  out=/tmp/medusa-user.log
  $MEDUSA user -e "$ADMIN_EMAIL" -p "$ADMIN_PASSWORD" >"$out" 2>&1 && node v2tool.js user-exists "$ADMIN_EMAIL" \
    || { grep -vF -- "$ADMIN_PASSWORD" "$out" | tail -n 40; fail "could not create the admin user"; }
  log "admin user created ($((SECONDS - t0))s)"
fi

log "starting medusa on port $PORT"
$MEDUSA start -p "$PORT" &
child=$!
# bash is PID 1: pass stop signals on to Medusa
trap 'kill -TERM "$child" 2>/dev/null || true' TERM INT
(
  node v2tool.js ready "$PORT" 180 || { log "ERROR: /health did not answer 200" >&2; exit 1; }
  MEDUSA_ADMIN_PASSWORD_FOR_TOOL="$ADMIN_PASSWORD" node v2tool.js api-key "$PORT" "$ADMIN_EMAIL" \
    | sed 's/^/medusa-conformance: /' || { log "ERROR: could not create the secret API key" >&2; exit 1; }
  log "medusa-v2 ready on port $PORT ($((SECONDS - t0))s)"
) &
while true; do
  wait "$child" && status=0 || status=$?
  kill -0 "$child" 2>/dev/null || break # else a trapped signal interrupted the wait
done
log "medusa exited with status $status"
exit "$status"
