#!/usr/bin/env bash
# Builds the container target's images in the engine at $DOCKER_HOST, with no registry:
#   medusa-conformance/debian:bookworm    mmdebstrap --variant=minbase bookworm | docker import
#   medusa-conformance/postgres:15        docker/postgres/ (Debian's postgresql-15)
#   medusa-conformance/medusa-v1:1.20.11  docker/medusa-v1/ and the pinned npm tree in backends/medusa-v1/
# Images already in the engine are kept; --force rebuilds them. Needs mmdebstrap, and
# Node 20 on this host (copied into the Medusa image; without it the image gets Debian's nodejs).
set -euo pipefail
cd "$(dirname "$0")/.."
MIRROR="${MC_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
have() { [[ "${1:-}" != --force && -n "$(docker images -q "$2")" ]]; }
build() { docker build --network host -q -t "$@" >/dev/null; }

if ! have "${1:-}" medusa-conformance/debian:bookworm; then
  mmdebstrap --quiet --variant=minbase bookworm - "deb $MIRROR bookworm main" \
    "deb $MIRROR bookworm-updates main" "deb $MIRROR-security bookworm-security main" |
    docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]' - medusa-conformance/debian:bookworm >/dev/null
fi
have "${1:-}" medusa-conformance/postgres:15 || build medusa-conformance/postgres:15 docker/postgres
if ! have "${1:-}" medusa-conformance/medusa-v1:1.20.11; then
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  mkdir -p "$ctx/app" "$ctx/runtime/bin" "$ctx/runtime/lib/node_modules" "$ctx/extra-ca"
  cp docker/medusa-v1/* "$ctx/"
  cp backends/medusa-v1/package.json backends/medusa-v1/package-lock.json "$ctx/app/"
  # a TLS-inspecting egress proxy's CA, for npm ci inside the build (public certificates)
  cp /usr/local/share/ca-certificates/*.crt "$ctx/extra-ca/" 2>/dev/null || true
  node=$(readlink -f "$(command -v node || true)")
  if [[ -x "$node" && "$("$node" --version)" == v20.* ]]; then
    cp "$node" "$ctx/runtime/bin/node"
    cp -a "$(dirname "$node")/../lib/node_modules/npm" "$ctx/runtime/lib/node_modules/"
  fi
  build medusa-conformance/medusa-v1:1.20.11 "$ctx"
fi
docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' 'medusa-conformance/*'
