"""Do the claims table's verdicts change when LMN is measured on a subset of M inputs? (issue 15)

Several seeds of the paper's MLP on (a + b) mod p are trained once (mixed precision, the
paper's settings, LMN at the phase-placed steps of `lmn_points`), with the weights of every
recorded step kept. LMN is then measured at the same steps on all N = p^2 inputs (exact) and on
each fixed subset of `samples.sample_rows` (M inputs), through the library's public call
(`remeasure`, from the snapshots `train` keeps), and the claims every grokking task is checked against
(`claims.task_claims`: rise to a peak, fall while generalising, linear in test loss and in log
test loss against L2, levelling off) are computed from each. Printed: per claim, the statistic
and verdict with exact LMN and with each M, and whether every verdict is the same.

Run: `python benchmarks/bench_subset_claims.py` (p = 59, N = 3481, 3 seeds, LMN at 2 + 8 + 8
steps per seed; 22 minutes on 2 CPU cores). Figures go in BENCHMARKS.md.
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import lmn_utils as lu  # noqa: E402
from lmn_utils.claims import task_claims  # noqa: E402
from lmn_utils.remeasure import remeasure  # noqa: E402
from lmn_utils.train import load_snapshots  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--p", type=int, default=59)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--points", type=int, nargs=3, default=[2, 8, 8])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048])
    args = parser.parse_args(argv)
    config = lu.TrainConfig(task="modular_addition", task_params={"p": args.p},
                            seeds=tuple(args.seeds), steps=args.steps,
                            lmn_points=tuple(args.points), lmn_samples="all").validate()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        exact, _ = lu.train(config, snapshot_path=os.path.join(scratch, "snapshots.pt"))
        snapshots = load_snapshots(os.path.join(scratch, "snapshots.pt"))[1]
    print(f"mod {args.p}: seeds {args.seeds}, {args.steps} steps, training and exact LMN "
          f"{time.perf_counter() - start:.0f} s; phases {lu.phase_steps(exact)}")
    inputs = lu.make_task(config.task, **config.task_params).inputs
    name = f"mod {args.p}"
    claims = {"all": task_claims(exact, "hidden1", name)}
    for size in args.sizes:
        start = time.perf_counter()
        history = remeasure(exact, snapshots, samples=size)
        claims[size] = task_claims(history, "hidden1", name)
        print(f"M = {size}: LMN at every step {time.perf_counter() - start:.0f} s")
    for index, exact_row in enumerate(claims["all"]):
        print(f"\n{exact_row['claim']}")
        for size, rows in claims.items():
            label = f"all {len(inputs)}" if size == "all" else f"M = {size}"
            print(f"  {label:>9}: {rows[index]['statistic']}; {rows[index]['n']}; "
                  f"{rows[index]['verdict']}")
    print()
    for size in args.sizes:
        differ = [row["claim"] for row, exact_row in zip(claims[size], claims["all"])
                  if row["verdict"] != exact_row["verdict"]]
        print(f"M = {size}: every verdict as with all inputs: {not differ}"
              + "".join(f"\n  differs: {claim}" for claim in differ))


if __name__ == "__main__":
    main()
