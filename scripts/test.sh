#!/usr/bin/env bash
# Set up, build with warnings as errors, and run the whole test suite (unit tests plus the
# benchmarks in --quick mode, which only keeps them compiling and running).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DTACT_WERROR=ON -DTACT_BUILD_TESTS=ON >/dev/null
cmake --build build -j2
ctest --test-dir build --output-on-failure -j2
