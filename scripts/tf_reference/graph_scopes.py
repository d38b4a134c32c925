# Prints what TensorFlow (tf.compat.v1, v2 behaviour off) does with name scopes, control
# dependencies and colocate_with in the cases tests/test_graph_scopes.c pins: op names, control
# inputs, colocation groups, op.device, and the values runs give.
# Run with any Python that has TensorFlow: python graph_scopes.py
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()


def coloc(op):
    try:
        return [g.decode() for g in op.get_attr("_class")]
    except ValueError:
        return []


print("== name scopes")
g = tf.Graph()
with g.as_default():
    c0 = tf.constant(1.0, name="scope")
    with tf.name_scope("scope") as s1:
        a = tf.constant(1.0)
        b = tf.constant(2.0, name="b")
        t = tf.transpose([[1.0]])
        with tf.name_scope("inner") as s2:
            c = tf.add(a, b)
    with tf.name_scope("scope") as s3:
        d = tf.constant(1.0)
    with tf.name_scope("scope/") as s4:
        e = tf.constant(1.0)
        with tf.name_scope(None) as s5:
            f = tf.constant(1.0)
    with tf.name_scope("Scope") as s7:
        h = tf.constant(1.0)
    print([s1, s2, s3, s4, s5, s7])
    print([x.op.name for x in (c0, a, b, t, c, d, e, f, h)])
    with tf.name_scope("ns"):
        v = tf.Variable(1.0, name="v")
        w = tf.Variable(1.0)
        q = tf.FIFOQueue(3, tf.float32)
        enq = q.enqueue([1.0])
        with tf.variable_scope("vs"):
            gv = tf.get_variable("gv", [2])
            k = tf.constant(1.0)
    enq2 = q.enqueue([1.0])
    with tf.variable_scope("vs"):
        k2 = tf.constant(1.0)
    print([x.name for x in (v.op, w.op, q.queue_ref.op, enq, gv.op, k.op, enq2, k2.op)])
    print([o.name for o in g.get_operations() if o.name.endswith("Assign")])
    for bad in ("bad name", "_x"):
        try:
            with tf.name_scope(bad):
                pass
        except ValueError as ex:
            print("ValueError", ex)

print("== control dependencies")
g = tf.Graph()
with g.as_default():
    a = tf.no_op(name="a")
    b = tf.no_op(name="b")
    x = tf.constant(1.0, name="x")
    with tf.control_dependencies([a]):
        c1 = tf.constant(1.0, name="c1")
        n1 = tf.negative(c1, name="n1")          # its input was built inside: no control input
        n2 = tf.negative(x, name="n2")
        with tf.control_dependencies([b]):
            c2 = tf.constant(1.0, name="c2")     # both blocks
            with tf.control_dependencies(None):
                c3 = tf.constant(1.0, name="c3")  # cleared
                with tf.control_dependencies([b]):
                    c4 = tf.constant(1.0, name="c4")
    with tf.control_dependencies([x.op]):
        n3 = tf.negative(x, name="n3")           # x is a data input: not a control input too
    for op in (c1, n1, n2, c2, c3, c4, n3):
        print(op.op.name, sorted(i.name for i in op.op.control_inputs))
    v = tf.Variable(0.0, name="counter")
    inc = tf.assign_add(v, 1.0)
    z = tf.constant(1.0, name="z")
    with tf.control_dependencies([inc]):
        r = tf.identity(z, name="r")
    with tf.Session() as s:
        s.run(v.initializer)
        print("r, counter:", s.run(r), s.run(v), "r, counter:", s.run(r), s.run(v))

print("== colocate_with")
g = tf.Graph()
with g.as_default():
    with tf.device("/cpu:1"):
        p = tf.placeholder(tf.float32, name="p")
    q0 = tf.placeholder(tf.float32, name="q0")
    with tf.device("/cpu:0"):
        with tf.colocate_with(p):
            y = tf.negative(q0, name="y")             # p's device, outer scope reset
            with tf.device("/cpu:0"):
                y2 = tf.negative(q0, name="y2")       # colocation still wins
            with tf.colocate_with(q0):
                z = tf.negative(q0, name="z")         # both groups
            with tf.colocate_with(q0, ignore_existing=True):
                z2 = tf.negative(q0, name="z2")       # q0's group only
        with tf.colocate_with(y):
            u = tf.negative(q0, name="u")             # y's groups: p's
        with tf.colocate_with(q0):
            w = tf.negative(q0, name="w")             # outer /cpu:0 reset: no device
            with tf.device("/cpu:1"):
                w2 = tf.negative(q0, name="w2")
    for op in (y, y2, z, z2, u, w, w2):
        print(op.op.name, coloc(op.op), repr(op.op.device))
    try:
        with tf.colocate_with(None):
            pass
    except ValueError as ex:
        print("ValueError", ex)
