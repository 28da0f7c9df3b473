#!/usr/bin/env bash
# CI for MEDUSA_TARGET=container, from a fresh machine and a fresh clone:
#
#   1. scripts/docker-engine.sh start    our own dockerd (installs Debian's docker.io if missing)
#   2. scripts/build-images.sh           Debian base, PostgreSQL and Medusa images, no registry
#                                        (kept in the engine's data root: later runs reuse them)
#   3. MEDUSA_TARGET=container cargo test --test conformance
#                                        the whole suite against fresh containers
#   4. cargo test --test containers -- --include-ignored --test-threads=1
#                                        pass / fail / SIGINT / error cases, each with a
#                                        container, network and volume census before and after
#   5. no container or network labelled org.medusa-conformance.run may be left
#   and always, even on failure or Ctrl-C: scripts/docker-engine.sh stop
#
# Exits non-zero if any step failed; prints each step's time.
# Env: MC_KEEP_ENGINE=1 leaves the engine running at the end (for a next local run);
#      extra arguments are passed to scripts/build-images.sh (e.g. --force).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
fmt_ms() { printf '%d.%03ds' $(($1 / 1000)) $(($1 % 1000)); }
log() { printf '[ci-containers] %s\n' "$*" >&2; }

T0=$(now_ms)
SUMMARY=()
FAILED=0
# run_step NAME COMMAND...: runs it, records its time and result
run_step() {
  local name=$1; shift
  local t; t=$(now_ms)
  log "== $name: $*"
  "$@"
  local rc=$?
  local ms=$(( $(now_ms) - t ))
  if (( rc == 0 )); then
    SUMMARY+=("ok      $(fmt_ms "$ms")  $name")
  else
    SUMMARY+=("FAILED  $(fmt_ms "$ms")  $name (exit $rc)")
    FAILED=1
  fi
  return "$rc"
}

finish() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ "${MC_KEEP_ENGINE:-0}" == 1 ]]; then
    log "MC_KEEP_ENGINE=1: leaving the engine running ($DOCKER_HOST)"
  else
    run_step "stop the engine" scripts/docker-engine.sh stop || true
  fi
  log "== summary"
  local line
  for line in "${SUMMARY[@]}"; do printf '[ci-containers]   %s\n' "$line" >&2; done
  log "total $(fmt_ms $(( $(now_ms) - T0 )))"
  if (( FAILED )) || (( rc != 0 )); then
    log "RESULT: FAILED"
    exit 1
  fi
  log "RESULT: ok"
  exit 0
}
trap finish EXIT
trap 'log "interrupted"; FAILED=1; exit 130' INT TERM

eval "$(scripts/docker-engine.sh env)"
export DOCKER_HOST

run_step "start the engine" scripts/docker-engine.sh start || exit 1
run_step "build the images" scripts/build-images.sh "$@" || exit 1

# The suite through the container target. Only this variable picks the target:
# a MEDUSA_BASE_URL from the caller's environment must not redirect it.
run_step "suite via MEDUSA_TARGET=container" \
  env -u MEDUSA_BASE_URL -u MEDUSA_TAGS -u MEDUSA_FEATURES MEDUSA_TARGET=container \
  cargo test --test conformance
run_step "container target tests (pass, fail, SIGINT, errors, leaks)" \
  cargo test --test containers -- --include-ignored --test-threads=1

leftovers() {
  local c n
  c=$(docker ps -aq --filter label=org.medusa-conformance.run)
  n=$(docker network ls -q --filter label=org.medusa-conformance.run)
  if [[ -n "$c$n" ]]; then
    log "left behind: containers [${c//$'\n'/ }] networks [${n//$'\n'/ }]"
    return 1
  fi
  log "nothing labelled org.medusa-conformance.run is left in the engine"
}
run_step "no container or network left behind" leftovers
