"""Which inputs LMN is measured on: all of them, or a fixed, seeded random subset (large tasks).

Exact LMN costs N (N - 1) / 2 paths and an N x N matrix, so for S5 (N = 14400) or mod 113
(N = 12769) every checkpoint takes minutes and gigabytes. `lmn_samples` chooses:
  "auto"  all N inputs up to AUTO_ALL (4096, which covers the paper's three tasks), else a
          fixed random subset of AUTO_SUBSET (2048) inputs, and the run says so;
  an int  a fixed random subset of that many inputs (all of them if it is N or more);
  "all"   every input, whatever N (refused where the N x N matrix would not fit in memory).
The subset is drawn once from its own seed, so every checkpoint and every seed of a run is
measured on the same inputs.
"""
import torch

from .validation import check_int

AUTO_ALL = 4096
AUTO_SUBSET = 2048
SUBSET_SEED = 0


def check_lmn_samples(lmn_samples):
    if isinstance(lmn_samples, str):
        if lmn_samples not in ("auto", "all"):
            raise ValueError(f"lmn_samples must be 'auto', 'all' or an integer >= 2, got {lmn_samples!r}")
        return
    check_int("lmn_samples", lmn_samples, 2)


def sample_rows(num_inputs, lmn_samples="auto", seed=SUBSET_SEED):
    """The rows LMN is measured on, a sorted LongTensor; all rows when no subset is taken."""
    check_lmn_samples(lmn_samples)
    if lmn_samples == "auto":
        size = num_inputs if num_inputs <= AUTO_ALL else AUTO_SUBSET
    else:
        size = num_inputs if lmn_samples == "all" else min(lmn_samples, num_inputs)
    if size == num_inputs:
        return torch.arange(num_inputs)
    order = torch.randperm(num_inputs, generator=torch.Generator().manual_seed(seed))
    return order[:size].sort().values


def describe_samples(num_inputs, rows, short=False):
    """'all 961 inputs' or '2048 of 14400 inputs (a fixed random subset)' (short: without the
    parenthesis, for an axis label)."""
    if len(rows) == num_inputs:
        return f"all {num_inputs} inputs"
    return f"{len(rows)} of {num_inputs} inputs" + ("" if short else " (a fixed random subset)")
