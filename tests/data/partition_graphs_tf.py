# Prints TensorFlow 1.x's partition graphs (RunOptions.output_partition_graphs, tf.compat.v1,
# two CPU devices) for the graphs of test_partitions_two_cpus_feeds_fetches and
# test_partitions_client_holds_only_feeds_and_fetches in tests/test_sched.c, in tact's short
# text: "name = Type(inputs)", "n/_k = _Send(n:0 to <device>)",
# "n/_k = _Recv(n:0 from <device>)". TensorFlow numbers the _Send/_Recv nodes ("/_k") with a
# counter of the session and lists nodes in its graph's id order; tact numbers them per run
# signature and lists them in run order. Run with any TensorFlow 2.x:
# python3 partition_graphs_tf.py
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
cfg = tf.ConfigProto(device_count={'CPU': 2})


def short(gd, sends):
    lines = []
    for n in gd.node:
        a = n.attr
        if n.op == '_Send':
            src = n.input[0] if ':' in n.input[0] else n.input[0] + ':0'
            lines.append('%s = _Send(%s to %s)' % (n.name, src, a['recv_device'].s.decode()))
        elif n.op == '_Recv':
            lines.append('%s = _Recv(%s from %s)' % (n.name, sends.get(a['tensor_name'].s, '?'),
                                                    a['send_device'].s.decode()))
        else:
            ins = [i for i in n.input if not i.startswith('^')]
            lines.append('%s = %s(%s)' % (n.name, n.op, ', '.join(ins)))
    return '\n'.join(lines)


def show(title, s, fetches, feeds):
    md = tf.RunMetadata()
    opts = tf.RunOptions(output_partition_graphs=True)
    print('==', title, s.run(fetches, feeds, options=opts, run_metadata=md))
    # A pair spans two partitions: a _Recv names its tensor through its _Send's tensor_name.
    sends = {}
    for p in md.partition_graphs:
        for n in p.node:
            if n.op == '_Send':
                src = n.input[0]
                sends[n.attr['tensor_name'].s] = src if ':' in src else src + ':0'
    for p in sorted(md.partition_graphs, key=lambda p: p.node[0].device):
        print('--', p.node[0].device)
        print(short(p, sends))


g = tf.Graph()
with g.as_default():
    with tf.device('/cpu:0'):
        a = tf.constant([1., 2.], name='a')
        one = tf.constant(10., name='one')
    with tf.device('/cpu:1'):
        x = tf.placeholder(tf.float32, [2], name='x')
        m = tf.multiply(x, a, name='m')
    with tf.device('/cpu:0'):
        y = tf.multiply(m, one, name='y')
        z = tf.identity(x, name='z')
with tf.Session(graph=g, config=cfg) as s:
    show('two cpus: fetch y, m, z; feed x', s, [y, m, z], {x: [3., 4.]})

g = tf.Graph()
with g.as_default():
    with tf.device('/cpu:1'):
        x = tf.placeholder(tf.float32, [2], name='x')
        two = tf.constant(2., name='two')
        w = tf.multiply(x, two, name='w')
with tf.Session(graph=g, config=cfg) as s:
    show('everything on cpu:1: fetch w; feed x', s, w, {x: [3., 4.]})

# A control dependency across devices: TensorFlow sends a dummy value ("a/ctrl/_k = Const(^a)",
# a _Send, then a _Recv and an Identity the waiting ops depend on). Constant folding turns
# TensorFlow's mul into a Const; tact keeps the Mul.
g = tf.Graph()
with g.as_default():
    with tf.device('/cpu:0'):
        v = tf.Variable(1., name='v', use_resource=False)
        a = tf.assign_add(v, 1., name='a')
    with tf.device('/cpu:1'):
        with tf.control_dependencies([a]):
            mul = tf.multiply(tf.constant(3., name='c'), tf.constant(2., name='two'), name='mul')
with tf.Session(graph=g, config=cfg) as s:
    s.run(v.initializer)
    show('control dependency cpu:0 -> cpu:1: fetch mul', s, mul, {})
