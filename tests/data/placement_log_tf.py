# Prints TensorFlow 1.x's log_device_placement lines (tf.compat.v1, CPU only) for the graph of
# test_whole_graph_placement in tests/test_sched.c: the whole graph is placed and logged on the
# first run, nothing for new signatures, all of it again after the graph grows, and an op that
# cannot be placed fails every run. Run with any TensorFlow 2.x: python3 placement_log_tf.py
# (the lines go to stdout; the same lines with a glog prefix go to stderr).
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
tf.config.set_visible_devices([], 'GPU')
cfg = tf.ConfigProto(log_device_placement=True)
g = tf.Graph()
with g.as_default():
    a = tf.constant(2.0, name='a')
    p = tf.placeholder(tf.float32, shape=[], name='p')
    v = tf.Variable(1.0, name='v', use_resource=False)  # VariableV2, as tact's variables
    m = tf.multiply(a, p, name='m')
    n = tf.add(v, a, name='n')
    init = tf.global_variables_initializer()
    s = tf.Session(config=cfg)
    print('== run init', flush=True)
    s.run(init)
    print('== run m, then n: new signatures', flush=True)
    print(s.run(m, {p: 3.0}), s.run(n), flush=True)
    print('== the graph grows (k); run n', flush=True)
    k = tf.subtract(n, a, name='k')
    s.run(n)
    print('== run k', flush=True)
    print(s.run(k), flush=True)
    print('== an op that cannot be placed (bad); run n twice', flush=True)
    with tf.device('/device:GPU:0'):
        bad = tf.identity(a, name='bad')
    for _ in range(2):
        try:
            s.run(n)
        except tf.errors.InvalidArgumentError as e:
            print('InvalidArgumentError:', e.message.splitlines()[-2], flush=True)
