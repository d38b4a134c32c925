#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Models as users make them, for tests/test_model_zoo.c: built with Keras and tf.nn the usual
way (not around tact's op list), frozen or saved by TensorFlow, committed with TensorFlow's
inputs and answers.

    python3 make_model_zoo.py           # writes zoo_* next to this script
    python3 make_model_zoo.py --check   # TensorFlow runs tact's exports of the frozen graphs
                                        # (zoo_<graph>_tact_exported.pb, written by
                                        # test_model_zoo with TACT_WRITE_FIXTURES=1) on the
                                        # inputs above and must give the same answers

zoo_mobilenet.pb   Keras 3 model frozen by convert_variables_to_constants_v2 (what a TF2 user
                   freezes): Conv2D stride 2 -> BatchNormalization -> ReLU6 -> DepthwiseConv2D ->
                   BatchNormalization -> ReLU6 -> 1x1 Conv2D -> GlobalAveragePooling2D -> Dense ->
                   Softmax; input "x" [?, 8, 8, 3], output "Identity".
zoo_mobilenet_v1.pb the same block built in graph mode with tf.compat.v1 (fused batch norm,
                   tf.nn.relu6, reduce_mean over [1, 2]) on resource variables, frozen by
                   tf.compat.v1.graph_util.convert_variables_to_constants; output "probs".
zoo_text.pb        Keras 3 text classifier: Embedding(20, 4) -> GlobalAveragePooling1D and
                   GlobalMaxPooling1D -> Concatenate -> LayerNormalization -> Dense(8, relu) ->
                   Dropout(0.5) (inference) -> Dense(1, sigmoid); input "ids" int32 [?, 6],
                   output "Identity".
zoo_activations.pb Keras 3 Dense layers with the activations gelu (exact: Erfc), selu and
                   softsign; input "x" [?, 5], output "Identity".
zoo_mlp.pb         tf.compat.v1 graph of tf.nn ops: leaky_relu, elu, l2_normalize, softplus,
                   clip_by_value, reduce_logsumexp, argmax; outputs "log_probs" float [?, 3] and
                   "label" int64 [?].
zoo_any_rank.pb    a placeholder "x" of unknown rank: reduce_min, reduce_max, reduce_sum over
                   all axes (Range(0, Rank(x)) at run time), reduce_prod of its shape, argmax of
                   it flattened; outputs "scaled" (x's shape), "mean" and "where_max" (int64)
                   scalars. Fed [B, 2, 3] (zoo_any_rank_r3_*) and [B, 6] (zoo_any_rank_r2_*).
zoo_saved/         TF1 SavedModel (simple_save) of a use_resource=True model, tags {"serve"},
                   signature "serving_default": input "x" [?, 4], outputs "y", "scores".

For each model and each batch size B in (1, 3): zoo_<model>_in<B>.bin (the input, little-endian
float32 or int32) and zoo_<model>_out<B>.bin (TensorFlow's output(s), float32, int64 for label,
concatenated in the order given above).
"""
import os
import shutil
import sys

import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
HERE = os.path.dirname(os.path.abspath(__file__))
BATCHES = (1, 3)


def path(name):
    return os.path.join(HERE, name)


def write_io(model, b, x, outs):
    x.tofile(path("zoo_%s_in%d.bin" % (model, b)))
    with open(path("zoo_%s_out%d.bin" % (model, b)), "wb") as f:
        for o in outs:
            f.write(o.tobytes())


def ops_of(gd):
    return sorted({n.op for n in gd.node})


def nonzero_biases(model, seed):
    """Keras starts biases at zero; nonzero ones make the answers depend on them."""
    rng = np.random.RandomState(seed)
    for layer in model.layers:
        layer.set_weights([w if w.any() else (rng.randn(*w.shape) * 0.1).astype(w.dtype)
                           for w in layer.get_weights()])


def freeze_keras(model, spec, name):
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2)
    fn = tf.function(lambda x: model(x, training=False)).get_concrete_function(spec)
    frozen = convert_variables_to_constants_v2(fn)
    gd = frozen.graph.as_graph_def()
    with open(path(name), "wb") as f:
        f.write(gd.SerializeToString(deterministic=True))
    print(name, "ops:", ", ".join(ops_of(gd)))
    print(name, "inputs", [t.name for t in frozen.inputs], "outputs",
          [t.name for t in frozen.outputs])
    return frozen


def keras_mobilenet():
    k = tf.keras
    tf.keras.utils.set_random_seed(1)
    inp = k.Input((8, 8, 3), name="x")
    h = k.layers.Conv2D(4, 3, strides=2, padding="same", use_bias=False)(inp)
    h = k.layers.BatchNormalization()(h)
    h = k.layers.ReLU(6.0)(h)
    h = k.layers.DepthwiseConv2D(3, padding="same", use_bias=False)(h)
    h = k.layers.BatchNormalization()(h)
    h = k.layers.ReLU(6.0)(h)
    h = k.layers.Conv2D(6, 1)(h)
    h = k.layers.GlobalAveragePooling2D()(h)
    out = k.layers.Dense(5, activation="softmax")(h)
    m = k.Model(inp, out)
    rng = np.random.RandomState(2)
    for layer in m.layers:  # batch norm statistics as training leaves them, not 0 and 1
        if isinstance(layer, k.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.set_weights([rng.uniform(0.5, 1.5, n), rng.randn(n) * 0.1,
                               rng.randn(n) * 0.2, rng.uniform(0.5, 2, n)])
    nonzero_biases(m, 8)
    frozen = freeze_keras(m, tf.TensorSpec([None, 8, 8, 3], tf.float32, name="x"),
                          "zoo_mobilenet.pb")
    for b in BATCHES:
        x = np.random.RandomState(10 + b).randn(b, 8, 8, 3).astype(np.float32)
        write_io("mobilenet", b, x, [frozen(tf.constant(x))[0].numpy().astype(np.float32)])


def keras_text():
    k = tf.keras
    tf.keras.utils.set_random_seed(3)
    inp = k.Input((6,), dtype="int32", name="ids")
    e = k.layers.Embedding(20, 4)(inp)
    h = k.layers.Concatenate()([k.layers.GlobalAveragePooling1D()(e),
                                k.layers.GlobalMaxPooling1D()(e)])
    h = k.layers.LayerNormalization()(h)
    h = k.layers.Dense(8, activation="relu")(h)
    h = k.layers.Dropout(0.5)(h)
    out = k.layers.Dense(1, activation="sigmoid")(h)
    m = k.Model(inp, out)
    nonzero_biases(m, 9)
    frozen = freeze_keras(m, tf.TensorSpec([None, 6], tf.int32, name="ids"), "zoo_text.pb")
    for b in BATCHES:
        x = np.random.RandomState(20 + b).randint(0, 20, (b, 6)).astype(np.int32)
        write_io("text", b, x, [frozen(tf.constant(x))[0].numpy().astype(np.float32)])


def keras_activations():
    k = tf.keras
    tf.keras.utils.set_random_seed(4)
    inp = k.Input((5,), name="x")
    h = k.layers.Dense(6, activation="gelu")(inp)
    h = k.layers.Dense(6, activation="selu")(h)
    out = k.layers.Dense(3, activation="softsign")(h)
    m = k.Model(inp, out)
    nonzero_biases(m, 10)
    frozen = freeze_keras(m, tf.TensorSpec([None, 5], tf.float32, name="x"),
                          "zoo_activations.pb")
    for b in BATCHES:
        x = (np.random.RandomState(60 + b).randn(b, 5) * 2).astype(np.float32)
        write_io("activations", b, x, [frozen(tf.constant(x))[0].numpy().astype(np.float32)])


def run_frozen(gd, feed_name, fetches, x):
    with tf1.Graph().as_default():
        tf1.import_graph_def(gd, name="")
        with tf1.Session() as s:
            return s.run(fetches, {feed_name: x})


def v1_mobilenet():
    rng = np.random.RandomState(4)
    with tf1.Graph().as_default() as g:
        x = tf1.placeholder(tf.float32, [None, 8, 8, 3], name="x")

        def var(name, shape, scale=0.5):
            return tf1.get_variable(name, initializer=(rng.randn(*shape) * scale)
                                    .astype(np.float32), use_resource=True)

        def bn(h, scope):
            n = h.shape[-1]
            with tf1.variable_scope(scope):
                gamma = var("gamma", [n]) + 1.0
                beta, mean = var("beta", [n], 0.1), var("mean", [n], 0.2)
                variance = tf.abs(var("variance", [n])) + 0.5
            return tf1.nn.fused_batch_norm(h, gamma, beta, mean, variance, epsilon=1e-3,
                                           is_training=False, name=scope)[0]

        h = tf.nn.conv2d(x, var("conv1/w", [3, 3, 3, 4]), [1, 2, 2, 1], "SAME")
        h = tf.nn.relu6(bn(h, "bn1"))
        h = tf.nn.depthwise_conv2d(h, var("dw/w", [3, 3, 4, 1]), [1, 1, 1, 1], "SAME")
        h = tf.nn.relu6(bn(h, "bn2"))
        h = tf.nn.conv2d(h, var("pw/w", [1, 1, 4, 6]), [1, 1, 1, 1], "VALID")
        h = tf.reduce_mean(h, [1, 2])
        logits = tf.nn.bias_add(tf.matmul(h, var("fc/w", [6, 5])), var("fc/b", [5], 0.1))
        tf.nn.softmax(logits, name="probs")
        with tf1.Session() as s:
            s.run(tf1.global_variables_initializer())
            gd = tf1.graph_util.convert_variables_to_constants(s, g.as_graph_def(), ["probs"])
    with open(path("zoo_mobilenet_v1.pb"), "wb") as f:
        f.write(gd.SerializeToString(deterministic=True))
    print("zoo_mobilenet_v1.pb ops:", ", ".join(ops_of(gd)))
    for b in BATCHES:
        x = np.random.RandomState(10 + b).randn(b, 8, 8, 3).astype(np.float32)
        write_io("mobilenet_v1", b, x, [run_frozen(gd, "x:0", "probs:0", x)])


def v1_mlp():
    rng = np.random.RandomState(5)
    with tf1.Graph().as_default() as g:
        x = tf1.placeholder(tf.float32, [None, 4], name="x")
        w1 = tf1.get_variable("w1", initializer=rng.randn(4, 8).astype(np.float32),
                              use_resource=False)
        w2 = tf1.get_variable("w2", initializer=rng.randn(8, 8).astype(np.float32),
                              use_resource=False)
        w3 = tf1.get_variable("w3", initializer=rng.randn(8, 3).astype(np.float32),
                              use_resource=False)
        h = tf.nn.leaky_relu(tf.matmul(x, w1), alpha=0.1)
        h = tf.nn.elu(tf.matmul(h, w2))
        h = tf.math.l2_normalize(h, axis=-1)
        h = tf.clip_by_value(tf.nn.softplus(h) - 0.6, -0.05, 0.5)
        logits = tf.matmul(h, w3) * 3.0
        tf.subtract(logits, tf.reduce_logsumexp(logits, axis=1, keepdims=True),
                    name="log_probs")
        tf.argmax(logits, axis=1, name="label")
        with tf1.Session() as s:
            s.run(tf1.global_variables_initializer())
            gd = tf1.graph_util.convert_variables_to_constants(s, g.as_graph_def(),
                                                               ["log_probs", "label"])
    with open(path("zoo_mlp.pb"), "wb") as f:
        f.write(gd.SerializeToString(deterministic=True))
    print("zoo_mlp.pb ops:", ", ".join(ops_of(gd)))
    for b in BATCHES:
        x = np.random.RandomState(30 + b).randn(b, 4).astype(np.float32)
        lp, label = run_frozen(gd, "x:0", ["log_probs:0", "label:0"], x)
        assert label.dtype == np.int64
        write_io("mlp", b, x, [lp, label])


def v1_any_rank():
    """A preprocessing graph for inputs of any rank: the reductions' axes are
    Range(0, Rank(x)), known only when x is fed."""
    with tf1.Graph().as_default() as g:
        x = tf1.placeholder(tf.float32, None, name="x")
        lo, hi = tf.reduce_min(x), tf.reduce_max(tf.abs(x))
        count = tf.cast(tf.reduce_prod(tf.shape(x)), tf.float32)
        tf.identity((x - lo) / (hi + 1e-6), name="scaled")
        tf.identity(tf.reduce_sum(x) / count, name="mean")
        tf.argmax(tf.reshape(x, [-1]), 0, name="where_max")
        gd = g.as_graph_def()
    with open(path("zoo_any_rank.pb"), "wb") as f:
        f.write(gd.SerializeToString(deterministic=True))
    print("zoo_any_rank.pb ops:", ", ".join(ops_of(gd)))
    for b in BATCHES:  # x of shape [b, 2, 3]: rank 3, and [b, 6]: rank 2
        for shape, tag in (((b, 2, 3), "r3"), ((b, 6), "r2")):
            x = np.random.RandomState(50 + b).randn(*shape).astype(np.float32)
            outs = run_frozen(gd, "x:0", ["scaled:0", "mean:0", "where_max:0"], x)
            write_io("any_rank_" + tag, b, x, outs)


def v1_saved():
    out = path("zoo_saved")
    shutil.rmtree(out, ignore_errors=True)
    rng = np.random.RandomState(6)
    with tf1.Graph().as_default() as g:
        x = tf1.placeholder(tf.float32, [None, 4], name="x")
        w = tf1.get_variable("dense/kernel", initializer=rng.randn(4, 3).astype(np.float32),
                             use_resource=True)
        b = tf1.get_variable("dense/bias", initializer=rng.randn(3).astype(np.float32),
                             use_resource=True)
        scores = tf.nn.sigmoid(tf.matmul(x, w) + b, name="scores")
        y = tf.reduce_max(scores, axis=1, name="y")
        with tf1.Session() as s:
            s.run(tf1.global_variables_initializer())
            tf1.saved_model.simple_save(s, out, inputs={"x": x},
                                        outputs={"y": y, "scores": scores})
            print("zoo_saved ops:", sorted({op.type for op in g.get_operations()}))
            for bs in BATCHES:
                xin = np.random.RandomState(40 + bs).randn(bs, 4).astype(np.float32)
                write_io("saved", bs, xin, s.run([y, scores], {x: xin}))


FROZEN = {  # graph: (input, outputs, [(inputs and outputs file stem, output dtypes)])
    "mobilenet": ("x:0", ["Identity:0"], [("mobilenet", [np.float32])]),
    "mobilenet_v1": ("x:0", ["probs:0"], [("mobilenet_v1", [np.float32])]),
    "text": ("ids:0", ["Identity:0"], [("text", [np.float32])]),
    "activations": ("x:0", ["Identity:0"], [("activations", [np.float32])]),
    "mlp": ("x:0", ["log_probs:0", "label:0"], [("mlp", [np.float32, np.int64])]),
    "any_rank": ("x:0", ["scaled:0", "mean:0", "where_max:0"],
                 [("any_rank_r3", [np.float32, np.float32, np.int64]),
                  ("any_rank_r2", [np.float32, np.float32, np.int64])]),
}


def check():
    tf1.disable_eager_execution()
    for graph, (feed, fetches, runs) in FROZEN.items():
        gd = tf1.GraphDef()
        with open(path("zoo_%s_tact_exported.pb" % graph), "rb") as f:
            gd.ParseFromString(f.read())
        for stem, dtypes in runs:
            in_dtype = np.int32 if graph == "text" else np.float32
            for b in BATCHES:
                x = np.fromfile(path("zoo_%s_in%d.bin" % (stem, b)), in_dtype)
                shape = {"mobilenet": (b, 8, 8, 3), "mobilenet_v1": (b, 8, 8, 3),
                         "text": (b, 6), "mlp": (b, 4), "activations": (b, 5), "any_rank_r3": (b, 2, 3),
                         "any_rank_r2": (b, 6)}[stem]
                got = run_frozen(gd, feed, fetches, x.reshape(shape))
                want = open(path("zoo_%s_out%d.bin" % (stem, b)), "rb").read()
                off = 0
                for g, dt in zip(got, dtypes):
                    n = np.asarray(g).size * np.dtype(dt).itemsize
                    w = np.frombuffer(want[off:off + n], dt)
                    np.testing.assert_allclose(np.asarray(g).ravel(), w, rtol=1e-5, atol=1e-6)
                    off += n
                assert off == len(want)
        print("TensorFlow ran tact's export of", graph, "with the same answers")


def main():
    keras_mobilenet()
    keras_text()
    keras_activations()
    tf1.disable_eager_execution()
    v1_mobilenet()
    v1_mlp()
    v1_any_rank()
    v1_saved()


if __name__ == "__main__":
    if "--check" in sys.argv:
        check()
    else:
        main()
