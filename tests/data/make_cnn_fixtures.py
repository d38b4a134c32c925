#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fixtures for tests/test_nn_ops.c and bench/bench_cnn.c, made once by TensorFlow
(tf.compat.v1) and committed.

    python3 make_cnn_fixtures.py            # write the fixtures next to this script
    python3 make_cnn_fixtures.py --check    # also import what tact exported (written by
                                            # test_nn_ops with TACT_WRITE_FIXTURES=1) into
                                            # TensorFlow and compare the answers

Writes:
  cnn.pb                     a small CNN frozen to a GraphDef (weights are Consts): input
                             [?, 8, 8, 3] -> Conv2D 3x3 SAME + BiasAdd + Relu -> FusedBatchNormV3
                             (inference) -> MaxPool 2x2 -> DepthwiseConv2dNative 3x3 SAME
                             (multiplier 2) -> AvgPool 2x2 VALID -> Reshape [-1, 32] (a Const
                             shape) -> MatMul -> BiasAdd -> Softmax ("softmax")
  cnn_keras.pb               the same network with a Keras-style flatten: Shape ->
                             StridedSlice -> Pack -> Reshape
  cnn_input.bin              float32 little-endian input [2, 8, 8, 3]
  cnn_expected.bin           TensorFlow's softmax [2, 5] for it from cnn.pb
  cnn_keras_expected.bin     the same from cnn_keras.pb (equal to cnn_expected.bin within 1e-6)
  nn_cases.h                 per-op cases: inputs, attributes and TensorFlow's outputs of
                             Conv2D, DepthwiseConv2dNative, MaxPool, AvgPool, FusedBatchNormV3
                             and BatchMatMulV2, as C arrays; FusedBatchNormV3's five
                             outputs in training and in NCHW

Committed beside them, written by tact (test_nn_ops) and checked here with --check:
cnn_tact_exported.pb (cnn.pb imported into tact and exported again; TensorFlow must give
cnn_expected.bin for cnn_input.bin), nn_tact_exported.pbtxt (Conv2D then MaxPool built with tact's
builders on nn_cases.h's first case, as Consts) and nn_tact_exported_expected.bin (tact's answer,
"MaxPool:0").
"""
import os
import sys

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data, mode="wb"):
    with open(os.path.join(HERE, name), mode) as f:
        f.write(data)


def make_cnn(keras_flatten):
    rng = np.random.RandomState(11)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 8, 8, 3], name="input")
        w1 = tf.constant(rng.randn(3, 3, 3, 4).astype(np.float32) * 0.5, name="conv1/w")
        b1 = tf.constant(rng.randn(4).astype(np.float32) * 0.1, name="conv1/b")
        h = tf.nn.conv2d(x, w1, [1, 1, 1, 1], "SAME", name="conv1/conv")
        h = tf.nn.relu(tf.nn.bias_add(h, b1), name="conv1/relu")
        scale = tf.constant(rng.uniform(0.5, 1.5, 4).astype(np.float32), name="bn/scale")
        offset = tf.constant(rng.randn(4).astype(np.float32) * 0.1, name="bn/offset")
        mean = tf.constant(rng.randn(4).astype(np.float32) * 0.1, name="bn/mean")
        var = tf.constant(rng.uniform(0.5, 2.0, 4).astype(np.float32), name="bn/variance")
        h, _, _ = tf.nn.fused_batch_norm(h, scale, offset, mean, var, epsilon=0.001,
                                         is_training=False, name="bn/bn")
        h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME", name="pool1")
        wd = tf.constant(rng.randn(3, 3, 4, 2).astype(np.float32) * 0.5, name="dw/w")
        h = tf.nn.depthwise_conv2d_native(h, wd, [1, 1, 1, 1], "SAME", name="dw/conv")
        h = tf.nn.avg_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID", name="pool2")
        if keras_flatten:
            shape = tf.shape(h, name="flatten/Shape")
            batch = tf.strided_slice(shape, [0], [1], [1], shrink_axis_mask=1,
                                     name="flatten/strided_slice")
            h = tf.reshape(h, tf.stack([batch, -1], name="flatten/stack"),
                           name="flatten/Reshape")
        else:
            h = tf.reshape(h, [-1, 32], name="flatten")
        w2 = tf.constant(rng.randn(32, 5).astype(np.float32) * 0.3, name="fc/w")
        b2 = tf.constant(rng.randn(5).astype(np.float32) * 0.1, name="fc/b")
        y = tf.nn.softmax(tf.nn.bias_add(tf.matmul(h, w2), b2), name="softmax")
        xin = np.random.RandomState(5).randn(2, 8, 8, 3).astype(np.float32)
        with tf.Session() as s:
            out = s.run(y, {x: xin})
        return g.as_graph_def(), xin, out


def cnn():
    gd, xin, out = make_cnn(False)
    gd_k, _, out_k = make_cnn(True)
    assert np.allclose(out, out_k, atol=1e-6)
    ops = sorted({n.op for n in gd.node})
    print("cnn.pb ops:", ", ".join(ops))
    write("cnn.pb", gd.SerializeToString(deterministic=True))
    write("cnn_keras.pb", gd_k.SerializeToString(deterministic=True))
    write("cnn_input.bin", xin.astype("<f4").tobytes())
    write("cnn_expected.bin", out.astype("<f4").tobytes())
    write("cnn_keras_expected.bin", out_k.astype("<f4").tobytes())


# ---- per-op cases ------------------------------------------------------------------------

OPS = {"conv": "NN_CONV2D", "dw": "NN_DEPTHWISE", "mp": "NN_MAX_POOL", "ap": "NN_AVG_POOL",
       "bn": "NN_BATCH_NORM", "bmm": "NN_BATCH_MATMUL"}
PAD = {"VALID": "TACT_PADDING_VALID", "SAME": "TACT_PADDING_SAME",
       "EXPLICIT": "TACT_PADDING_EXPLICIT"}
CASES = []


def case(name, op, inputs, **attrs):
    CASES.append((name, op, inputs, attrs))


def rnd(seed, *shape):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32)


def run_case(op, inputs, a):
    g = tf.Graph()
    with g.as_default():
        ph = [tf.placeholder(tf.float32, v.shape) for v in inputs]
        pad = a.get("padding", "VALID")
        ep = a.get("explicit", [])
        if op == "conv":
            y = tf.raw_ops.Conv2D(input=ph[0], filter=ph[1], strides=a["strides"], padding=pad,
                                  dilations=a.get("dilations", [1, 1, 1, 1]),
                                  explicit_paddings=ep)
        elif op == "dw":
            y = tf.raw_ops.DepthwiseConv2dNative(input=ph[0], filter=ph[1],
                                                 strides=a["strides"], padding=pad,
                                                 explicit_paddings=ep)
        elif op == "mp":
            y = tf.raw_ops.MaxPool(input=ph[0], ksize=a["ksize"], strides=a["strides"],
                                   padding=pad, explicit_paddings=ep)
        elif op == "ap":
            y = tf.raw_ops.AvgPool(value=ph[0], ksize=a["ksize"], strides=a["strides"],
                                   padding=pad)
        elif op == "bn":
            y = tf.raw_ops.FusedBatchNormV3(x=ph[0], scale=ph[1], offset=ph[2], mean=ph[3],
                                            variance=ph[4], epsilon=a["epsilon"],
                                            is_training=False)[0]
        else:
            y = tf.raw_ops.BatchMatMulV2(x=ph[0], y=ph[1], adj_x=a.get("adj_x", False),
                                         adj_y=a.get("adj_y", False))
        with tf.Session() as s:
            return s.run(y, dict(zip(ph, inputs)))


def make_cases():
    s1, s2 = [1, 1, 1, 1], [1, 2, 2, 1]
    case("conv_same", "conv", [rnd(1, 2, 5, 5, 3), rnd(2, 3, 3, 3, 4)], strides=s1,
         padding="SAME")
    case("conv_valid_stride2", "conv", [rnd(3, 1, 7, 6, 2), rnd(4, 3, 2, 2, 3)], strides=s2,
         padding="VALID")
    case("conv_same_odd_strides", "conv", [rnd(5, 1, 7, 5, 3), rnd(6, 4, 3, 3, 2)],
         strides=[1, 2, 3, 1], padding="SAME")
    case("conv_dilated", "conv", [rnd(7, 1, 9, 8, 2), rnd(8, 3, 3, 2, 2)], strides=s1,
         padding="SAME", dilations=[1, 2, 3, 1])
    case("conv_valid_dilated_stride2", "conv", [rnd(9, 2, 10, 9, 3), rnd(10, 3, 3, 3, 2)],
         strides=s2, padding="VALID", dilations=[1, 2, 2, 1])
    case("conv_1x1", "conv", [rnd(11, 2, 4, 4, 3), rnd(12, 1, 1, 3, 5)], strides=s1,
         padding="VALID")
    case("conv_explicit", "conv", [rnd(13, 1, 5, 5, 3), rnd(14, 3, 3, 3, 2)], strides=s1,
         padding="EXPLICIT", explicit=[0, 0, 1, 2, 0, 1, 0, 0])
    case("conv_groups", "conv", [rnd(15, 1, 5, 5, 4), rnd(16, 3, 3, 2, 4)], strides=s1,
         padding="SAME")
    case("conv_empty_batch", "conv", [rnd(17, 0, 5, 5, 3), rnd(18, 3, 3, 3, 2)], strides=s1,
         padding="SAME")
    case("dw_same", "dw", [rnd(21, 2, 5, 5, 3), rnd(22, 3, 3, 3, 2)], strides=s1,
         padding="SAME")
    case("dw_valid_stride2", "dw", [rnd(23, 1, 7, 7, 2), rnd(24, 3, 3, 2, 1)], strides=s2,
         padding="VALID")
    case("dw_same_even_stride2", "dw", [rnd(25, 1, 6, 6, 3), rnd(26, 2, 2, 3, 2)],
         strides=s2, padding="SAME")
    case("dw_explicit", "dw", [rnd(27, 1, 5, 5, 2), rnd(28, 3, 3, 2, 1)], strides=s1,
         padding="EXPLICIT", explicit=[0, 0, 1, 1, 2, 0, 0, 0])
    case("dw_empty_batch", "dw", [rnd(29, 0, 4, 4, 2), rnd(30, 3, 3, 2, 1)], strides=s1,
         padding="SAME")
    case("max_same_2x2", "mp", [rnd(31, 2, 5, 5, 3)], ksize=[1, 2, 2, 1], strides=s2,
         padding="SAME")
    case("max_valid_3x3_stride2", "mp", [rnd(32, 1, 7, 7, 2)], ksize=[1, 3, 3, 1], strides=s2,
         padding="VALID")
    case("max_same_3x3", "mp", [rnd(33, 1, 4, 5, 2)], ksize=[1, 3, 3, 1], strides=s1,
         padding="SAME")
    case("max_explicit", "mp", [rnd(34, 1, 5, 5, 2)], ksize=[1, 3, 3, 1], strides=s2,
         padding="EXPLICIT", explicit=[0, 0, 1, 1, 1, 1, 0, 0])
    case("max_empty_batch", "mp", [rnd(35, 0, 4, 4, 2)], ksize=[1, 2, 2, 1], strides=s2,
         padding="VALID")
    case("avg_same_2x2", "ap", [rnd(41, 2, 5, 5, 3)], ksize=[1, 2, 2, 1], strides=s2,
         padding="SAME")
    case("avg_same_3x3", "ap", [rnd(42, 1, 4, 5, 2)], ksize=[1, 3, 3, 1], strides=s1,
         padding="SAME")
    case("avg_valid_3x2", "ap", [rnd(43, 1, 7, 6, 2)], ksize=[1, 3, 2, 1], strides=s2,
         padding="VALID")
    case("avg_empty_batch", "ap", [rnd(44, 0, 4, 4, 2)], ksize=[1, 2, 2, 1], strides=s2,
         padding="SAME")
    var = np.abs(rnd(54, 3)) + 0.5
    case("bn", "bn", [rnd(51, 2, 3, 4, 3), rnd(52, 3), rnd(53, 3), rnd(55, 3), var],
         epsilon=0.001)
    case("bn_empty_batch", "bn", [rnd(56, 0, 2, 2, 3), rnd(52, 3), rnd(53, 3), rnd(55, 3),
                                  var], epsilon=0.001)
    case("bmm", "bmm", [rnd(61, 2, 3, 4), rnd(62, 2, 4, 5)])
    case("bmm_broadcast", "bmm", [rnd(63, 2, 1, 3, 4), rnd(64, 3, 4, 2)])
    case("bmm_adjoint", "bmm", [rnd(65, 2, 4, 3), rnd(66, 2, 5, 4)], adj_x=True, adj_y=True)
    case("bmm_rank2", "bmm", [rnd(67, 3, 4), rnd(68, 4, 2)])
    case("bmm_empty_batch", "bmm", [rnd(69, 0, 3, 4), rnd(70, 4, 5)])
    case("bmm_inner0", "bmm", [rnd(71, 2, 3, 0), rnd(72, 0, 5)])


BN_CASES = []


def bn_case(name, fmt, training, x):
    """FusedBatchNormV3 with every output, through a placeholder so that no grappler pass
    rewrites it."""
    from tensorflow.core.protobuf import rewriter_config_pb2
    cfg = tf.ConfigProto(graph_options=tf.GraphOptions(
        rewrite_options=rewriter_config_pb2.RewriterConfig(disable_meta_optimizer=True)))
    scale, offset = np.float32([1, 2]), np.float32([.5, -.5])
    mv = np.float32([]) if training else np.float32([.1, .2])
    var = mv if training else np.float32([.3, .4])
    g = tf.Graph()
    with g.as_default():
        ph = [tf.placeholder(tf.float32) for _ in range(5)]
        o = tf.raw_ops.FusedBatchNormV3(x=ph[0], scale=ph[1], offset=ph[2], mean=ph[3],
                                        variance=ph[4], epsilon=0.001, is_training=training,
                                        data_format=fmt)
        with tf.Session(config=cfg) as s:
            outs = s.run(list(o)[:5], dict(zip(ph, [x, scale, offset, mv, var])))
    BN_CASES.append((name, fmt == "NCHW", training, [x, scale, offset, mv, var], outs))


def make_bn_cases():
    bn_case("bn_train_nhwc", "NHWC", True, rnd(81, 2, 3, 2, 2))
    bn_case("bn_train_nchw", "NCHW", True, rnd(82, 2, 2, 3, 2))
    bn_case("bn_train_one", "NHWC", True, rnd(83, 1, 1, 1, 2))
    bn_case("bn_infer_nchw", "NCHW", False, rnd(84, 2, 2, 3, 2))


def c_floats(name, a):
    if a.size == 0:
        return "", "NULL"
    vals = ", ".join("%.9g" % v for v in a.reshape(-1))
    return "static const float %s[] = {%s};\n" % (name, vals), name


def c_dims(shape):
    return "{" + ", ".join(str(d) for d in shape) + "}" if shape else "{0}"


def four(v, n=4, dflt=0):
    v = list(v) if v else [dflt] * n
    return "{" + ", ".join(str(x) for x in v) + "}"


def nn_cases_h():
    out = ["/* SPDX-License-Identifier: MIT */",
           "/* Generated by make_cnn_fixtures.py: inputs, attributes and TensorFlow's outputs. */",
           "#ifndef TACT_TESTS_DATA_NN_CASES_H", "#define TACT_TESTS_DATA_NN_CASES_H", "",
           "typedef enum { NN_CONV2D, NN_DEPTHWISE, NN_MAX_POOL, NN_AVG_POOL, NN_BATCH_NORM,",
           "               NN_BATCH_MATMUL } nn_case_op_t;", "",
           "typedef struct nn_case {",
           "    const char *name;",
           "    nn_case_op_t op;",
           "    tact_conv_options_t opts;",
           "    float epsilon;",
           "    bool adj_x, adj_y;",
           "    int n_in;",
           "    int ndims[5];",
           "    int64_t dims[5][5];",
           "    const float *data[5];",
           "    int out_ndims;",
           "    int64_t out_dims[5];",
           "    const float *expected;",
           "} nn_case_t;", ""]
    rows = []
    for i, (name, op, inputs, a) in enumerate(CASES):
        y = run_case(op, inputs, a)
        datas = []
        for j, v in enumerate(inputs):
            decl, ref = c_floats("nn_c%d_in%d" % (i, j), v)
            out.append(decl) if decl else None
            datas.append(ref)
        decl, yref = c_floats("nn_c%d_out" % i, y)
        out.append(decl) if decl else None
        opts = "{.strides = %s, .padding = %s, .dilations = %s, .explicit_paddings = %s, " \
               ".ksize = %s}" % (four(a.get("strides")), PAD[a.get("padding", "VALID")],
                                 four(a.get("dilations")), four(a.get("explicit"), 8),
                                 four(a.get("ksize")))
        rows.append("    {\"%s\", %s, %s, %sf, %s, %s, %d, {%s}, {%s}, {%s}, %d, %s, %s},"
                    % (name, OPS[op], opts, repr(float(a.get("epsilon", 0.0))),
                       "true" if a.get("adj_x") else "false",
                       "true" if a.get("adj_y") else "false", len(inputs),
                       ", ".join(str(v.ndim) for v in inputs),
                       ", ".join(c_dims(v.shape) for v in inputs), ", ".join(datas),
                       y.ndim, c_dims(y.shape), yref))
    out.append("static const nn_case_t nn_cases[] = {")
    out.extend(rows)
    out.append("};")
    out += ["", "/* FusedBatchNormV3 with its first five outputs, in training and in NCHW. */",
            "typedef struct nn_bn_case {",
            "    const char *name;",
            "    bool nchw, training;",
            "    int64_t x_dims[4], n_mv;  /* n_mv: the length of mean and variance */",
            "    const float *in[5];",
            "    const float *out[5];",
            "} nn_bn_case_t;", ""]
    rows = []
    for i, (name, nchw, training, inputs, outs) in enumerate(BN_CASES):
        refs, orefs = [], []
        for j, v in enumerate(inputs):
            decl, ref = c_floats("nn_bn%d_in%d" % (i, j), v)
            out.append(decl) if decl else None
            refs.append(ref)
        for j, v in enumerate(outs):
            decl, ref = c_floats("nn_bn%d_out%d" % (i, j), v)
            out.append(decl) if decl else None
            orefs.append(ref)
        rows.append("    {\"%s\", %s, %s, %s, %d, {%s}, {%s}}," % (
            name, "true" if nchw else "false", "true" if training else "false",
            c_dims(inputs[0].shape), inputs[3].size, ", ".join(refs), ", ".join(orefs)))
    out.append("static const nn_bn_case_t nn_bn_cases[] = {")
    out.extend(rows)
    out.append("};")
    out.append("")
    out.append("#endif")
    write("nn_cases.h", "\n".join(out) + "\n", "w")


def check_tact_exports():
    """TensorFlow imports what tact exported and gives the same answers."""
    from google.protobuf import text_format
    gd = tf.GraphDef()
    with open(os.path.join(HERE, "cnn_tact_exported.pb"), "rb") as f:
        gd.ParseFromString(f.read())
    xin = np.fromfile(os.path.join(HERE, "cnn_input.bin"), "<f4").reshape(2, 8, 8, 3)
    want = np.fromfile(os.path.join(HERE, "cnn_expected.bin"), "<f4").reshape(2, 5)
    with tf.Graph().as_default():
        tf.import_graph_def(gd, name="")
        with tf.Session() as s:
            got = s.run("softmax:0", {"input:0": xin})
    assert np.allclose(got, want, atol=1e-5), (got, want)
    gd = tf.GraphDef()
    with open(os.path.join(HERE, "nn_tact_exported.pbtxt")) as f:
        text_format.Parse(f.read(), gd)
    want = np.fromfile(os.path.join(HERE, "nn_tact_exported_expected.bin"), "<f4")
    with tf.Graph().as_default():
        tf.import_graph_def(gd, name="")
        with tf.Session() as s:
            got = s.run("MaxPool:0")
    assert np.allclose(got.reshape(-1), want, atol=1e-5), (got, want)
    print("TensorFlow reads tact's exports and gives the same answers")


if __name__ == "__main__":
    if "--check" in sys.argv[1:]:
        check_tact_exports()
        sys.exit(0)
    cnn()
    make_cases()
    make_bn_cases()
    nn_cases_h()
