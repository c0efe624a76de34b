import itertools

import pytest
import torch

from lmn_utils import make_task


def test_modular_addition():
    task = make_task("modular_addition", p=7)
    assert task.inputs.shape == (49, 2) and task.num_classes == 7 and task.num_tokens == 7
    a, b = task.inputs[:, 0], task.inputs[:, 1]
    assert torch.equal(task.labels, (a + b) % 7)


def test_permutation_composition_s4():
    task = make_task("permutation_composition", n=4)
    perms = list(itertools.permutations(range(4)))
    assert task.inputs.shape == (576, 2) and task.num_classes == 24
    for row in (0, 37, 575):
        a, b = (perms[t] for t in task.inputs[row].tolist())
        assert perms[task.labels[row]] == tuple(a[b[i]] for i in range(4))
    # a group: every row of the table is a permutation of the tokens
    table = task.labels.view(24, 24)
    assert all(sorted(r.tolist()) == list(range(24)) for r in table)


def test_bitwise_xor():
    task = make_task("bitwise_xor", bits=5)
    assert task.inputs.shape == (1024, 2) and task.num_classes == 32
    assert torch.equal(task.labels, task.inputs[:, 0] ^ task.inputs[:, 1])


def test_split_is_seeded_disjoint_and_complete():
    task = make_task("modular_addition", p=31)
    train, test = task.split(0.8, seed=3)
    assert len(train) == round(0.8 * 961) and len(train) + len(test) == 961
    assert set(train.tolist()).isdisjoint(test.tolist())
    assert torch.equal(train, task.split(0.8, seed=3)[0])
    assert not torch.equal(train, task.split(0.8, seed=4)[0])


@pytest.mark.parametrize("name, params, message", [
    ("modular_addition", {"p": 1}, r"p must be an integer in \[2, 4096\], got 1"),
    ("modular_addition", {"p": 10**6}, r"p must be an integer in \[2, 4096\], got 1000000"),
    ("permutation_composition", {"n": 1}, r"n must be an integer in \[2, 6\]"),
    ("permutation_composition", {"n": 9}, r"n must be an integer in \[2, 6\], got 9"),
    ("bitwise_xor", {"bits": 0}, r"bits must be an integer in \[1, 12\]"),
    ("addition", {}, "task name must be one of"),
])
def test_bad_task_parameters(name, params, message):
    with pytest.raises(ValueError, match=message):
        make_task(name, **params)


@pytest.mark.parametrize("frac", [0, 1, 1.5, -0.1, "0.5"])
def test_bad_train_fraction(frac):
    with pytest.raises(ValueError, match="train_frac must be a number in"):
        make_task("modular_addition", p=5).split(frac)


def test_check_int_names_the_parameter_and_its_range():
    from lmn_utils.validation import check_int
    check_int("width", 5, 1, 64)
    for bad in (0, 65, 2.0, True, "5"):
        with pytest.raises(ValueError, match=r"width must be an integer in \[1, 64\]"):
            check_int("width", bad, 1, 64)
    with pytest.raises(ValueError, match="p must be an integer >= 2"):
        check_int("p", 1, 2)
