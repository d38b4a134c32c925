#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Expected values of tests/test_rewrites.c, from TensorFlow (tf.compat.v1 sessions).

x (fed) -> Identity i -> StopGradient sg -> mm = MatMul(sg, w), w = 0..11 as [3, 4]: the
value of mm for x = ones [2, 3], and the error of a [2, 2] feed, whether i is fetched or not.
Then constant folding, NoOp removal and pruning: writes fold.pbtxt (next to this script) and
prints each run's value or error, TensorFlow's partition graph after Grappler and the nodes its
step stats list.
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

# Constant folding, dependency optimizer, pruning (test_fold_*, test_noop_*, test_dead_*):
# writes tests/data/fold.pbtxt and prints each run's values or error and TensorFlow's
# partition graph (after Grappler) with the nodes its step stats list.
import os


def show(sess, fetches, feed):
    md = tf1.RunMetadata()
    opts = tf1.RunOptions(trace_level=tf1.RunOptions.FULL_TRACE, output_partition_graphs=True)
    try:
        for v in sess.run(fetches, feed, options=opts, run_metadata=md):
            print("  value:", np.asarray(v).tolist())
    except tf.errors.OpError as e:
        print("  error:", e.error_code, repr("\n".join(e.message.split("\n")[-2:])))
    for p in md.partition_graphs:
        print("  partition:", "; ".join("%s = %s(%s)" % (n.name, n.op, ", ".join(n.input))
                                        for n in p.node))
    for d in md.step_stats.dev_stats:
        print("  ran:", [n.node_name for n in d.node_stats])


g = tf1.Graph()
with g.as_default():
    x = tf1.placeholder(tf.float32, [2, 3, 4], name="x")
    p = tf1.placeholder(tf.int32, [2], name="p")
    pf = tf1.placeholder(tf.float32, [1], name="pf")
    # Keras' Flatten: Shape -> StridedSlice -> Pack -> Reshape
    with tf1.name_scope("flat"):
        sh = tf.shape(x)
        y = tf.reshape(x, tf.stack([sh[0], -1]))
    k = tf.cast(tf.size(x, name="size") + tf.rank(x, name="rank"), tf.float32, name="k")
    scaled = tf.multiply(y, k, name="scaled")
    qa = tf.constant([7, 8], name="qa")
    q = tf.math.floordiv(qa, tf.constant([0, 2], name="qb"), name="q")
    qy = tf.add(q, p, name="qy")
    d = tf.math.floordiv(qa, tf.constant([2, 3], name="db"), name="d")
    dy = tf.add(d, p, name="dy")
    gth = tf.gather(tf.constant([1., 2., 3.], name="params"), tf.constant([5], name="gi"),
                    name="g")
    gy = tf.add(gth, pf, name="gy")
    # NoOp relaying control edges; a branch no fetch needs.
    a1 = tf.add(pf, 1., name="a1")
    a2 = tf.add(pf, 2., name="a2")
    with tf.control_dependencies([a1, a2]):
        nop = tf.no_op(name="nop")
    with tf.control_dependencies([nop]):
        z = tf.multiply(pf, 3., name="z")
    dead = tf.multiply(pf, 5., name="dead")
    tf.io.write_graph(g.as_graph_def(), os.path.dirname(os.path.abspath(__file__)),
                      "fold.pbtxt", as_text=True)
    xv = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    with tf1.Session() as s:
        for name, fetches, feed in [
                ("scaled", [scaled], {x: xv}),
                ("flat/Reshape", [y], {x: xv}),
                ("dy", [dy], {p: [10, 20]}),
                ("qy", [qy], {p: [10, 20]}),
                ("gy", [gy], {pf: [1.]}),
                ("z", [z], {pf: [1.]}),
                ("a1 (dead not run)", [a1], {pf: [1.]})]:
            print(name + ":")
            show(s, fetches, feed)

# Shape, Size and Rank of fed placeholders (test_fold_shape_of_known_input): x [2, 3, 4] of
# zeros, u [None, 3] fed [5, 3] of ones; y adds reduce_sum(cast(v)) + reduce_sum(u) for each.
g = tf1.Graph()
with g.as_default():
    x = tf1.placeholder(tf.float32, [2, 3, 4], name="x")
    u = tf1.placeholder(tf.float32, [None, 3], name="u")
    vs = [tf.shape(x, out_type=tf.int64), tf.size(x), tf.rank(x), tf.shape(u),
          tf.size(u, out_type=tf.int64), tf.rank(u)]
    y = tf.add_n([tf.cast(tf.reduce_sum(v), tf.float32) + tf.reduce_sum(u) for v in vs],
                 name="y")
    with tf1.Session() as s:
        print("shape of known input:")
        show(s, [y], {x: np.zeros((2, 3, 4), np.float32), u: np.ones((5, 3), np.float32)})
