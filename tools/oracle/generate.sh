#!/usr/bin/env bash
# Regenerate the kerasrt test fixtures (tests/fixtures/) and the bundled
# example models (examples/models/) from tools/oracle.
#
#   tools/oracle/generate.sh           regenerate in place
#   tools/oracle/generate.sh --check   regenerate into a temp dir and compare
#                                      with the committed files (exit 1 and
#                                      name the differing cases)
#
# Needs node >= 18 with npm (dependencies come from package-lock.json via
# `npm ci`, which works offline from the npm cache) and Debian's
# /usr/bin/python3 with python3-h5py and python3-numpy.
# ORACLE_SKIP_NPM=1 skips `npm ci` when node_modules is already installed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3
FIXTURES="$ROOT/tests/fixtures"
EXAMPLES="$ROOT/examples/models"

CHECK=0
case "${1:-}" in
  --check) CHECK=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

start=$(date +%s%N)
elapsed() { local ms=$(( ($(date +%s%N) - start) / 1000000 )); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }
"$PY" -c 'import h5py, numpy' || { echo "generate.sh: $PY needs python3-h5py and python3-numpy" >&2; exit 1; }

cd "$HERE"
if [[ "${ORACLE_SKIP_NPM:-0}" != 1 || ! -d node_modules/@tensorflow/tfjs ]]; then
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

node oracle.js "$TMP/dumps"
"$PY" write_fixtures.py "$TMP/dumps" "$TMP/fixtures" "$TMP/examples"

if [[ $CHECK == 1 ]]; then
  status=0
  "$PY" check_fixtures.py "$FIXTURES" "$TMP/fixtures" || status=1
  "$PY" check_fixtures.py --subset "$EXAMPLES" "$TMP/examples" || status=1
  printf 'generate.sh --check: %s in %s s\n' "$([[ $status == 0 ]] && echo OK || echo FAILED)" "$(elapsed)" >&2
  exit $status
fi

# Replace the generated fixtures (directories with a manifest.json) only.
mkdir -p "$FIXTURES" "$EXAMPLES"
for d in "$FIXTURES"/*/; do
  [[ -f "$d/manifest.json" ]] && rm -rf "$d"
done
cp -r "$TMP/fixtures/." "$FIXTURES/"
cp "$TMP/examples/"* "$EXAMPLES/"
printf 'generate.sh: %d fixtures in %s, examples in %s (%s s)\n' \
  "$(find "$FIXTURES" -name manifest.json | wc -l)" "${FIXTURES#"$ROOT"/}" "${EXAMPLES#"$ROOT"/}" "$(elapsed)" >&2
