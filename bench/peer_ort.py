#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A peer of `bench_mlp` on the CPU: the same MLP in ONNX Runtime, run from Python.

    x[B,784] -> dense 512 relu -> dense 512 relu -> dense 10 -> softmax, float32, B = 64 and 1

ONNX Runtime gets the graph as plain MatMul, Add, Relu and Softmax nodes and rewrites it
itself (ORT_ENABLE_ALL: its MatMul+Add fusion and packed weights), on 2 intra-op threads and
1 inter-op thread, as bench_mlp's tact and OpenBLAS sides run on 2 threads. Prints lines in
bench.h's columns (median and p99 over the timed runs after 50 warm-ups; value = runs/s),
then the cost of one call of an empty graph (Identity of a scalar) through the same Python
binding, which every run above includes and a C caller would not pay. Compare the runs/s with
bench_mlp's mlp_tact and mlp_raw lines run just before or after on the same idle machine.
Needs `pip install onnxruntime onnx numpy` in a virtualenv; nothing in the build or the tests
uses it.
"""
import statistics
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

IN, H, OUT = 784, 512, 10


def mlp_model(rng):
    dims = [(IN, H), (H, H), (H, OUT)]
    inits, nodes = [], []
    h = "x"
    for k, (i, o) in enumerate(dims):
        w = ((rng.random((i, o), dtype=np.float32) * 2 - 1) / np.sqrt(i)).astype(np.float32)
        b = (rng.random(o, dtype=np.float32) * 0.2 - 0.1).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"w{k}"), numpy_helper.from_array(b, f"b{k}")]
        nodes.append(helper.make_node("MatMul", [h, f"w{k}"], [f"mm{k}"]))
        nodes.append(helper.make_node("Add", [f"mm{k}", f"b{k}"], [f"z{k}"]))
        h = f"z{k}"
        if k < 2:
            nodes.append(helper.make_node("Relu", [h], [f"r{k}"]))
            h = f"r{k}"
    nodes.append(helper.make_node("Softmax", [h], ["y"], axis=1))
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", IN])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", OUT])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def identity_model():
    node = helper.make_node("Identity", ["x"], ["y"])
    graph = helper.make_graph([node], "id",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def session(model):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])


def timed(run, runs, warmup):
    for _ in range(warmup):
        run()
    ns = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        run()
        ns.append(time.perf_counter_ns() - t0)
    ns.sort()
    return statistics.median(ns) / 1e3, ns[min(len(ns) - 1, int(len(ns) * 0.99))] / 1e3, len(ns)


def line(name, size, med_us, p99_us, n):
    print(f"  {name:<24} {'CPU':<6} {size:<11} {n:8d} {med_us:12.4f} {p99_us:12.4f} "
          f"{1e6 / med_us:14.2f} {'runs/s':<8} {'-':>7} -", flush=True)


def main():
    quick = "--quick" in sys.argv
    rng = np.random.default_rng(0x6D6C70)
    s = session(mlp_model(rng))
    print(f"# peer_ort: the MLP of bench_mlp in ONNX Runtime {ort.__version__} from Python, "
          "2 intra-op threads, ORT_ENABLE_ALL; value = runs/s", flush=True)
    print(f"# {'name':<24} {'device':<6} {'size':<11} {'iters':>8} {'median_us':>12} "
          f"{'p99_us':>12} {'value':>14} {'unit':<8} {'ratio':>7} baseline", flush=True)
    for batch, runs, name in ((64, 2000, "mlp_ort"), (1, 10000, "mlp_ort_b1")):
        x = rng.random((batch, IN), dtype=np.float32)
        y = s.run(["y"], {"x": x})[0]
        if y.shape != (batch, OUT) or not np.allclose(y.sum(axis=1), 1.0, atol=1e-4):
            print(f"peer_ort: batch {batch}: rows of y do not sum to 1", file=sys.stderr)
            return 1
        med, p99, n = timed(lambda: s.run(["y"], {"x": x}), 3 if quick else runs,
                            1 if quick else 50)
        line(name, f"{batch}x{IN}", med, p99, n)
    empty = session(identity_model())
    one = np.array(1.0, dtype=np.float32)
    med, _, _ = timed(lambda: empty.run(["y"], {"x": one}), 3 if quick else 10000,
                      1 if quick else 50)
    print(f"# one call of an empty graph through the binding: {med:.2f} us (median)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
