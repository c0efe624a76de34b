"""The cost of each training signal (lmn_utils.signals) per step, against a plain step.

mod 31, the paper's MLP, 5 seeds stacked, mixed precision, LMN tracking off; each setting is
timed over the same number of steps, the settings interleaved and repeated, and the median
ratio to the plain step reported (ratios within one run: timings move between machines).
`python benchmarks/bench_signals.py [STEPS] [REPEATS]`.
"""
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from lmn_utils import train  # noqa: E402

SETTINGS = {
    "plain": {},
    "LMN penalty, 256 pairs": dict(lmn_penalty=0.1, lmn_penalty_pairs=256),
    "LMN penalty, 64 pairs": dict(lmn_penalty=0.1, lmn_penalty_pairs=64),
    "Grokfast-EMA": dict(grokfast_lambda=2.0),
    "Jacobian penalty": dict(jacobian_penalty=0.01),
}


def seconds_per_step(steps, **signals):
    start = time.perf_counter()
    train(seeds=[0, 1, 2, 3, 4], steps=steps, lmn_layers=(), num_records=2, progress=False,
          **signals)
    return (time.perf_counter() - start) / steps


if __name__ == "__main__":
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {steps} steps x "
          f"{repeats}")
    times = {name: [] for name in SETTINGS}
    for _ in range(repeats):
        for name, signals in SETTINGS.items():
            times[name].append(seconds_per_step(steps, **signals))
    plain = statistics.median(times["plain"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:24s} {1e3 * median:7.2f} ms/step  {median / plain:5.2f}x plain")
