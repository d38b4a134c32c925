#!/usr/bin/env bash
# Install what building and testing tact needs, from Debian's packages. Safe to run again:
# it installs only what is missing. Needs root (or sudo).
set -euo pipefail
packages=(build-essential cmake pkg-config libzmq3-dev libopenblas-dev libhwloc-dev
          libcmocka-dev valgrind libprotobuf-c-dev protobuf-c-compiler libdnnl-dev
          libjansson-dev)  # libjansson: the tests read trace JSON back; the library needs none
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
