#!/usr/bin/env bash
# The main job on a new machine: set up, build, then load the two bundled example models once
# each and predict from 8 threads at once, checking every result.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
bash scripts/build.sh build
./build/kerasrt info examples/models/mnist_cnn.h5
./build/kerasrt predict examples/models/mnist_cnn.h5 --input examples/models/mnist_cnn_input.npy --output /tmp/kerasrt_demo_output.npy
./build/examples/threads_demo examples/models/mnist_cnn.h5 examples/models/mlp.keras --threads 8 --seconds 3
