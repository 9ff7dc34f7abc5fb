#!/usr/bin/env bash
# build.sh DIR [cmake options...]: configures and builds kerasrt (Release unless told otherwise).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$1"; shift
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$dir"
