#!/usr/bin/env bash
# Sets up and runs every test: the Release build, then the same suite under ASan+UBSan and
# under ThreadSanitizer, then the oracle check that the committed fixtures are what the
# reference (TensorFlow.js / NumPy) produces today. `--quick` runs the Release suite only.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
jobs=$(nproc)

bash scripts/setup.sh

run_suite() {  # run_suite BUILD_DIR LABEL [cmake options...]
  local dir="$1" label="$2"; shift 2
  echo "=== $label: build"
  bash scripts/build.sh "$dir" "$@"
  echo "=== $label: test"
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
}

run_suite build "Release"
if ((quick)); then exit 0; fi
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run_suite build-asan "ASan+UBSan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKERASRT_SANITIZE=address
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  run_suite build-tsan "TSan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKERASRT_SANITIZE=thread

echo "=== oracle: committed fixtures match a fresh regeneration"
bash tools/oracle/generate.sh --check
echo "=== all tests passed"
