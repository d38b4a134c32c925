#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print TensorFlow's status for the input-sized allocations tests/test_alloc.c and
tests/test_gpu.c check (run with a Python that has TensorFlow; tf.compat.v1 sessions on the CPU).

Each line: the case, the error class, then the message from "Node:" on (TensorFlow 2.x puts a
traceback before it; tact's message is the text after the node's name line, without the
"Hint: ..." paragraph, which does not fit a tact_status_t).

Printed by TensorFlow 2.21:
  matmul_2^31    ResourceExhaustedError  OOM when allocating tensor with shape[2147483648,2147483648] and type float on /job:localhost/replica:0/task:0/device:CPU:0 by allocator cpu [[{{node MatMul}}]]
  add_2^20       ResourceExhaustedError  OOM when allocating tensor with shape[1048576,1048576] and type float on ... [[{{node add}}]]
  matmul_2^40    InvalidArgumentError    Encountered overflow when multiplying 1099511627776 with 1099511627776, result: -1 [[{{node MatMul}}]]
  fill_oom       ResourceExhaustedError  OOM when allocating tensor with shape[1048576,1048576,16] and type float on ... [[{{node Fill}}]]
  fill_overflow  InvalidArgumentError    Shape [1099511627776,1099511627776] would have more than 2**63 - 1 elements [[{{node Fill_1}}]]
  zeros_oom      ResourceExhaustedError  ... shape[1048576,1048576,16] and type float ... [[{{node zeros}}]]
  random_oom     ResourceExhaustedError  ... shape[1048576,1048576,16] and type float ... [[{{node random_uniform/RandomUniform}}]]
  sum_oom        ResourceExhaustedError  ... shape[1099511627776] and type float ... [[{{node Sum}}]]
"""
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()


def report(case, fetch, feed=None):
    with tf1.Session() as s:
        try:
            s.run(fetch, feed)
            print(case, "OK")
        except tf.errors.OpError as e:
            msg = e.message.split("Node:")[-1].split("\nHint:")[0]
            print(case, type(e).__name__, repr(msg))
        # The session stays usable.
        assert s.run(tf1.constant(2.0) + 3.0) == 5.0


def main():
    with tf1.Graph().as_default():
        a = tf1.placeholder(tf.float32, [None, None])
        b = tf1.placeholder(tf.float32, [None, None])
        mm = tf1.matmul(a, b)
        add = a + b
        p31, p40, n = 2**31, 2**40, 2**20
        report("matmul_2^31", mm, {a: np.zeros([p31, 0], np.float32),
                                   b: np.zeros([0, p31], np.float32)})
        report("add_2^20", add, {a: np.zeros([n, 1], np.float32),
                                 b: np.zeros([1, n], np.float32)})
        report("matmul_2^40", mm, {a: np.zeros([p40, 0], np.float32),
                                   b: np.zeros([0, p40], np.float32)})
        d32 = tf1.placeholder(tf.int32, [None])
        d64 = tf1.placeholder(tf.int64, [None])
        huge = [2**20, 2**20, 16]
        report("fill_oom", tf1.fill(d32, 1.0), {d32: huge})
        report("fill_overflow", tf1.fill(d64, 1.0), {d64: [p40, p40]})
        report("zeros_oom", tf1.zeros(d32), {d32: huge})
        report("random_oom", tf1.random_uniform(d32), {d32: huge})
        report("sum_oom", tf1.reduce_sum(a, axis=0), {a: np.zeros([0, p40], np.float32)})


if __name__ == "__main__":
    main()
