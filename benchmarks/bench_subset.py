"""How much LMN on a fixed subset of M inputs changes the answer against exact LMN on all N.

One seed of the paper's MLP on (a + b) mod p is trained (mixed precision, the paper's
settings) with its weights kept at every recorded step; LMN from hidden1 to the logits is then
measured at the run's phase-placed checkpoints (initialisation, before memorisation, the
memorisation step, inside the generalising phase, the generalisation step, after it) on all
N = p^2 inputs (exact) and on the fixed subsets of `lmn_utils.samples.sample_rows` for each M.
Printed per M: the ratio subset / exact over the checkpoints (mean, min, max), the Spearman
rank correlation of the two over the checkpoints, the relative change over the generalising
phase (what the claims table's "LMN falls while generalising" reads) by each, and the time of
one checkpoint.

Run: `python benchmarks/bench_subset.py --p 59` (N = 3481: 4.5 minutes on 2 CPU cores) or
`--p 113 --steps 8000 --points 1 1 2` (N = 12769). Figures go in BENCHMARKS.md.
"""
import argparse
import copy
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import lmn_utils as lu  # noqa: E402
from lmn_utils.analysis import phase_end  # noqa: E402
from lmn_utils.samples import sample_rows  # noqa: E402
from lmn_utils.study import rank_correlation  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--p", type=int, default=59)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048])
    parser.add_argument("--points", type=int, nargs=3, default=[1, 3, 1],
                        help="LMN checkpoints before memorisation, inside the phase, after")
    args = parser.parse_args(argv)
    snapshots = {}

    def keep(step, stack):
        snapshots[step] = copy.deepcopy(stack.member(0).state_dict())

    config = lu.TrainConfig(task="modular_addition", task_params={"p": args.p},
                            seeds=(args.seed,), steps=args.steps, lmn_points=tuple(args.points),
                            lmn_samples="all")
    (history, _), train_s = timed(lambda: lu.train(config, callback=keep))
    task = lu.make_task("modular_addition", p=args.p)
    N = len(task.labels)
    model = lu.EmbedMLP(task.num_tokens, task.num_classes)
    steps = history.lmn_steps[0]
    (memorised, generalised), = lu.phase_steps(history)
    print(f"mod {args.p}: N = {N}, seed {args.seed}, {args.steps} steps in {train_s:.0f} s; "
          f"memorised {memorised}, generalised {generalised}; checkpoints {list(steps)}")
    exact = history.lmn["hidden1"][0]
    lmn_s = []
    subset = {size: [] for size in args.sizes}
    for step in steps:
        model.load_state_dict(snapshots[step])
        for size in args.sizes:
            rows = sample_rows(N, size)
            value, seconds = timed(lambda: lu.layer_lmn(model, task.inputs[rows], "hidden1"))
            subset[size].append(value)
            lmn_s.append((size, seconds))
    _, exact_s = timed(lambda: (model.load_state_dict(snapshots[steps[-1]]),
                                lu.layer_lmn(model, task.inputs, "hidden1")))
    end = phase_end(history, 0, generalised)
    at = {s: i for i, s in enumerate(steps)}
    change = lambda values: values[at[end]] / values[at[memorised]] - 1  # noqa: E731
    print(f"exact (all {N}): {np.round(exact, 2).tolist()}; one checkpoint {exact_s:.1f} s; "
          f"generalising-phase change {100 * change(exact):+.1f}%")
    for size in args.sizes:
        values = np.array(subset[size])
        ratio = values / exact
        seconds = np.median([s for m, s in lmn_s if m == size])
        print(f"M = {size}: ratio subset/exact mean {ratio.mean():.3f} "
              f"(min {ratio.min():.3f}, max {ratio.max():.3f}); Spearman over checkpoints "
              f"{rank_correlation(values, exact):+.3f}; generalising-phase change "
              f"{100 * change(values):+.1f}%; one checkpoint {seconds:.2f} s")


if __name__ == "__main__":
    main()
