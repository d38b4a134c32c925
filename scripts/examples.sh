#!/usr/bin/env bash
# The main job: set up, build, and run the seed examples; then the seeds again with
# CUDA_VISIBLE_DEVICES set to 0 and to empty (all GPUs hidden), which must print the same.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DTACT_BUILD_TESTS=OFF >/dev/null
cmake --build build -j2 >/dev/null
for ex in multiply add matmul two_graphs interactive default_session server placement two_cpus \
          soft_placement devices gpu_memory serve_model; do
  echo "== examples/$ex.c"
  ./build/examples/example_$ex
done
for visible in 0 ""; do
  for ex in multiply add matmul; do
    echo "== examples/$ex.c with CUDA_VISIBLE_DEVICES=\"$visible\""
    CUDA_VISIBLE_DEVICES="$visible" ./build/examples/example_$ex
  done
done
