#!/usr/bin/env bash
# Mutation testing of the lines the last commit changed: cargo-mutants
# --in-diff over `git diff HEAD~1`, limited to the files .cargo/mutants.toml
# names (the code that decides verdicts or protects secrets). Red on a
# missed mutant, a baseline that fails, or a run past its time bound.
# A clone with one commit (or a shallow one) has no HEAD~1: skipped, said so.
# Usage: .ci/mutants.sh [minutes]   (default 30)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
version=27.1.0
minutes=${1:-30}

if ! git rev-parse -q --verify 'HEAD~1^{commit}' >/dev/null; then
  echo "mutants: this clone has no previous commit (HEAD~1): nothing to diff against, skipped"
  exit 0
fi
if [[ "$(cargo mutants --version 2>/dev/null)" != "cargo-mutants $version" ]]; then
  cargo install --locked --version "$version" cargo-mutants
fi

diff=$(mktemp)
trap 'rm -f "$diff"' EXIT
git diff HEAD~1 >"$diff"
# The mutants are built in copies of the tree; one target dir for all of
# them keeps the dependencies built once (and one job: the copies share it).
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
rc=0
timeout --kill-after=60 "${minutes}m" \
  cargo mutants --in-diff "$diff" --jobs 1 --timeout 300 --build-timeout 900 \
  --output "$CARGO_TARGET_DIR" || rc=$?
case $rc in
  0) echo "mutants: every mutant on the changed lines caught (or unviable)" ;;
  2) echo "mutants: MISSED mutants (listed above; $CARGO_TARGET_DIR/mutants.out/missed.txt):" \
       "add a test that fails with each, or list it in .cargo/mutants.toml with why" ;;
  3) echo "mutants: some mutants timed out (a mutant that hangs the tests is caught);" \
       "see $CARGO_TARGET_DIR/mutants.out/timeout.txt"; rc=0 ;;
  124|137) echo "mutants: not done within ${minutes} min: run it unbounded (README, Mutation testing)" ;;
  *) echo "mutants: cargo mutants failed (exit $rc)" ;;
esac
exit "$rc"
