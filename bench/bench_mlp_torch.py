#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The peer of `bench_mlp --gpu-only`: the same MLP in PyTorch, eager, on the same GPU.

    x[256,784] -> dense 512 relu -> dense 512 relu -> dense 10 -> softmax, float32

One run does what tact's sess.run(y, {x: X}) does: x from host memory to the GPU, the forward
pass, y back to host memory (which waits for the GPU). TF32 is off, as in tact's cuBLAS calls.
Prints one line in bench.h's columns (median and p99 over 2000 timed runs after 50 warm-ups),
which scripts/gpu_check.sh sets against tact's `mlp_tact GPU` line. Needs torch with CUDA.
"""
import sys
import time

import torch

BATCH, IN, H, OUT = 256, 784, 512, 10


def main():
    if not torch.cuda.is_available():
        print("# PyTorch sees no CUDA GPU")
        return 1
    torch.backends.cuda.matmul.allow_tf32 = False
    runs = 3 if "--quick" in sys.argv else 2000
    gen = torch.Generator().manual_seed(0x6D6C70)
    dev = torch.device("cuda:0")
    dims = [(IN, H), (H, H), (H, OUT)]
    ws = [((torch.rand(i, o, generator=gen) * 2 - 1) / i ** 0.5).to(dev) for i, o in dims]
    bs = [((torch.rand(o, generator=gen) * 0.2) - 0.1).to(dev) for _, o in dims]
    x = torch.rand(BATCH, IN, generator=gen)

    def run():
        with torch.no_grad():
            h = x.to(dev)
            for k in range(3):
                h = torch.addmm(bs[k], h, ws[k])
                if k < 2:
                    h = torch.relu(h)
            return torch.softmax(h, dim=1).cpu()

    for _ in range(50):
        run()
    ns = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        y = run()
        ns.append(time.perf_counter_ns() - t0)
    ns.sort()
    med = ns[len(ns) // 2] / 1e3 if len(ns) % 2 else (ns[len(ns) // 2 - 1] + ns[len(ns) // 2]) / 2e3
    p99 = ns[max(0, -(-99 * len(ns) // 100) - 1)] / 1e3
    print(f"# PyTorch {torch.__version__} on {torch.cuda.get_device_name(0)}; "
          f"mean row sum {float(y.sum(dim=1).mean()):.6f}")
    print(f"  {'mlp_torch':<24} {'GPU':<6} {f'{BATCH}x{IN}':<11} {len(ns):8d} {med:12.4f} "
          f"{p99:12.4f} {1e6 / med:14.2f} {'runs/s':<8} {'-':>7} -")
    return 0


if __name__ == "__main__":
    sys.exit(main())
