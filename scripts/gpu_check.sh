#!/usr/bin/env bash
# On a machine with a CUDA GPU (and the packages of scripts/setup.sh): build with CUDA required,
# then run the GPU tests (where a missing GPU fails them rather than skipping), the unit suite,
# the GPU benchmark cases, and the seed examples under CUDA_VISIBLE_DEVICES=0 and empty. Each
# step's output also goes to a file under $OUT (default build-gpu/out) for bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-build-gpu/out}
mkdir -p "$out"
jobs=$(nproc)
cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DTACT_WITH_CUDA=ON -DTACT_BUILD_TESTS=ON \
      >/dev/null
cmake --build build-gpu -j"$jobs" >/dev/null
{ nvidia-smi -L || echo "nvidia-smi: not available"; } | tee "$out/gpus.txt"
TACT_REQUIRE_GPU=1 ./build-gpu/tests/test_cuda 2>&1 | tee "$out/test_cuda.txt"
TACT_REQUIRE_GPU=1 ./build-gpu/tests/test_cuda_session 2>&1 | tee "$out/test_cuda_session.txt"
ctest --test-dir build-gpu -L unit -j"$jobs" --output-on-failure 2>&1 | tail -n 4 \
  | tee "$out/ctest.txt"
for b in run matmul copy; do
  ./build-gpu/bench/bench_$b 2>&1 | tee "$out/bench_$b.txt"
done
for visible in 0 ""; do
  for ex in multiply add matmul placement; do
    echo "== examples/$ex.c with CUDA_VISIBLE_DEVICES=\"$visible\""
    CUDA_VISIBLE_DEVICES="$visible" ./build-gpu/examples/example_$ex 2>&1
  done
done | tee "$out/examples.txt"
./build-gpu/examples/example_gpu_memory 2>&1 | tee "$out/gpu_memory.txt"
