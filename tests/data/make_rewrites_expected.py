#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Expected values of tests/test_rewrites.c, from TensorFlow (tf.compat.v1 sessions).

x (fed) -> Identity i -> StopGradient sg -> mm = MatMul(sg, w), w = 0..11 as [3, 4]: the
value of mm for x = ones [2, 3], and the error of a [2, 2] feed, whether i is fetched or not.
Run: python3 tests/data/make_rewrites_expected.py
"""
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()
g = tf1.Graph()
with g.as_default():
    x = tf1.placeholder(tf.float32, name="x")
    i = tf.identity(x, name="i")
    sg = tf.stop_gradient(i, name="sg")
    w = tf.constant(np.arange(12, dtype=np.float32).reshape(3, 4), name="w")
    mm = tf.matmul(sg, w, name="mm")
    with tf1.Session() as s:
        print("mm:", s.run(mm, {x: np.ones((2, 3), np.float32)}).tolist())
        for fetches in ([mm], [i, mm]):
            try:
                s.run(fetches, {x: np.ones((2, 2), np.float32)})
            except tf.errors.InvalidArgumentError as e:
                print(len(fetches), "fetches:", e.message)

# Duplicates (test_cse_values): a1 = a2 = x + c, a3 = identity(x) + c, r1 = relu(a1),
# r2 = relu(a2), s = x - c, b = c + x, y = r1 * r2 * a3 + s + b.
g = tf1.Graph()
with g.as_default():
    x = tf.constant([1, -2, 3], tf.float32, name="x")
    c = tf.constant([0.5, 0.5, -4], tf.float32, name="c")
    a1 = tf.add(x, c, name="a1")
    a2 = tf.add(x, c, name="a2")
    a3 = tf.add(tf.identity(x, name="ix"), c, name="a3")
    r1 = tf.nn.relu(a1, name="r1")
    r2 = tf.nn.relu(a2, name="r2")
    q = tf.multiply(tf.multiply(r1, r2, name="p"), a3, name="q")
    y = tf.add_n([q, tf.subtract(x, c, name="s"), tf.add(c, x, name="b")], name="y")
    with tf1.Session() as s:
        for name, v in zip(["a2", "a3", "r2", "y"], s.run([a2, a3, r2, y])):
            print(name + ":", v.tolist())
