"""Stochastic Lanczos quadrature (bench_estimators.slq_traces) on matrices whose spectrum is
known: is its LMN error a bias, or one shared random draw?

A connectivity-like matrix: one eigenvalue near 0.9 N (entries near 0.9), then a tail with a
third of the eigenvalues negative and many near zero (what notebook 03 finds in real L). The
same probe seed across two nearly equal matrices, then 20 probe seeds on one matrix.
`python benchmarks/check_slq.py [N] [PROBES] [STEPS]`.
"""
import math
import os
import statistics
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_estimators import lmn_from_traces, slq_traces  # noqa: E402


def known_matrix(N, seed, jitter=0.0):
    g = torch.Generator().manual_seed(seed)
    top = 0.9 * N
    tail = torch.cat([torch.rand(N // 2, generator=g, dtype=torch.float64) * 3,
                      -torch.rand(N // 3, generator=g, dtype=torch.float64) * 1.5,
                      torch.rand(N - 1 - N // 2 - N // 3, generator=g, dtype=torch.float64) * 1e-3])
    tail = tail * (1 + jitter * torch.linspace(-1, 1, len(tail), dtype=torch.float64))
    values = torch.cat([torch.tensor([top], dtype=torch.float64), tail])
    ones = torch.ones(N, 1, dtype=torch.float64) / math.sqrt(N)  # the top eigenvector: flat
    basis, _ = torch.linalg.qr(torch.cat([ones, torch.randn(N, N - 1, generator=g,
                                                             dtype=torch.float64)], 1))
    return (basis * values) @ basis.T, values


def exact_lmn(values):
    p = values.abs() / values.abs().sum()
    return 2.0 ** float(-(p * torch.log2(p)).sum())


if __name__ == "__main__":
    N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    probes = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    A, a_values = known_matrix(N, 0)
    B, b_values = known_matrix(N, 0, jitter=0.1)  # "the next checkpoint": a tail reshaped
    for name, M, values in (("A", A, a_values), ("B", B, b_values)):
        estimate = lmn_from_traces(*slq_traces(M, probes, steps, seed=0))
        print(f"{name}: exact LMN {exact_lmn(values):.2f}, SLQ (probe seed 0) {estimate:.2f} "
              f"({100 * (estimate / exact_lmn(values) - 1):+.1f}%)")
    errors = [100 * (lmn_from_traces(*slq_traces(A, probes, steps, seed=s)) / exact_lmn(a_values) - 1)
              for s in range(20)]
    print(f"A over 20 probe seeds: error mean {statistics.mean(errors):+.1f}%, sd "
          f"{statistics.stdev(errors):.1f}%, from {min(errors):+.1f}% to {max(errors):+.1f}%, "
          f"{sum(e > 0 for e in errors)} of 20 above")
