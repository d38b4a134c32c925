# Prints op.name and op.type of every tact builder's TensorFlow counterpart, built with its
# default name in tf.compat.v1 (v2 behaviour off, so TF 1.x's names). tests/test_graph.c,
# test_variables.c, test_queue.c and test_reader.c pin these names.
# Run with any Python that has TensorFlow: python default_names.py
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
a = tf.constant([[1.0, 2.0]])
b = tf.constant([[1.0], [2.0]])
r = {}
r["constant"] = a
r["placeholder"] = tf.placeholder(tf.float32)
r["identity"] = tf.identity(a)
r["add"] = tf.add(a, a)
r["subtract"] = tf.subtract(a, a)
r["multiply"] = tf.multiply(a, a)
r["divide"] = tf.divide(a, a)
r["negative"] = tf.negative(a)
r["relu"] = tf.nn.relu(a)
r["sigmoid"] = tf.sigmoid(a)
r["tanh"] = tf.tanh(a)
r["softmax"] = tf.nn.softmax(a)
r["cast"] = tf.cast(a, tf.int32)
r["matmul"] = tf.matmul(a, b)
r["reduce_sum"] = tf.reduce_sum(a)
r["reduce_mean"] = tf.reduce_mean(a)
r["reshape"] = tf.reshape(a, [2])
r["transpose"] = tf.transpose(a)
r["no_op"] = tf.no_op()
r["group"] = tf.group(a.op, b.op)
r["fill"] = tf.fill([2], 1.0)
r["zeros"] = tf.zeros([2])
r["ones"] = tf.ones([2])
r["random_uniform"] = tf.random_uniform([2])
r["random_normal"] = tf.random_normal([2])
r["truncated_normal"] = tf.truncated_normal([2])
v = tf.Variable(a)
r["variable"] = v
r["global_variables_initializer"] = tf.global_variables_initializer()
r["assign"] = tf.assign(v, a)
r["assign_add"] = tf.assign_add(v, a)
r["assign_sub"] = tf.assign_sub(v, a)
q = tf.FIFOQueue(3, tf.float32)
r["fifo_queue"] = q.queue_ref
r["queue_enqueue"] = q.enqueue([1.0])
r["queue_enqueue_many"] = q.enqueue_many([[1.0]])
r["queue_dequeue"] = q.dequeue()
r["queue_dequeue_many"] = q.dequeue_many(2)
r["queue_size"] = q.size()
r["queue_close"] = q.close()
tl = tf.TextLineReader()
r["text_line_reader"] = tl.reader_ref
r["whole_file_reader"] = tf.WholeFileReader().reader_ref
r["reader_read"] = tl.read(q)[0]
for builder, t in r.items():
    op = t if isinstance(t, tf.Operation) else t.op
    print("tact_%s %s %s" % (builder, op.name, op.type))
