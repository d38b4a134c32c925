# Prints what TensorFlow (tf.compat.v1, v2 behaviour off, reference variables) does in the cases
# tests/test_saver_ops.c pins: the saver subgraph tf.train.Saver builds (sharded and not: node
# names, ops, inputs, attributes, the SaverDef), and the values and error messages of SaveV2,
# RestoreV2, MergeV2Checkpoints, StringJoin, ShardedFilename, StaticRegexFullMatch, Select,
# SelectV2 and PlaceholderWithDefault. RestoreV2 reads tests/data/ckpt_saver (made by
# tests/data/make_checkpoint_fixtures.py). Run with any Python that has TensorFlow:
#   python saver_ops.py
import os
import tempfile

import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
tf.disable_resource_variables()
raw = tf.raw_ops
C = tf.constant
HERE = os.path.dirname(os.path.abspath(__file__))
CKPT = os.path.join(HERE, "..", "..", "tests", "data", "ckpt_saver", "model")
TMP = tempfile.mkdtemp()

print("== the saver subgraph")
for sharded in (False, True):
    with tf.Graph().as_default() as g:
        tf.Variable([[1.0, 2.0]], name="a")
        tf.Variable(3, name="b")
        saver = tf.train.Saver(sharded=sharded)
        print("-- sharded=%s" % sharded, str(saver.saver_def).replace("\n", "; "))
        for n in g.as_graph_def().node:
            if n.name.startswith("save"):
                attrs = {k: str(v).replace("\n", " ") for k, v in n.attr.items()
                         if k not in ("_output_shapes", "value")}
                print(n.name, n.op, list(n.input), attrs, n.device)


def run(label, build, feed=None):
    try:
        with tf.Graph().as_default():
            r = build()
            with tf.Session() as s:
                print(label, "=>", repr(s.run(r, feed_dict=feed(r) if feed else None)))
    except Exception as e:  # the message as the user sees it, first line of the node's part
        msg = (getattr(e, "message", None) or str(e)).split("\n\nOriginal")[0]
        msg = msg.split("\nNode: ")[-1]  # the run-time error, without the Python traceback
        print(label, "ERR", type(e).__name__, "|", msg.replace("\n", " "))


def pwd(value, shape):
    return tf.placeholder_with_default(value, shape)


print("== ops")
run("StringJoin", lambda: raw.StringJoin(inputs=[C(["a", "b"]), C("x"), C(["c", "d"])],
                                         separator="-"))
run("StringJoin build", lambda: raw.StringJoin(inputs=[C(["a", "b"]), C(["c", "d", "e"])]))
run("StringJoin run", lambda: raw.StringJoin(inputs=[pwd(C(["a", "b"]), [None]),
                                                     C(["c", "d", "e"])]))
run("StringJoin int", lambda: raw.StringJoin(inputs=[C(1)]))
run("ShardedFilename", lambda: raw.ShardedFilename(basename=C("m"), shard=C(3),
                                                   num_shards=C(12)))
run("ShardedFilename rank", lambda: raw.ShardedFilename(basename=C(["m"]), shard=C(3),
                                                        num_shards=C(12)))
run("StaticRegexFullMatch", lambda: raw.StaticRegexFullMatch(
    input=C(["s3://x", "/tmp/s3://", "s3:/", ""]), pattern="^s3://.*"))
run("StaticRegexFullMatch alternatives", lambda: raw.StaticRegexFullMatch(
    input=C(["ab", "a", "abc"]), pattern="a|ab"))
run("StaticRegexFullMatch bad", lambda: raw.StaticRegexFullMatch(input=C(["a"]), pattern="(a"))
def T():
    return C([[1, 2], [3, 4]])


def E():
    return C([[5, 6], [7, 8]])



run("Select rows", lambda: raw.Select(condition=C([True, False]), x=T(), y=E()))
run("Select scalar", lambda: raw.Select(condition=C(False), x=T(), y=E()))
run("Select elements", lambda: raw.Select(condition=C([[True, False], [False, True]]), x=T(),
                                          y=E()))
run("Select build rows", lambda: raw.Select(condition=C([True, False, True]), x=T(), y=E()))
run("Select build shape", lambda: raw.Select(condition=C([[True, False]]), x=T(), y=E()))
run("Select dtype", lambda: raw.Select(condition=C([True, False]), x=T(), y=C([[5.0, 6], [7, 8]])))
run("Select condition dtype", lambda: raw.Select(condition=T(), x=T(), y=E()))
run("Select run rows", lambda: raw.Select(condition=pwd(C([True, False, True]), None), x=T(),
                                          y=E()))
run("Select run shape", lambda: raw.Select(condition=pwd(C([[True, False]]), None), x=T(), y=E()))
run("SelectV2 columns", lambda: raw.SelectV2(condition=C([True, False]), t=T(), e=C(9)))
run("SelectV2 rows", lambda: raw.SelectV2(condition=C([[False], [True]]), t=C(9), e=T()))
run("SelectV2 build", lambda: raw.SelectV2(condition=C([True, False, True]), t=T(), e=C(9)))
run("SelectV2 run", lambda: raw.SelectV2(condition=pwd(C([True, False, True]), None), t=T(),
                                         e=C(9)))
run("PlaceholderWithDefault default", lambda: pwd(C([1.0, 2.0]), [2]))
run("PlaceholderWithDefault fed", lambda: pwd(C([1.0, 2.0]), [None]), lambda r: {r: [7, 8, 9.0]})
run("PlaceholderWithDefault fed wrong", lambda: pwd(C([1.0, 2.0]), [2]),
    lambda r: {r: [7, 8, 9.0]})
run("PlaceholderWithDefault build", lambda: pwd(C([1.0, 2.0]), [3]))
run("Pack", lambda: tf.stack([C([1, 2]), C([3, 4])], axis=-1))


def restore(names, slices, dtypes, prefix=CKPT):
    return lambda: raw.RestoreV2(prefix=C(prefix), tensor_names=C(names),
                                 shape_and_slices=C(slices), dtypes=dtypes)


run("RestoreV2", restore(["a", "c"], ["", ""], [tf.float32, tf.int32]))
run("RestoreV2 missing key", restore(["zz"], [""], [tf.float32]))
run("RestoreV2 no checkpoint", restore(["a"], [""], [tf.float32], "/nonexistent/model"))
run("RestoreV2 dtype", restore(["a"], [""], [tf.int32]))
run("RestoreV2 slice", restore(["a"], ["2 3 0,1:-"], [tf.float32]))
run("RestoreV2 counts", restore(["a", "c"], [""], [tf.float32, tf.int32]))
run("RestoreV2 outputs", restore(["a", "c"], ["", ""], [tf.float32]))


def save(prefix, names, slices, tensors):
    return lambda: raw.SaveV2(prefix=C(prefix), tensor_names=C(names),
                              shape_and_slices=C(slices), tensors=[C(t) for t in tensors])


run("SaveV2 counts", save(os.path.join(TMP, "x"), ["a", "c"], ["", ""], [1.0]))
run("SaveV2 prefix rank", lambda: raw.SaveV2(prefix=C([os.path.join(TMP, "x")]),
                                             tensor_names=C(["a"]), shape_and_slices=C([""]),
                                             tensors=[C(1.0)]))
run("SaveV2 creates its directory", save(os.path.join(TMP, "x", "m"), ["a"], [""], [1.0]))
print("   wrote", sorted(os.listdir(os.path.join(TMP, "x"))))
run("SaveV2 not its parents", save(os.path.join(TMP, "p", "q", "m"), ["a"], [""], [1.0]))
run("MergeV2Checkpoints missing", lambda: raw.MergeV2Checkpoints(
    checkpoint_prefixes=C(["/nonexistent/nope"]), destination_prefix=C("/nonexistent/d")))
run("MergeV2Checkpoints rank", lambda: raw.MergeV2Checkpoints(
    checkpoint_prefixes=C(["/nonexistent/nope"]), destination_prefix=C(["/nonexistent/nope"])))

import shutil  # noqa: E402

shutil.rmtree(TMP)
