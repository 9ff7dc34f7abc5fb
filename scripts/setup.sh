#!/usr/bin/env bash
# Installs everything kerasrt needs to build and test, from Debian packages (run as root on
# Debian 12; does nothing that is already done).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libhdf5-dev libzip-dev nlohmann-json3-dev libdnnl-dev
  libprotobuf-dev protobuf-compiler libleveldb-dev  # tf.keras SavedModel directories
  libfarmhash-dev libsodium-dev  # keras.layers.Hashing: FarmHash Fingerprint64, SipHash
  libgtest-dev googletest
  clang clang-format libclang-rt-dev libomp-dev
  python3-h5py python3-numpy python3-onnx
  python3-dev pybind11-dev python3-pytest python3-flask python3-venv python3-setuptools python3-wheel
  libboost-dev nginx-light wrk  # kerasrt serve: Boost.Beast/Asio (headers), its scale-out test, its load test
)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# The oracle needs node and npm; these machines ship them outside Debian (Debian's npm package
# would conflict), so install Debian's only when there is none.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
