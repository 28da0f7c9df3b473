#!/usr/bin/env bash
# Speed and memory of a whole suite run, for the README's figures (not a
# test: these machines are shared and noisy). Uses hyperfine and GNU time
# from Debian's packages.
#   scripts/bench.sh             against the embedded reference backend
#   scripts/bench.sh real        against the Medusa that MEDUSA_BASE_URL etc. name
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
[[ -x /usr/bin/time ]] || need+=(time)
if ((${#need[@]})); then apt-get install -y -qq "${need[@]}" >/dev/null; fi
cargo build --release -q
bin=target/release/medusa-conformance
label="${1:-reference}"
if [[ "$label" == reference ]]; then
  unset MEDUSA_BASE_URL MEDUSA_ADMIN_EMAIL MEDUSA_ADMIN_PASSWORD MEDUSA_API_TOKEN
fi
hyperfine --warmup 2 --runs "${BENCH_RUNS:-20}" --style basic -N "$bin" --export-markdown "/tmp/bench-$label.md" >/dev/null
cat "/tmp/bench-$label.md"
/usr/bin/time -f "peak RSS: %M KiB" "$bin" 2>&1 >/dev/null | tail -1
