#!/usr/bin/env bash
# The main job: set up, build, and run the seed examples.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DTACT_BUILD_TESTS=OFF >/dev/null
cmake --build build -j2 >/dev/null
for ex in multiply add matmul two_graphs interactive default_session server placement two_cpus \
          soft_placement devices; do
  echo "== examples/$ex.c"
  ./build/examples/example_$ex
done
