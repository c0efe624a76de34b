"""Estimators of the full-N LMN at N >= 5000, against the exact value (issue 15).

LMN = 2 ** S with S = log2 T - (1 / T) tr(|L| log2 |L|) and T = tr |L|: two spectral traces of
the N x N connectivity matrix L. The exact computation is two parts, timed separately: building
L (N (N - 1) / 2 paths) and its eigenvalues. One seed of the paper's MLP on (a + b) mod p is
trained with its weights kept at every recorded step; at the run's phase-placed checkpoints
three estimators are compared with the exact LMN from hidden1 to the logits:

- stochastic Lanczos quadrature (SLQ) of both traces on the built L: `--probes` Rademacher
  vectors, `--lanczos` steps each (all probes at once, full reorthogonalisation). It replaces
  only the eigenvalues, so it can never cost less than building L;
- the fixed subset of M inputs (`samples.sample_rows`) scaled by N / M (LMN is close to
  extensive in the number of inputs: BENCHMARKS.md);
- a power law through the subsets' LMN at two sizes M1 < M2, extrapolated to N.

The issue's bar: within 5% of the exact value at every checkpoint, for at most a tenth of the
exact computation's time. Printed: per estimator, the relative error at each checkpoint, the
largest, and the cost as a fraction of the exact computation.

Run: `python benchmarks/bench_estimators.py` (p = 71, N = 5041; about 10 minutes on 2 CPU
cores). Every LMN path is called once before the timings (torch.compile's first calls).
Figures go in BENCHMARKS.md.
"""
import argparse
import copy
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import lmn_utils as lu  # noqa: E402
from lmn_utils.samples import sample_rows  # noqa: E402
from lmn_utils.train import lmn_schedules  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def lmn_from_traces(trace_abs, trace_abs_log2):
    """2 ** S from T = tr|L| and tr(|L| log2 |L|)."""
    return 2.0 ** (math.log2(trace_abs) - trace_abs_log2 / trace_abs)


def slq_traces(L, probes, steps, seed=0):
    """(tr|L|, tr(|L| log2|L|)) by stochastic Lanczos quadrature: `probes` Rademacher vectors
    run together, `steps` Lanczos steps each with full reorthogonalisation."""
    N = L.shape[0]
    generator = torch.Generator().manual_seed(seed)
    q = (torch.randint(0, 2, (N, probes), generator=generator) * 2 - 1).double() / math.sqrt(N)
    basis = torch.zeros(steps, N, probes, dtype=torch.float64)
    alpha = torch.zeros(steps, probes, dtype=torch.float64)
    beta = torch.zeros(steps, probes, dtype=torch.float64)
    q_prev, b_prev = torch.zeros_like(q), torch.zeros(probes, dtype=torch.float64)
    for j in range(steps):
        basis[j] = q
        w = L @ q - b_prev * q_prev
        alpha[j] = (q * w).sum(0)
        w = w - alpha[j] * q
        done = basis[: j + 1]
        w = w - torch.einsum("jnk,jk->nk", done, torch.einsum("jnk,nk->jk", done, w))
        beta[j] = w.norm(dim=0)
        q_prev, q, b_prev = q, w / beta[j].clamp_min(1e-300), beta[j]
    trace_abs = trace_abs_log = 0.0
    for k in range(probes):
        T = torch.diag(alpha[:, k]) + torch.diag(beta[:-1, k], 1) + torch.diag(beta[:-1, k], -1)
        theta, vectors = torch.linalg.eigh(T)
        weights, magnitude = vectors[0] ** 2, theta.abs()
        trace_abs += float((weights * magnitude).sum())
        log_magnitude = torch.log2(magnitude.clamp_min(1e-300))
        trace_abs_log += float((weights * magnitude * log_magnitude).sum())
    return N * trace_abs / probes, N * trace_abs_log / probes


def train_with_snapshots(p, seed, steps, points):
    snapshots = {}

    def keep(step, stack):
        snapshots[step] = copy.deepcopy(stack.member(0).state_dict())

    config = lu.TrainConfig(task="modular_addition", task_params={"p": p}, seeds=(seed,),
                            steps=steps, lmn_layers=(), lmn_points=tuple(points))
    history, _ = lu.train(config, callback=keep)
    config = lu.TrainConfig(**{**config.__dict__, "lmn_layers": ("hidden1",)})  # for the schedule
    return history, snapshots, lmn_schedules(history, config)[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--p", type=int, default=71)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--points", type=int, nargs=3, default=[1, 2, 1],
                        help="checkpoints before memorisation, inside the phase, after")
    parser.add_argument("--probes", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--lanczos", type=int, nargs="+", default=[30, 100])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048])
    args = parser.parse_args(argv)
    (history, snapshots, steps), train_s = timed(
        lambda: train_with_snapshots(args.p, args.seed, args.steps, args.points))
    task = lu.make_task("modular_addition", p=args.p)
    N, model = len(task.labels), lu.EmbedMLP(task.num_tokens, task.num_classes)
    print(f"mod {args.p}: N = {N}, seed {args.seed}, {args.steps} steps in {train_s:.0f} s; "
          f"phases {lu.phase_steps(history)[0]}; checkpoints {[int(s) for s in steps]}")
    errors, seconds = {}, {"build L": [], "eigenvalues": []}

    def record(name, estimate, exact, cost):
        errors.setdefault(name, []).append(estimate / exact - 1)
        seconds.setdefault(name, []).append(cost)

    model.load_state_dict(snapshots[int(steps[0])])  # warm-up: torch.compile's first calls
    for rows in [None] + [sample_rows(N, size) for size in args.sizes]:
        lu.layer_lmn(model, task.inputs if rows is None else task.inputs[rows], "hidden1")
    for step in steps:
        model.load_state_dict(snapshots[int(step)])
        tail = model.tail("hidden1")
        with torch.no_grad():
            X = model.values(task.inputs, "hidden1")
        L, build_s = timed(lambda: lu.linear_connectivity(tail, X))
        exact, eig_s = timed(lambda: lu.lmn_from_connectivity(L))
        seconds["build L"].append(build_s)
        seconds["eigenvalues"].append(eig_s)
        for probes in args.probes:
            for lanczos in args.lanczos:
                traces, slq_s = timed(lambda: slq_traces(L, probes, lanczos))
                record(f"SLQ, {probes} probes x {lanczos} steps", lmn_from_traces(*traces),
                       exact, build_s + slq_s)
        subset = {}
        for size in args.sizes:
            rows = sample_rows(N, size)
            subset[size], subset_s = timed(
                lambda: lu.layer_lmn(model, task.inputs[rows], "hidden1"))
            seconds.setdefault(f"subset {size}", []).append(subset_s)
            record(f"subset {size} x N/M", subset[size] * N / size, exact, subset_s)
        small, large = args.sizes[0], args.sizes[-1]
        power = math.log(subset[large] / subset[small]) / math.log(large / small)
        record(f"power law through {small} and {large}", subset[large] * (N / large) ** power,
               exact, seconds[f"subset {small}"][-1] + seconds[f"subset {large}"][-1])
        print(f"step {int(step)}: exact LMN {exact:.2f} (L {build_s:.1f} s, eigenvalues "
              f"{eig_s:.1f} s); power {power:.3f}")
    exact_s = np.array(seconds["build L"]) + np.array(seconds["eigenvalues"])
    print(f"exact: {exact_s.mean():.1f} s a checkpoint, of which building L "
          f"{100 * np.mean(seconds['build L'] / exact_s):.0f}%")
    for name, errs in errors.items():
        errs = 100 * np.array(errs)
        cost = np.mean(np.array(seconds[name]) / exact_s)
        print(f"{name}: error per checkpoint {np.round(errs, 1).tolist()}%, largest |error| "
              f"{np.abs(errs).max():.1f}%, cost {cost:.2f} of exact; meets the bar: "
              f"{bool(np.abs(errs).max() <= 5 and cost <= 0.1)}")


if __name__ == "__main__":
    main()
