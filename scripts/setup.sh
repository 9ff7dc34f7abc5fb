#!/usr/bin/env bash
# Installs everything kerasrt needs to build and test, from Debian packages (run as root on
# Debian 12; does nothing that is already done).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libhdf5-dev libzip-dev nlohmann-json3-dev libdnnl-dev
  libgtest-dev googletest
  python3-h5py python3-numpy
  nodejs npm
)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
