"""LMN speed and memory (run by hand: `make benchmark`; figures go in BENCHMARKS.md).

1. first call (includes torch.compile) and warm calls at N = 961 (mod-31 net, hidden1 -> logits)
2. speed-up over the per-pair float64 reference loop of tests/reference.py at N = 300
3. peak resident memory at N = 5000, in a fresh process
"""
import os
import subprocess
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]
from reference import reference_connectivity  # noqa: E402

from lmn_utils import EmbedMLP, layer_lmn, linear_connectivity, make_task  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def mod31_net(seed=0):
    torch.manual_seed(seed)
    return EmbedMLP(31, 31), make_task("modular_addition", p=31).inputs


def bench_n961():
    model, inputs = mod31_net()
    first, _ = timed(lambda: layer_lmn(model, inputs, "hidden1"))
    warm = sorted(timed(lambda: layer_lmn(model, inputs, "hidden1"))[0] for _ in range(3))
    eager = timed(lambda: layer_lmn(model, inputs, "hidden1", compile=False))[0]
    emb = timed(lambda: layer_lmn(model, inputs, "embedding"))[0]
    print(f"N=961 hidden1: first call {first:.1f} s, warm median {warm[1]:.2f} s "
          f"(min {warm[0]:.2f}), eager {eager:.2f} s; embedding layer (warm+compile) {emb:.2f} s")


def bench_ratio(N=300):
    model, inputs = mod31_net()
    tail = model.tail("hidden1")
    with torch.no_grad():
        X = model.values(inputs[:N], "hidden1")
    linear_connectivity(tail, X)  # compile once for this shape
    fast, L = timed(lambda: linear_connectivity(tail, X))
    slow, L_ref = timed(lambda: reference_connectivity(tail.double(), X.double()))
    err = (L - torch.as_tensor(L_ref)).abs().max().item()
    print(f"N={N}: fast {fast:.3f} s, float64 per-pair reference {slow:.1f} s, "
          f"ratio {slow / fast:.0f}x, max |L - L_ref| = {err:.1e}")


MEMORY_CHILD = """
import resource, time, torch, sys
sys.path.insert(0, {root!r})
from lmn_utils import linear_connectivity, EmbedMLP
torch.manual_seed(0)
model = EmbedMLP(100, 31)
inputs = torch.randint(0, 100, ({N}, 2), generator=torch.Generator().manual_seed(0))
with torch.no_grad():
    X = model.values(inputs, "hidden1")
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
L = linear_connectivity(model.tail("hidden1"), X)
took = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"N={N}: {{took:.0f}} s, peak RSS {{peak/1024:.0f}} MiB "
      f"({{(peak-base)/1024:.0f}} MiB above the process before the call; "
      f"L itself is {{L.numel()*8/2**20:.0f}} MiB)")
"""


def bench_memory(N=5000):
    code = MEMORY_CHILD.format(root=ROOT, N=N)
    subprocess.run([sys.executable, "-c", code], check=True)


if __name__ == "__main__":
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    bench_n961()
    bench_ratio()
    bench_memory()
