#!/usr/bin/env bash
# Smoke test of the locally built images: a network, postgres + medusa-v1 containers,
# POST /admin/auth must answer 200 with {"user":...} and a connect.sid cookie, and the
# api token must authenticate GET /admin/auth. Removes its containers and network.
# Needs a running engine (scripts/docker-engine.sh start) and the images
# (scripts/build-images.sh). Prints timings. MEDUSA_CREATE_USER=sql tries the fast path.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[[ -n "${DOCKER_HOST:-}" ]] || eval "$("$ROOT/scripts/docker-engine.sh" env)"
export DOCKER_HOST
D=/usr/bin/docker; [[ -x $D ]] || D=docker
NAME="mc-smoke-$$"
EMAIL=admin@example.com
PASSWORD="pw-$RANDOM$RANDOM"
TOKEN="tok-$RANDOM$RANDOM$RANDOM"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { local ms=$(( $(now_ms) - $1 )); printf '%d.%03ds' $((ms / 1000)) $((ms % 1000)); }
log() { printf '[smoke] %s\n' "$*"; }
cleanup() {
  "$D" rm -f "$NAME-medusa" "$NAME-pg" >/dev/null 2>&1 || true
  "$D" network rm "$NAME" >/dev/null 2>&1 || true
}
trap cleanup EXIT

"$D" network create "$NAME" >/dev/null
t=$(now_ms)
"$D" run -d --name "$NAME-pg" --network "$NAME" --network-alias pg \
  -e POSTGRES_PASSWORD=pgpass -e POSTGRES_DB=medusa medusa-conformance/postgres:15 >/dev/null
until "$D" logs "$NAME-pg" 2>/dev/null | grep -q 'database system is ready to accept connections'; do
  (( $(now_ms) - t < 60000 )) || { "$D" logs "$NAME-pg"; log "postgres not ready in 60s"; exit 1; }
  sleep 0.1
done
log "postgres ready (log line on stdout) after $(secs "$t")"

t=$(now_ms)
"$D" run -d --name "$NAME-medusa" --network "$NAME" -p 0:9000 \
  -e DATABASE_URL=postgres://postgres:pgpass@pg:5432/medusa \
  -e JWT_SECRET=smoke-jwt -e COOKIE_SECRET=smoke-cookie \
  -e MEDUSA_ADMIN_EMAIL="$EMAIL" -e MEDUSA_ADMIN_PASSWORD="$PASSWORD" -e MEDUSA_API_TOKEN="$TOKEN" \
  -e MEDUSA_CREATE_USER="${MEDUSA_CREATE_USER:-cli}" \
  medusa-conformance/medusa-v1:1.20.11 >/dev/null
ports=$("$D" port "$NAME-medusa" 9000/tcp)   # no `| head` here: SIGPIPE + pipefail
PORT=$(sed -n '1s/.*://p' <<<"$ports")
body="{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}"
until [[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/admin/auth" \
            -H 'content-type: application/json' -d "$body")" == 200 ]]; do
  (( $(now_ms) - t < 120000 )) || { "$D" logs "$NAME-medusa" | grep -v '^query:' | tail -40; log "no 200 in 120s"; exit 1; }
  "$D" inspect -f '{{.State.Running}}' "$NAME-medusa" | grep -q true || { "$D" logs "$NAME-medusa" | tail -40; log "medusa container exited"; exit 1; }
  sleep 0.1
done
log "medusa: first 200 from POST /admin/auth $(secs "$t") after docker run (host port $PORT)"
"$D" logs "$NAME-medusa" 2>&1 | grep '^medusa-conformance:' | sed 's/^/[smoke]   /'

resp=$(curl -s -i -X POST "http://127.0.0.1:$PORT/admin/auth" -H 'content-type: application/json' -d "$body")
grep -q '^HTTP/1.1 200' <<<"$resp" || { log "login not 200"; exit 1; }
grep -qi '^set-cookie: connect.sid=' <<<"$resp" || { log "no connect.sid cookie"; exit 1; }
grep -q '"user":{' <<<"$resp" || { log "no {user} body"; exit 1; }
log "login: 200, {user} body, connect.sid cookie"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/admin/auth" -H "x-medusa-access-token: $TOKEN")
[[ "$code" == 200 ]] || { log "api token: GET /admin/auth answered $code"; exit 1; }
log "api token: GET /admin/auth 200"
if "$D" logs "$NAME-medusa" 2>&1 | grep -q -e "$PASSWORD" -e "$TOKEN"; then log "password or token leaked in the logs"; exit 1; fi
log "logs show neither the password nor the token"
log "OK"
