# Prints what TensorFlow 1.x (tf.compat.v1) answers for Session.make_callable and for the
# callable handle underneath it (DirectSession::MakeCallable / RunCallable): the values and
# error messages tests/test_callable.c pins.
# Run with any TensorFlow 2.x: python3 callable_tf.py
import numpy as np
import tensorflow.compat.v1 as tf
from tensorflow.core.protobuf import config_pb2
tf.disable_eager_execution()
a = tf.placeholder(tf.float32, [], name='a')
b = tf.placeholder(tf.float32, [], name='b')
c = tf.multiply(a, b, name='c')
q = tf.FIFOQueue(10, tf.float32)
deq = q.dequeue()
def t(name, f):
    try:
        print(name, '->', repr(f()))
    except Exception as e:
        msg = e.message if hasattr(e, 'message') else str(e)
        print(name, '->', type(e).__name__, getattr(e, 'error_code', None), repr(msg))
sess = tf.Session()
f = sess.make_callable([c], feed_list=[a, b])
t('ab(5, 6)', lambda: f(5.0, 6.0))
t('ba(2, 7)', lambda: sess.make_callable(c, feed_list=[b, a])(2.0, 7.0))
opts = config_pb2.CallableOptions()
opts.feed.extend(['a:0', 'b:0'])
opts.fetch.append('c:0')
h = sess._make_callable_from_options(opts)
t('handle(5, 6)', lambda: h(np.float32(5), np.float32(6)))
t('count', lambda: h(np.float32(5)))
t('dtype', lambda: h(np.int32(5), np.float32(6)))
fd = sess.make_callable(deq, accept_options=True)
t('timeout', lambda: fd(options=config_pb2.RunOptions(timeout_in_ms=50)))
sess.close()
t('closed handle', lambda: h(np.float32(5), np.float32(6)))
t('closed dequeue', lambda: fd())
