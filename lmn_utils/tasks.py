"""The paper's algorithmic tasks: every operand pair (a, b) with its label (notebooks 04-06)."""
import itertools
from dataclasses import dataclass

import torch


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


def check_fraction(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ValueError(f"{name} must be a number in (0, 1), got {value!r}")


def check_int(name, value, minimum, maximum=None):
    """ValueError naming `name` unless value is an int (not a bool) in [minimum, maximum]."""
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if not is_int or value < minimum or (maximum is not None and value > maximum):
        allowed = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be an integer {allowed}, got {value!r}")


def _all_pairs(num_tokens):
    a, b = torch.meshgrid(torch.arange(num_tokens), torch.arange(num_tokens), indexing="ij")
    return torch.stack([a.reshape(-1), b.reshape(-1)], 1)


def modular_addition(p=31):
    check_int("p", p, 2)
    inputs = _all_pairs(p)
    return Task("modular_addition", inputs, (inputs[:, 0] + inputs[:, 1]) % p, p, p)


def permutation_composition(n=4):
    """Token t is the t-th tuple of itertools.permutations(range(n)); (a, b) -> c = a[b[i]]."""
    check_int("n", n, 2)
    perms = list(itertools.permutations(range(n)))
    index = {perm: t for t, perm in enumerate(perms)}
    table = torch.tensor([[index[tuple(a[b[i]] for i in range(n))] for b in perms] for a in perms])
    inputs = _all_pairs(len(perms))
    return Task("permutation_composition", inputs, table[inputs[:, 0], inputs[:, 1]],
                len(perms), len(perms))


def bitwise_xor(bits=5):
    check_int("bits", bits, 1)
    inputs = _all_pairs(2 ** bits)
    return Task("bitwise_xor", inputs, inputs[:, 0] ^ inputs[:, 1], 2 ** bits, 2 ** bits)


TASKS = {"modular_addition": modular_addition,
         "permutation_composition": permutation_composition,
         "bitwise_xor": bitwise_xor}


def make_task(name, **params):
    """make_task("modular_addition", p=31) | ("permutation_composition", n=4) | ("bitwise_xor", bits=5)."""
    if name not in TASKS:
        raise ValueError(f"task name must be one of {sorted(TASKS)}, got {name!r}")
    return TASKS[name](**params)
