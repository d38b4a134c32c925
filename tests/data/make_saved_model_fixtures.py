#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TF1 SavedModel fixtures for tests/test_saved_model.c, made by TensorFlow (tf.compat.v1).

    python3 make_saved_model_fixtures.py            # writes saved_mlp/, saved_two/, the .bin files
    python3 make_saved_model_fixtures.py --verify   # TensorFlow runs saved_mlp_tact_export.pb

saved_mlp/: tf.compat.v1.saved_model.Builder of a small MLP with reference variables (TF1's
VariableV2), tags {"serve"}, signature "serving_default" mapping input "x" to "x:0" and output
"probs" to the softmax (plus "logits"). saved_mlp_input.bin holds a fixed float32 [4, 3] input and
saved_mlp_expected.bin TensorFlow's probs for it (raw little-endian float32);
saved_mlp_w1.bin the restored value of layer1/w. saved_two/: the same graph saved twice, with
tags {"serve"} and {"train"} (the "train" one with a signature "train_sig").
"""
import os
import shutil
import sys

import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()
tf1.disable_resource_variables()
HERE = os.path.dirname(os.path.abspath(__file__))


def build():
    x = tf1.placeholder(tf.float32, [None, 3], name="x")
    rng = np.random.RandomState(7)
    w1 = tf1.Variable(rng.uniform(-1, 1, (3, 4)).astype(np.float32), name="layer1/w",
                      use_resource=False)
    b1 = tf1.Variable(rng.uniform(-1, 1, (4,)).astype(np.float32), name="layer1/b",
                      use_resource=False)
    w2 = tf1.Variable(rng.uniform(-1, 1, (4, 2)).astype(np.float32), name="layer2/w",
                      use_resource=False)
    b2 = tf1.Variable(rng.uniform(-1, 1, (2,)).astype(np.float32), name="layer2/b",
                      use_resource=False)
    h = tf.nn.relu(tf.matmul(x, w1) + b1, name="hidden")
    logits = tf.add(tf.matmul(h, w2), b2, name="logits")
    probs = tf.nn.softmax(logits, name="probs")
    return x, logits, probs, w1


def signature(x, logits, probs):
    info = tf1.saved_model.utils.build_tensor_info
    return tf1.saved_model.signature_def_utils.build_signature_def(
        inputs={"x": info(x)}, outputs={"probs": info(probs), "logits": info(logits)},
        method_name=tf1.saved_model.signature_constants.PREDICT_METHOD_NAME)


def save(directory, tag_sets):
    out = os.path.join(HERE, directory)
    shutil.rmtree(out, ignore_errors=True)
    inp = np.array([[0.5, -1.0, 2.0], [1.0, 1.0, 1.0], [-2.0, 0.25, 0.0], [3.0, -0.5, 1.5]],
                   np.float32)
    with tf1.Graph().as_default() as g:
        x, logits, probs, w1 = build()
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            builder = tf1.saved_model.Builder(out)
            sig = signature(x, logits, probs)
            for k, tags in enumerate(tag_sets):
                key = "serving_default" if "serve" in tags else "train_sig"
                if k == 0:
                    builder.add_meta_graph_and_variables(sess, tags, signature_def_map={key: sig})
                else:
                    builder.add_meta_graph(tags, signature_def_map={key: sig})
            builder.save()
            print(directory, "op types:", sorted({op.type for op in g.get_operations()}))
            return inp, sess.run(probs, {x: inp}), sess.run(w1)


def verify():
    """tact's export of the loaded SavedModel (test_saved_model with TACT_WRITE_FIXTURES=<dir>):
    TensorFlow imports it, restores saved_mlp's variables through its saver and gives the same
    probs."""
    gd = tf1.GraphDef()
    with open(os.path.join(HERE, "saved_mlp_tact_export.pb"), "rb") as f:
        gd.ParseFromString(f.read())
    with tf1.Graph().as_default():
        tf1.import_graph_def(gd, name="")
        with tf1.Session() as sess:
            sess.run("save/restore_all",
                     {"save/Const:0": os.path.join(HERE, "saved_mlp", "variables", "variables")})
            inp = np.fromfile(os.path.join(HERE, "saved_mlp_input.bin"), np.float32).reshape(4, 3)
            want = np.fromfile(os.path.join(HERE, "saved_mlp_expected.bin"), np.float32)
            got = sess.run("probs:0", {"x:0": inp})
            np.testing.assert_allclose(got.ravel(), want, rtol=1e-6)
            print("TensorFlow ran tact's export:", got.tolist())


def main():
    inp, expected, w1 = save("saved_mlp", [["serve"]])
    save("saved_two", [["serve"], ["train"]])
    inp.tofile(os.path.join(HERE, "saved_mlp_input.bin"))
    expected.astype(np.float32).tofile(os.path.join(HERE, "saved_mlp_expected.bin"))
    w1.astype(np.float32).tofile(os.path.join(HERE, "saved_mlp_w1.bin"))
    print("expected", expected.tolist())
    # What TensorFlow's loader says for tags it lacks and for a missing directory.
    for tags, d in ((["gpu"], "saved_two"), (["serve"], "no_such_dir")):
        with tf1.Graph().as_default(), tf1.Session() as sess:
            try:
                tf1.saved_model.loader.load(sess, tags, os.path.join(HERE, d))
            except Exception as e:  # noqa: BLE001 - printing the message is the point
                print(type(e).__name__, str(e))


if __name__ == "__main__":
    if "--verify" in sys.argv:
        verify()
    else:
        main()
