#!/usr/bin/env bash
# kerasrt against ONNX Runtime, in one command (see bench/README.md):
#   1. builds kerasrt and the bench programs (Release, BUILD_DIR, default build/),
#   2. builds the benchmark models with random weights (tfjs via tools/oracle, then the oracle's
#      Keras .h5 writers) and their ONNX twins (bench/keras2onnx.py) into BUILD_DIR/bench/models,
#      regenerating only when a generator changed,
#   3. runs bench/bench.py: outputs checked kerasrt vs ORT, the GEMM peak, latency/throughput/
#      concurrency/load/RSS of both, memory scaling; writes BUILD_DIR/bench/results.md (+ .json).
#
#   bash bench/run.sh [--build-dir DIR] [--seconds S] [--warmup S] [--models a,b,...] [--quick]
#                     [--profile] [--no-memory] [--jobs N]
#
#   --quick      1 s per measurement, MLP + MNIST CNN + LSTM only, no memory scaling
#   --profile    adds a perf profile of kerasrt on MobileNetV2, ResNet50 and the LSTM to the report
#
# Never part of the tests (scripts/test.sh does not call it): timings gate nothing.
# Needs what scripts/setup.sh installs (python3-onnx included), node >= 18 and npm; the npm
# packages come from the lock files (tools/oracle, bench/node), offline from the npm cache.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3
build="$root/build"
seconds=3
warmup=1
models=""
jobs="$(nproc)"
extra=()
quick=0
command_line="bash bench/run.sh $*"
while (($#)); do
  case "$1" in
    --build-dir) build="$(realpath -m "$2")"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    --profile) extra+=(--profile); shift ;;
    --no-memory) extra+=(--no-memory); shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if ((quick)); then
  seconds=1; warmup=0.3
  [[ -z "$models" ]] && models="mlp,mnist_cnn,lstm_text"
  extra+=(--no-memory)
fi
[[ -z "$models" ]] && models="mlp,mnist_cnn,mobilenet_v2,resnet50,lstm_text,transformer"
out="$build/bench"
model_dir="$out/models"
step() { printf '\n=== bench: %s\n' "$*" >&2; }

"$PY" -c 'import h5py, numpy, onnx' 2>/dev/null || {
  echo "bench/run.sh: $PY needs python3-h5py, python3-numpy and python3-onnx (bash scripts/setup.sh)" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "bench/run.sh: needs node and npm" >&2; exit 1; }

step "build ($build)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKERASRT_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j "$jobs" --target kerasrt_cli kerasrt_gemm_peak kerasrt_memory_scaling

step "npm packages (tools/oracle: tfjs; bench/node: onnxruntime-node)"
if [[ ! -d "$root/tools/oracle/node_modules/@tensorflow/tfjs" ]]; then
  (cd "$root/tools/oracle" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
fi
if [[ ! -d "$root/bench/node/node_modules/onnxruntime-node" ]]; then
  # --ignore-scripts: the package's install script downloads more and fails offline; the
  # bundled Linux CPU library is all that is used.
  (cd "$root/bench/node" && npm ci --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
fi

step "models ($model_dir)"
# Regenerated when any generator changed (the stamp is a hash of their sources).
stamp="$(cat "$root/bench/models.js" "$root/bench/write_models.py" "$root/bench/keras2onnx.py" \
  "$root/tools/oracle/prng.js" "$root/tools/oracle/keras_config.py" "$root/tools/oracle/h5_writers.py" \
  "$root/tools/oracle/keras3_config.py" "$root/tools/oracle/package-lock.json" | sha256sum | cut -c1-16)"
need=()
IFS=, read -r -a wanted <<<"$models"
for m in "${wanted[@]}"; do
  if [[ ! -f "$model_dir/$m.onnx" || "$(cat "$model_dir/.stamp-$m" 2>/dev/null)" != "$stamp" ]]; then need+=("$m"); fi
done
if ((${#need[@]})); then
  mkdir -p "$out/dumps" "$model_dir"
  tfjs=()
  for m in "${need[@]}"; do [[ "$m" != transformer ]] && tfjs+=("$m"); done
  if ((${#tfjs[@]})); then node "$root/bench/models.js" "$out/dumps" "${tfjs[@]}"; fi
  "$PY" "$root/bench/write_models.py" "$out/dumps" "$model_dir" "${need[@]}"
  for m in "${need[@]}"; do
    "$PY" "$root/bench/keras2onnx.py" "$model_dir/$m.h5" "$model_dir/$m.onnx"
    echo "$stamp" >"$model_dir/.stamp-$m"
    rm -f "$out/dumps/$m.json"
  done
  echo "models: generated ${need[*]}" >&2
else
  echo "models: up to date" >&2
fi

step "measure (kerasrt and ONNX Runtime, same run)"
"$PY" "$root/bench/bench.py" --build-dir "$build" --models-dir "$model_dir" --out-dir "$out" \
  --models "$models" --seconds "$seconds" --warmup "$warmup" --command-line "$command_line" "${extra[@]}"
