#!/usr/bin/env bash
# A private Docker engine for the conformance harness, started by hand (no
# systemd here), with everything it owns under one state directory.
#
#   scripts/docker-engine.sh start   # install docker.io if missing, start dockerd, wait for it
#   scripts/docker-engine.sh env     # print `export DOCKER_HOST=unix://...` (eval it)
#   scripts/docker-engine.sh status  # exit 0 if our dockerd answers
#   scripts/docker-engine.sh stop    # stop our dockerd (by its PID), unmount its leftovers
#
# Settings (env):
#   MC_DOCKER_STATE   state dir (default /var/tmp/medusa-conformance-docker). It holds
#                     data/ (--data-root: images, containers; kept across stop/start so
#                     built images are reused), exec/ (--exec-root), docker.sock,
#                     dockerd.pid, dockerd.log.
#   MC_DOCKER_START_TIMEOUT  seconds to wait for `docker info` (default 60)
#   MC_DOCKER_STOP_TIMEOUT   seconds to wait for dockerd to exit after SIGTERM (default 30)
#   MC_DOCKER_STORAGE_DRIVER overlay2 (default) or vfs where overlayfs is missing
#   MC_DOCKERD_EXTRA_FLAGS   extra dockerd flags, word-split (e.g. "--debug")
#
# dockerd flags, and why (checked on Debian 12, docker.io 20.10.24, kernel 6.18, as
# root inside a sandbox that has /.dockerenv and full capabilities):
#   --data-root/--exec-root/--pidfile/-H unix://  keep this engine apart from any other
#       engine on the machine (and from /var/run/docker.sock, which is not ours).
#   --storage-driver=overlay2  works here (overlay is in /proc/filesystems and the data
#       root is on ext4); set explicitly so a fallback to vfs (very slow, huge) never
#       happens silently. Override with MC_DOCKER_STORAGE_DRIVER=vfs if a machine has
#       no overlayfs.
#   iptables: left ON (the default). nf_tables-backed iptables works here; dockerd adds
#       the MASQUERADE rule and turns ip_forward on, so containers (and `docker build`)
#       can reach the package registries, and published ports work. --iptables=false
#       is NOT needed (and would cut containers off from the outside).
#       Side effects on the host while it runs: ip_forward=1, iptables FORWARD policy
#       DROP, DOCKER* chains, the docker0 bridge. `start` records what was there before
#       (state/host-net-before) and `stop` undoes what dockerd added, unless another
#       dockerd is still running on the machine.
#   bridge: the default docker0 (172.17.0.1/16) is created by dockerd. testcontainers
#       sees /.dockerenv and so uses the bridge gateway 172.17.0.1 as the host; that
#       works because docker-proxy binds published ports on all interfaces.
#   --mtu=<uplink MTU>  the uplink here has MTU 1400 while docker0 defaults to 1500;
#       downloads from containers also worked at 1500 here, but a container MTU above
#       the uplink's is a classic cause of stalled TLS downloads behind tunnels, so the
#       default route's MTU is passed (applies to the default bridge, used by builds).
#   No --containerd: dockerd starts its own managed containerd (a child, under
#       exec/containerd), which goes away with dockerd.
#   The Docker CLI: Debian's /usr/bin/docker (20.10) is used by these scripts; a newer
#       client found first on PATH (e.g. /usr/local/bin/docker 28.x) also works, it
#       negotiates the API version down.
set -euo pipefail

STATE="${MC_DOCKER_STATE:-/var/tmp/medusa-conformance-docker}"
DATA="$STATE/data"
EXEC="$STATE/exec"
SOCK="$STATE/docker.sock"
PIDFILE="$STATE/dockerd.pid"
LOG="$STATE/dockerd.log"
NETSTATE="$STATE/host-net-before"   # what we changed on the host, to restore on stop
START_TIMEOUT="${MC_DOCKER_START_TIMEOUT:-60}"
STOP_TIMEOUT="${MC_DOCKER_STOP_TIMEOUT:-30}"
DOCKER_CLI="/usr/bin/docker"
DOCKERD="/usr/sbin/dockerd"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
step_start=$(now_ms)
step() { # step "message" ... done_step ["detail"]: prints the step and its duration
  step_start=$(now_ms)
  printf '[docker-engine] %s ...\n' "$*" >&2
}
done_step() {
  local ms=$(( $(now_ms) - step_start ))
  printf '[docker-engine]   done in %d.%03ds%s\n' $((ms / 1000)) $((ms % 1000)) "${1:+ ($1)}" >&2
}
die() { printf '[docker-engine] ERROR: %s\n' "$*" >&2; exit 1; }

cli() { "$DOCKER_CLI" -H "unix://$SOCK" "$@"; }

our_pid() { # prints the PID of our running dockerd, or fails
  [[ -f "$PIDFILE" ]] || return 1
  local pid; pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [[ -n "$pid" && -d "/proc/$pid" ]] || return 1
  # make sure the PID is really a dockerd using our socket (PIDs get reused)
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "dockerd.*unix://$SOCK" || return 1
  echo "$pid"
}

ensure_installed() {
  if [[ -x $DOCKERD && -x "$DOCKER_CLI" ]]; then
    return 0
  fi
  step "installing docker.io (Debian's Docker engine) with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  # apt-get update only when the lists look empty: it is slow-ish and needs the registry.
  if ! apt-cache show docker.io >/dev/null 2>&1; then apt-get update -q >/dev/null; fi
  apt-get install -y -q docker.io >/dev/null
  done_step "$($DOCKERD --version)"
}

default_mtu() {
  local dev
  dev=$(ip route show default 2>/dev/null | awk '/default/ {for (i=1;i<NF;i++) if ($i=="dev") {print $(i+1); exit}}')
  [[ -n "$dev" ]] && cat "/sys/class/net/$dev/mtu" 2>/dev/null || echo 1500
}

start() {
  ensure_installed
  mkdir -p "$STATE" "$DATA" "$EXEC"
  if pid=$(our_pid) && cli info >/dev/null 2>&1; then
    printf '[docker-engine] already running (pid %s), reusing it: %s\n' "$pid" "unix://$SOCK" >&2
    return 0
  fi
  if pid=$(our_pid); then
    die "dockerd pid $pid is running but does not answer on $SOCK; run '$0 stop' first (log: $LOG)"
  fi
  # leftovers of a dockerd that died uncleanly
  cleanup_mounts
  rm -f "$SOCK" "$PIDFILE"

  # remember host network state we may change, to restore it on stop
  if [[ ! -f "$NETSTATE" ]]; then
    {
      echo "ip_forward=$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null || echo unknown)"
      if ip link show docker0 >/dev/null 2>&1; then echo "docker0=existed"; else echo "docker0=absent"; fi
      echo "forward_policy=$(iptables -S FORWARD 2>/dev/null | awk '$1=="-P" {print $3}')"
      if iptables -S 2>/dev/null | grep -q -- '-N DOCKER$'; then echo "docker_chains=existed"; else echo "docker_chains=absent"; fi
    } > "$NETSTATE"
  fi

  local mtu; mtu=$(default_mtu)
  step "starting dockerd (state $STATE, mtu $mtu)"
  # shellcheck disable=SC2086
  setsid $DOCKERD \
    --data-root "$DATA" \
    --exec-root "$EXEC" \
    --pidfile "$PIDFILE" \
    -H "unix://$SOCK" \
    --storage-driver="${MC_DOCKER_STORAGE_DRIVER:-overlay2}" \
    --mtu="$mtu" \
    ${MC_DOCKERD_EXTRA_FLAGS:-} \
    >>"$LOG" 2>&1 </dev/null &
  local launched=$!
  local deadline=$(( $(now_ms) + START_TIMEOUT * 1000 ))
  until cli info >/dev/null 2>&1; do
    if ! kill -0 "$launched" 2>/dev/null; then
      tail -n 30 "$LOG" >&2 || true
      die "dockerd exited during startup (log: $LOG)"
    fi
    if (( $(now_ms) > deadline )); then
      tail -n 30 "$LOG" >&2 || true
      die "dockerd did not answer within ${START_TIMEOUT}s (pid $launched, log: $LOG); '$0 stop' cleans up"
    fi
    sleep 0.2
  done
  done_step "pid $(cat "$PIDFILE"), $(cli info --format '{{.ServerVersion}} {{.Driver}}' 2>/dev/null)"
  printf '[docker-engine] ready: export DOCKER_HOST=unix://%s\n' "$SOCK" >&2
}

cleanup_mounts() {
  # Unmount whatever is still mounted under our exec root / data root (deepest first):
  # netns files under exec/netns, overlay mounts of containers, and the data root
  # itself (dockerd bind-mounts it onto itself). Lazy (-l) as a fallback.
  local m
  awk '{print $2}' /proc/self/mounts | sed 's/\\040/ /g' \
    | { grep -E "^($EXEC|$DATA)(/|$)" || true; } | sort -r \
    | while read -r m; do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || echo "[docker-engine] warning: could not unmount $m" >&2
      done
}

other_dockerd_running() { # any live (non-zombie) dockerd on the machine
  local p
  for p in $(pgrep -x dockerd 2>/dev/null || true); do
    grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null || return 0
  done
  return 1
}

remove_docker_iptables() {
  local t rule chain bridges_re="docker0"
  local b
  for b in $(cat "$STATE/bridges" 2>/dev/null); do bridges_re="$bridges_re|$b"; done
  for t in filter nat; do
    # rules in the built-in chains that jump to DOCKER* chains or name our bridges
    iptables-save -t "$t" 2>/dev/null \
      | grep -E -- "^-A (INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) .*(DOCKER|$bridges_re)" \
      | while read -r rule; do
          # shellcheck disable=SC2086
          iptables -t "$t" -D ${rule#-A } 2>/dev/null || true
        done
    for chain in $(iptables-save -t "$t" 2>/dev/null | sed -n 's/^:\(DOCKER[A-Z0-9-]*\) .*/\1/p'); do
      iptables -t "$t" -F "$chain" 2>/dev/null || true
    done
    for chain in $(iptables-save -t "$t" 2>/dev/null | sed -n 's/^:\(DOCKER[A-Z0-9-]*\) .*/\1/p'); do
      iptables -t "$t" -X "$chain" 2>/dev/null || true
    done
  done
}

restore_host_net() {
  [[ -f "$NETSTATE" ]] || return 0
  local fwd d0
  fwd=$(sed -n 's/^ip_forward=//p' "$NETSTATE")
  d0=$(sed -n 's/^docker0=//p' "$NETSTATE")
  # only undo what we did, and only if no other dockerd is running on the machine
  if other_dockerd_running; then
    rm -f "$NETSTATE" "$STATE/bridges"; return 0
  fi
  if [[ "$d0" == absent ]] && ip link show docker0 >/dev/null 2>&1; then
    ip link delete docker0 2>/dev/null || true
  fi
  local b
  for b in $(cat "$STATE/bridges" 2>/dev/null); do
    ip link delete "$b" 2>/dev/null || true
  done
  if [[ "$fwd" == 0 ]]; then
    echo 0 > /proc/sys/net/ipv4/ip_forward 2>/dev/null || true
  fi
  # dockerd sets the FORWARD policy to DROP when it turns ip_forward on: put it back
  local pol; pol=$(sed -n 's/^forward_policy=//p' "$NETSTATE")
  if [[ "$pol" == ACCEPT ]]; then iptables -P FORWARD ACCEPT 2>/dev/null || true; fi
  # remove the iptables rules and chains dockerd added, if there were none before
  if [[ "$(sed -n 's/^docker_chains=//p' "$NETSTATE")" == absent ]]; then remove_docker_iptables; fi
  rm -f "$NETSTATE" "$STATE/bridges"
}

stop() {
  local pid
  if pid=$(our_pid); then
    step "stopping dockerd pid $pid"
    # stop running containers first so their shims/processes go away cleanly
    local running
    running=$(cli ps -q 2>/dev/null || true)
    if [[ -n "$running" ]]; then
      # shellcheck disable=SC2086
      cli stop -t 5 $running >/dev/null 2>&1 || true
    fi
    # bridges of user-defined networks (br-<id>) outlive dockerd: note them to remove
    cli network ls -q --filter driver=bridge --no-trunc 2>/dev/null \
      | while read -r id; do
          name=$(cli network inspect -f '{{index .Options "com.docker.network.bridge.name"}}' "$id" 2>/dev/null || true)
          [[ -n "$name" && "$name" != "<no value>" ]] || name="br-${id:0:12}"
          echo "$name"
        done > "$STATE/bridges" || true
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(( $(now_ms) + STOP_TIMEOUT * 1000 ))
    while [[ -d "/proc/$pid" ]] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do
      if (( $(now_ms) > deadline )); then
        echo "[docker-engine] dockerd did not exit within ${STOP_TIMEOUT}s, sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
        break
      fi
      sleep 0.2
    done
    done_step
  else
    echo "[docker-engine] no running dockerd of ours (state $STATE)" >&2
  fi
  # containerd started by our dockerd: normally exits with it; if one is left that
  # uses our exec root, stop it too (it is ours: its socket is under our exec root).
  local c
  for c in $(pgrep -x containerd 2>/dev/null || true); do
    if tr '\0' ' ' < "/proc/$c/cmdline" 2>/dev/null | grep -q -- "$EXEC/"; then
      kill -TERM "$c" 2>/dev/null || true
    fi
  done
  step "unmounting leftovers under $STATE"
  cleanup_mounts
  rm -f "$SOCK" "$PIDFILE"
  restore_host_net
  done_step
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) echo "export DOCKER_HOST=unix://$SOCK" ;;
  status)
    if pid=$(our_pid) && cli info >/dev/null 2>&1; then
      echo "running pid $pid, DOCKER_HOST=unix://$SOCK"
    else
      echo "not running (state $STATE)"; exit 1
    fi ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
