#!/usr/bin/env bash
# A private Docker engine: Debian's dockerd (package docker.io) started by hand,
# with its own data root and unix socket under one state folder.
#
#   scripts/docker-engine.sh start | stop | env     (eval "$(scripts/docker-engine.sh env)")
#
# MC_DOCKER_STATE: the state folder (default /var/tmp/medusa-conformance-docker);
# built images stay in its data/ across stop and start.
# The engine leaves the host's network alone: no iptables rules, no ip_forward,
# no docker0 bridge. Image builds use the host's network (docker build --network
# host); a run's containers share a private bridge network, and Medusa's port is
# published on the host by docker-proxy.
set -euo pipefail
S="${MC_DOCKER_STATE:-/var/tmp/medusa-conformance-docker}"
export DOCKER_HOST="unix://$S/docker.sock"
case "${1:-}" in
  env) echo "export DOCKER_HOST=$DOCKER_HOST" ;;
  start)
    mkdir -p "$S"
    setsid dockerd --data-root "$S/data" --exec-root "$S/exec" --pidfile "$S/dockerd.pid" \
      -H "$DOCKER_HOST" --storage-driver overlay2 --iptables=false --ip-forward=false \
      --bridge=none >>"$S/dockerd.log" 2>&1 </dev/null &
    timeout 60 sh -c 'until docker version >/dev/null 2>&1; do sleep 0.2; done' ||
      { tail -n 20 "$S/dockerd.log" >&2; exit 1; }
    ;;
  stop)
    pid=$(cat "$S/dockerd.pid" 2>/dev/null) || exit 0
    # only our dockerd: a PID in a stale file may belong to someone else by now
    grep -qa -- "$S/docker.sock" "/proc/$pid/cmdline" 2>/dev/null || exit 0
    kill "$pid"
    timeout 30 tail --pid="$pid" -f /dev/null || kill -9 "$pid"
    # mounts a dockerd killed half-way leaves behind
    # (none left is the usual case: grep finding nothing is not a failure)
    { grep -oE " $S/(exec|data)[^ ]*" /proc/mounts || true; } | sort -r | xargs -r -n1 umount -l
    ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
