#!/usr/bin/env bash
# Builds the conformance harness's container images locally, with no container registry:
#
#   medusa-conformance/debian:bookworm     mmdebstrap --variant=minbase bookworm | docker import
#   medusa-conformance/postgres:15         docker/postgres/Dockerfile (Debian's postgresql-15)
#   medusa-conformance/medusa-v1:1.20.11   docker/medusa-v1/Dockerfile (Node 20 + pinned Medusa)
#
# Usage: scripts/build-images.sh [--force] [--no-cache] [--only debian|postgres|medusa]...
#                                [--medusa-base IMAGE] [--node-modules auto|container|host]
#   --force          rebuild images that already exist (default: skip them)
#   --no-cache       pass --no-cache to docker build (fresh apt/npm downloads)
#   --only NAME      build only that image (repeatable); dependencies are not built
#   --medusa-base    base image of the Medusa image (default medusa-conformance/debian:bookworm;
#                    node:20-bookworm-slim where a registry exists — then no host Node is copied)
#   --node-modules   where Medusa's node_modules come from:
#                      container: `npm ci` inside `docker build` (needs the npm registry
#                                 from containers; works here with dockerd's NAT)
#                      host:      `npm ci` on this host in a temp copy of backends/medusa-v1
#                                 (or reuse its node_modules if complete), COPY'd in
#                      auto:      container, and host if that fails (default)
#
# Talks to $DOCKER_HOST if set, else to scripts/docker-engine.sh's socket (start it first).
# Env: MC_DEBIAN_MIRROR (default http://deb.debian.org/debian),
#      MC_DEBIAN_SECURITY (default http://deb.debian.org/debian-security).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEBIAN_IMAGE=medusa-conformance/debian:bookworm
PG_IMAGE=medusa-conformance/postgres:15
MEDUSA_IMAGE=medusa-conformance/medusa-v1:1.20.11
MIRROR="${MC_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY="${MC_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}"

FORCE=0
NO_CACHE=()
ONLY=()
MEDUSA_BASE="$DEBIAN_IMAGE"
NODE_MODULES=auto
while [[ $# -gt 0 ]]; do
  case "$1" in
    --force) FORCE=1 ;;
    --no-cache) NO_CACHE=(--no-cache) ;;
    --only) ONLY+=("$2"); shift ;;
    --medusa-base) MEDUSA_BASE="$2"; shift ;;
    --node-modules) NODE_MODULES="$2"; shift ;;
    -h|--help) sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
case "$NODE_MODULES" in auto|container|host) ;; *) echo "--node-modules: auto|container|host" >&2; exit 2 ;; esac

if [[ -z "${DOCKER_HOST:-}" ]]; then
  eval "$("$ROOT/scripts/docker-engine.sh" env)"
fi
export DOCKER_HOST
DOCKER=/usr/bin/docker
[[ -x "$DOCKER" ]] || DOCKER=docker

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { local ms=$(( $(now_ms) - $1 )); printf '%d.%03ds' $((ms / 1000)) $((ms % 1000)); }
log() { printf '[build-images] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

"$DOCKER" info >/dev/null 2>&1 || die "no Docker engine at ${DOCKER_HOST} (run scripts/docker-engine.sh start)"

wanted() { [[ ${#ONLY[@]} -eq 0 ]] && return 0; local o; for o in "${ONLY[@]}"; do [[ "$o" == "$1" ]] && return 0; done; return 1; }
exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }
size_of() { "$DOCKER" image inspect --format '{{.Size}}' "$1" | awk '{printf "%.0f MB", $1/1000000}'; }
should_build() { # should_build IMAGE
  if exists "$1" && [[ $FORCE -eq 0 ]]; then log "$1 exists ($(size_of "$1")), skipping (--force rebuilds)"; return 1; fi
  return 0
}

TMPDIRS=()
cleanup() { local d; for d in "${TMPDIRS[@]}"; do rm -rf "$d"; done; }
trap cleanup EXIT
# mktmp VAR: a temp dir (removed on exit) in $VAR (not $(...): TMPDIRS must be set here)
mktmp() { local _mk; _mk=$(mktemp -d /var/tmp/medusa-conformance-build.XXXXXX); TMPDIRS+=("$_mk"); printf -v "$1" "%s" "$_mk"; }
# after a rebuild, drop the previous image if nothing else tags it any more
drop_old() { # drop_old OLD_ID NEW_REF
  local old=$1 new; new=$("$DOCKER" image inspect -f '{{.Id}}' "$2" 2>/dev/null || true)
  [[ -n "$old" && "$old" != "$new" ]] || return 0
  if [[ "$("$DOCKER" image inspect -f '{{len .RepoTags}}' "$old" 2>/dev/null)" == 0 ]]; then
    "$DOCKER" rmi "$old" >/dev/null 2>&1 || true
  fi
}
image_id() { "$DOCKER" image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

build_debian() {
  should_build "$DEBIAN_IMAGE" || return 0
  if ! command -v mmdebstrap >/dev/null; then
    local t0; t0=$(now_ms)
    log "installing mmdebstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap >/dev/null
    log "  done in $(secs "$t0")"
  fi
  local t0; t0=$(now_ms)
  log "building $DEBIAN_IMAGE (mmdebstrap --variant=minbase bookworm | docker import)"
  local d; mktmp d
  local old; old=$(image_id "$DEBIAN_IMAGE")
  mmdebstrap --quiet --variant=minbase bookworm "$d/rootfs.tar" \
    "deb $MIRROR bookworm main" \
    "deb $MIRROR bookworm-updates main" \
    "deb $SECURITY bookworm-security main"
  "$DOCKER" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["bash"]' \
    "$d/rootfs.tar" "$DEBIAN_IMAGE" >/dev/null
  rm -f "$d/rootfs.tar"
  drop_old "$old" "$DEBIAN_IMAGE"
  log "  $DEBIAN_IMAGE built in $(secs "$t0"), $(size_of "$DEBIAN_IMAGE")"
}

build_postgres() {
  should_build "$PG_IMAGE" || return 0
  exists "$DEBIAN_IMAGE" || die "$DEBIAN_IMAGE is missing (build it first)"
  local t0; t0=$(now_ms)
  log "building $PG_IMAGE"
  local old; old=$(image_id "$PG_IMAGE")
  "$DOCKER" build -q "${NO_CACHE[@]}" --build-arg BASE_IMAGE="$DEBIAN_IMAGE" -t "$PG_IMAGE" "$ROOT/docker/postgres" >/dev/null
  drop_old "$old" "$PG_IMAGE"
  log "  $PG_IMAGE built in $(secs "$t0"), $(size_of "$PG_IMAGE")"
}

# stage the Medusa build context; $1 = dir, $2 = container|host
stage_medusa() {
  local ctx=$1 mode=$2 src="$ROOT/backends/medusa-v1"
  [[ -f "$src/package.json" ]] || die "$src/package.json is missing"
  mkdir -p "$ctx/app" "$ctx/runtime" "$ctx/extra-ca"
  touch "$ctx/runtime/.keep" "$ctx/extra-ca/.keep"   # COPY needs something to copy
  cp "$ROOT"/docker/medusa-v1/{Dockerfile,entrypoint.sh,dbtool.js,readywait.js,medusa-config.js} "$ctx/"
  cp "$src/package.json" "$ctx/app/"
  [[ -f "$src/package-lock.json" ]] && cp "$src/package-lock.json" "$ctx/app/"
  # Node: our Debian base has none; copy the host's Node 20 (Nodesource build, linked
  # only against glibc/libstdc++/libgcc_s, which minbase has).
  if [[ "$MEDUSA_BASE" == medusa-conformance/debian:* ]]; then
    local node; node=$(command -v node || true)
    if [[ -n "$node" ]] && [[ "$("$node" --version)" == v20.* ]]; then
      node=$(readlink -f "$node")
      mkdir -p "$ctx/runtime/bin" "$ctx/runtime/lib/node_modules"
      cp "$node" "$ctx/runtime/bin/node"
      local npmdir; npmdir="$(dirname "$node")/../lib/node_modules/npm"
      [[ -d "$npmdir" ]] && cp -a "$npmdir" "$ctx/runtime/lib/node_modules/npm"
      log "  using the host's Node $("$node" --version) ($node)"
    else
      log "  no Node 20 on the host: the image installs Debian's nodejs (v18)"
    fi
  fi
  # Extra CA certificates of this machine (e.g. a TLS-inspecting proxy's), needed by
  # `npm ci` inside the build. They are public certificates, not secrets; the RUN step
  # deletes them, but the classic builder keeps them in the COPY layer below it.
  local c
  if [[ "$mode" == container ]]; then
    for c in /usr/local/share/ca-certificates/*.crt; do [[ -f "$c" ]] && cp "$c" "$ctx/extra-ca/"; done
  fi
  if [[ "$mode" == host ]]; then
    if [[ -d "$src/node_modules/@medusajs/medusa" && -d "$src/node_modules/@medusajs/event-bus-local" \
          && -d "$src/node_modules/@medusajs/cache-inmemory" && -f "$src/node_modules/.package-lock.json" ]]; then
      log "  reusing $src/node_modules"
      cp -a "$src/node_modules" "$ctx/app/node_modules"
    else
      log "  npm ci on the host"
      (cd "$ctx/app" && if [[ -f package-lock.json ]]; then npm ci --omit=dev --no-audit --no-fund; else npm install --omit=dev --no-audit --no-fund; fi) >&2
    fi
  fi
}

build_medusa() {
  should_build "$MEDUSA_IMAGE" || return 0
  if [[ "$MEDUSA_BASE" == medusa-conformance/* ]]; then exists "$MEDUSA_BASE" || die "$MEDUSA_BASE is missing (build it first)"; fi
  local modes=()
  case "$NODE_MODULES" in auto) modes=(container host) ;; *) modes=("$NODE_MODULES") ;; esac
  local mode
  for mode in "${modes[@]}"; do
    local t0; t0=$(now_ms)
    log "building $MEDUSA_IMAGE (base $MEDUSA_BASE, node_modules: $mode)"
    local ctx; mktmp ctx
    local old; old=$(image_id "$MEDUSA_IMAGE")
    stage_medusa "$ctx" "$mode"
    local logf="$ctx.log"; TMPDIRS+=("$logf")
    if "$DOCKER" build "${NO_CACHE[@]}" --build-arg BASE_IMAGE="$MEDUSA_BASE" -t "$MEDUSA_IMAGE" "$ctx" >"$logf" 2>&1; then
      drop_old "$old" "$MEDUSA_IMAGE"
      log "  $MEDUSA_IMAGE built in $(secs "$t0"), $(size_of "$MEDUSA_IMAGE")"
      return 0
    fi
    log "  build with node_modules from '$mode' failed after $(secs "$t0"); last lines:"
    tail -n 15 "$logf" >&2
    rm -rf "$ctx"
  done
  die "could not build $MEDUSA_IMAGE"
}

T_ALL=$(now_ms)
wanted debian && build_debian
wanted postgres && build_postgres
wanted medusa && build_medusa
log "all done in $(secs "$T_ALL")"
"$DOCKER" image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep '^medusa-conformance/' >&2 || true
