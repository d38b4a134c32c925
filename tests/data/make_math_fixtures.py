#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Expected values for tests/test_math_ops.c, computed once by TensorFlow (tf.compat.v1).

    python3 make_math_fixtures.py          # writes math_expected.h and math_ops.pbtxt here
    python3 make_math_fixtures.py --errors # prints TensorFlow's messages for the error cases
    python3 make_math_fixtures.py --check  # imports what tact exported (test_math_ops run
                                           # with TACT_WRITE_FIXTURES=1) into TensorFlow and
                                           # compares the answers

Writes:
  math_expected.h   the per-op cases: inputs (dtype, shape, values), attributes, and the output
                    TensorFlow computed (dtype, shape, values); and the answers of math_ops.pbtxt
                    for its input
  math_ops.pbtxt    a small GraphDef using the math ops (Square, Maximum, Relu6, LeakyRelu,
                    LogSoftmax, Max, ArgMax, Greater, Less, LogicalAnd, AddN, FloorMod, Prod,
                    Rsqrt, Abs, Equal, Round, Min, ArgMin, StopGradient)

Committed beside them, written by tact and checked here with --check:
  math_tact_exported.pbtxt   ops built in C (LeakyRelu, AddN, Min, ArgMin, Prod over every axis)
  math_tact_roundtrip.pbtxt  math_ops.pbtxt after a tact import and export
"""
import math
import os
import sys

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
HERE = os.path.dirname(os.path.abspath(__file__))

DT = {np.float32: "TACT_DTYPE_F32", np.float64: "TACT_DTYPE_F64", np.int32: "TACT_DTYPE_I32",
      np.int64: "TACT_DTYPE_I64", np.bool_: "TACT_DTYPE_BOOL"}
TFDT = {np.float32: tf.float32, np.float64: tf.float64, np.int32: tf.int32, np.int64: tf.int64,
        np.bool_: tf.bool}

F = np.array([[-2.5, -1.5, -0.5, 0.0], [0.5, 1.5, 2.5, 3.7]], np.float32)
P = np.array([0.25, 1.0, 2.0, 9.0, 0.0], np.float32)
I = np.array([-7, -3, -1, 0, 2, 5], np.int32)
A = np.array([[1.5, -2.0, 3.0], [0.0, 4.5, -1.0]], np.float32)
B = np.array([2.0, -1.0, 0.5], np.float32)
BC = np.array([[2.0], [-3.0]], np.float32)
X3 = (np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.5 - 5.0) * \
    np.array([1, -1, 1, 1], np.float32)
AM = np.array([[1, 5, 5, 2], [7, 0, 7, -1], [3, 3, 3, 3]], np.float32)
NAN4 = np.array([np.nan, 1.0, np.nan, -2.0], np.float32)
NAN23 = np.array([[np.nan, 1.0, 3.0], [2.0, np.nan, -3.0]], np.float32)
T4 = np.array([True, False, True, False])
U4 = np.array([True, True, False, False])


def case(op, inputs, fn, **attrs):
    return (op, inputs, fn, attrs)


def unary(tf_fn):
    return lambda xs: tf_fn(xs[0])


def binary(tf_fn):
    return lambda xs: tf_fn(xs[0], xs[1])


CASES = [
    case("Abs", [F], unary(tf.abs)),
    case("Abs", [I], unary(tf.abs)),
    case("Abs", [I.astype(np.int64)], unary(tf.abs)),
    case("Abs", [np.zeros([0], np.float32)], unary(tf.abs)),
    case("Square", [F], unary(tf.square)),
    case("Square", [I], unary(tf.square)),
    case("Sqrt", [P], unary(tf.sqrt)),
    case("Sqrt", [P.astype(np.float64)], unary(tf.sqrt)),
    case("Rsqrt", [P], unary(tf.math.rsqrt)),
    case("Exp", [F], unary(tf.exp)),
    case("Exp", [np.zeros([2, 0], np.float32)], unary(tf.exp)),
    case("Log", [P], unary(tf.math.log)),
    case("Sign", [F], unary(tf.sign)),
    case("Sign", [I], unary(tf.sign)),
    case("Floor", [F], unary(tf.floor)),
    case("Ceil", [F], unary(tf.math.ceil)),
    case("Round", [F], unary(tf.round)),
    case("Round", [np.array([0.5, 1.5, 2.5, -0.5, 3.5, 2.4, 2.6, -2.5], np.float64)],
         unary(tf.round)),
    # Integers round to themselves (tf.round returns them as they are); the raw Round kernel of
    # TensorFlow 2.21's CPU build gives zeros for int32 and int64, which tact does not copy.
    case("Round", [I], unary(tf.round), python_identity=True),
    case("Reciprocal", [F], unary(tf.math.reciprocal)),
    case("Reciprocal", [P.astype(np.float64)], unary(tf.math.reciprocal)),
    case("Relu6", [np.array([-1.0, 0.0, 3.0, 6.0, 7.5], np.float32)], unary(tf.nn.relu6)),
    case("Relu6", [np.array([-3, 2, 6, 9], np.int32)], unary(tf.nn.relu6)),
    case("LeakyRelu", [F], unary(tf.nn.leaky_relu)),
    case("LeakyRelu", [F.astype(np.float64)], lambda xs: tf.nn.leaky_relu(xs[0], alpha=0.01),
         alpha=0.01),
    case("Elu", [F], unary(tf.nn.elu)),
    case("Softplus", [np.array([-30.0, -2.5, 0.0, 1.5, 25.0], np.float32)],
         unary(tf.nn.softplus)),
    case("LogSoftmax", [F], unary(tf.nn.log_softmax)),
    case("LogSoftmax", [np.array([1000.0, 0.0, -1000.0], np.float32)], unary(tf.nn.log_softmax)),
    case("LogSoftmax", [np.zeros([0, 3], np.float32)], unary(tf.nn.log_softmax)),
    case("StopGradient", [I], unary(tf.stop_gradient)),
    # binary, broadcasting
    case("Pow", [np.abs(A) + 0.5, B], binary(tf.pow)),
    case("Pow", [np.array([2, 3, -2, 0], np.int32), np.array([3, 2, 3, 0], np.int32)],
         binary(tf.pow)),
    case("Maximum", [A, B], binary(tf.maximum)),
    case("Maximum", [np.array([-3, 5, 2], np.int32), np.array(0, np.int32)], binary(tf.maximum)),
    case("Minimum", [A, BC], binary(tf.minimum)),
    case("Minimum", [np.array([-3, 5, 2], np.int64), np.array([1], np.int64)], binary(tf.minimum)),
    case("FloorDiv", [A, B], binary(tf.math.floordiv)),
    case("FloorDiv", [np.array([7, -7, 7, -7, 0], np.int32), np.array([2, 2, -2, -2, 3], np.int32)],
         binary(tf.math.floordiv)),
    case("FloorDiv", [np.array([[7], [-7]], np.int64), np.array([2, -3], np.int64)],
         binary(tf.math.floordiv)),
    case("FloorMod", [np.array([7, -7, 7, -7, 0], np.int32), np.array([2, 2, -2, -2, 3], np.int32)],
         binary(tf.math.floormod)),
    case("FloorMod", [np.array([5.5, -5.5, 5.5, -5.5], np.float32),
                      np.array([2.0, 2.0, -2.0, -2.0], np.float32)], binary(tf.math.floormod)),
    case("SquaredDifference", [A, BC], binary(tf.math.squared_difference)),
    case("SquaredDifference", [np.array([1, -4, 9], np.int32), np.array(3, np.int32)],
         binary(tf.math.squared_difference)),
    case("Maximum", [np.zeros([0, 3], np.float32), B], binary(tf.maximum)),
    # NaN: Maximum, Minimum and the Max / Min reductions propagate it; ArgMax / ArgMin pass it by
    case("Maximum", [NAN4, NAN4[::-1].copy()], binary(tf.maximum)),
    case("Minimum", [NAN4, NAN4[::-1].copy()], binary(tf.minimum)),
    # comparisons
    case("Equal", [A, np.array([1.5, 4.5, -1.0], np.float32)], binary(tf.equal)),
    case("Equal", [T4, U4], binary(tf.equal)),
    case("NotEqual", [np.array([1, 2, 3], np.int32), np.array(2, np.int32)], binary(tf.not_equal)),
    case("Less", [A, B], binary(tf.less)),
    case("LessEqual", [A, BC], binary(tf.less_equal)),
    case("Greater", [np.array([[1], [5]], np.int64), np.array([0, 3, 6], np.int64)],
         binary(tf.greater)),
    case("GreaterEqual", [A, B], binary(tf.greater_equal)),
    case("Less", [np.zeros([0], np.float32), np.array(1.0, np.float32)], binary(tf.less)),
    # logical
    case("LogicalAnd", [T4, U4], binary(tf.logical_and)),
    case("LogicalOr", [T4.reshape(2, 2), np.array([False, True])], binary(tf.logical_or)),
    case("LogicalNot", [T4], unary(tf.logical_not)),
    # AddN
    case("AddN", [A, A * 2, A - 1], lambda xs: tf.raw_ops.AddN(inputs=xs)),
    case("AddN", [I, I], lambda xs: tf.raw_ops.AddN(inputs=xs)),
    case("AddN", [A], lambda xs: tf.raw_ops.AddN(inputs=xs)),
    # reductions
    case("Max", [X3], lambda xs: tf.reduce_max(xs[0], axis=[1]), axes=[1]),
    case("Max", [X3], lambda xs: tf.reduce_max(xs[0], axis=[-1], keepdims=True), axes=[-1],
         keep_dims=True),
    case("Max", [X3], lambda xs: tf.reduce_max(xs[0])),
    case("Max", [np.zeros([0, 3], np.float32)], lambda xs: tf.reduce_max(xs[0], axis=[0]),
         axes=[0]),
    case("Max", [np.zeros([0, 3], np.int32)], lambda xs: tf.reduce_max(xs[0], axis=[0]),
         axes=[0]),
    case("Min", [X3], lambda xs: tf.reduce_min(xs[0], axis=[0, 2]), axes=[0, 2]),
    case("Min", [I], lambda xs: tf.reduce_min(xs[0])),
    case("Min", [np.zeros([0], np.float64)], lambda xs: tf.reduce_min(xs[0])),
    case("Max", [NAN23], lambda xs: tf.reduce_max(xs[0], axis=[1]), axes=[1]),
    case("Min", [NAN23], lambda xs: tf.reduce_min(xs[0], axis=[0]), axes=[0]),
    case("Prod", [X3], lambda xs: tf.reduce_prod(xs[0], axis=[-2], keepdims=True), axes=[-2],
         keep_dims=True),
    case("Prod", [np.array([[1, -2, 3], [4, 5, -6]], np.int64)],
         lambda xs: tf.reduce_prod(xs[0], axis=[1]), axes=[1]),
    case("Prod", [np.zeros([2, 0], np.float32)], lambda xs: tf.reduce_prod(xs[0], axis=[1]),
         axes=[1]),
    # ArgMax / ArgMin (ties: the first)
    case("ArgMax", [AM], lambda xs: tf.argmax(xs[0], axis=1), axis=1),
    case("ArgMax", [AM], lambda xs: tf.argmax(xs[0], axis=0, output_type=tf.int32), axis=0,
         out_type="TACT_DTYPE_I32"),
    case("ArgMax", [X3], lambda xs: tf.argmax(xs[0], axis=-1), axis=-1),
    case("ArgMin", [AM], lambda xs: tf.argmin(xs[0], axis=-1), axis=-1),
    case("ArgMin", [np.array([[4, -2], [-9, 8], [3, 3]], np.int32)],
         lambda xs: tf.argmin(xs[0], axis=0), axis=0),
    case("ArgMin", [np.zeros([0, 3], np.float32)], lambda xs: tf.argmin(xs[0], axis=1), axis=1),
    case("ArgMax", [NAN23], lambda xs: tf.argmax(xs[0], axis=1), axis=1),
    case("ArgMin", [NAN23], lambda xs: tf.argmin(xs[0], axis=1), axis=1),
    case("ArgMax", [np.array([[True, False, True], [False, False, False]])],
         lambda xs: tf.argmax(xs[0], axis=1), axis=1),
]


def c_num(v, dt):
    if dt == np.bool_:
        return "1" if v else "0"
    if dt in (np.int32, np.int64):
        return str(int(v))
    v = float(v)
    if math.isnan(v):
        return "NAN"
    if math.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    return repr(v)


def c_tensor(a):
    a = np.asarray(a)
    dt = a.dtype.type
    dims = ", ".join(str(d) for d in a.shape) or "0"
    vals = ", ".join(c_num(v, dt) for v in a.reshape(-1)) or "0"
    return ("{ %s, %d, { %s }, %d, (const double[]) { %s } }"
            % (DT[dt], a.ndim, dims, a.size, vals))


def run_cases():
    lines = []
    for op, inputs, fn, attrs in CASES:
        g = tf.Graph()
        with g.as_default():
            phs = [tf.placeholder(TFDT[x.dtype.type], x.shape) for x in inputs]
            y = fn(phs)
            assert y.op.type == op or attrs.get("python_identity"), (y.op.type, op)
            with tf.Session() as s:
                out = s.run(y, {p: x for p, x in zip(phs, inputs)})
        out = np.asarray(out)
        axes = attrs.get("axes")
        fields = [
            '"%s"' % op, str(len(inputs)),
            "{ %s }" % ", ".join(c_tensor(x) for x in inputs),
            c_tensor(out),
            repr(float(attrs.get("alpha", 0.2))),
            str(len(axes)) if axes is not None else "-1",
            "{ %s }" % (", ".join(str(a) for a in axes) if axes else "0"),
            "true" if attrs.get("keep_dims") else "false",
            str(attrs.get("axis", 0)),
            attrs.get("out_type", "TACT_DTYPE_I64"),
        ]
        lines.append("    { " + ", ".join(fields) + " },")
    return lines


def make_graph():
    x_val = np.array([[-1.5, 0.5, 2.0, 4.0], [3.0, -0.25, 1.0, 0.0], [0.5, 0.5, -3.0, 8.0]],
                     np.float32)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 4], name="x")
        sq = tf.square(x, name="sq")
        mx = tf.maximum(sq, tf.constant(1.0), name="mx")
        r6 = tf.nn.relu6(mx, name="r6")
        lr = tf.nn.leaky_relu(x, alpha=0.1, name="lr")
        ls = tf.nn.log_softmax(lr, name="ls")
        rmax = tf.reduce_max(x, axis=1, keepdims=True, name="rmax")
        am = tf.argmax(x, axis=1, name="am")
        band = tf.logical_and(tf.greater(x, 0.0), tf.less(x, 3.0), name="band")
        addn = tf.add_n([r6, ls, tf.stop_gradient(sq)], name="addn")
        fm = tf.math.floormod(x, tf.constant(2.0), name="fm")
        prod = tf.reduce_prod(tf.abs(x) + 1.0, axis=[0], name="prod")
        rs = tf.math.rsqrt(prod, name="rs")
        eq = tf.equal(tf.round(x), x, name="eq")
        rmin = tf.reduce_min(x, axis=-1, name="rmin")
        amin = tf.argmin(x, axis=0, output_type=tf.int32, name="amin")
        with tf.Session() as s:
            outs = s.run([addn, rmax, am, band, fm, rs, eq, rmin, amin], {x: x_val})
    with open(os.path.join(HERE, "math_ops.pbtxt"), "w") as f:
        f.write(str(g.as_graph_def()))
    names = ["addn", "rmax", "am", "band", "fm", "rs", "eq", "rmin", "amin"]
    lines = ["/* math_ops.pbtxt: its input x and TensorFlow's answers, by fetch name */",
             "static const mf_tensor_t mf_graph_x = %s;" % c_tensor(x_val),
             "static const struct { const char *name; mf_tensor_t want; } mf_graph_outputs[] = {"]
    for n, o in zip(names, outs):
        lines.append('    { "%s:0", %s },' % (n, c_tensor(o)))
    lines.append("};")
    return lines


def print_errors():
    """TensorFlow's messages for the error cases test_math_ops.c checks."""
    def attempt(label, build, feed=None):
        g = tf.Graph()
        try:
            with g.as_default():
                y = build()
                with tf.Session() as s:
                    s.run(y, feed(g) if feed else None)
            print("%s: no error" % label)
        except Exception as e:  # noqa: BLE001 - printing whatever TensorFlow raises
            msg = getattr(e, "message", str(e))
            if msg.startswith("Graph execution error"):
                # the kernel's message follows the Python stack TensorFlow quotes
                msg = [ln for ln in msg.split("\n") if ln and not ln.startswith((" ", "\t"))
                       and not ln.startswith(("Graph execution", "Detected at", "Node:"))][0]
            msg = msg.split("\n")[0]
            print("%s: %s: %s" % (label, type(e).__name__, msg))

    attempt("Sqrt int32", lambda: tf.sqrt(tf.constant([1, 2])))
    attempt("Floor int32", lambda: tf.floor(tf.constant([1, 2])))
    attempt("LeakyRelu int32", lambda: tf.nn.leaky_relu(tf.constant([1, 2])))
    attempt("LogicalAnd float", lambda: tf.logical_and(tf.constant([1.0]), tf.constant([True])))
    attempt("Maximum mixed", lambda: tf.raw_ops.Maximum(x=tf.constant([1.0]), y=tf.constant([1])))
    attempt("Maximum shapes", lambda: tf.maximum(tf.zeros([2, 3]), tf.zeros([4])))
    attempt("Less bool", lambda: tf.less(tf.constant([True]), tf.constant([False])))
    attempt("FloorDiv by zero", lambda: tf.math.floordiv(tf.constant([1, 2]), tf.constant([1, 0])))
    attempt("FloorMod by zero", lambda: tf.math.floormod(tf.constant([1, 2]), tf.constant([0, 1])))
    attempt("Pow negative int", lambda: tf.pow(tf.constant([2, 2]), tf.constant([1, -1])))
    attempt("LogSoftmax scalar", lambda: tf.nn.log_softmax(tf.constant(1.0)))
    attempt("Max axis", lambda: tf.reduce_max(tf.zeros([2, 3]), axis=[2]))
    attempt("Prod bool", lambda: tf.reduce_prod(tf.constant([True])))
    attempt("ArgMax axis", lambda: tf.argmax(tf.zeros([2, 3]), axis=2))
    attempt("ArgMax bool", lambda: tf.argmax(tf.constant([True]), axis=0))
    attempt("ArgMax empty", lambda: tf.argmax(tf.zeros([0, 3]), axis=0))
    attempt("AddN shapes", lambda: tf.add_n([tf.zeros([2]), tf.zeros([3])]))
    attempt("AddN dtypes", lambda: tf.raw_ops.AddN(inputs=[tf.zeros([2]), tf.zeros([2], tf.int32)]))

    def incompatible():
        a = tf.placeholder(tf.float32, [None], name="a")
        b = tf.placeholder(tf.float32, [None], name="b")
        return tf.equal(a, b)
    attempt("Equal run time", incompatible,
            lambda g: {"a:0": np.zeros(2, np.float32), "b:0": np.zeros(3, np.float32)})

    def names():
        a = tf.constant([1.0])
        b = tf.constant([2])
        ops = [tf.abs(a), tf.math.rsqrt(a), tf.math.reciprocal(a), tf.nn.relu6(a),
               tf.nn.leaky_relu(a), tf.nn.log_softmax(a), tf.stop_gradient(a), tf.pow(a, a),
               tf.math.floordiv(b, b), tf.math.floormod(b, b), tf.math.squared_difference(a, a),
               tf.equal(a, a), tf.logical_not(tf.constant([True])), tf.add_n([a, a]),
               tf.reduce_max(a), tf.reduce_prod(a), tf.argmax(a, 0), tf.argmin(a, 0)]
        print("default names:", [o.op.name for o in ops])
        return tf.no_op()
    attempt("names", names)


def check_tact_exports():
    """TensorFlow imports what tact exported and gives tact's (and its own) answers."""
    from google.protobuf import text_format

    def load(name):
        gd = tf.GraphDef()
        with open(os.path.join(HERE, name)) as f:
            text_format.Parse(f.read(), gd)
        return gd

    with tf.Graph().as_default():
        tf.import_graph_def(load("math_tact_exported.pbtxt"), name="")
        with tf.Session() as s:
            mn, amn, pr = s.run(["mn:0", "amn:0", "pr:0"])
    # test_export_built_in_c's answers
    assert np.allclose(mn, [[-1.5], [-7.5]]), mn
    assert amn.dtype == np.int32 and list(amn) == [0, 1], amn
    assert np.isclose(pr, 60.0), pr

    x_val = None
    answers = {}
    for name in ["math_ops.pbtxt", "math_tact_roundtrip.pbtxt"]:
        with tf.Graph().as_default():
            tf.import_graph_def(load(name), name="")
            g = tf.get_default_graph()
            fetches = ["addn:0", "rmax:0", "am:0", "band:0", "fm:0", "rs:0", "eq:0", "rmin:0",
                       "amin:0"]
            x_val = np.array([[-1.5, 0.5, 2.0, 4.0], [3.0, -0.25, 1.0, 0.0],
                              [0.5, 0.5, -3.0, 8.0]], np.float32)
            with tf.Session(graph=g) as s:
                answers[name] = s.run(fetches, {"x:0": x_val})
    for a, b in zip(answers["math_ops.pbtxt"], answers["math_tact_roundtrip.pbtxt"]):
        assert a.dtype == b.dtype and np.allclose(a, b), (a, b)
    print("TensorFlow %s reads tact's exports and gives the same answers" % tf.__version__)


def main():
    if "--check" in sys.argv:
        check_tact_exports()
        return
    if "--errors" in sys.argv:
        print_errors()
        return
    out = ["/* SPDX-License-Identifier: MIT */",
           "/* Written by tests/data/make_math_fixtures.py from TensorFlow %s's answers: do not "
           "edit. */" % tf.__version__, ""]
    out.append("static const mf_case_t mf_cases[] = {")
    out.extend(run_cases())
    out.append("};")
    out.append("")
    out.extend(make_graph())
    with open(os.path.join(HERE, "math_expected.h"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
