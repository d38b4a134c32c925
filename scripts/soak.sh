#!/usr/bin/env bash
# Soak: the stress programs (tests/stress) in their long mode. Usage:
#   scripts/soak.sh [seconds per program, default 600] [build dir, default build]
# TACT_STRESS_SEED picks another seed; TACT_STRESS_THREADS the threads of stress_threads.
# Each program prints one summary line (threads, runs, time, RSS for stress_lifecycle);
# the script fails when one of them does.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
build=${2:-build}
programs=(threads close cancel assign lifecycle random_graphs)
cmake -S . -B "$build" -DTACT_WERROR=ON -DTACT_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j2 --target "${programs[@]/#/stress_}" >/dev/null
failed=0
for p in "${programs[@]}"; do
  # The program bounds itself by the time given; the timeout only catches a hang.
  if ! CUDA_VISIBLE_DEVICES= TACT_STRESS_SECONDS="$seconds" \
       timeout $((seconds * 2 + 120)) "$build/tests/stress/stress_$p" 2>&1 | grep -v '^I tact'; then
    echo "soak: stress_$p FAILED"
    failed=1
  fi
done
[ "$failed" = 0 ] && echo "soak: all OK" || exit 1
