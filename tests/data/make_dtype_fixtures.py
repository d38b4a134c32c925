#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fixtures for tests/test_dtypes.c (uint8, int8, int16, float16), made by TensorFlow
(tf.compat.v1). Run from anywhere: python3 make_dtype_fixtures.py

dtype_fixtures.inc: what TensorFlow's CPU Cast gives for each pair of dtypes where one side
    is uint8, int8, int16 or float16 (inputs and outputs as raw little-endian bytes), and how
    numpy prints such arrays (str and repr), which is what print(sess.run(t)) shows.
dtype_graph.pb: a frozen GraphDef: a uint8 image placeholder cast to float and scaled, and
    Consts of the four dtypes in both of TensorProto's forms (tensor_content and the typed
    int_val/half_val), cast between them; the expected outputs go into dtype_fixtures.inc.
ckpt_dtypes/: tf.compat.v1.train.Saver().save of variables of the four dtypes.

Float to uint8/int8/int16 out of the target's range: for float32 TensorFlow's CPU Cast
truncates to int32 and keeps the low bits (300.0 -> 44); for float64 and float16 its answer
depends on where the element sits in the tensor (vectorised body or scalar tail), so the
inputs for those pairs stay in the target's range.
"""
import os

import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()
HERE = os.path.dirname(os.path.abspath(__file__))

NAMES = {tf.float32: "F32", tf.float64: "F64", tf.float16: "F16", tf.int32: "I32",
         tf.int64: "I64", tf.uint8: "U8", tf.int8: "I8", tf.int16: "I16", tf.bool: "BOOL"}
NEW = (tf.uint8, tf.int8, tf.int16, tf.float16)

WIDE = [-1.5, -0.7, 0.0, -0.0, 0.7, 1.5, 2.5, 127.9, 128.0, 200.6, 255.7, 256.0, 300.0,
        -129.0, -200.0, 32767.9, 32768.0, 70000.0, 65519.0, 65520.0, 1e-8, 3e-8, 6e-8,
        1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-11 + 2**-40, 1e10, -1e10,
        float("nan"), float("inf"), float("-inf")]
IN_RANGE = {tf.uint8: [0.0, 0.7, 1.5, 2.5, 127.9, 128.0, 200.6, 255.7],
            tf.int8: [-128.9, -1.5, -0.7, 0.0, -0.0, 0.7, 1.5, 127.9],
            tf.int16: [-32768.5, -129.5, -1.5, 0.0, 300.7, 32767.9]}
INTS = [-70000, -32769, -129, -1, 0, 1, 127, 128, 255, 256, 32768, 65504, 65519, 65520,
        70000, 2049, 4097, 16777217, 2147483647, -2147483648]
INPUTS = {
    tf.int32: INTS,
    tf.int64: INTS + [2**40 + 1, -2**63, 2**63 - 1],
    tf.uint8: [0, 1, 127, 128, 255],
    tf.int8: [-128, -1, 0, 1, 127],
    tf.int16: [-32768, -129, -1, 0, 255, 2049, 32767],
    tf.bool: [True, False, True],
}


def inputs(src, dst):
    if src.is_floating:
        if src != tf.float32 and dst in IN_RANGE:
            vals = IN_RANGE[dst]
        else:
            vals = WIDE
        with np.errstate(over="ignore"):
            return np.array(vals, np.float64).astype(src.as_numpy_dtype)
    return np.array(INPUTS[src]).astype(src.as_numpy_dtype)


def c_bytes(a):
    return '"' + "".join("\\%03o" % b for b in np.ascontiguousarray(a).tobytes()) + '"'


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def cast_cases(out):
    out.append("/* TensorFlow's Cast: { from, to, n, input bytes, output bytes } */")
    out.append("static const dtype_cast_case_t dtype_cast_cases[] = {")
    with tf1.Graph().as_default(), tf1.Session() as sess:
        for src in NAMES:
            x = tf1.placeholder(src)
            for dst in NAMES:
                if src not in NEW and dst not in NEW:
                    continue
                vals = inputs(src, dst)
                got = sess.run(tf.cast(x, dst), {x: vals})
                assert got.dtype == dst.as_numpy_dtype
                out.append("    { TACT_DTYPE_%s, TACT_DTYPE_%s, %d,\n      %s,\n      %s },"
                           % (NAMES[src], NAMES[dst], vals.size, c_bytes(vals), c_bytes(got)))
    out.append("};")


FORMATS = [
    np.array([0, 128, 255], np.uint8),
    np.array([[1, 2], [30, 4]], np.uint8),
    np.array([-128, 0, 127], np.int8),
    np.array([[-32768], [7]], np.int16),
    np.uint8(200), np.int8(-5), np.int16(-300),
    np.array([1.5, -0.0, 0.1, 2.0], np.float16),
    np.array([65504.0, 6e-08, 1.0], np.float16),
    np.array([np.nan, np.inf, -1.0], np.float16),
    np.array([[0.33325, 2.5], [100.0, -7.0]], np.float16),
    np.float16(0.1), np.float16(65504.0), np.float16(1e-7), np.float16(999.0),
    np.float16(1000.0), np.float16(0.0001), np.float16(9e-5), np.float16(-2.5),
    np.array([], np.uint8),
]


def format_cases(out):
    out.append("/* numpy's str() and repr(): { dtype, ndims, dims, data bytes, str, repr } */")
    out.append("static const dtype_format_case_t dtype_format_cases[] = {")
    for a in FORMATS:
        a = np.asarray(a)
        name = {np.uint8: "U8", np.int8: "I8", np.int16: "I16", np.float16: "F16"}[a.dtype.type]
        dims = ", ".join(str(d) for d in a.shape) or "0"
        out.append("    { TACT_DTYPE_%s, %d, { %s },\n      %s,\n      %s,\n      %s },"
                   % (name, a.ndim, dims, c_bytes(a), c_string(str(a)), c_string(repr(a))))
    out.append("};")


IMAGE = np.array([[[0, 1, 2], [127, 128, 255]], [[10, 20, 30], [200, 201, 202]]], np.uint8)
GRAPH_FETCHES = ["scaled", "u8_to_i16", "f16_to_f32", "f32_to_f16", "i8_to_u8", "i16_id",
                 "u8_splat", "f16_splat", "image_sum"]


def make_graph(out):
    with tf1.Graph().as_default() as g:
        image = tf1.placeholder(tf.uint8, [None, 2, 3], name="image")
        as_float = tf.cast(image, tf.float32, name="as_float")
        tf.multiply(as_float, tf.constant(1 / 255, tf.float32), name="scaled")
        tf.reduce_sum(as_float, axis=[1, 2], name="image_sum")
        c_u8 = tf.constant(np.array([0, 7, 255], np.uint8), name="c_u8")
        c_i8 = tf.constant(np.array([-128, -1, 127], np.int8), name="c_i8")
        c_i16 = tf.constant(np.array([[-32768, 300], [2049, 32767]], np.int16), name="c_i16")
        c_f16 = tf.constant(np.array([0.1, -2.5, 65504, 6e-8], np.float16), name="c_f16")
        c_f32 = tf.constant(np.array([0.1, 1 + 2**-11, 70000.0, -3e-8], np.float32),
                            name="c_f32")
        tf.cast(c_u8, tf.int16, name="u8_to_i16")
        tf.cast(c_f16, tf.float32, name="f16_to_f32")
        tf.cast(c_f32, tf.float16, name="f32_to_f16")
        tf.cast(c_i8, tf.uint8, name="i8_to_u8")
        tf.identity(c_i16, name="i16_id")
        tf.fill([2, 2], tf.constant(9, tf.uint8), name="u8_fill")
        tf.constant(200, tf.uint8, shape=[3], name="u8_splat")
        tf.constant(1.5, tf.float16, shape=[2], name="f16_splat")
        gd = g.as_graph_def()
        with open(os.path.join(HERE, "dtype_graph.pb"), "wb") as f:
            f.write(gd.SerializeToString())
        with tf1.Session() as sess:
            got = sess.run([n + ":0" for n in GRAPH_FETCHES], {image: IMAGE})
    out.append("/* dtype_graph.pb fed IMAGE at \"image\": { fetch, dtype, ndims, dims, bytes } */")
    out.append("static const uint8_t dtype_graph_image[] = { %s };"
               % ", ".join(str(v) for v in IMAGE.flat))
    out.append("static const dtype_fetch_case_t dtype_graph_fetches[] = {")
    for name, a in zip(GRAPH_FETCHES, got):
        a = np.asarray(a)
        dt = {v.as_numpy_dtype: k for v, k in NAMES.items()}[a.dtype.type]
        dims = ", ".join(str(d) for d in a.shape) or "0"
        out.append("    { \"%s\", TACT_DTYPE_%s, %d, { %s },\n      %s, %d },"
                   % (name, dt, a.ndim, dims, c_bytes(a), a.nbytes))
    out.append("};")


CKPT_VARIABLES = {
    "pixels": np.array([0, 128, 255], np.uint8),
    "small": np.array([[-128, 127], [0, -1]], np.int8),
    "shorts": np.array([-32768, 32767, 7], np.int16),
    "halves": np.array([1.5, -0.0, 65504, 6e-8], np.float16),
    "half_scalar": np.float16(0.333),
}


def make_checkpoint(out):
    directory = os.path.join(HERE, "ckpt_dtypes")
    os.makedirs(directory, exist_ok=True)
    with tf1.Graph().as_default():
        for name, value in CKPT_VARIABLES.items():
            tf1.Variable(value, name=name)
        saver = tf1.train.Saver()
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            cwd = os.getcwd()
            os.chdir(directory)
            try:
                saver.save(sess, "model", write_meta_graph=False)
            finally:
                os.chdir(cwd)
    out.append("/* ckpt_dtypes/: { variable, dtype, ndims, dims, bytes } */")
    out.append("static const dtype_fetch_case_t dtype_ckpt_vars[] = {")
    for name, a in CKPT_VARIABLES.items():
        a = np.asarray(a)
        dt = {v.as_numpy_dtype: k for v, k in NAMES.items()}[a.dtype.type]
        dims = ", ".join(str(d) for d in a.shape) or "0"
        out.append("    { \"%s\", TACT_DTYPE_%s, %d, { %s },\n      %s, %d },"
                   % (name, dt, a.ndim, dims, c_bytes(a), a.nbytes))
    out.append("};")


def main():
    out = ["/* Generated by make_dtype_fixtures.py with TensorFlow %s; do not edit. */"
           % tf.__version__]
    cast_cases(out)
    format_cases(out)
    make_graph(out)
    make_checkpoint(out)
    with open(os.path.join(HERE, "dtype_fixtures.inc"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
