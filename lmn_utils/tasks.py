"""The paper's algorithmic tasks: every operand pair (a, b) with its label (notebooks 04-06)."""
import itertools
from dataclasses import dataclass

import torch

from .validation import check_fraction, check_int


@dataclass
class Task:
    name: str
    inputs: torch.Tensor   # LongTensor [M, 2]: every operand pair (a, b)
    labels: torch.Tensor   # LongTensor [M]
    num_tokens: int
    num_classes: int

    def split(self, train_frac=0.8, seed=0):
        """Seeded random split: (train_idx, test_idx), LongTensors of row numbers."""
        check_fraction("train_frac", train_frac)
        M = len(self.labels)
        order = torch.randperm(M, generator=torch.Generator().manual_seed(int(seed)))
        num_train = min(max(round(train_frac * M), 1), M - 1)
        return order[:num_train].sort().values, order[num_train:].sort().values


# every pair of tokens is enumerated (num_tokens^2 inputs): at most 4096 tokens (16.8 million
# pairs, 268 MB of indices), so a mistyped p fails in one line instead of in the allocator
MAX_TOKENS = 4096
MAX_P, MAX_N, MAX_BITS = MAX_TOKENS, 6, 12   # 6! = 720 permutations, 2^12 = 4096 numbers


def _all_pairs(num_tokens):
    a, b = torch.meshgrid(torch.arange(num_tokens), torch.arange(num_tokens), indexing="ij")
    return torch.stack([a.reshape(-1), b.reshape(-1)], 1)


def modular_addition(p=31):
    check_int("p", p, 2, MAX_P)
    inputs = _all_pairs(p)
    return Task("modular_addition", inputs, (inputs[:, 0] + inputs[:, 1]) % p, p, p)


def permutation_composition(n=4):
    """Token t is the t-th tuple of itertools.permutations(range(n)); (a, b) -> c = a[b[i]]."""
    check_int("n", n, 2, MAX_N)
    perms = list(itertools.permutations(range(n)))
    index = {perm: t for t, perm in enumerate(perms)}
    table = torch.tensor([[index[tuple(a[b[i]] for i in range(n))] for b in perms] for a in perms])
    inputs = _all_pairs(len(perms))
    return Task("permutation_composition", inputs, table[inputs[:, 0], inputs[:, 1]],
                len(perms), len(perms))


def bitwise_xor(bits=5):
    check_int("bits", bits, 1, MAX_BITS)
    inputs = _all_pairs(2 ** bits)
    return Task("bitwise_xor", inputs, inputs[:, 0] ^ inputs[:, 1], 2 ** bits, 2 ** bits)


TASKS = {"modular_addition": modular_addition,
         "permutation_composition": permutation_composition,
         "bitwise_xor": bitwise_xor}


def make_task(name, **params):
    """make_task("modular_addition", p=31) | ("permutation_composition", n=4) | ("bitwise_xor", bits=5).

    Example:
        >>> task = make_task("modular_addition", p=31)
        >>> task.inputs.shape, int(task.labels[40])  # (1 + 9) mod 31
        (torch.Size([961, 2]), 10)
    """
    if name not in TASKS:
        raise ValueError(f"task name must be one of {sorted(TASKS)}, got {name!r}")
    return TASKS[name](**params)
