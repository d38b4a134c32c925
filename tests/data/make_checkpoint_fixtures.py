#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checkpoint fixtures for tests/test_checkpoint.c, made by TensorFlow (tf.compat.v1).

    python3 make_checkpoint_fixtures.py            # writes ckpt_saver/, ckpt_many/ here
    python3 make_checkpoint_fixtures.py --verify   # TensorFlow reads ckpt_tact/ (written by tact)

ckpt_saver/ (and ckpt_many/): tf.compat.v1.train.Saver().save of the VARIABLES (MANY) below (reference variables, as
TensorFlow 1.x makes them), saved with a relative prefix so that its "checkpoint" state file
holds the relative path. ckpt_tact/: written by test_checkpoint's test_write_tact_fixture
(TACT_WRITE_FIXTURES=<dir>) from a graph with the same variables, then checked here with
tf.train.load_checkpoint and Saver.restore. The C test holds the same values.
"""
import os
import sys

import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
HERE = os.path.dirname(os.path.abspath(__file__))

# name -> value; the dtypes are those of tact's checkpointable dtypes.
VARIABLES = {
    "a": np.array([[1.5, -2.0, 3.25], [4.0, 5.0, 6.0]], np.float32),
    "b": np.float64(2.718281828459045),
    "c": np.array([1, -2, 2147483647], np.int32),
    "scope/d": np.array([[9007199254740993, -1]], np.int64),
    "e": np.array([True, False, True]),
    "s": np.array([b"hello", b"", b"w\x00rld"], object),
}


# ckpt_many/: 40 float32 scalars "layer00/w" ... "layer39/w" = 0.5 * i: more keys than one
# restart interval (16), so TensorFlow's prefix compression and restart points get read.
MANY = {"layer%02d/w" % i: np.float32(0.5 * i) for i in range(40)}


def build_graph(values=None):
    variables = {}
    for name, value in (values or VARIABLES).items():
        dtype = tf.string if value.dtype == object else None
        variables[name] = tf1.Variable(value, name=name, dtype=dtype)
    return variables


def make_saver_fixture(directory, values):
    out = os.path.join(HERE, directory)
    os.makedirs(out, exist_ok=True)
    with tf1.Graph().as_default():
        build_graph(values)
        saver = tf1.train.Saver()
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            cwd = os.getcwd()
            os.chdir(out)
            try:
                print("saved", saver.save(sess, "model", write_meta_graph=False))
            finally:
                os.chdir(cwd)


def check_equal(name, got, want):
    got = np.asarray(got)
    if want.dtype == object:
        ok = got.shape == want.shape and [bytes(x) for x in got.flat] == list(want.flat)
    else:
        ok = got.dtype == want.dtype and got.shape == want.shape and np.array_equal(got, want)
    print("%-8s %s %s" % (name, "ok" if ok else "MISMATCH", got.tolist()))
    return ok


def verify_tact_fixture():
    prefix = os.path.join(HERE, "ckpt_tact", "model")
    ok = True
    reader = tf.train.load_checkpoint(prefix)
    shapes = reader.get_variable_to_shape_map()
    print("load_checkpoint keys:", sorted(shapes))
    ok = sorted(shapes) == sorted(VARIABLES)
    for name, want in VARIABLES.items():
        ok = check_equal(name, reader.get_tensor(name), want) and ok
    print("latest_checkpoint:", tf.train.latest_checkpoint(os.path.dirname(prefix)))
    ok = tf.train.latest_checkpoint(os.path.dirname(prefix)) == prefix and ok
    with tf1.Graph().as_default():
        variables = build_graph()
        saver = tf1.train.Saver()
        with tf1.Session() as sess:
            saver.restore(sess, prefix)
            for name, want in VARIABLES.items():
                ok = check_equal("restored " + name, sess.run(variables[name]), want) and ok
    print("TensorFlow reads tact's checkpoint:", "OK" if ok else "FAILED")
    return ok


if __name__ == "__main__":
    tf1.disable_v2_behavior()
    if "--verify" in sys.argv[1:]:
        sys.exit(0 if verify_tact_fixture() else 1)
    make_saver_fixture("ckpt_saver", VARIABLES)
    make_saver_fixture("ckpt_many", MANY)
