"""The cost of each training signal (lmn_utils.signals) per step, against a plain step.

mod 31, the paper's MLP, 5 seeds stacked, mixed precision, LMN tracking off; each setting is
timed over the same number of steps, the settings interleaved and repeated, and the median
ratio to the plain step reported (ratios within one run: timings move between machines).
`python benchmarks/bench_signals.py [STEPS] [REPEATS] [--json]`; with --json the medians and
ratios are also written to benchmarks/signals_step_cost.json, which notebook 11 reads for the
comparison's wall-clock ratios (keys: the comparison's methods, `signal_compare.method_of`).
"""
import json
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
# the comparison's methods (notebook 11) and the setting whose step cost each has: a signal's
# strength does not change its cost, weight decay costs nothing
METHOD_COSTS = {"baseline": "plain", "weight decay": "plain", "Grokfast-EMA": "Grokfast-EMA",
                "Jacobian penalty": "Jacobian penalty",
                "nonlinearity penalty from step 0": "LMN penalty, 64 pairs"}
COST_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "signals_step_cost.json")


def seconds_per_step(steps, **signals):
    start = time.perf_counter()
    train(seeds=[0, 1, 2, 3, 4], steps=steps, lmn_layers=(), num_records=2, progress=False,
          **signals)
    return (time.perf_counter() - start) / steps


def write_costs(times, steps, repeats):
    """The medians (ms per step) and their ratios to the plain step, per setting and per
    method of the comparison, as JSON (COST_FILE)."""
    plain = statistics.median(times["plain"])
    settings_ = {name: {"ms_per_step": round(1e3 * statistics.median(values), 3),
                        "against_plain": round(statistics.median(values) / plain, 3)}
                 for name, values in times.items()}
    record = {"about": f"benchmarks/bench_signals.py: mod 31, 5 seeds stacked, {steps} steps x "
                       f"{repeats} interleaved, {torch.get_num_threads()} thread(s), medians",
              "settings": settings_,
              "methods": {m: settings_[s]["against_plain"] for m, s in METHOD_COSTS.items()}}
    with open(COST_FILE + ".part", "w") as target:  # renamed once whole
        json.dump(record, target, indent=1)
    os.replace(COST_FILE + ".part", COST_FILE)
    print("written", COST_FILE)


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if not a.startswith("--")]
    steps = int(numbers[0]) if numbers else 200
    repeats = int(numbers[1]) if len(numbers) > 1 else 3
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
    if "--json" in sys.argv:
        write_costs(times, steps, repeats)
