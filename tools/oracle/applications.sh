#!/usr/bin/env bash
# Generate the keras.applications end-to-end test models (tests/applications_test.cc):
#
#   tools/oracle/applications.sh OUT_DIR [arch ...]
#
# writes OUT_DIR/<arch>/{manifest.json,model.h5,model.keras,input_0.npy,output_0.npy} for every
# architecture of applications_models.js (or the ones named), then
#   KERASRT_APPLICATIONS_DIR=OUT_DIR <build>/kerasrt_tests --gtest_filter='Keras/Applications*'
# runs them. Deterministic (seeded weights and inputs). Needs what generate.sh needs: node with
# the oracle's node_modules (npm ci) and /usr/bin/python3 with h5py and numpy. About 1 GB on disk.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY=/usr/bin/python3
[[ $# -ge 1 ]] || { echo "usage: $0 OUT_DIR [arch ...]" >&2; exit 2; }
OUT="$(mkdir -p "$1" && cd "$1" && pwd)"
shift

start=$(date +%s)
"$PY" -c 'import h5py, numpy' || { echo "applications.sh: $PY needs python3-h5py and python3-numpy" >&2; exit 1; }
cd "$HERE"
if [[ "${ORACLE_SKIP_NPM:-0}" != 1 || ! -d node_modules/@tensorflow/tfjs ]]; then
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null
fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
node applications.js "$TMP" "$@"
"$PY" applications.py "$TMP" "$OUT"
echo "applications.sh: $(find "$OUT" -name manifest.json | wc -l) architectures in $OUT ($(( $(date +%s) - start )) s)" >&2
