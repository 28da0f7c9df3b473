#!/usr/bin/env bash
# Builds the container target's images in the engine at $DOCKER_HOST, with no registry:
#   medusa-conformance/debian:bookworm    mmdebstrap --variant=minbase bookworm | docker import
#   medusa-conformance/postgres:15        docker/postgres/ (Debian's postgresql-15)
#   medusa-conformance/medusa-v1:1.20.11  docker/medusa-v1/ and the pinned npm tree in backends/medusa-v1/
#   medusa-conformance/medusa-v2:2.21.2   docker/medusa-v2/ and the pinned npm tree in backends/medusa-v2/
# Images already in the engine are kept; --force rebuilds them. --only NAME (debian, postgres,
# medusa-v1 or medusa, medusa-v2; repeatable) limits the build to those images.
# Needs mmdebstrap (for the base), and Node 20 on this host (copied into the Medusa images;
# without it medusa-v1 gets Debian's nodejs and medusa-v2, which needs Node >= 20, fails).
set -euo pipefail
cd "$(dirname "$0")/.."
MIRROR="${MC_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
force="" only=()
while (($#)); do
  case "$1" in
    --force) force=1 ;;
    --only)
      [[ $# -ge 2 ]] || { echo "build-images.sh: --only needs a name" >&2; exit 2; }
      case "$2" in
        debian | postgres | medusa-v1 | medusa-v2) only+=("$2") ;;
        medusa) only+=(medusa-v1) ;;
        *) echo "build-images.sh: unknown image '$2' (debian, postgres, medusa-v1, medusa-v2)" >&2; exit 2 ;;
      esac
      shift ;;
    *) echo "usage: scripts/build-images.sh [--force] [--only debian|postgres|medusa-v1|medusa-v2]..." >&2; exit 2 ;;
  esac
  shift
done
wanted() { ((${#only[@]} == 0)) || [[ " ${only[*]} " == *" $1 "* ]]; }
# an image to build: wanted, and missing or forced
todo() { wanted "$1" && [[ -n "$force" || -z "$(docker images -q "$2")" ]]; }
build() { docker build --network host -q -t "$@" >/dev/null; }
tmpdirs=()
trap 'rm -rf "${tmpdirs[@]}"' EXIT

# A Medusa image: docker/<name>/ plus the pinned npm tree, the host's Node 20 and extra CAs.
build_medusa() { # name tag
  local ctx node
  ctx=$(mktemp -d)
  tmpdirs+=("$ctx")
  mkdir -p "$ctx/app" "$ctx/runtime/bin" "$ctx/runtime/lib/node_modules" "$ctx/extra-ca"
  cp "docker/$1"/* "$ctx/"
  cp "backends/$1/package.json" "backends/$1/package-lock.json" "$ctx/app/"
  # a TLS-inspecting egress proxy's CA, for npm ci inside the build (public certificates)
  cp /usr/local/share/ca-certificates/*.crt "$ctx/extra-ca/" 2>/dev/null || true
  node=$(readlink -f "$(command -v node || true)")
  if [[ -x "$node" && "$("$node" --version)" == v20.* ]]; then
    cp "$node" "$ctx/runtime/bin/node"
    cp -a "$(dirname "$node")/../lib/node_modules/npm" "$ctx/runtime/lib/node_modules/"
  fi
  build "medusa-conformance/$1:$2" "$ctx"
  rm -rf "$ctx"
}

if todo debian medusa-conformance/debian:bookworm; then
  mmdebstrap --quiet --variant=minbase bookworm - "deb $MIRROR bookworm main" \
    "deb $MIRROR bookworm-updates main" "deb $MIRROR-security bookworm-security main" |
    docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]' - medusa-conformance/debian:bookworm >/dev/null
fi
if todo postgres medusa-conformance/postgres:15; then build medusa-conformance/postgres:15 docker/postgres; fi
if todo medusa-v1 medusa-conformance/medusa-v1:1.20.11; then build_medusa medusa-v1 1.20.11; fi
if todo medusa-v2 medusa-conformance/medusa-v2:2.21.2; then build_medusa medusa-v2 2.21.2; fi
docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' 'medusa-conformance/*'
