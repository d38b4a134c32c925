#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A peer of `bench_matmul` on the CPU: TensorFlow's float32 MatMul (its oneDNN kernels) at
N = 256, 1024 and 2048 on 2 intra- and inter-op threads, from Python (a tf.function over two
constants; the result's numpy() waits for it). Prints median microseconds and GFLOP/s per size,
to set beside bench_matmul's matmul_sgemm and matmul_tact lines run just before or after on the
same idle machine. Needs `pip install tensorflow-cpu` in a virtualenv; nothing in the build or
the tests uses it.
"""
import statistics
import sys
import time

import numpy as np
import tensorflow as tf


def main():
    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(2)
    quick = "--quick" in sys.argv
    rng = np.random.default_rng(7)
    print(f"# peer_tf_matmul: TensorFlow {tf.__version__} MatMul, 2 threads; value = GFLOP/s")
    for n, runs in ((256, 400), (1024, 60), (2048, 16)):
        a = tf.constant(rng.random((n, n), dtype=np.float32))
        b = tf.constant(rng.random((n, n), dtype=np.float32))
        f = tf.function(lambda a=a, b=b: tf.linalg.matmul(a, b))
        for _ in range(1 if quick else 5):
            f().numpy()
        ts = []
        for _ in range(2 if quick else runs):
            t0 = time.perf_counter()
            f().numpy()
            ts.append(time.perf_counter() - t0)
        med = statistics.median(ts)
        print(f"  matmul_tf_{n:<14} CPU    {n}x{n}  {len(ts):8d} {med * 1e6:12.4f} "
              f"{2.0 * n ** 3 / med / 1e9:14.2f} GFLOP/s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
