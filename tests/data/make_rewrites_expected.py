#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Expected values of tests/test_rewrites.c, from TensorFlow (tf.compat.v1 sessions).

x (fed) -> Identity i -> StopGradient sg -> mm = MatMul(sg, w), w = 0..11 as [3, 4]: the
value of mm for x = ones [2, 3], and the error of a [2, 2] feed, whether i is fetched or not.
Then constant folding, NoOp removal and pruning: writes fold.pbtxt (next to this script) and
prints each run's value or error, TensorFlow's partition graph after Grappler and the nodes its
step stats list. Last, the rewrites switched off through ConfigProto.graph_options: writes
toggles.pbtxt and rewrites_toggles.h (each run's partition graph and value, per config).
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
    g_fold_def = g.as_graph_def().SerializeToString()
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


# ConfigProto.graph_options (test_toggle_*): which rewrites each RewriterConfig toggle and
# OptimizerOptions field switches off. Writes toggles.pbtxt (an Identity chain, a MatMul chain
# the remapper fuses, duplicates) and rewrites_toggles.h: per case the partition graph
# TensorFlow ran and the fetched value. The partition lines leave out control inputs ("^a1"),
# which tact's partition text does not list.
from tensorflow.core.protobuf import rewriter_config_pb2

OFF = rewriter_config_pb2.RewriterConfig.OFF
here = os.path.dirname(os.path.abspath(__file__))


def config(opts):
    c = tf1.ConfigProto()
    for k, v in opts.items():
        if k in ("opt_level", "do_constant_folding", "do_common_subexpression_elimination"):
            setattr(c.graph_options.optimizer_options, k, v)
        else:
            setattr(c.graph_options.rewrite_options, k, v)
    return c


tg = tf1.Graph()
with tg.as_default():
    tx = tf1.placeholder(tf.float32, [2, 3], name="tx")
    ti = tf.identity(tx, name="ti")
    tsg = tf.stop_gradient(ti, name="tsg")
    tw = tf.constant(np.arange(12, dtype=np.float32).reshape(3, 4), name="tw")
    tmm = tf.matmul(tsg, tw, name="tmm")
    fx = tf1.placeholder(tf.float32, [2, 3], name="fx")
    fw = tf.constant(np.arange(12, dtype=np.float32).reshape(3, 4) / 10 - 0.5, name="fw")
    fb = tf.constant(np.array([0.5, -1, 0.25, 0], np.float32), name="fb")
    fy = tf.nn.relu(tf.nn.bias_add(tf.matmul(fx, fw, name="fmm"), fb, name="fba"), name="fy")
    cx = tf1.placeholder(tf.float32, [3], name="cx")
    cc = tf.constant([0.5, 0.5, -4], tf.float32, name="cc")
    cy = tf.multiply(tf.nn.relu(tf.add(cx, cc, name="ca1"), name="cr1"),
                     tf.nn.relu(tf.add(cx, cc, name="ca2"), name="cr2"), name="cy")
    tf.io.write_graph(tg.as_graph_def(), here, "toggles.pbtxt", as_text=True)
fg = tf1.Graph()
with fg.as_default():
    tf1.import_graph_def(tf1.GraphDef.FromString(g_fold_def), name="")

xv = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
graphs = {
    "id": (tg, "tmm:0", {"tx:0": np.ones((2, 3), np.float32)}),
    "fuse": (tg, "fy:0", {"fx:0": np.arange(6, dtype=np.float32).reshape(2, 3) - 2}),
    "cse": (tg, "cy:0", {"cx:0": np.array([1, -2, 3], np.float32)}),
    "noop": (fg, "z:0", {"pf:0": np.array([1], np.float32)}),
    "fold": (fg, "scaled:0", {"x:0": xv}),
}
L0 = tf1.OptimizerOptions.L0
cases = [  # name, graph, options
    ("ID_DEFAULT", "id", {}),
    ("ID_DEP_OFF", "id", {"dependency_optimization": OFF}),
    ("ID_PRUNING_OFF", "id", {"disable_model_pruning": True}),
    ("ID_PRUNING_DEP_OFF", "id", {"disable_model_pruning": True,
                                  "dependency_optimization": OFF}),
    # arithmetic_optimization OFF too: else it swaps a1's inputs, which tact never does.
    ("NOOP_DEP_OFF", "noop", {"dependency_optimization": OFF, "arithmetic_optimization": OFF}),
    ("FOLD_OFF", "fold", {"constant_folding": OFF}),
    # arithmetic_optimization OFF too: else Grappler's CSE merges the equal Consts stack_1 and
    # stack_2 (tact merges no Consts) and swaps add's inputs.
    ("FOLD_OFF_L0", "fold", {"constant_folding": OFF, "arithmetic_optimization": OFF,
                             "opt_level": L0}),
    ("FOLD_L0_DO_FOLDING", "fold", {"constant_folding": OFF, "arithmetic_optimization": OFF,
                                    "opt_level": L0, "do_constant_folding": True}),
    ("FUSE_REMAP_OFF", "fuse", {"remapping": OFF}),
    ("CSE_OFF", "cse", {"common_subgraph_elimination": OFF}),
    ("CSE_OFF_L0", "cse", {"common_subgraph_elimination": OFF, "opt_level": L0}),
    ("CSE_ARITH_OFF_L0", "cse", {"arithmetic_optimization": OFF, "opt_level": L0}),
    ("CSE_L0_DO_CSE", "cse", {"common_subgraph_elimination": OFF, "opt_level": L0,
                              "do_common_subexpression_elimination": True}),
] + [("META_OFF_" + k.upper(), k, {"disable_meta_optimizer": True}) for k in graphs] + [
    ("META_OFF_L0_" + k.upper(), k, {"disable_meta_optimizer": True, "opt_level": L0})
    for k in graphs]

out = ["/* SPDX-License-Identifier: MIT */",
       "/* Written by tests/data/make_rewrites_expected.py from TensorFlow %s's runs: do not"
       " edit. */" % tf.__version__,
       "/* Per case: its name, the partition graph (\"name = Type(data inputs)\\n\" per node,"
       " in",
       " * TensorFlow's order) and the fetched value (float32, row-major). */",
       "static const rt_case_t rt_cases[] = {"]


def c_float(f):
    t = "%.9g" % f
    return t + ("f" if any(ch in t for ch in ".e") else ".0f")


print("graph_options toggles:")
for name, gname, opts in cases:
    graph, fetch, feed = graphs[gname]
    md = tf1.RunMetadata()
    ro = tf1.RunOptions(output_partition_graphs=True)
    with tf1.Session(graph=graph, config=config(opts)) as sess:
        v = sess.run(fetch, feed, options=ro, run_metadata=md)
    assert len(md.partition_graphs) == 1
    lines = ["%s = %s(%s)" % (n.name, n.op, ", ".join(i for i in n.input if not i.startswith("^")))
             for n in md.partition_graphs[0].node]
    print(" ", name, opts)
    print("    partition:", "; ".join(lines))
    print("    value:", np.asarray(v).tolist())
    vals = np.asarray(v, np.float32).ravel()
    out.append("    { \"%s\"," % name)
    out += ["      \"%s\\n\"" % l for l in lines]
    out.append("      , %d, (const float[]) { %s } }," % (len(vals),
                                                          ", ".join(map(c_float, vals))))
out.append("};")
with open(os.path.join(here, "rewrites_toggles.h"), "w") as f:
    f.write("\n".join(out) + "\n")
