#!/usr/bin/env bash
# Exercise every case of CONTRACT.md section 3 against a running Medusa v1 (scripts/medusa-v1.sh up)
# and print a Markdown transcript: status line, all response headers, exact body.
# The admin password and API token are masked in the output; JWT signatures are shortened.
#
#   scripts/medusa-v1-observe.sh                > observed.md     (plain HTTP instance)
#   MEDUSA_OBSERVE_TLS=1 scripts/medusa-v1-observe.sh              (HTTPS/production cookie cases only)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BACKEND="$ROOT/backends/medusa-v1"
eval "$("$ROOT/scripts/medusa-v1.sh" env)"
: "${MEDUSA_V1_JWT_SECRET:=${MEDUSA_JWT_SECRET:-conformance-jwt-secret}}"
BASE="$MEDUSA_BASE_URL"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

mask() {
  local pw="$MEDUSA_ADMIN_PASSWORD" tok="$MEDUSA_API_TOKEN"
  PW="$pw" TOK="$tok" perl -pe '
    BEGIN { $pw = quotemeta $ENV{PW}; $tok = quotemeta $ENV{TOK}; }
    s/$pw/<ADMIN_PASSWORD>/g; s/$tok/<API_TOKEN>/g;
    s/(eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.)([A-Za-z0-9_-]{6})[A-Za-z0-9_-]+/$1$2.../g;'
}

json() { node -e 'process.stdout.write(process.argv[1])' "$1"; }
creds() { # creds EMAIL PASSWORD-as-json-literal
  E="$1" node -e 'process.stdout.write(JSON.stringify({email: process.env.E, password: JSON.parse(process.argv[1])}))' "$2"
}
pwjson() { P="$MEDUSA_ADMIN_PASSWORD" node -e 'process.stdout.write(JSON.stringify(process.env.P))'; }

# req "title" "request description" curl-args...   (body, if any, on stdin via --data-binary @-)
req() {
  local title="$1" desc="$2"; shift 2
  local out="$TMP/out"
  curl -sS -i --max-time 10 "$@" >"$out" 2>&1 || true
  {
    echo "### $title"
    echo
    echo "Request: \`$desc\`"
    echo
    echo '```http'
    tr -d '\r' <"$out"
    [[ -z $(tail -c1 "$out") ]] || echo
    echo '```'
    echo
  } | mask
}

body_of() { tr -d '\r' <"$TMP/out" | sed '1,/^$/d'; }
cookie_of() { tr -d '\r' <"$TMP/out" | grep -i '^set-cookie: connect.sid=' | head -n1 | sed 's/^[^:]*: //; s/;.*//'; }

JSONH=(-H 'Content-Type: application/json')
PW="$(pwjson)"

jwt() { # jwt SECRET PAYLOAD-JSON [expiresIn]
  (cd "$BACKEND" && S="$1" P="$2" X="${3:-}" node -e '
    const jwt = require("jsonwebtoken");
    const opts = process.env.X ? { expiresIn: process.env.X } : {};
    process.stdout.write(jwt.sign(JSON.parse(process.env.P), process.env.S, opts));')
}

if [[ ${MEDUSA_OBSERVE_TLS:-} == 1 ]]; then
  eval "$("$ROOT/scripts/medusa-v1.sh" env-tls)"
  echo "## HTTPS through nginx (NODE_ENV=production instance)"
  echo
  creds "$MEDUSA_ADMIN_EMAIL" "$PW" | req "login through nginx (https)" "POST $MEDUSA_BASE_URL/admin/auth {email,password}" \
    --cacert "$MEDUSA_CA_CERT" -X POST "${JSONH[@]}" --data-binary @- "$MEDUSA_BASE_URL/admin/auth"
  C="$(cookie_of)"
  req "whoami through nginx with that cookie" "GET $MEDUSA_BASE_URL/admin/auth  Cookie: connect.sid=..." \
    --cacert "$MEDUSA_CA_CERT" -H "Cookie: $C" "$MEDUSA_BASE_URL/admin/auth"
  req "whoami through nginx, no credentials" "GET $MEDUSA_BASE_URL/admin/auth" \
    --cacert "$MEDUSA_CA_CERT" "$MEDUSA_BASE_URL/admin/auth"
  json '{"email": ' | req "body not JSON through nginx (production: no stack trace?)" "POST $MEDUSA_BASE_URL/admin/auth '{\"email\": '" \
    --cacert "$MEDUSA_CA_CERT" -X POST "${JSONH[@]}" --data-binary @- "$MEDUSA_BASE_URL/admin/auth"
  creds "$MEDUSA_ADMIN_EMAIL" '"wrong-password"' | req "wrong password through nginx" "POST $MEDUSA_BASE_URL/admin/auth {email, password: \"wrong-password\"}" \
    --cacert "$MEDUSA_CA_CERT" -X POST "${JSONH[@]}" --data-binary @- "$MEDUSA_BASE_URL/admin/auth"
  P="http://127.0.0.1:${MEDUSA_V1_TLS_APP_PORT:-9001}"
  creds "$MEDUSA_ADMIN_EMAIL" "$PW" | req "login on the production instance directly over plain http (no proxy header)" "POST $P/admin/auth {email,password}" \
    -X POST "${JSONH[@]}" --data-binary @- "$P/admin/auth"
  creds "$MEDUSA_ADMIN_EMAIL" "$PW" | req "login on the production instance over plain http with X-Forwarded-Proto: https" "POST $P/admin/auth {email,password}  X-Forwarded-Proto: https" \
    -X POST "${JSONH[@]}" -H 'X-Forwarded-Proto: https' --data-binary @- "$P/admin/auth"
  exit 0
fi

for route in /admin/auth /admin/auth/token; do
  U="$BASE$route"
  echo "## POST $route"
  echo
  creds "$MEDUSA_ADMIN_EMAIL" "$PW" | req "good credentials" "POST $route {email, password}" -X POST "${JSONH[@]}" --data-binary @- "$U"
  if [[ $route == /admin/auth ]]; then COOKIE="$(cookie_of)"; else JWT="$(body_of | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).access_token))')"; fi
  creds "$(printf '%s' "$MEDUSA_ADMIN_EMAIL" | tr '[:lower:]' '[:upper:]')" "$PW" | req "e-mail in upper case" "POST $route {email: UPPER, password}" -X POST "${JSONH[@]}" --data-binary @- "$U"
  creds "$MEDUSA_ADMIN_EMAIL" '"wrong-password"' | req "wrong password" "POST $route {email, password: \"wrong-password\"}" -X POST "${JSONH[@]}" --data-binary @- "$U"
  creds "nobody@medusa-test.local" "$PW" | req "unknown e-mail" "POST $route {email: \"nobody@medusa-test.local\", password}" -X POST "${JSONH[@]}" --data-binary @- "$U"
  P="$MEDUSA_ADMIN_PASSWORD" node -e 'process.stdout.write(JSON.stringify({password: process.env.P}))' \
    | req "missing e-mail" "POST $route {password}" -X POST "${JSONH[@]}" --data-binary @- "$U"
  json "{\"email\":\"$MEDUSA_ADMIN_EMAIL\"}" | req "missing password" "POST $route {email}" -X POST "${JSONH[@]}" --data-binary @- "$U"
  json '{}' | req "empty object" "POST $route {}" -X POST "${JSONH[@]}" --data-binary @- "$U"
  creds "not-an-email" "$PW" | req "e-mail not an e-mail" "POST $route {email: \"not-an-email\", password}" -X POST "${JSONH[@]}" --data-binary @- "$U"
  E="$MEDUSA_ADMIN_EMAIL" P="$MEDUSA_ADMIN_PASSWORD" node -e 'process.stdout.write(JSON.stringify({email: process.env.E, password: process.env.P, remember_me: true}))' \
    | req "extra property remember_me" "POST $route {email, password, remember_me: true}" -X POST "${JSONH[@]}" --data-binary @- "$U"
  creds "$MEDUSA_ADMIN_EMAIL" '12345678' | req "password a number" "POST $route {email, password: 12345678}" -X POST "${JSONH[@]}" --data-binary @- "$U"
  creds "$MEDUSA_ADMIN_EMAIL" '""' | req "password empty string" "POST $route {email, password: \"\"}" -X POST "${JSONH[@]}" --data-binary @- "$U"
  json '{"email": "admin@medusa-test.local", "password": ' | req "body not JSON (truncated JSON, Content-Type: application/json)" "POST $route '{\"email\": \"admin@medusa-test.local\", \"password\": '" -X POST "${JSONH[@]}" --data-binary @- "$U"
  json 'email=admin@medusa-test.local' | req "body form-encoded (Content-Type: application/x-www-form-urlencoded)" "POST $route 'email=admin@medusa-test.local'" -X POST -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @- "$U"
  creds "$MEDUSA_ADMIN_EMAIL" "$PW" | req "good credentials, no Content-Type header" "POST $route {email,password} without Content-Type" -X POST -H 'Content-Type:' --data-binary @- "$U"
done

U="$BASE/admin/auth"
USER_ID="$(curl -s -H "Cookie: $COOKIE" "$U" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).user.id))')"
TAMPERED="$(printf '%s' "$COOKIE" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const i=s.length-3;const c=s[i]==="A"?"B":"A";process.stdout.write(s.slice(0,i)+c+s.slice(i+1))})')"
OTHER_JWT="$(jwt another-secret "{\"user_id\":\"$USER_ID\",\"domain\":\"admin\"}" 1d)"
EXPIRED_JWT="$(jwt "$MEDUSA_V1_JWT_SECRET" "{\"user_id\":\"$USER_ID\",\"domain\":\"admin\",\"iat\":1700000000,\"exp\":1700086400}")"
STORE_JWT="$(jwt "$MEDUSA_V1_JWT_SECRET" '{"customer_id":"cus_01HXXXXXXXXXXXXXXXXXXXXXXX","domain":"store"}' 1d)"
GHOST_JWT="$(jwt "$MEDUSA_V1_JWT_SECRET" '{"user_id":"usr_01HGHOSTGHOSTGHOSTGHOSTGHO","domain":"admin"}' 1d)"

echo "## GET /admin/auth (whoami)"
echo
req "session cookie (from the good login)" "GET /admin/auth  Cookie: connect.sid=<from login>" -H "Cookie: $COOKIE" "$U"
req "x-medusa-access-token: api_token" "GET /admin/auth  x-medusa-access-token: <api_token>" -H "x-medusa-access-token: $MEDUSA_API_TOKEN" "$U"
req "Authorization: Bearer <jwt from /admin/auth/token>" "GET /admin/auth  Authorization: Bearer <jwt>" -H "Authorization: Bearer $JWT" "$U"
req "no credentials" "GET /admin/auth" "$U"
req "garbage cookie" "GET /admin/auth  Cookie: connect.sid=garbage" -H "Cookie: connect.sid=garbage" "$U"
req "tampered cookie (one signature char changed)" "GET /admin/auth  Cookie: connect.sid=<signature altered>" -H "Cookie: $TAMPERED" "$U"
req "garbage bearer" "GET /admin/auth  Authorization: Bearer garbage" -H "Authorization: Bearer garbage" "$U"
req "wrong api token" "GET /admin/auth  x-medusa-access-token: wrong-token" -H "x-medusa-access-token: wrong-token" "$U"
req "JWT signed with another secret" "GET /admin/auth  Authorization: Bearer <jwt signed with 'another-secret'>" -H "Authorization: Bearer $OTHER_JWT" "$U"
req "expired JWT (right secret)" "GET /admin/auth  Authorization: Bearer <expired jwt>" -H "Authorization: Bearer $EXPIRED_JWT" "$U"
req "store-domain JWT (right secret)" "GET /admin/auth  Authorization: Bearer <{customer_id, domain: store}>" -H "Authorization: Bearer $STORE_JWT" "$U"
req "valid JWT of a user that does not exist" "GET /admin/auth  Authorization: Bearer <{user_id: usr_01HGHOST..., domain: admin}>" -H "Authorization: Bearer $GHOST_JWT" "$U"
req "API token sent as bearer" "GET /admin/auth  Authorization: Bearer <api_token>" -H "Authorization: Bearer $MEDUSA_API_TOKEN" "$U"
req "CORS: allowed Origin (admin_cors) with cookie" "GET /admin/auth  Origin: http://localhost:7000  Cookie: ..." -H "Origin: http://localhost:7000" -H "Cookie: $COOKIE" "$U"
req "CORS: disallowed Origin with cookie" "GET /admin/auth  Origin: http://evil.example  Cookie: ..." -H "Origin: http://evil.example" -H "Cookie: $COOKIE" "$U"
req "CORS preflight, allowed Origin" "OPTIONS /admin/auth  Origin: http://localhost:7000  Access-Control-Request-Method: DELETE" -X OPTIONS -H "Origin: http://localhost:7000" -H "Access-Control-Request-Method: DELETE" "$U"

echo "## DELETE /admin/auth (logout)"
echo
req "logout with cookie" "DELETE /admin/auth  Cookie: connect.sid=<from login>" -X DELETE -H "Cookie: $COOKIE" "$U"
req "whoami with the same cookie after logout" "GET /admin/auth  Cookie: connect.sid=<same>" -H "Cookie: $COOKIE" "$U"
req "logout without credentials" "DELETE /admin/auth" -X DELETE "$U"
req "logout with only a bearer JWT" "DELETE /admin/auth  Authorization: Bearer <jwt>" -X DELETE -H "Authorization: Bearer $JWT" "$U"
req "whoami with that bearer JWT after logout" "GET /admin/auth  Authorization: Bearer <jwt>" -H "Authorization: Bearer $JWT" "$U"
req "logout with only the api token" "DELETE /admin/auth  x-medusa-access-token: <api_token>" -X DELETE -H "x-medusa-access-token: $MEDUSA_API_TOKEN" "$U"
req "whoami with the api token after logout" "GET /admin/auth  x-medusa-access-token: <api_token>" -H "x-medusa-access-token: $MEDUSA_API_TOKEN" "$U"

echo "## Session id across login"
echo
req "unauthenticated request, to get a fresh (anonymous) session cookie" "GET /admin/auth" "$U"
ANON="$(cookie_of)"
echo "Anonymous cookie received: \`${ANON:0:48}...\`"
echo
creds "$MEDUSA_ADMIN_EMAIL" "$PW" | req "login carrying that anonymous cookie" "POST /admin/auth {email,password}  Cookie: <anonymous cookie>" \
  -X POST "${JSONH[@]}" -H "Cookie: $ANON" --data-binary @- "$U"
echo "Set-Cookie on that login (first 48 chars): \`$(cookie_of | cut -c1-48)\` (same sid as the anonymous cookie = no regeneration)"
echo
req "whoami with the anonymous cookie after login" "GET /admin/auth  Cookie: <anonymous cookie>" -H "Cookie: $ANON" "$U"

echo "## Other"
echo
req "health" "GET /health" "$BASE/health"
req "unknown admin route without credentials" "GET /admin/nope" "$BASE/admin/nope"
