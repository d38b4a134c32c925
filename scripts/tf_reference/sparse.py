"""Prints what TensorFlow computes and reports for the cases of tests/test_sparse.c.

Run with a Python that has TensorFlow (any 2.x, through tf.compat.v1) and numpy.
"""
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()


def run(build, feeds=None):
    g = tf1.Graph()
    with g.as_default():
        out, fd = build()
        with tf1.Session(graph=g) as s:
            try:
                return s.run(out, feed_dict=fd)
            except tf.errors.OpError as e:
                return "%s (%d): %s" % (type(e).__name__, e.error_code, e.message)


def sp(ind, val, shape, dtype=tf.float32):
    return tf1.SparseTensor(tf.constant(ind, tf.int64), tf.constant(val, dtype),
                            tf.constant(shape, tf.int64))


print("placeholder names:")
g = tf1.Graph()
with g.as_default():
    p = tf1.sparse_placeholder(tf.float32, name="sp")
    q = tf1.sparse_placeholder(tf.float32, shape=[3, 4])
    print(" ", p.indices.name, p.values.name, p.dense_shape.name, q.indices.name,
          q.dense_shape.op.type, q.dense_shape.op.name)

print("to_dense:", run(lambda: (tf.sparse.to_dense(sp([[0, 0], [1, 2]], [1., 2.], [3, 4])), None)).tolist())
print("to_dense default 7:", run(lambda: (tf.sparse.to_dense(sp([[0, 1]], [5., ], [2, 2]), 7.), None)).tolist())
print("to_dense empty:", run(lambda: (tf.sparse.to_dense(tf1.SparseTensor(tf.zeros([0, 2], tf.int64), tf.zeros([0]), [2, 3])), None)).tolist())
print("to_dense out of bounds:", run(lambda: (tf.sparse.to_dense(sp([[0, 0], [3, 0]], [1., 2.], [3, 4])), None)))
print("to_dense unordered:", run(lambda: (tf.sparse.to_dense(sp([[1, 0], [0, 0]], [1., 2.], [3, 4])), None)))
print("to_dense repeated:", run(lambda: (tf.sparse.to_dense(sp([[1, 0], [1, 0]], [1., 2.], [3, 4])), None)))
print("to_dense unordered no validate:", run(lambda: (tf.sparse.to_dense(sp([[1, 0], [0, 0]], [1., 2.], [3, 4]), validate_indices=False), None)).tolist())
ph = {}


def mismatch():
    i = tf1.placeholder(tf.int64, [None, 2]); v = tf1.placeholder(tf.float32, [None]); s = tf1.placeholder(tf.int64, [None])
    return tf.sparse.to_dense(tf1.SparseTensor(i, v, s)), {i: [[0, 0], [1, 1]], v: [1., 2., 3.], s: [3, 4]}


print("to_dense values length:", run(mismatch))


def rankmm():
    i = tf1.placeholder(tf.int64, [None, None]); v = tf1.placeholder(tf.float32, [None]); s = tf1.placeholder(tf.int64, [None])
    return tf.sparse.to_dense(tf1.SparseTensor(i, v, s)), {i: [[0, 0], [1, 1]], v: [1., 2.], s: [3, 4, 5]}


print("to_dense rank mismatch:", run(rankmm))
g = tf1.Graph()
with g.as_default():
    for what, args in [("values length", ([[0, 0], [1, 1]], [1., 2., 3.], [3, 4])),
                       ("rank", ([[0, 0], [1, 1]], [1., 2.], [3, 4, 5]))]:
        try:
            tf.sparse.to_dense(sp(*args))
        except Exception as e:
            print("build", what, type(e).__name__, str(e))

print("from_dense:", run(lambda: (tf.sparse.from_dense(tf.constant([[0., 1.5, 0.], [2., 0., 0.]])), None)))
g = tf1.Graph()
with g.as_default():
    s = tf.sparse.from_dense(tf.constant([[0., 1.5, 0.], [2., 0., 0.]]), name="fd")
    print("from_dense ops:", [(o.name, o.type) for o in g.get_operations()])

A = ([[0, 0], [0, 2], [1, 1], [2, 0], [2, 3]], [1., 2., 3., 4., 5.], [3, 4])
for axes, kd in [(None, False), ([0], False), ([1], False), ([-1], True), ([0, 1], True), ([1], True)]:
    print("reduce_sum", axes, kd, run(lambda: (tf.sparse.reduce_sum(sp(*A), axis=axes, keepdims=kd), None)).tolist())
print("reduce_sum 3d axis 1:", run(lambda: (tf.sparse.reduce_sum(sp([[0, 1, 0], [1, 0, 1], [1, 1, 1]], [1., 2., 3.], [2, 2, 2]), axis=1), None)).tolist())
print("reduce_sum bad axis:", run(lambda: (tf.sparse.reduce_sum(sp(*A), axis=[2]), None)))
print("reduce_sum empty:", run(lambda: (tf.sparse.reduce_sum(tf1.SparseTensor(tf.zeros([0, 2], tf.int64), tf.zeros([0]), [2, 3]), axis=1), None)).tolist())

B = np.arange(12, dtype=np.float32).reshape(4, 3)
for aa, ab in [(False, False), (True, False), (False, True), (True, True)]:
    a = A
    b = B
    if aa:
        b = np.arange(12, dtype=np.float32).reshape(3, 4) if not ab else np.arange(12, dtype=np.float32).reshape(4, 3)
    else:
        b = B if not ab else np.arange(12, dtype=np.float32).reshape(3, 4)
    print("matmul", aa, ab, run(lambda: (tf.sparse.sparse_dense_matmul(sp(*a), tf.constant(b), adjoint_a=aa, adjoint_b=ab), None)).tolist())
print("matmul oob:", run(lambda: (tf.sparse.sparse_dense_matmul(sp([[0, 5]], [1.], [3, 4]), tf.constant(B)), None)))
g = tf1.Graph()
with g.as_default():
    try:
        tf.sparse.sparse_dense_matmul(sp(*A), tf.constant(np.zeros([3, 3], np.float32)))
    except Exception as e:
        print("matmul build:", type(e).__name__, str(e))


def mminner():
    b = tf1.placeholder(tf.float32, [None, None])
    return tf.sparse.sparse_dense_matmul(sp(*A), b), {b: np.zeros([3, 3], np.float32)}


print("matmul inner run:", run(mminner))

X = ([[0, 0], [1, 2]], [1., 2.], [3, 4])
Y = ([[0, 0], [0, 1], [1, 2]], [-1., 3., 5.], [3, 4])
print("sparse add:", run(lambda: (tf.sparse.add(sp(*X), sp(*Y)), None)))
print("sparse add thresh 0.5:", run(lambda: (tf.sparse.add(sp(*X), sp(*Y), threshold=0.5), None)))
print("sparse add dense:", run(lambda: (tf.sparse.add(sp(*X), tf.ones([3, 4])), None)).tolist())


def addmm():
    s = tf1.placeholder(tf.int64, [None])
    r = tf.sparse.add(sp(*X), tf1.SparseTensor(tf.constant([[0, 0]], tf.int64), tf.constant([1.]), s))
    return r, {s: [3, 5]}


def dense_addmm():
    d = tf1.placeholder(tf.float32, [None, None])
    return tf.sparse.add(sp(*X), d), {d: np.ones([3, 5], np.float32)}


def add_oob():
    d = tf1.placeholder(tf.float32, [None, None])
    return tf.sparse.add(sp([[0, 0], [3, 1]], [1., 2.], [3, 4]), d), {d: np.ones([3, 4], np.float32)}


print("sparse add shape mismatch:", run(addmm))
print("sparse dense add shape mismatch:", run(dense_addmm))
print("sparse dense add oob:", run(add_oob))
print("sparse add empty:", run(lambda: (tf.sparse.add(sp(*X), tf1.SparseTensor(tf.zeros([0, 2], tf.int64), tf.zeros([0]), [3, 4])), None)))
g = tf1.Graph()
with g.as_default():
    r = tf.sparse.add(sp(*X), sp(*Y))
    print("sparse add ops:", [(o.name, o.type) for o in g.get_operations()][-1:])
    r = tf.sparse.add(sp(*X), tf.ones([3, 4]))
    print("sparse dense add ops:", [(o.name, o.type) for o in g.get_operations()][-1:])

v = tf1.SparseTensorValue(np.array([[0, 0], [1, 2]]), np.array([1., 2.], np.float32), np.array([3, 4]))
print("repr:", repr(v))
print("repr empty:", repr(tf1.SparseTensorValue(np.zeros([0, 2], np.int64), np.zeros([0], np.float32), np.array([3, 4]))))
print("numpy", np.__version__)


def fed(op_builder, ind, val, shape):
    def build():
        i = tf1.placeholder(tf.int64, [None, None]); v = tf1.placeholder(tf.float32, [None]); s = tf1.placeholder(tf.int64, [None])
        return op_builder(tf1.SparseTensor(i, v, s)), {i: ind, v: val, s: shape}
    return run(build)


print("validation of fed sparse tensors (values length; dense_shape rank):")
for what, ind, val, shape in [("values length", [[0, 0], [1, 1]], [1., 2., 3.], [3, 4]),
                              ("shape rank", [[0, 0], [1, 1]], [1., 2.], [3, 4, 5])]:
    print(" reduce_sum", what, fed(lambda t: tf.sparse.reduce_sum(t, axis=1), ind, val, shape))
    print(" matmul", what, fed(lambda t: tf.sparse.sparse_dense_matmul(t, tf.ones([4, 2])), ind, val, shape))
    print(" add", what, fed(lambda t: tf.sparse.add(t, sp([[0, 0]], [1.], [3, 4])), ind, val, shape))
    print(" dense add", what, fed(lambda t: tf.sparse.add(t, tf.ones([3, 4])), ind, val, shape))
print(" reduce_sum oob", fed(lambda t: tf.sparse.reduce_sum(t, axis=1), [[0, 0], [5, 1]], [1., 2.], [3, 4]))
