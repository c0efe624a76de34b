"""LMN of the one-layer transformer (notebook 09) against the paper's MLP, in one process.

At N = 961 (all mod-31 pairs), untrained nets: the MLP's hidden1 -> logits, the transformer's
resid_mid -> logits by its exact ResidualMLP fast path (first call with torch.compile, warm
median of 3, eager), the same tail through the generic path (a plain callable), and the
transformer's embedding tap (the whole model, generic path) on the first 300 inputs.
Run: `python benchmarks/bench_transformer.py`; figures go in BENCHMARKS.md.
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from lmn_utils import EmbedMLP, TransformerStack, layer_lmn, linear_mapping_number, make_task  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def warm_median(fn, repeats=3):
    return sorted(timed(fn) for _ in range(repeats))[repeats // 2]


def main():
    torch.manual_seed(0)
    inputs = make_task("modular_addition", p=31).inputs
    mlp = EmbedMLP(31, 31)
    stack = TransformerStack.from_seeds([0], 31, 31)
    tail = stack.tail("resid_mid")
    with torch.no_grad():
        Z = stack.values(inputs, "resid_mid")
    first = timed(lambda: linear_mapping_number(tail, Z))
    warm = warm_median(lambda: linear_mapping_number(tail, Z))
    eager = warm_median(lambda: linear_mapping_number(tail, Z, compile=False))
    generic = timed(lambda: linear_mapping_number(lambda z: tail(z), Z))
    layer_lmn(mlp, inputs, "hidden1")  # compile
    mlp_warm = warm_median(lambda: layer_lmn(mlp, inputs, "hidden1"))
    embedding = timed(lambda: stack.member_lmn(0, inputs[:300], "embedding"))
    print(f"N=961, MLP hidden1 -> logits: warm {mlp_warm:.2f} s")
    print(f"N=961, transformer resid_mid -> logits: first call {first:.2f} s, warm {warm:.2f} s "
          f"({warm / mlp_warm:.1f}x the MLP), eager {eager:.2f} s, generic path {generic:.2f} s")
    print(f"N=300, transformer embedding -> logits (whole model, generic path): {embedding:.2f} s")


if __name__ == "__main__":
    main()
