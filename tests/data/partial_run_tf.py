# Prints what TensorFlow 1.x (tf.compat.v1) answers for partial_run_setup / partial_run: the
# values and error messages tests/test_partial_run.c pins.
# Run with any TensorFlow 2.x: python3 partial_run_tf.py
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
a = tf.placeholder(tf.float32, shape=[], name='a')
b = tf.placeholder(tf.float32, shape=[], name='b')
c = tf.placeholder(tf.float32, shape=[], name='c')
r1 = tf.add(a, b, name='r1')
r2 = tf.multiply(r1, c, name='r2')
v = tf.Variable(0.0, name='v')
inc = tf.assign_add(v, 1.0, name='inc')
r3 = tf.add(inc, a, name='r3')
r4 = tf.multiply(inc, c, name='r4')
def t(name, f):
    try:
        print(name, '->', repr(f()))
    except Exception as e:
        msg = e.message if hasattr(e, 'message') else str(e)
        print(name, '->', type(e).__name__, repr(msg))
with tf.Session() as s:
    s.run(v.initializer)
    h = s.partial_run_setup([r1, r2], [a, b, c])
    t('r1', lambda: s.partial_run(h, r1, {a: 1, b: 2}))
    t('r2', lambda: s.partial_run(h, r2, {c: 3}))
    h = s.partial_run_setup([r1, r2], [a, b, c])
    t('feed-twice', lambda: (s.partial_run(h, r1, {a: 1, b: 2}), s.partial_run(h, r2, {a: 3}))[1])
    h = s.partial_run_setup([r1, r2], [a, b, c])
    t('notfed-fetch', lambda: s.partial_run(h, r2, {a: 1, b: 2}))
    t('fetch-again-after-err', lambda: s.partial_run(h, r1, {}))
    h = s.partial_run_setup([r1, r2], [a, b, c])
    t('undeclared-fetch', lambda: s.partial_run(h, r3, {a: 1, b: 2}))
    h = s.partial_run_setup([r1], [a, b])
    t('undeclared-feed', lambda: s.partial_run(h, r1, {a: 1, b: 2, c: 3}))
    h = s.partial_run_setup([r1, r2], [a, b, c])
    t('fetch-twice', lambda: (s.partial_run(h, r1, {a: 1, b: 2}), s.partial_run(h, r1, {c: 3}))[1])
    h = s.partial_run_setup([r3, r4], [a, c])
    t('r3', lambda: s.partial_run(h, r3, {a: 10}))
    t('r4', lambda: s.partial_run(h, r4, {c: 100}))
    t('v', lambda: s.run(v))
    h = s.partial_run_setup([r1, r2], [a, b, c])
    t('bothfetch', lambda: s.partial_run(h, [r1, r2], {a: 1, b: 2, c: 3}))
    t('badhandle', lambda: s.partial_run('foo;1', r1, {a: 1}))
    h = s.partial_run_setup([r1, r2], [a, b, c])
    t('feed-fetch-same', lambda: s.partial_run(h, [a], {a: 1}))
h2 = None
s = tf.Session(); s.run(v.initializer); h2 = s.partial_run_setup([r1],[a,b]); s.close()
t('closed', lambda: s.partial_run(h2, r1, {a:1,b:2}))
# An op reached only through control inputs (inc2, and through the NoOp grp) runs once per
# handle, however many calls fetch ops that depend on it.
inc2 = tf.assign_add(v, 1.0, name='inc2')
with tf.control_dependencies([inc2]):
    f1 = tf.identity(a, name='f1')
    f2 = tf.identity(c, name='f2')
grp = tf.group(inc2, name='grp')
with tf.control_dependencies([grp]):
    g1 = tf.identity(a, name='g1')
    g2 = tf.identity(c, name='g2')
with tf.Session() as s:
    for name, (x1, x2) in (('control', (f1, f2)), ('group', (g1, g2))):
        s.run(v.initializer)
        h = s.partial_run_setup([x1, x2], [a, c])
        t(name + '-1', lambda: s.partial_run(h, x1, {a: 10}))
        t(name + '-2', lambda: s.partial_run(h, x2, {c: 20}))
        t(name + '-v', lambda: s.run(v))
# The same with an op of no outputs (an enqueue): the queue holds one element.
q = tf.FIFOQueue(10, [tf.float32], shapes=[[]], name='q')
enq = q.enqueue([a], name='enq')
with tf.control_dependencies([enq]):
    e1 = tf.identity(a, name='e1')
    e2 = tf.identity(c, name='e2')
with tf.Session() as s:
    h = s.partial_run_setup([e1, e2], [a, c])
    t('enqueue-1', lambda: s.partial_run(h, e1, {a: 10}))
    t('enqueue-2', lambda: s.partial_run(h, e2, {c: 20}))
    t('enqueue-size', lambda: s.run(q.size()))
