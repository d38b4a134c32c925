#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fixtures for tests/test_graphdef.c, made once by TensorFlow (tf.compat.v1) and committed.

    python3 make_graphdef_fixtures.py            # write the fixtures next to this script
    python3 make_graphdef_fixtures.py --check    # also import tact_exported.pb and
                                                 # tact_exported.pbtxt (written by
                                                 # test_graphdef with TACT_WRITE_FIXTURES=1)
                                                 # into TensorFlow and compare the answers

Writes:
  frozen_mlp.pb / frozen_mlp.pbtxt  a frozen two-layer MLP: input [?, 4] -> MatMul, BiasAdd,
                                    Relu, MatMul, AddV2, Softmax ("softmax"); weights are
                                    Consts read through Identity ("w1/read"), as freezing writes
  ops.pbtxt                          Sum, Mean, Reshape, Transpose, Cast, Fill, Sub, Mul,
                                    RealDiv, Neg, Sigmoid, Tanh with their Const inputs
  mlp_input.bin, mlp_expected.bin    float32 little-endian: input [5, 4], softmax [5, 3]
  ops_<name>.bin                     float32 little-endian values of ops.pbtxt's outputs
  queue.pbtxt                        FIFOQueueV2 with enqueue_many, dequeue_many, size, close, and
                                    a TextLineReaderV2 reading files named by a fed placeholder
                                    ("paths") through a queue of file names

Committed beside them, written by tact (test_graphdef's round-trip test) and checked here with
--check: tact_exported.pb / .pbtxt (an MLP built in C with Reshape, Transpose, Sum, Mean, Cast,
Fill, and seeded random ops with a range), tact_exported_expected.bin (tact's answers for y:0
given mlp_input.bin as x:0) and tact_exported_random.bin (tact's values of r:0);
tact_exported_vars.pbtxt and tact_exported_queue.pbtxt (test_graphdef's variable and queue
graphs after a tact import and export).
"""
import os
import sys

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
tf.disable_resource_variables()
HERE = os.path.dirname(os.path.abspath(__file__))
OPS_OUTPUTS = ["sum", "mean_all", "reshaped", "transposed", "recast", "filled", "combo"]


def write(name, data, mode="wb"):
    with open(os.path.join(HERE, name), mode) as f:
        f.write(data)


def make_mlp():
    rng = np.random.RandomState(7)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 4], name="input")
        w1 = tf.Variable(rng.randn(4, 8).astype(np.float32), name="w1")
        b1 = tf.Variable(rng.randn(8).astype(np.float32), name="b1")
        w2 = tf.Variable(rng.randn(8, 3).astype(np.float32), name="w2")
        b2 = tf.Variable(rng.randn(3).astype(np.float32), name="b2")
        h = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w1), b1), name="hidden")
        y = tf.nn.softmax(tf.matmul(h, w2) + b2, name="softmax")
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            frozen = tf.graph_util.convert_variables_to_constants(
                s, g.as_graph_def(), ["softmax"])
            xin = rng.randn(5, 4).astype(np.float32)
            want = s.run(y, {x: xin})
    tf.io.write_graph(frozen, HERE, "frozen_mlp.pb", as_text=False)
    tf.io.write_graph(frozen, HERE, "frozen_mlp.pbtxt", as_text=True)
    write("mlp_input.bin", xin.astype("<f4").tobytes())
    write("mlp_expected.bin", want.astype("<f4").tobytes())
    return xin, want


def make_ops():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5, name="x")
        outs = {
            "sum": tf.reduce_sum(x, axis=1, name="sum"),
            "mean_all": tf.reduce_mean(x, name="mean_all"),
            "reshaped": tf.reshape(x, [2, -1], name="reshaped"),
            "transposed": tf.transpose(x, name="transposed"),
            "recast": tf.cast(tf.cast(x, tf.int32), tf.float32, name="recast"),
            "filled": tf.fill([2, 2], 1.5, name="filled"),
        }
        combo = tf.negative(tf.sigmoid(x) * 2.0 - tf.tanh(x) / 3.0)
        outs["combo"] = tf.identity(combo, name="combo")
        with tf.Session() as s:
            vals = s.run(outs)
    tf.io.write_graph(g.as_graph_def(), HERE, "ops.pbtxt", as_text=True)
    for name in OPS_OUTPUTS:
        write("ops_%s.bin" % name, np.asarray(vals[name], "<f4").tobytes())


def make_queue():
    g = tf.Graph()
    with g.as_default():
        q = tf.FIFOQueue(10, [tf.float32, tf.int32], shapes=[[2], []], name="q")
        q.enqueue_many([tf.constant([[1, 2], [3, 4], [5, 6]], tf.float32),
                        tf.constant([7, 8, 9])], name="enq")
        q.dequeue_many(2, name="deq")
        q.size(name="size")
        q.close(name="close")
        files = tf.FIFOQueue(4, [tf.string], shapes=[[]], name="files")
        files.enqueue_many([tf.placeholder(tf.string, [None], name="paths")], name="files_enq")
        files.close(name="files_close")
        tf.TextLineReader(skip_header_lines=1, name="reader").read(files, name="read")
    tf.io.write_graph(g.as_graph_def(), HERE, "queue.pbtxt", as_text=True)


def check_tact_exports():
    """TensorFlow imports what tact exported and gives tact's answers."""
    for name in ["tact_exported.pb", "tact_exported.pbtxt"]:
        gd = tf.GraphDef()
        path = os.path.join(HERE, name)
        if name.endswith(".pbtxt"):
            from google.protobuf import text_format
            with open(path) as f:
                text_format.Parse(f.read(), gd)
        else:
            with open(path, "rb") as f:
                gd.ParseFromString(f.read())
        expected = np.fromfile(os.path.join(HERE, "tact_exported_expected.bin"), "<f4")
        with tf.Graph().as_default():
            tf.import_graph_def(gd, name="")
            with tf.Session() as s:
                got = s.run("y:0", {"x:0": np.fromfile(os.path.join(HERE, "mlp_input.bin"),
                                                        "<f4").reshape(5, 4)})
            with tf.Session() as s:
                rnd = s.run("r:0")
        np.testing.assert_allclose(got.ravel(), expected, rtol=1e-5, atol=1e-6)
        print("%s: TensorFlow's answers match tact's (%d values)" % (name, expected.size))
        want = np.fromfile(os.path.join(HERE, "tact_exported_random.bin"), "<f4")
        np.testing.assert_allclose(rnd.ravel(), want, rtol=1e-5, atol=1e-6)
        print("%s: TensorFlow draws tact's random values (%d)" % (name, want.size))
    # test_graphdef's variables and queue graphs, imported by tact and exported again: the
    # values test_graphdef asserts for them in tact.
    with tf.Graph().as_default():
        tf.import_graph_def(read_text("tact_exported_vars.pbtxt"), name="")
        with tf.Session() as s:
            s.run("v/Assign")
            np.testing.assert_array_equal(s.run("bump:0"), [6, 8])
            np.testing.assert_array_equal(s.run("v/read:0"), [6, 8])
    print("tact_exported_vars.pbtxt: VariableV2, Assign, AssignAdd run in TensorFlow")
    with tf.Graph().as_default():
        tf.import_graph_def(read_text("tact_exported_queue.pbtxt"), name="")
        with tf.Session() as s:
            s.run("enq")
            np.testing.assert_array_equal(s.run("deq:0"), [[1, 2], [3, 4]])
            np.testing.assert_array_equal(s.run("size:0"), 1)
            path = os.path.join(HERE, "lines.txt")
            s.run("files_enq", {"paths:0": [path]})
            s.run("files_close")
            key, value = s.run(["read:0", "read:1"])
            assert key == (path + ":2").encode() and value == b"first", (key, value)
    print("tact_exported_queue.pbtxt: FIFOQueueV2 and TextLineReaderV2 run in TensorFlow")


def read_text(name):
    from google.protobuf import text_format
    gd = tf.GraphDef()
    with open(os.path.join(HERE, name)) as f:
        text_format.Parse(f.read(), gd)
    return gd


if __name__ == "__main__":
    if "--check" in sys.argv:
        check_tact_exports()
    else:
        make_mlp()
        make_ops()
        make_queue()
