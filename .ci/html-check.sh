#!/usr/bin/env bash
# The HTML report in a real browser. A failing run (the reference backend
# answering whoami with another user) writes its report; headless Chromium
# (Debian's `chromium`, installed here if missing) then
#   1. renders a copy of it with a small probe appended, and dumps the DOM:
#      the probe says, for every failed scenario, whether its line, its
#      failure report and its diff's added and removed lines take room on
#      screen, are not hidden, and have their colours;
#   2. takes a screenshot of the top of the report down to the first
#      failure (target/html-check/report.png; docs/html-report-failing.png
#      is one).
# Exit 0 only if every failed scenario and its diff are visible.
# Usage: .ci/html-check.sh [output folder, default target/html-check]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=${1:-target/html-check}
rm -rf "$out"
mkdir -p "$out"

if ! command -v chromium >/dev/null; then
  echo "html-check: installing chromium (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq chromium fonts-dejavu-core >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }
fi

cargo build -q --bin medusa-conformance
set +e
env -u MEDUSA_BASE_URL -u MEDUSA_TARGET -u MEDUSA_FEATURES -u MEDUSA_TAGS \
  MEDUSA_REFERENCE_FAULTS=whoami-other-user MEDUSA_HTML="$out/report.html" \
  target/debug/medusa-conformance >"$out/console.txt" 2>&1
rc=$?
set -e
if [[ $rc -ne 1 ]]; then
  cat "$out/console.txt"
  echo "html-check: the failing run should exit 1, it exited $rc"
  exit 1
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
browse() {
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$profile" "$@" 2>>"$out/chromium.log"
}

# The probe: run by Chromium after layout, on a copy (the report itself has
# no script).
cat "$out/report.html" - >"$out/probe.html" <<'EOF'
<script>
(function () {
  const shown = (e) => {
    if (!e) return false;
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility === "visible" && s.display !== "none" && Number(s.opacity) > 0;
  };
  const lines = [];
  for (const d of document.querySelectorAll("details.scenario.failed")) {
    const add = d.querySelector("pre.report .add"), del = d.querySelector("pre.report .del");
    const bg = (e) => (e ? getComputedStyle(e).backgroundColor : "none");
    lines.push([
      "failed scenario: " + d.querySelector(".name").textContent,
      "open=" + d.open,
      "line=" + shown(d.querySelector("summary")),
      "report=" + shown(d.querySelector("pre.report")),
      "added=" + shown(add) + " " + (add ? add.textContent : ""),
      "removed=" + shown(del) + " " + (del ? del.textContent : ""),
      "colours=" + bg(add) + "/" + bg(del),
    ].join(" | "));
  }
  const pre = document.createElement("pre");
  pre.id = "html-check";
  pre.textContent = lines.join("\n");
  document.body.appendChild(pre);
})();
</script>
EOF
browse --dump-dom "file://$PWD/$out/probe.html" >"$out/dom.html"

# Tall enough for the header, the first feature and the first failure with
# its diff (a fragment URL is not scrolled to in a headless screenshot).
browse --window-size=1280,2400 --screenshot="$PWD/$out/report.png" "file://$PWD/$out/report.html" >/dev/null

probe=$(sed -n '/<pre id="html-check">/,/<\/pre>/p' "$out/dom.html" |
  sed 's/.*<pre id="html-check">//; s/<\/pre>.*//; s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&amp;/\&/g')
if [[ -z ${probe//[[:space:]]/} ]]; then
  echo "html-check: Chromium ran no probe, or the rendered report shows no failed scenario"
  exit 1
fi
bad=0
while IFS= read -r line; do
  [[ -z $line ]] && continue
  if [[ $line == *"open=true"* && $line == *"line=true"* && $line == *"report=true"* &&
    $line == *"added=true +"* && $line == *"removed=true -"* &&
    $line != *"rgba(0, 0, 0, 0)"* && $line != *"colours=none"* ]]; then
    echo "visible  $line"
  else
    echo "HIDDEN   $line"
    bad=$((bad + 1))
  fi
done <<<"$probe"
if [[ $probe != *"someone.else@reference.medusa.test"* ]]; then
  echo "html-check: no diff shows the other user's e-mail"
  exit 1
fi
if ((bad)); then
  echo "html-check: $bad failed scenario(s) not fully visible"
  exit 1
fi
size=$(stat -c %s "$out/report.png" 2>/dev/null || echo 0)
if [[ $(head -c 4 "$out/report.png" 2>/dev/null | od -An -c | tr -d ' ') != '211PNG' || $size -lt 20000 ]]; then
  echo "html-check: the screenshot $out/report.png is missing or blank ($size bytes)"
  exit 1
fi
echo "html-check: $(grep -c . <<<"$probe") failed scenario(s) and their diffs visible in Chromium; screenshot $out/report.png"
