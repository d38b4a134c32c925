#!/usr/bin/env bash
# The GPU check, in one call on a lent GPU machine that reaches no package registry (its image
# has nvcc, CMake, ninja, compute-sanitizer and PyTorch). Beforehand, here: scripts/gpu_deps.sh
# fills .gpu-deps/, the one folder to carry. There:
#
#     OUT=/some/folder bash scripts/gpu_check.sh
#
# It unpacks .gpu-deps/ (dpkg -x) into build-gpu/deps, configures with CUDA required (or, where
# there is no nvcc, as a rehearsal without it), builds with every core, then runs each step
# under its own timeout, so one failure or hang does not hide the rest: nvidia-smi and nvcc;
# the GPU tests with TACT_REQUIRE_GPU=1 (test_gpu_math on the CUDA backend too); the unit suite; the GPU benchmarks (tact against
# cuBLAS, pinned cudaMemcpy and PyTorch on the same GPU); the seed examples with
# CUDA_VISIBLE_DEVICES 0 and empty; example_gpu_memory; compute-sanitizer memcheck and
# racecheck on the GPU tests (last: the slowest, so the budget cuts them first). Everything ends within TACT_CHECK_BUDGET seconds (default 530) and writes
# seven files to $OUT (default build-gpu/out), summary.txt first: every step's PASS, FAIL,
# TIMEOUT or SKIP and every figure. Exit status: 0 when no step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-build-gpu/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
deps=$PWD/.gpu-deps
root=$PWD/build-gpu/deps
build=$PWD/build-gpu
jobs=$(nproc)
t0=$(date +%s)
budget=${TACT_CHECK_BUDGET:-530}
summary=$out/summary.txt
failed=0
: >"$summary"
for f in env build tests sanitizer bench examples; do : >"$out/$f.txt"; done

say() { echo "$*" | tee -a "$summary"; }
left() { echo $((budget - ($(date +%s) - t0))); }

# step NAME SECONDS LOG CMD...: run CMD with its output appended to LOG, killed after SECONDS
# (or when the whole budget runs out); one summary line. Returns CMD's status.
step() {
  local name=$1 limit=$2 log=$3 rc s
  shift 3
  local rest
  rest=$(left)
  [ "$rest" -lt "$limit" ] && limit=$rest
  if [ "$limit" -le 5 ]; then
    say "SKIP    $name (the check's ${budget} s budget is spent)"
    return 125
  fi
  echo "== $name (limit ${limit} s): $*" >>"$log"
  s=$(date +%s)
  if declare -F "$1" >/dev/null; then  # a function of this script: through bash -c
    timeout -k 5 "$limit" bash -c '"$@"' step "$@" >>"$log" 2>&1
  else
    timeout -k 5 "$limit" "$@" >>"$log" 2>&1
  fi
  rc=$?
  s=$(($(date +%s) - s))
  if [ $rc -eq 0 ]; then
    say "PASS    $name (${s} s)"
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    say "TIMEOUT $name (${s} s, limit ${limit} s; see $(basename "$log"))"
    failed=1
  else
    say "FAIL    $name (exit $rc, ${s} s; see $(basename "$log"))"
    failed=1
  fi
  return $rc
}
skip() { say "SKIP    $1 ($2)"; }

# ---- the carried packages -------------------------------------------------------------------
arch=x86_64-linux-gnu
lib=$root/usr/lib/$arch
unpack() {
  [ -f "$deps/manifest.txt" ] || { echo "no $deps/manifest.txt: run scripts/gpu_deps.sh here, carry .gpu-deps"; return 1; }
  rm -rf "$root" && mkdir -p "$root/pc"
  for f in "$deps"/*.deb; do
    if command -v dpkg-deb >/dev/null; then
      dpkg-deb -x "$f" "$root" || return 1
    else  # no dpkg: a .deb is an ar archive holding data.tar.*
      (cd "$root" && ar p "$f" "$(ar t "$f" | grep '^data.tar')" | tar -xJ) || return 1
    fi
  done
  # Our own .pc files: Debian's name private dependencies (krb5, libsodium, ...) whose -dev
  # packages are not carried, and their prefix is /usr.
  local v
  pc() {  # name libdir includedir lib package
    v=$(awk -v p="$5" '$1 == p { print $2 }' "$deps/manifest.txt")
    printf 'Name: %s\nDescription: unpacked from .gpu-deps\nVersion: %s\nLibs: -L%s -l%s\nCflags: -I%s\n' \
      "$1" "${v%%-*}" "$2" "$4" "$3" >"$root/pc/$1.pc"
  }
  pc libzmq "$lib" "$root/usr/include" zmq libzmq5
  # hwloc's generated config.h sits in the multiarch folder, which the compiler searches only
  # under /usr
  pc hwloc "$lib" "$root/usr/include -I$root/usr/include/$arch" hwloc libhwloc15
  pc openblas "$lib/openblas-pthread" "$root/usr/include/$arch/openblas-pthread" openblas \
     libopenblas0-pthread
  pc cmocka "$lib" "$root/usr/include" cmocka libcmocka0
  pc libprotobuf-c "$lib" "$root/usr/include" protobuf-c libprotobuf-c1
  pc jansson "$lib" "$root/usr/include" jansson libjansson4  # tests/CMakeLists.txt: test_trace
  # The libraries must load: a missing one shows here, not in the middle of the build.
  LD_LIBRARY_PATH=$lib:$lib/openblas-pthread "$root/usr/bin/pkgconf" --version &&
  LD_LIBRARY_PATH=$lib:$lib/openblas-pthread "$root/usr/bin/protoc-c" --version &&
  for so in libzmq.so.5 libhwloc.so.15 openblas-pthread/libopenblas.so.0 libcmocka.so.0 \
            libprotobuf-c.so.1 libjansson.so.4; do
    LD_LIBRARY_PATH=$lib:$lib/openblas-pthread ldd "$lib/$so" | grep 'not found' && return 1
  done
  return 0
}
export -f unpack
export deps root lib arch
# What tact's programs run with (not nvidia-smi, nvcc or python, which bring their own).
tenv=(env "LD_LIBRARY_PATH=$lib:$lib/openblas-pthread${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      "PKG_CONFIG_LIBDIR=$root/pc" PKG_CONFIG_PATH=)

say "# tact GPU check, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), budget ${budget} s"
[ -d /usr/local/cuda/bin ] && PATH=$PATH:/usr/local/cuda/bin
gpus=0
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  gpus=$(nvidia-smi -L | grep -c '^GPU')
fi
if command -v nvcc >/dev/null; then cuda=ON; else cuda=AUTO; fi
[ "$gpus" -eq 0 ] && say "# no GPU visible: a rehearsal (CUDA $cuda), the steps that need one are skipped"

step "unpack .gpu-deps ($(ls "$deps"/*.deb 2>/dev/null | wc -l) packages)" 60 "$out/build.txt" unpack || {
  say "# cannot go on without the packages"; exit 1; }
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
step "configure (TACT_WITH_CUDA=$cuda)" 90 "$out/build.txt" "${tenv[@]}" \
  cmake -S . -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DTACT_WITH_CUDA=$cuda \
  -DTACT_BUILD_TESTS=ON -DTACT_BUILD_BENCH=ON -DTACT_BUILD_EXAMPLES=ON \
  -DPKG_CONFIG_EXECUTABLE="$root/usr/bin/pkgconf" -DTACT_PROTOC_C="$root/usr/bin/protoc-c" &&
step "build (-j$jobs)" 240 "$out/build.txt" "${tenv[@]}" cmake --build "$build" -j"$jobs" || {
  tail -n 40 "$out/build.txt"; say "# cannot go on without a build"; exit 1; }
have_cuda=no
[ -x "$build/tests/test_cuda" ] && have_cuda=yes

# ---- the machine ----------------------------------------------------------------------------
if [ "$gpus" -gt 0 ]; then
  step "nvidia-smi" 20 "$out/env.txt" nvidia-smi
  nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv,noheader \
    2>/dev/null | sed 's/^/# GPU: /' | tee -a "$summary"
else
  skip "nvidia-smi" "no GPU visible"
fi
if command -v nvcc >/dev/null; then
  step "nvcc --version" 20 "$out/env.txt" nvcc --version
  say "# nvcc: $(nvcc --version | grep -o 'release [0-9.]*')"
else
  skip "nvcc --version" "no nvcc on PATH"
fi
cat "$deps/manifest.txt" >>"$out/env.txt"

# ---- tests ----------------------------------------------------------------------------------
gpu_tests=(cuda cuda_session)
if [ "$gpus" -gt 0 ] && [ $have_cuda = yes ]; then
  for t in "${gpu_tests[@]}"; do  # one at a time: each reserves most of the GPU's memory
    step "test_$t (TACT_REQUIRE_GPU=1)" 90 "$out/tests.txt" "${tenv[@]}" TACT_REQUIRE_GPU=1 \
      "$build/tests/test_$t" ||
      { echo "---- test_$t failed; its whole output:"; sed -n "/^== test_$t /,\$p" "$out/tests.txt"; }
  done
  # The math and nn families' kernels (element-wise, comparisons, logical, AddN, Max/Min/Prod,
  # BatchMatMulV2) in a session on the GPU, against the CPU's and TensorFlow's values; their
  # launchers one by one against the CPU kernels are in test_cuda above.
  step "test_gpu_math on the GPU (TACT_GPU_MATH_BACKEND=cuda)" 60 "$out/tests.txt" "${tenv[@]}" \
    TACT_REQUIRE_GPU=1 TACT_GPU_MATH_BACKEND=cuda "$build/tests/test_gpu_math"
elif [ $have_cuda = yes ]; then  # the rehearsal: they must skip cleanly
  for t in "${gpu_tests[@]}"; do
    step "test_$t (no GPU: skips its GPU cases)" 90 "$out/tests.txt" "${tenv[@]}" "$build/tests/test_$t"
  done
  step "test_gpu_math, CUDA backend (no GPU: skips)" 60 "$out/tests.txt" "${tenv[@]}" \
    TACT_GPU_MATH_BACKEND=cuda "$build/tests/test_gpu_math"
else
  skip "GPU tests (test_cuda, test_cuda_session)" "built without CUDA"
fi
# The unit suite (the GPU tests above excluded; it hides the GPUs): on 16 cores, seconds.
step "unit suite (ctest -L unit)" 200 "$out/tests.txt" "${tenv[@]}" \
  ctest --test-dir "$build" -L unit -E '^(cuda|cuda_session)$' -j"$jobs" --output-on-failure
grep -E 'tests passed|tests failed' "$out/tests.txt" | tail -n 1 | sed 's/^/# ctest: /' | tee -a "$summary"

# ---- benchmarks (the machine otherwise idle), before the slow sanitizers --------------------
if [ "$gpus" -gt 0 ] && [ $have_cuda = yes ]; then
  for b in matmul copy run mlp; do
    step "bench_$b --gpu-only" 120 "$out/bench.txt" "${tenv[@]}" "$build/bench/bench_$b" --gpu-only
  done
  if python3 -c 'import torch; assert torch.cuda.is_available()' >/dev/null 2>&1; then
    step "PyTorch MLP peer (bench/bench_mlp_torch.py)" 90 "$out/bench.txt" \
      python3 bench/bench_mlp_torch.py
  else
    skip "PyTorch MLP peer" "python3 has no torch with CUDA"
  fi
else
  skip "GPU benchmarks" "no GPU visible or built without CUDA"
  step "benchmarks run (--quick: figures mean nothing)" 120 "$out/bench.txt" "${tenv[@]}" \
    ctest --test-dir "$build" -L bench --output-on-failure
fi

# ---- examples -------------------------------------------------------------------------------
for visible in 0 ""; do
  for ex in multiply add matmul placement; do
    step "example_$ex, CUDA_VISIBLE_DEVICES='$visible'" 30 "$out/examples.txt" "${tenv[@]}" \
      CUDA_VISIBLE_DEVICES="$visible" "$build/examples/example_$ex"
  done
done
step "example_gpu_memory" 60 "$out/examples.txt" "${tenv[@]}" "$build/examples/example_gpu_memory"

# ---- compute-sanitizer, one GPU program at a time, last: the slowest ------------------------
if [ "$gpus" -gt 0 ] && [ $have_cuda = yes ] && command -v compute-sanitizer >/dev/null; then
  for tool in memcheck racecheck; do
    for t in "${gpu_tests[@]}"; do
      step "compute-sanitizer --tool $tool test_$t" 75 "$out/sanitizer.txt" "${tenv[@]}" \
        TACT_REQUIRE_GPU=1 compute-sanitizer --tool "$tool" --error-exitcode 1 \
        "$build/tests/test_$t"
    done
  done
else
  skip "compute-sanitizer memcheck, racecheck" "no GPU, no CUDA build or no compute-sanitizer"
fi

# ---- figures --------------------------------------------------------------------------------
say "# figures (bench.h's columns: name device size iters median_us p99_us value unit ratio baseline)"
grep -E '^ *(gpu_|mlp_)' "$out/bench.txt" | tee -a "$summary" >/dev/null
grep -E '^# (target|GPU|run breakdown)' "$out/bench.txt" | tee -a "$summary" >/dev/null
t=$(awk '$1 == "mlp_tact" && $2 == "GPU" { print $7 }' "$out/bench.txt")
p=$(awk '$1 == "mlp_torch" && $2 == "GPU" { print $7 }' "$out/bench.txt")
if [ -n "$t" ] && [ -n "$p" ]; then
  say "# target: mlp_tact GPU >= 1.0 x mlp_torch (eager) at batch 256: $(awk -v t="$t" -v p="$p" \
    'BEGIN { printf "%.3f x: %s", t / p, t / p >= 1.0 ? "met" : "MISSED" }')"
fi
say "# total $(($(date +%s) - t0)) s; $([ $failed -eq 0 ] && echo 'every step passed or was skipped' || echo 'FAILED steps above')"
exit $failed
