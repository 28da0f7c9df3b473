#!/usr/bin/env bash
# Bring a REAL Medusa 1.20.11 backend up and down for the conformance harness.
#
#   scripts/medusa-v1.sh up         PostgreSQL + npm ci + db + migrations + admin user + `medusa start` (HTTP, dev mode)
#   scripts/medusa-v1.sh down       stop that server, drop its database, stop PostgreSQL if `up` started it
#   scripts/medusa-v1.sh env        print `export ...` lines for eval "$(scripts/medusa-v1.sh env)"
#   scripts/medusa-v1.sh up-tls     second instance, NODE_ENV=production, behind nginx (HTTPS, test CA)
#   scripts/medusa-v1.sh down-tls   stop what up-tls started
#   scripts/medusa-v1.sh env-tls    print the env for the HTTPS instance (adds MEDUSA_CA_CERT)
#   scripts/medusa-v1.sh status     what is running
#
# Everything is idempotent: a second `up` reuses the modules, the database, the user and the
# running server. Only `env` / `env-tls` ever print the admin password or the API token.
#
# Configuration (environment variables, defaults in brackets):
#   MEDUSA_V1_PORT [9000]            plain HTTP instance (Medusa listens on all interfaces)
#   MEDUSA_V1_TLS_APP_PORT [9001]    production-mode instance behind nginx
#   MEDUSA_V1_TLS_PORT [9443]        nginx HTTPS port
#   MEDUSA_V1_TLS_HOST [127.0.0.1]   nginx listen address
#   MEDUSA_ADMIN_EMAIL [admin@medusa-test.local]
#   MEDUSA_ADMIN_PASSWORD [conformance-Passw0rd-7Qx2]
#   MEDUSA_API_TOKEN [conformance-api-token-5f0c2a9e]
#   MEDUSA_V1_DB [medusa_conformance]         MEDUSA_V1_TLS_DB [${MEDUSA_V1_DB}_tls]
#   MEDUSA_V1_DB_USER [medusa_conformance]    MEDUSA_V1_DB_PASSWORD [medusa_conformance]
#   MEDUSA_V1_DB_HOST [127.0.0.1]             MEDUSA_V1_DB_PORT [the cluster's port, usually 5432]
#   MEDUSA_V1_JWT_SECRET [conformance-jwt-secret]  MEDUSA_V1_COOKIE_SECRET [conformance-cookie-secret]
#   MEDUSA_V1_ADMIN_CORS / MEDUSA_V1_STORE_CORS (see medusa-config.js)
#   MEDUSA_V1_START_TIMEOUT [120]    seconds to wait for POST /admin/auth to answer 200
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BACKEND="$ROOT/backends/medusa-v1"
STATE="$BACKEND/.state"
BIN="$BACKEND/node_modules/.bin/medusa"

MEDUSA_V1_PORT="${MEDUSA_V1_PORT:-9000}"
MEDUSA_V1_TLS_APP_PORT="${MEDUSA_V1_TLS_APP_PORT:-9001}"
MEDUSA_V1_TLS_PORT="${MEDUSA_V1_TLS_PORT:-9443}"
MEDUSA_V1_TLS_HOST="${MEDUSA_V1_TLS_HOST:-127.0.0.1}"
MEDUSA_ADMIN_EMAIL="${MEDUSA_ADMIN_EMAIL:-admin@medusa-test.local}"
MEDUSA_ADMIN_PASSWORD="${MEDUSA_ADMIN_PASSWORD:-conformance-Passw0rd-7Qx2}"
MEDUSA_API_TOKEN="${MEDUSA_API_TOKEN:-conformance-api-token-5f0c2a9e}"
MEDUSA_V1_DB="${MEDUSA_V1_DB:-medusa_conformance}"
MEDUSA_V1_TLS_DB="${MEDUSA_V1_TLS_DB:-${MEDUSA_V1_DB}_tls}"
MEDUSA_V1_DB_USER="${MEDUSA_V1_DB_USER:-medusa_conformance}"
MEDUSA_V1_DB_PASSWORD="${MEDUSA_V1_DB_PASSWORD:-medusa_conformance}"
MEDUSA_V1_DB_HOST="${MEDUSA_V1_DB_HOST:-127.0.0.1}"
MEDUSA_V1_JWT_SECRET="${MEDUSA_V1_JWT_SECRET:-conformance-jwt-secret}"
MEDUSA_V1_COOKIE_SECRET="${MEDUSA_V1_COOKIE_SECRET:-conformance-cookie-secret}"
MEDUSA_V1_START_TIMEOUT="${MEDUSA_V1_START_TIMEOUT:-120}"

# Lower-cased e-mail: Medusa stores e-mails lower-cased.
ADMIN_EMAIL_LC="$(printf '%s' "$MEDUSA_ADMIN_EMAIL" | tr '[:upper:]' '[:lower:]')"

# ---------------------------------------------------------------------------------------------
# output helpers

log() { printf '[medusa-v1] %s\n' "$*" >&2; }
die() { printf '[medusa-v1] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# step "what" cmd args... : prints "[medusa-v1] what ... done in 1.2s" (or the failure)
step() {
  local what="$1"; shift
  local t0 rc; t0="$(now)"
  printf '[medusa-v1] %s ...\n' "$what" >&2
  # Run in a subshell with errexit ON (a function called from `if`/`||` would silently ignore
  # failures); the functions run through step communicate only through files.
  set +e
  ( set -e; "$@" )
  rc=$?
  set -e
  if [[ $rc -eq 0 ]]; then
    printf '[medusa-v1] %s ... done in %s\n' "$what" "$(since "$t0")" >&2
  else
    printf '[medusa-v1] %s ... FAILED (exit %d) after %s\n' "$what" "$rc" "$(since "$t0")" >&2
    exit "$rc"
  fi
}

# SQL literal / psql-variable quoting: double the single quotes.
sqlq() { printf '%s' "${1//\'/\'\'}"; }

# ---------------------------------------------------------------------------------------------
# instances: "plain" (HTTP, development) and "tls" (production, behind nginx)

inst_port() { [[ $1 == tls ]] && echo "$MEDUSA_V1_TLS_APP_PORT" || echo "$MEDUSA_V1_PORT"; }
inst_db() { [[ $1 == tls ]] && echo "$MEDUSA_V1_TLS_DB" || echo "$MEDUSA_V1_DB"; }
inst_node_env() { [[ $1 == tls ]] && echo production || echo development; }
inst_dir() { echo "$STATE/$1"; }
inst_pidfile() { echo "$STATE/$1/medusa.pid"; }
inst_log() { echo "$STATE/$1/medusa.log"; }

# ---------------------------------------------------------------------------------------------
# apt

apt_updated=0
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p "$STATE"
  local alog="$STATE/apt.log"
  if [[ $apt_updated -eq 0 ]] && ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    log "apt-get update (no package lists yet)"
    apt-get update -q >>"$alog" 2>&1 || { tail -n 20 "$alog" >&2; return 1; }
    apt_updated=1
  fi
  if ! apt-get install -y -q --no-install-recommends "$@" >>"$alog" 2>&1; then
    if [[ $apt_updated -eq 1 ]]; then tail -n 20 "$alog" >&2; return 1; fi
    log "apt-get install failed, retrying after apt-get update"
    apt-get update -q >>"$alog" 2>&1 || { tail -n 20 "$alog" >&2; return 1; }
    apt_updated=1
    apt-get install -y -q --no-install-recommends "$@" >>"$alog" 2>&1 || { tail -n 20 "$alog" >&2; return 1; }
  fi
}

need_root() {
  [[ $(id -u) -eq 0 ]] || die "installing/starting system packages needs root (run as root)"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

PG_VER="" PG_CLUSTER="" PG_PORT="" PG_STATUS=""

pg_read_cluster() {
  local line
  line="$(pg_lsclusters -h 2>/dev/null | head -n1 || true)"
  if [[ -z $line ]]; then PG_VER=""; return 1; fi
  read -r PG_VER PG_CLUSTER PG_PORT PG_STATUS _ <<<"$line"
}

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

# psql as the superuser, script on stdin (keeps secrets off the command line)
pg_super() {
  as_postgres psql -X -q -A -t -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres
}

# psql as the app role against an instance db
pg_app() {
  PGPASSWORD="$MEDUSA_V1_DB_PASSWORD" psql -X -q -A -t -v ON_ERROR_STOP=1 \
    -h "$MEDUSA_V1_DB_HOST" -p "$PG_PORT" -U "$MEDUSA_V1_DB_USER" -d "$1"
}

pg_install() {
  need_root
  apt_install postgresql
}

pg_start_cluster() {
  pg_ctlcluster "$PG_VER" "$PG_CLUSTER" start
  printf 'started-by-us %s %s\n' "$PG_VER" "$PG_CLUSTER" >"$STATE/postgres"
}

pg_versions() { find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V; }

ensure_postgres() {
  mkdir -p "$STATE"
  local installed_now=0
  if ! command -v pg_lsclusters >/dev/null || ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    step "install PostgreSQL (apt-get install -y postgresql)" pg_install
    installed_now=1
  else
    log "PostgreSQL already installed ($(pg_versions | tr '\n' ' ' | sed 's/ $//'))"
  fi
  if ! pg_read_cluster; then
    local v; v="$(pg_versions | tail -n1)"
    step "create PostgreSQL cluster $v/main" pg_createcluster "$v" main
    pg_read_cluster || die "no PostgreSQL cluster after pg_createcluster"
  fi
  if [[ $PG_STATUS == online* ]]; then
    # record that it was running before us, unless we are the ones who started it earlier
    # (a cluster our own apt-get install just started counts as started by us)
    if [[ $installed_now -eq 1 ]]; then
      printf 'started-by-us %s %s\n' "$PG_VER" "$PG_CLUSTER" >"$STATE/postgres"
    elif [[ ! -f $STATE/postgres ]]; then
      printf 'pre-existing %s %s\n' "$PG_VER" "$PG_CLUSTER" >"$STATE/postgres"
    fi
    log "PostgreSQL $PG_VER/$PG_CLUSTER already running on port $PG_PORT"
  else
    step "start PostgreSQL (pg_ctlcluster $PG_VER $PG_CLUSTER start)" pg_start_cluster
    pg_read_cluster
  fi
  if [[ -n ${MEDUSA_V1_DB_PORT:-} ]]; then PG_PORT="$MEDUSA_V1_DB_PORT"; fi
}

db_url() {
  # role/password are url-encoded by node (they are configurable)
  node -e 'const [u,p,h,port,db]=process.argv.slice(1);
    process.stdout.write(`postgres://${encodeURIComponent(u)}:${encodeURIComponent(p)}@${h}:${port}/${encodeURIComponent(db)}`)' \
    "$MEDUSA_V1_DB_USER" "$MEDUSA_V1_DB_PASSWORD" "$MEDUSA_V1_DB_HOST" "$PG_PORT" "$1"
}

ensure_role_and_db() {
  local db="$1"
  pg_super <<SQL
\\set role '$(sqlq "$MEDUSA_V1_DB_USER")'
\\set pw '$(sqlq "$MEDUSA_V1_DB_PASSWORD")'
select format('create role %I login password %L', :'role', :'pw')
  where not exists (select 1 from pg_roles where rolname = :'role') \\gexec
select format('alter role %I login password %L', :'role', :'pw') \\gexec
SQL
  local exists
  exists="$(printf "select 1 from pg_database where datname = '%s';\n" "$(sqlq "$db")" | pg_super)"
  if [[ $exists == 1 ]]; then
    log "database $db already exists"
  else
    printf "\\\\set db '%s'\n\\\\set role '%s'\nselect format('create database %%I owner %%I', :'db', :'role') \\\\gexec\n" \
      "$(sqlq "$db")" "$(sqlq "$MEDUSA_V1_DB_USER")" | pg_super
    log "database $db created (owner $MEDUSA_V1_DB_USER)"
  fi
}

drop_db() {
  local db="$1"
  printf "\\\\set db '%s'\nselect format('drop database if exists %%I with (force)', :'db') \\\\gexec\n" \
    "$(sqlq "$db")" | pg_super
}

# ---------------------------------------------------------------------------------------------
# npm

# the installed tree is "complete" if npm ci's marker matches the lock and the key modules load
modules_complete() {
  [[ -x $BIN ]] || return 1
  [[ -f $BACKEND/node_modules/.package-lock.json ]] || return 1
  [[ -f $STATE/npm-ci.lock.sha256 ]] || return 1
  [[ "$(sha256sum <"$BACKEND/package-lock.json")" == "$(cat "$STATE/npm-ci.lock.sha256")" ]] || return 1
  (cd "$BACKEND" && node -e '
    const want = {"@medusajs/medusa":"1.20.11","@medusajs/medusa-cli":"1.3.23","medusa-interfaces":"1.3.10",
      "typeorm":"0.3.16","@medusajs/event-bus-local":"1.9.9","@medusajs/cache-inmemory":"1.8.11"};
    for (const [n,v] of Object.entries(want)) {
      const got = JSON.parse(require("fs").readFileSync("node_modules/" + n + "/package.json", "utf8")).version;
      if (got !== v) { console.error(n + " is " + got + ", want " + v); process.exit(1); }
    }' 2>/dev/null)
}

npm_ci() {
  command -v npm >/dev/null || die "npm not found (Node.js 18/20 with npm is required)"
  mkdir -p "$STATE"
  (cd "$BACKEND" && npm ci --no-audit --no-fund --loglevel=error >"$STATE/npm-ci.log" 2>&1) || {
    tail -n 30 "$STATE/npm-ci.log" >&2; return 1; }
  sha256sum <"$BACKEND/package-lock.json" >"$STATE/npm-ci.lock.sha256"
  modules_complete || die "node_modules incomplete after npm ci (see $STATE/npm-ci.log)"
}

ensure_modules() {
  if modules_complete; then
    log "node_modules complete (medusa 1.20.11 etc.), skipping npm ci"
  else
    step "npm ci (backends/medusa-v1, exact versions from package-lock.json)" npm_ci
  fi
}

# ---------------------------------------------------------------------------------------------
# migrations + user

# migrations row count, or -1 when the tables are not there
migrations_count() {
  local out
  out="$(pg_app "$1" <<'SQL' 2>/dev/null || true
select case when to_regclass('public.migrations') is null or to_regclass('public."user"') is null
  then -1 else (select count(*) from migrations) end;
SQL
)"
  [[ $out =~ ^-?[0-9]+$ ]] && echo "$out" || echo -1
}

# fast path: a previous run verified the migrations of this db (marker = "db count")
migrations_done() {
  local inst="$1" db; db="$(inst_db "$1")"
  local marker; marker="$(inst_dir "$inst")/migrations.ok"
  [[ -f $marker ]] || return 1
  local mdb mcount; read -r mdb mcount <"$marker"
  [[ $mdb == "$db" ]] && [[ $(migrations_count "$db") == "$mcount" ]] && (( mcount > 0 ))
}

run_migrations() {
  local inst="$1" db; db="$(inst_db "$1")"
  local mlog; mlog="$(inst_dir "$inst")/migrations.log"
  local slog; slog="$(inst_dir "$inst")/migrations-show.log"
  rm -f "$(inst_dir "$inst")/migrations.ok"
  (cd "$BACKEND" && medusa_env "$inst" "$BIN" migrations run >"$mlog" 2>&1) || {
    tail -n 30 "$mlog" >&2; return 1; }
  # `medusa migrations run` can exit 0 after failing (it even exits before printing
  # "Migrations completed."): check the log, `medusa migrations show`, and the database.
  if grep -Eq "Cannot find module|QueryFailedError|MedusaError" "$mlog"; then
    log "migrations log shows errors:"
    grep -E "Cannot find module|QueryFailedError|MedusaError" "$mlog" | head -n 10 >&2
    return 1
  fi
  (cd "$BACKEND" && medusa_env "$inst" "$BIN" migrations show >"$slog" 2>&1) || {
    log "'medusa migrations show' reports pending migrations (or failed):"
    grep -v '^query' "$slog" | grep -F '[ ]' | head -n 20 >&2; tail -n 5 "$slog" >&2; return 1; }
  local applied pending rows
  applied="$(grep -cF '[X]' "$slog" || true)"
  pending="$(grep -cF '[ ]' "$slog" || true)"
  rows="$(migrations_count "$db")"
  if (( rows <= 0 || pending != 0 || applied != rows )); then
    log "migrations not verified: table rows=$rows, show: applied=$applied pending=$pending"
    return 1
  fi
  printf '%s %s\n' "$db" "$rows" >"$(inst_dir "$inst")/migrations.ok"
  log "verified: \"user\" table exists, migrations table has $rows rows, 'migrations show': $applied applied, 0 pending"
}

user_exists() {
  local out
  out="$(printf "select count(*) from \"user\" where email = '%s' and deleted_at is null;\n" \
    "$(sqlq "$ADMIN_EMAIL_LC")" | pg_app "$1")"
  [[ $out -ge 1 ]]
}

create_user() {
  local inst="$1" ulog; ulog="$(inst_dir "$inst")/user.log"
  # The CLI takes the password as an argument (its only interface); its output goes to a log.
  (cd "$BACKEND" && medusa_env "$inst" "$BIN" user -e "$MEDUSA_ADMIN_EMAIL" -p "$MEDUSA_ADMIN_PASSWORD" >"$ulog" 2>&1) || {
    tail -n 20 "$ulog" | sed "s/$(printf '%s' "$MEDUSA_ADMIN_PASSWORD" | sed 's/[][\/.^$*]/\\&/g')/***/g" >&2; return 1; }
  user_exists "$(inst_db "$inst")" || { log "user not found after 'medusa user'"; tail -n 20 "$ulog" >&2; return 1; }
}

set_api_token() {
  pg_app "$1" >/dev/null <<SQL
\\set tok '$(sqlq "$MEDUSA_API_TOKEN")'
\\set email '$(sqlq "$ADMIN_EMAIL_LC")'
update "user" set api_token = :'tok' where email = :'email';
SQL
}

# ---------------------------------------------------------------------------------------------
# the server

# medusa_env INST cmd... : run cmd with the instance's environment
medusa_env() {
  local inst="$1"; shift
  local -a e=(
    MEDUSA_DISABLE_TELEMETRY=true
    NODE_ENV="$(inst_node_env "$inst")"
    PORT="$(inst_port "$inst")"
    DATABASE_URL="$(db_url "$(inst_db "$inst")")"
    JWT_SECRET="$MEDUSA_V1_JWT_SECRET"
    COOKIE_SECRET="$MEDUSA_V1_COOKIE_SECRET"
    MEDUSA_CONFORMANCE_INSTANCE="$inst"
  )
  [[ -n ${MEDUSA_V1_ADMIN_CORS:-} ]] && e+=(ADMIN_CORS="$MEDUSA_V1_ADMIN_CORS")
  [[ -n ${MEDUSA_V1_STORE_CORS:-} ]] && e+=(STORE_CORS="$MEDUSA_V1_STORE_CORS")
  exec env "${e[@]}" "$@"
}

# is $1 a live medusa process started by this script for instance $2?
is_our_medusa() {
  local pid="$1" inst="$2"
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' </proc/"$pid"/cmdline | grep -q 'medusa' || return 1
  tr '\0' '\n' </proc/"$pid"/environ 2>/dev/null | grep -qx "MEDUSA_CONFORMANCE_INSTANCE=$inst"
}

running_pid() {
  local inst="$1" pf pid; pf="$(inst_pidfile "$inst")"
  [[ -f $pf ]] || return 1
  pid="$(cat "$pf")"
  is_our_medusa "$pid" "$inst" && echo "$pid"
}

# POST /admin/auth with the admin credentials; prints the HTTP status (000 if no answer)
login_status() {
  local url="$1"; shift
  E="$MEDUSA_ADMIN_EMAIL" P="$MEDUSA_ADMIN_PASSWORD" \
    node -e 'process.stdout.write(JSON.stringify({email: process.env.E, password: process.env.P}))' \
    | curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
      "$@" -X POST -H 'Content-Type: application/json' --data-binary @- "$url/admin/auth" || true
}

port_in_use() {
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q . 
}

start_server() {
  local inst="$1" port log pf; port="$(inst_port "$inst")"; log="$(inst_log "$inst")"; pf="$(inst_pidfile "$inst")"
  port_in_use "$port" && die "port $port is already in use by another process (set MEDUSA_V1_PORT / MEDUSA_V1_TLS_APP_PORT)"
  : >"$log"
  # exec chain subshell -> env -> setsid -> node: $! is the server's own pid
  (cd "$BACKEND" && medusa_env "$inst" setsid "$BIN" start >>"$log" 2>&1 </dev/null) &
  echo $! >"$pf"
  local pid; pid="$(cat "$pf")"
  log "medusa start (instance $inst, NODE_ENV=$(inst_node_env "$inst"), port $port) pid $pid, log $log"
  local deadline=$(( $(date +%s) + MEDUSA_V1_START_TIMEOUT )) code
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "medusa exited before answering; last log lines:"; tail -n 40 "$log" >&2; rm -f "$pf"; return 1
    fi
    code="$(login_status "http://127.0.0.1:$port" -H 'X-Forwarded-Proto: https')"
    if [[ $code == 200 ]]; then break; fi
    if [[ $code =~ ^[45] ]]; then
      log "server answers but POST /admin/auth is $code (401: the admin user exists with another password?"
      log "run 'scripts/medusa-v1.sh down' to start from a fresh database); last log lines:"
      tail -n 20 "$log" >&2; stop_server "$inst"; return 1
    fi
    if (( $(date +%s) >= deadline )); then
      log "timeout (${MEDUSA_V1_START_TIMEOUT}s) waiting for POST /admin/auth = 200 (last: $code); last log lines:"
      tail -n 40 "$log" >&2; stop_server "$inst"; return 1
    fi
    sleep 0.25
  done
}

stop_server() {
  local inst="$1" pf pid; pf="$(inst_pidfile "$inst")"
  [[ -f $pf ]] || { log "no $inst server recorded (nothing to stop)"; return 0; }
  pid="$(cat "$pf")"
  if ! is_our_medusa "$pid" "$inst"; then
    log "pid $pid in $pf is not our medusa process any more; not killing anything"; rm -f "$pf"; return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then log "pid $pid still alive after 10s, SIGKILL"; kill -KILL "$pid" || true; fi
  rm -f "$pf"
}

# ---------------------------------------------------------------------------------------------
# up / down for one instance

instance_up() {
  local inst="$1" t0; t0="$(now)"
  local db; db="$(inst_db "$inst")"
  mkdir -p "$(inst_dir "$inst")"
  ensure_postgres
  ensure_modules
  step "database $db and role $MEDUSA_V1_DB_USER" ensure_role_and_db "$db"
  if migrations_done "$inst"; then
    log "migrations already applied and verified on $db ($(migrations_count "$db") rows), skipping"
  else
    step "medusa migrations run ($db)" run_migrations "$inst"
  fi
  if user_exists "$db"; then
    log "admin user $ADMIN_EMAIL_LC already exists, skipping 'medusa user'"
  else
    step "medusa user -e $MEDUSA_ADMIN_EMAIL -p *** ($db)" create_user "$inst"
  fi
  step "set api_token of $ADMIN_EMAIL_LC (SQL)" set_api_token "$db"
  local pid
  if pid="$(running_pid "$inst")"; then
    local code; code="$(login_status "http://127.0.0.1:$(inst_port "$inst")" -H 'X-Forwarded-Proto: https')"
    [[ $code == 200 ]] || die "our medusa (pid $pid) runs but POST /admin/auth answers $code; try down then up"
    log "medusa ($inst) already running, pid $pid, POST /admin/auth = 200"
  else
    step "medusa start + wait for POST /admin/auth = 200 (port $(inst_port "$inst"))" start_server "$inst"
    pid="$(cat "$(inst_pidfile "$inst")")"
  fi
  log "instance $inst up in $(since "$t0"): http://127.0.0.1:$(inst_port "$inst") (pid $pid)"
}

# stop PostgreSQL if we started it and no instance still needs it
maybe_stop_postgres() {
  [[ -f $STATE/postgres ]] || return 0
  local how ver cluster; read -r how ver cluster <"$STATE/postgres"
  if running_pid plain >/dev/null || running_pid tls >/dev/null; then
    log "PostgreSQL still used by another instance, leaving it running"; return 0
  fi
  if [[ $how == started-by-us ]]; then
    step "stop PostgreSQL $ver/$cluster (it was not running before up)" pg_ctlcluster "$ver" "$cluster" stop
  else
    log "PostgreSQL $ver/$cluster was running before up, leaving it running"
  fi
  rm -f "$STATE/postgres"
}

instance_down() {
  local inst="$1" db; db="$(inst_db "$inst")"
  step "stop medusa ($inst)" stop_server "$inst"
  if command -v pg_lsclusters >/dev/null && pg_read_cluster && [[ $PG_STATUS == online* ]]; then
    [[ -n ${MEDUSA_V1_DB_PORT:-} ]] && PG_PORT="$MEDUSA_V1_DB_PORT"
    step "drop database $db" drop_db "$db"
    rm -f "$(inst_dir "$inst")/migrations.ok"
  else
    log "PostgreSQL not running, nothing to drop"
  fi
  maybe_stop_postgres
}

# ---------------------------------------------------------------------------------------------
# TLS: test CA + nginx

TLS_DIR="$STATE/tls"
NGINX_CONF="$TLS_DIR/nginx.conf"
NGINX_PID="$TLS_DIR/nginx.pid"

make_certs() {
  mkdir -p "$TLS_DIR"
  if [[ -f $TLS_DIR/ca.pem && -f $TLS_DIR/server.pem && -f $TLS_DIR/server-key.pem ]] \
    && openssl verify -CAfile "$TLS_DIR/ca.pem" "$TLS_DIR/server.pem" >/dev/null 2>&1 \
    && openssl x509 -checkend 86400 -noout -in "$TLS_DIR/server.pem" >/dev/null 2>&1; then
    log "test CA and server certificate already exist and verify"
    return 0
  fi
  ( umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -sha256 \
      -keyout "$TLS_DIR/ca-key.pem" -out "$TLS_DIR/ca.pem" \
      -subj "/CN=medusa-conformance test CA" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -sha256 \
      -keyout "$TLS_DIR/server-key.pem" -out "$TLS_DIR/server.csr" -subj "/CN=localhost" 2>/dev/null
    cat >"$TLS_DIR/server.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EOF
    openssl x509 -req -in "$TLS_DIR/server.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca-key.pem" \
      -CAcreateserial -days 365 -sha256 -extfile "$TLS_DIR/server.ext" -out "$TLS_DIR/server.pem" 2>/dev/null
  )
  chmod 644 "$TLS_DIR/ca.pem" "$TLS_DIR/server.pem"
  openssl verify -CAfile "$TLS_DIR/ca.pem" "$TLS_DIR/server.pem" >/dev/null
}

nginx_install() {
  need_root
  # Install without letting the package start the system nginx service on port 80.
  local policy=/usr/sbin/policy-rc.d created=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; created=1
  fi
  local rc=0
  apt_install nginx || rc=$?
  [[ $created -eq 1 ]] && rm -f "$policy"
  return "$rc"
}

ensure_nginx() {
  if command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]]; then
    log "nginx already installed"
  else
    step "install nginx (apt-get install -y nginx; system service not started)" nginx_install
  fi
}

nginx_bin() { command -v nginx || echo /usr/sbin/nginx; }

is_our_nginx() {
  local pid="$1"
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' </proc/"$pid"/cmdline | grep -q "nginx.*$NGINX_CONF"
}

start_nginx() {
  mkdir -p "$TLS_DIR/nginx/temp"
  sed -e "s#@STATE_TLS@#$TLS_DIR#g" \
      -e "s#@LISTEN@#$MEDUSA_V1_TLS_HOST:$MEDUSA_V1_TLS_PORT#g" \
      -e "s#@UPSTREAM@#127.0.0.1:$MEDUSA_V1_TLS_APP_PORT#g" \
      "$BACKEND/tls/nginx.conf.template" >"$NGINX_CONF"
  local nb; nb="$(nginx_bin)"
  "$nb" -t -q -e "$TLS_DIR/nginx-error.log" -p "$TLS_DIR/nginx/" -c "$NGINX_CONF"
  port_in_use "$MEDUSA_V1_TLS_PORT" && die "port $MEDUSA_V1_TLS_PORT already in use"
  "$nb" -e "$TLS_DIR/nginx-error.log" -p "$TLS_DIR/nginx/" -c "$NGINX_CONF"
  for _ in $(seq 1 50); do [[ -s $NGINX_PID ]] && break; sleep 0.1; done
  is_our_nginx "$(cat "$NGINX_PID" 2>/dev/null)" || { tail -n 20 "$TLS_DIR/nginx-error.log" >&2; return 1; }
}

stop_nginx() {
  [[ -f $NGINX_PID ]] || { log "no nginx recorded (nothing to stop)"; return 0; }
  local pid; pid="$(cat "$NGINX_PID")"
  if ! is_our_nginx "$pid"; then log "pid $pid is not our nginx any more; not killing anything"; rm -f "$NGINX_PID"; return 0; fi
  kill -QUIT "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" || true; fi
  rm -f "$NGINX_PID"
}

tls_up() {
  local t0; t0="$(now)"
  instance_up tls
  ensure_nginx
  step "test CA + certificate for localhost/127.0.0.1 (openssl)" make_certs
  if [[ -f $NGINX_PID ]] && is_our_nginx "$(cat "$NGINX_PID")"; then
    log "nginx already running (pid $(cat "$NGINX_PID"))"
  else
    step "nginx TLS terminator on https://$MEDUSA_V1_TLS_HOST:$MEDUSA_V1_TLS_PORT -> 127.0.0.1:$MEDUSA_V1_TLS_APP_PORT" start_nginx
  fi
  local code; code="$(login_status "https://$MEDUSA_V1_TLS_HOST:$MEDUSA_V1_TLS_PORT" --cacert "$TLS_DIR/ca.pem")"
  [[ $code == 200 ]] || die "POST /admin/auth through nginx answered $code"
  log "verified: POST https://$MEDUSA_V1_TLS_HOST:$MEDUSA_V1_TLS_PORT/admin/auth = 200 with --cacert"
  log "CA certificate: $TLS_DIR/ca.pem"
  log "TLS stack up in $(since "$t0") (nginx pid $(cat "$NGINX_PID"), medusa pid $(cat "$(inst_pidfile tls)"))"
}

tls_down() {
  step "stop nginx" stop_nginx
  instance_down tls
}

# ---------------------------------------------------------------------------------------------

print_env() {
  printf 'export MEDUSA_BASE_URL=%q MEDUSA_ADMIN_EMAIL=%q MEDUSA_ADMIN_PASSWORD=%q MEDUSA_API_TOKEN=%q\n' \
    "$1" "$MEDUSA_ADMIN_EMAIL" "$MEDUSA_ADMIN_PASSWORD" "$MEDUSA_API_TOKEN"
  # the server's JWT secret, for tests that forge tokens (expired, store-domain, unknown user)
  printf 'export MEDUSA_JWT_SECRET=%q\n' "$MEDUSA_V1_JWT_SECRET"
  # the first admin_cors origin (medusa-config.js default), for the CORS scenarios
  local cors="${MEDUSA_V1_ADMIN_CORS:-http://localhost:7000,http://localhost:7001}"
  printf 'export MEDUSA_ADMIN_ORIGIN=%q\n' "${cors%%,*}"
}

status() {
  local inst pid
  for inst in plain tls; do
    if pid="$(running_pid "$inst")"; then
      echo "medusa $inst: running, pid $pid, port $(inst_port "$inst"), db $(inst_db "$inst")"
    else
      echo "medusa $inst: not running"
    fi
  done
  if [[ -f $NGINX_PID ]] && is_our_nginx "$(cat "$NGINX_PID")"; then
    echo "nginx: running, pid $(cat "$NGINX_PID"), https://$MEDUSA_V1_TLS_HOST:$MEDUSA_V1_TLS_PORT"
  else
    echo "nginx: not running"
  fi
  [[ -f $STATE/postgres ]] && echo "postgres: $(cat "$STATE/postgres")"
  return 0
}

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    up) local t0; t0="$(now)"; instance_up plain; log "up finished in $(since "$t0")" ;;
    down) local t0; t0="$(now)"; instance_down plain; log "down finished in $(since "$t0")" ;;
    env) print_env "http://127.0.0.1:$MEDUSA_V1_PORT" ;;
    up-tls) tls_up ;;
    down-tls) local t0; t0="$(now)"; tls_down; log "down-tls finished in $(since "$t0")" ;;
    env-tls)
      print_env "https://$MEDUSA_V1_TLS_HOST:$MEDUSA_V1_TLS_PORT"
      printf 'export MEDUSA_CA_CERT=%q\n' "$TLS_DIR/ca.pem" ;;
    status) status ;;
    *) usage ;;
  esac
}

main "$@"
