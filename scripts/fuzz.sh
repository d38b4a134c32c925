#!/usr/bin/env bash
# Build the libFuzzer targets (fuzz/) with clang and run each for SECONDS (default 30) from
# the committed corpus (copied, so the run's new inputs stay out of the tree). CI runs it short;
# run it longer by hand: bash scripts/fuzz.sh 600. A crash leaves its input in build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
need=()
command -v clang >/dev/null || need+=(clang)
# libFuzzer's runtime and the sanitizers' for clang.
clang_major=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
[ -n "$clang_major" ] && ! ls /usr/lib/llvm-"$clang_major"/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a \
  >/dev/null 2>&1 && need+=("libclang-rt-$clang_major-dev")
[ -z "$clang_major" ] && need+=(libclang-rt-14-dev)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DTACT_WITH_CUDA=OFF -DTACT_BUILD_TESTS=OFF \
      -DTACT_BUILD_BENCH=OFF -DTACT_BUILD_EXAMPLES=OFF -DTACT_BUILD_FUZZERS=ON \
      -DTACT_SANITIZE=address,undefined,fuzzer-no-link >/dev/null
cmake --build build-fuzz -j2 >/dev/null
for target in build-fuzz/fuzz/fuzz_*; do
  name=${target##*/fuzz_}
  work=$(mktemp -d)
  cp -r fuzz/corpus/"$name"/. "$work"/ 2>/dev/null || true
  echo "== fuzz_$name for ${seconds}s"
  log=$(mktemp)
  rc=0
  (cd build-fuzz && ASAN_OPTIONS=detect_leaks=1 "./fuzz/fuzz_$name" -max_total_time="$seconds" \
     -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 "$work" >"$log" 2>&1) || rc=$?
  grep -E '^(stat::number_of_executed_units|stat::new_units_added|INFO: Seed)' "$log" || true
  if [ "$rc" -ne 0 ]; then
    tail -n 60 "$log"
    echo "fuzz_$name FAILED (exit $rc); the crashing input is in build-fuzz/"
    exit 1
  fi
  rm -f "$log"
  rm -rf "$work"
done
