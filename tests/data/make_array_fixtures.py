#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fixtures for tests/test_array_ops.c, made once by TensorFlow (tf.compat.v1) and committed.

    python3 make_array_fixtures.py           # writes the files below next to this script
    python3 make_array_fixtures.py --check   # also runs tact_array_exported.pb (written by
                                             # test_array_ops with TACT_WRITE_FIXTURES=1) in
                                             # TensorFlow and compares with tact's answers in
                                             # tact_array_exported.txt

Writes:
  flatten.pb                 a Keras-style flatten, frozen: input "x" [?, 4, 4, 3] -> Shape ->
                             StridedSlice (shrink_axis_mask 1) -> Pack with -1 -> Reshape ->
                             MatMul with a [48, 5] Const -> "logits"
  flatten_x2.bin, flatten_x5.bin        float32 little-endian inputs of batch 2 and 5
  flatten_y2.bin, flatten_y5.bin        TensorFlow's logits for them ([2, 5], [5, 5])
  text.pb                    a small text model, frozen: int32 "ids" [?, 6] -> GatherV2 from an
                             embedding Const [50, 8] -> Mean over axis 1 -> ConcatV2 with
                             "feat" [?, 4] -> MatMul [12, 3] -> BiasAdd -> Softmax ("probs")
  text_ids.bin (int32 [3, 6]), text_feat.bin (float32 [3, 4]), text_probs.bin (float32 [3, 3])
  tact_array_exported.pb/.txt  (written by test_array_ops, checked here with --check) every
                             array op built in C and exported by tact, with tact's answers
  array_expected.inc         C arrays of TensorFlow's values for the per-op tests (exp_<case>,
                             exp_<case>_dims) and its error messages (msg_<case>)
"""
import os
import sys

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def freeze(g, sess, outputs):
    return tf.graph_util.convert_variables_to_constants(sess, g.as_graph_def(), outputs)


def make_flatten():
    rng = np.random.RandomState(11)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 4, 4, 3], name="x")
        batch = tf.shape(x)[0]                      # Shape -> StridedSlice (shrink)
        flat = tf.reshape(x, tf.stack([batch, -1]))  # Pack -> Reshape
        w = tf.constant(rng.randn(48, 5).astype(np.float32), name="w")
        y = tf.matmul(flat, w, name="logits")
        with tf.Session() as s:
            gd = freeze(g, s, ["logits"])
            write("flatten.pb", gd.SerializeToString())
            for n in (2, 5):
                xin = rng.randn(n, 4, 4, 3).astype(np.float32)
                write("flatten_x%d.bin" % n, xin.astype("<f4").tobytes())
                write("flatten_y%d.bin" % n, s.run(y, {x: xin}).astype("<f4").tobytes())


def make_text():
    rng = np.random.RandomState(5)
    g = tf.Graph()
    with g.as_default():
        ids = tf.placeholder(tf.int32, [None, 6], name="ids")
        feat = tf.placeholder(tf.float32, [None, 4], name="feat")
        emb = tf.constant(rng.randn(50, 8).astype(np.float32), name="embedding")
        e = tf.gather(emb, ids, axis=0)             # GatherV2
        m = tf.reduce_mean(e, axis=1)               # Mean
        h = tf.concat([m, feat], axis=1)            # ConcatV2
        w = tf.constant(rng.randn(12, 3).astype(np.float32), name="w")
        b = tf.constant(rng.randn(3).astype(np.float32), name="b")
        p = tf.nn.softmax(tf.nn.bias_add(tf.matmul(h, w), b), name="probs")
        with tf.Session() as s:
            gd = freeze(g, s, ["probs"])
            write("text.pb", gd.SerializeToString())
            iv = rng.randint(0, 50, size=(3, 6)).astype(np.int32)
            fv = rng.randn(3, 4).astype(np.float32)
            write("text_ids.bin", iv.astype("<i4").tobytes())
            write("text_feat.bin", fv.astype("<f4").tobytes())
            write("text_probs.bin", s.run(p, {ids: iv, feat: fv}).astype("<f4").tobytes())


# ---- per-op values and messages ----

X23 = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
X234 = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
S3 = np.array([b"a", b"bc", b"d"])
c = tf.constant
P = tf.placeholder


def values():
    """(case, tensor) pairs; the C test builds the same graphs."""
    return [
        ("shape", tf.shape(c(X234))),
        ("shape64", tf.shape(c(X234), out_type=tf.int64)),
        ("shape_empty", tf.shape(c(np.zeros((2, 0, 3), np.float32)))),
        ("size", tf.size(c(X234))),
        ("rank", tf.rank(c(X234))),
        ("slice", tf.slice(c(X234), [0, 1, 1], [2, -1, 2])),
        ("slice_empty", tf.slice(c(X234), [1, 0, 0], [0, 3, 4])),
        ("ss_basic", tf.strided_slice(c(X234), [0, 1, 0], [2, 3, 4], [1, 1, 2])),
        ("ss_neg", tf.strided_slice(c(X234), [-1, -1, -1], [-3, 0, -5], [-1, 1, -2],
                                    shrink_axis_mask=2)),
        ("ss_masks", tf.strided_slice(c(X234), [5, 0, 2], [1, 0, 9], [1, 1, 1],
                                      begin_mask=1, end_mask=2)),
        ("ss_ellipsis", tf.strided_slice(c(X234), [0, 1], [0, 2], [1, 1], ellipsis_mask=1,
                                         shrink_axis_mask=2)),
        ("ss_new_axis", tf.strided_slice(c(X234), [0, 0, 1], [0, 0, 3], [1, 1, 1],
                                         begin_mask=1, end_mask=1, new_axis_mask=2)),
        ("ss_empty", tf.strided_slice(c(X234), [1], [1], [1])),
        ("ss_rev_all", tf.strided_slice(c(X234), [0], [0], [-1], begin_mask=1, end_mask=1)),
        ("ss_string", tf.strided_slice(c(S3), [0], [0], [-2], begin_mask=1, end_mask=1)),
        ("squeeze_all", tf.squeeze(c(np.arange(6, dtype=np.int32).reshape(1, 2, 1, 3)))),
        ("squeeze_neg", tf.squeeze(c(np.arange(6, dtype=np.int32).reshape(1, 2, 1, 3)), [-2])),
        ("expand_neg", tf.expand_dims(c(X23), -1)),
        ("expand_0", tf.expand_dims(c(np.array([True, False])), 0)),
        ("concat_neg", tf.concat([c(X23), c(np.array([[7], [8]], np.float32))], -1)),
        ("concat_empty", tf.concat([c(np.zeros((2, 0), np.float32)), c(X23)], 1)),
        ("concat_i64", tf.concat([c(np.array([1, 2], np.int64)), c(np.array([3], np.int64))],
                                 0)),
        ("split0", tf.split(c(X234), 2, -1)[0]),
        ("split1", tf.split(c(X234), 2, -1)[1]),
        ("unpack0", tf.unstack(c(X23), num=3, axis=-1)[0]),
        ("unpack2", tf.unstack(c(X23), num=3, axis=-1)[2]),
        ("tile", tf.tile(c(X23), [2, 1])),
        ("tile_zero", tf.tile(c(X23), [0, 2])),
        ("pad", tf.pad(c(X23), [[1, 0], [0, 2]])),
        ("pad_i64", tf.pad(c(np.array([5, 6], np.int64)), [[2, 1]])),
        ("pad_v2", tf.pad(c(X23), [[1, 0], [0, 1]], constant_values=9.0)),
        ("pad_v2_str", tf.pad(c(S3), [[0, 2]], constant_values="z")),
        ("gather0", tf.gather(c(X23), [1, 0, 1], axis=0)),
        ("gather1", tf.gather(c(X23), [[2, 0]], axis=-1)),
        ("gather_empty", tf.gather(c(X23), np.zeros((0,), np.int32), axis=0)),
        ("gather_str", tf.gather(c(S3), [2, 2, 0])),
        ("one_hot", tf.one_hot([0, 2, -1], 3)),
        ("one_hot_axis0", tf.one_hot([0, 2, -1, 7], 3, on_value=5, off_value=-1, axis=0)),
        ("range_i32", tf.range(1, 10, 3)),
        ("range_i64", tf.range(c(5, tf.int64), c(1, tf.int64), c(-2, tf.int64))),
        ("range_f32", tf.range(0.5, 3.0, 0.7)),
        ("range_empty", tf.range(3, 3, 1)),
        ("zeros_like", tf.zeros_like(c(X23))),
        ("ones_like", tf.ones_like(c(np.array([1, 2, 3], np.int32)))),
        ("ones_like_bool", tf.ones_like(c(np.array([False, True])))),
        ("reshape_t", tf.reshape(c(X234), c([4, -1]))),
        ("transpose_t", tf.transpose(c(X23), c([1, 0]))),
        ("sum_t", tf.reduce_sum(c(X234), c([0, -1]))),
        ("fill_t", tf.fill(c([2, 3], tf.int64), 7.5)),
        ("mean_axis1", tf.reduce_mean(c(X23), 1)),
        ("split10_9", tf.split(c(np.arange(20, dtype=np.int64).reshape(2, 10)), 10, 1)[9]),
    ]


def msg(e):
    m = getattr(e, "message", str(e))
    keep = [l for l in m.split("\n") if l.strip() and not l.startswith("Graph execution")
            and not l.startswith("Detected at") and "File " not in l and not l.startswith(" ")
            and not l.startswith("\t") and not l.startswith("Node:")]
    text = keep[0]
    # Build-time messages: tact names the op as "for 'name' (op: 'Type')", so keep the part
    # TensorFlow's shape function wrote.
    return text.split(" for '{{node")[0]


def run_error(build, feed):
    g = tf.Graph()
    with g.as_default():
        out, fd = build()
        with tf.Session() as s:
            try:
                s.run(out, feed_dict=fd)
            except tf.errors.OpError as e:
                return msg(e)
    raise AssertionError("no error")


def build_error(build):
    g = tf.Graph()
    with g.as_default():
        try:
            build()
        except (ValueError, tf.errors.OpError) as e:
            return msg(e)
    raise AssertionError("no error")


def errors():
    x23 = lambda: c([[1, 2, 3], [4, 5, 6]])
    def fed(f, val, dtype=tf.int32):
        return lambda: (lambda p: (f(p), {p: val}))(P(dtype))
    return [
        ("slice_begin", run_error(fed(lambda p: tf.slice(x23(), p, [1, 1]), [3, 0]), None)),
        ("slice_size", run_error(fed(lambda p: tf.slice(x23(), [0, 0], p), [1, 4]), None)),
        ("slice_rank", build_error(lambda: tf.slice(x23(), [0, 0, 0], [1, 1, 1]))),
        ("ss_index", run_error(fed(lambda p: tf.strided_slice(x23(), p, [6], [1],
                                                              shrink_axis_mask=1), [5]), None)),
        ("ss_stride0", run_error(fed(lambda p: tf.strided_slice(x23(), [0], [1], p), [0]),
                                 None)),
        ("ss_ellipses", build_error(lambda: tf.strided_slice(x23(), [0, 0], [1, 1], [1, 1],
                                                             ellipsis_mask=3))),
        ("ss_lengths", run_error(fed(lambda p: tf.strided_slice(x23(), p, [1], [1]), [0, 0]),
                                 None)),
        ("ss_too_many", build_error(lambda: tf.strided_slice(x23(), [0, 0, 0], [1, 1, 1],
                                                             [1, 1, 1]))),
        ("ss_shrink_neg", build_error(lambda: tf.strided_slice(x23(), [0], [1], [-1],
                                                               shrink_axis_mask=1))),
        ("squeeze_dim", build_error(lambda: tf.squeeze(x23(), [1]))),
        ("squeeze_range_run", run_error(fed(lambda p: tf.squeeze(p, [2]), [[1, 2, 3]]), None)),
        ("expand_run", run_error(fed(lambda p: tf.expand_dims(x23(), p), 3), None)),
        ("expand_build", build_error(lambda: tf.expand_dims(x23(), 3))),
        ("concat_axis", run_error(fed(lambda p: tf.concat([x23(), x23()], p), 2), None)),
        ("concat_dim", run_error(fed(lambda p: tf.concat([x23(), p], 0), [[1, 2]]), None)),
        ("concat_rank", run_error(fed(lambda p: tf.concat([x23(), p], 0), [1, 2, 3]), None)),
        ("split_div", run_error(fed(lambda p: tf.split(x23(), 2, p), 1), None)),
        ("unpack_num", run_error(fed(lambda p: tf.unstack(p, num=3, axis=0), [[1, 2], [3, 4]]),
                                 None)),
        ("tile_len", run_error(fed(lambda p: tf.tile(x23(), p), [1, 2, 3]), None)),
        ("tile_neg", run_error(fed(lambda p: tf.tile(x23(), p), [1, -1]), None)),
        ("pad_neg", run_error(fed(lambda p: tf.pad(x23(), p), [[1, -1], [0, 0]]), None)),
        ("pad_rank", run_error(fed(lambda p: tf.pad(x23(), p), [[1, 1]]), None)),
        ("pad_v2_scalar", run_error(fed(lambda p: tf.pad(x23(), [[1, 0], [0, 1]],
                                                         constant_values=p), [1]), None)),
        ("gather_index", run_error(fed(lambda p: tf.gather(x23(), p), [0, 7]), None)),
        ("gather_index2", run_error(fed(lambda p: tf.gather(x23(), p, axis=1), [[0, -1]]),
                                    None)),
        ("gather_axis", build_error(lambda: tf.gather(x23(), [0], axis=2))),
        ("one_hot_depth", run_error(fed(lambda p: tf.one_hot([0, 1], p), -1), None)),
        ("range_pos", run_error(fed(lambda p: tf.range(5, 1, p), 1), None)),
        ("range_neg", run_error(fed(lambda p: tf.range(1, 5, p), -1), None)),
        ("range_zero", run_error(fed(lambda p: tf.range(1, 5, p), 0), None)),
        ("reshape_sizes", run_error(fed(lambda p: tf.reshape(c([1, 2, 3, 4]), p), [[2, 2]]),
                                    None)),
        ("transpose_perm", run_error(fed(lambda p: tf.transpose(c([[1, 2]]), p), [[0, 1]]),
                                     None)),
        ("fill_dims", run_error(fed(lambda p: tf.fill(p, 1.0), [2, -1]), None)),
    ]


def c_float(v):
    t = "%.9g" % v
    return t + ("f" if ("." in t or "e" in t) else ".0f")


def c_array(name, a):
    a = np.asarray(a)
    dims = ", ".join(str(d) for d in a.shape) or "0"
    out = ["static const int64_t exp_%s_dims[] = { %s };" % (name, dims),
           "#define exp_%s_ndims %d" % (name, a.ndim)]
    flat = a.reshape(-1)
    if a.dtype == np.float32:
        ctype, vals = "float", [c_float(v) for v in flat]
    elif a.dtype == np.int32:
        ctype, vals = "int32_t", ["%d" % v for v in flat]
    elif a.dtype == np.int64:
        ctype, vals = "int64_t", ["INT64_C(%d)" % v for v in flat]
    elif a.dtype == np.bool_:
        ctype, vals = "bool", ["true" if v else "false" for v in flat]
    else:
        ctype, vals = "char *const", ['"%s"' % v.decode() for v in flat]
    body = ", ".join(vals) if vals else "0"
    out.append("static const %s exp_%s[] = { %s };  /* %s */" % (ctype, name, body, a.dtype))
    return "\n".join(out)


def make_expected():
    lines = ["/* Made by make_array_fixtures.py from TensorFlow %s: do not edit. */" %
             tf.__version__]
    g = tf.Graph()
    with g.as_default():
        cases = values()
        with tf.Session() as s:
            got = s.run([t for _, t in cases])
    for (name, _), v in zip(cases, got):
        lines.append(c_array(name, v))
    for name, m in errors():
        lines.append('static const char msg_%s[] = "%s";' %
                     (name, m.replace("\\", "\\\\").replace('"', '\\"')))
    write("array_expected.inc", ("\n".join(lines) + "\n").encode())


def check_export():
    gd = tf.GraphDef()
    with open(os.path.join(HERE, "tact_array_exported.pb"), "rb") as f:
        gd.ParseFromString(f.read())
    with open(os.path.join(HERE, "tact_array_exported.txt")) as f:
        tact_lines = f.read().splitlines()
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name="")
        xv = (np.arange(24, dtype=np.float32) * 0.5 - 3.0).reshape(2, 3, 4)
        with tf.Session() as s:
            for line in tact_lines:
                name = line.split()[0]
                r = np.asarray(s.run(name, {"x:0": xv, "shp:0": [-1, 6]}))
                mine = "%s [%s]%s" % (name, "".join("%d," % d for d in r.shape),
                                      "".join(" %.6g" % v for v in r.reshape(-1)))
                assert mine == line, "TensorFlow: %s\ntact:       %s" % (mine, line)
    print("tact_array_exported.pb: TensorFlow gives tact's answers for %d fetches" %
          len(tact_lines))


if __name__ == "__main__":
    make_flatten()
    make_text()
    make_expected()
    if "--check" in sys.argv:
        check_export()
