#!/usr/bin/env bash
# Sets up and runs every test: the Release build, then the same suite under ASan+UBSan and
# under ThreadSanitizer, a 20 s smoke run of every fuzz target, then the oracle check that the
# committed fixtures are what the reference (TensorFlow.js / NumPy) produces today (and the
# bad-input corpus what its generator writes). `--quick`
# runs the Release suite only.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
jobs=$(nproc)

bash scripts/setup.sh

echo "=== format: every C++ file as clang-format (.clang-format) writes it"
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

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

echo "=== fuzz smoke: every libFuzzer target for 20 s (clang, ASan+UBSan; fuzz/run.sh)"
bash scripts/build.sh build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKERASRT_FUZZ=ON \
  -DKERASRT_BUILD_TESTS=OFF -DKERASRT_BUILD_PYTHON=OFF -DKERASRT_BUILD_BENCH=OFF
bash fuzz/run.sh build-fuzz 20

echo "=== oracle: committed fixtures match a fresh regeneration"
bash tools/oracle/generate.sh --check
echo "=== bad-input corpus: committed files match a fresh generation"
/usr/bin/python3 tests/bad/generate.py --check
echo "=== all tests passed"
