#!/usr/bin/env bash
# Run HERE (a Debian machine whose apt reaches a registry), before lending a GPU machine that has
# no registry: download, without installing, the Debian packages that building and testing tact
# needs beyond a CUDA image's compilers, CMake and ninja: libzmq, OpenBLAS, hwloc, CMocka,
# protobuf-c (library and protoc-c), Jansson (test_trace reads JSON back with it), pkgconf, and
# the shared libraries they load. They land in
# .gpu-deps/ (git-ignored, a few tens of MB): carry that one folder; scripts/gpu_check.sh unpacks
# it with `dpkg -x` and writes its own .pc files for it.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.gpu-deps
# Headers, link names and protoc-c (taken alone, without their -dev dependencies).
build=(libzmq3-dev libhwloc-dev libopenblas-pthread-dev libcmocka-dev libprotobuf-c-dev
       libjansson-dev)
# What runs: their dependency closure is taken, less what every Debian or Ubuntu image (and so
# the GPU machine's) already has.
run=(libzmq5 libhwloc15 libopenblas0-pthread libcmocka0 libprotobuf-c1 protobuf-c-compiler
     libjansson4 pkgconf-bin libpkgconf3)
base=" libc6 libgcc-s1 libstdc++6 gcc-12-base zlib1g "
command -v apt-get >/dev/null || { echo "gpu_deps: needs apt-get (Debian)" >&2; exit 1; }
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
          --no-replaces --no-enhances "${run[@]}" | grep -E '^[a-z0-9]' | sort -u)
pkgs=("${build[@]}")
for p in $closure; do
  [[ "$base" == *" $p "* ]] || pkgs+=("$p")
done
rm -rf "$dir"
mkdir -p "$dir"
(cd "$dir" && apt-get download -q -o APT::Sandbox::User=root "${pkgs[@]}" >/dev/null)
# What was taken, for the check's summary (and a missing package shows here, not there).
for f in "$dir"/*.deb; do dpkg-deb -W --showformat='${Package} ${Version}\n' "$f"; done \
  >"$dir/manifest.txt"
n=$(ls "$dir"/*.deb | wc -l)
[ "$n" -eq "${#pkgs[@]}" ] || { echo "gpu_deps: got $n of ${#pkgs[@]} packages" >&2; exit 1; }
echo "gpu_deps: $n packages, $(du -sh "$dir" | cut -f1) in $dir (carry it to the GPU machine)"
