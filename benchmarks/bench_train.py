"""Training speed: the paper's 20000 full-batch steps, mod 31, 1 seed and 5 seeds stacked.

Run by hand (`make benchmark`, or `python benchmarks/bench_train.py STEPS` for a shorter run);
LMN tracking is switched off so only training is timed.
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from lmn_utils import train  # noqa: E402


def timed_run(seeds, dtype, steps=20000):
    start = time.perf_counter()
    history, _ = train(seeds=seeds, dtype=dtype, steps=steps, lmn_layers=(), progress=False)
    took = time.perf_counter() - start
    acc = history.metrics["test_acc"][:, -1].mean()
    print(f"{len(seeds)} seed(s), {dtype}: {took:.1f} s for {steps} steps "
          f"({1e3 * took / steps:.2f} ms/step), final test acc {acc:.3f}", flush=True)
    return took


if __name__ == "__main__":
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    seeds = [0, 1, 2, 3, 4]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    one = timed_run([0], "float32", steps)
    five = timed_run(seeds, "float32", steps)
    print(f"5 seeds / 1 seed = {five / one:.2f}x")
    for dtype in ("float64", "mixed"):  # the notebooks' precision choices, 5 seeds as in 04-06
        timed_run(seeds, dtype, steps)
