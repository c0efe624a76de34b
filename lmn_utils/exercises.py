"""Checks for the course's "check yourself" exercises (notebooks 01-04), in the style of ARENA's
courses: the student writes a small function in the notebook, and a check here runs it on a few
cases against the library's own answer, printing one line (and returning True when every case
agrees). A function that still raises NotImplementedError (the notebook's stub) is reported as
not attempted yet, so the committed notebooks run with the stub in place. Each check takes
well under a second.

    >>> def my_lmn(L):
    ...     raise NotImplementedError
    >>> check_lmn(my_lmn)
    not attempted yet: write the function above, then run this cell again
    False
"""
import numpy as np
import torch

from .history import first_step_reaching
from .measures import activation_pattern, linear_connectivity, lmn_from_connectivity, make_mlp

TOLERANCE = 1e-6


def _run_cases(student_fn, cases, reference, same):
    """Run student_fn(*args) for each case; one line: not attempted, the first case that
    differs (with both answers), or all correct."""
    for number, args in enumerate(cases, 1):
        try:
            answer = student_fn(*args)
        except NotImplementedError:
            print("not attempted yet: write the function above, then run this cell again")
            return False
        expected = reference(*args)
        if not same(answer, expected):
            print(f"case {number} of {len(cases)}: expected {expected!r}, got {answer!r}")
            return False
    print(f"correct: all {len(cases)} cases agree with the library")
    return True


def _close(answer, expected):
    try:
        return abs(float(answer) - float(expected)) <= TOLERANCE * max(1.0, abs(float(expected)))
    except (TypeError, ValueError):
        return False


def _regions_along(net, xs):
    patterns = activation_pattern(net, xs)
    return int((patterns[1:] != patterns[:-1]).any(1).sum()) + 1


def check_regions_along_a_line(student_fn):
    """student_fn(net, xs) -> the number of linear regions the points xs [M, 1] (sorted) pass
    through: a new region wherever the activation pattern changes between neighbours."""
    torch.manual_seed(0)
    cases = [(make_mlp(1, widths, activation="relu"), torch.linspace(-3, 3, 2001)[:, None])
             for widths in ([4], [8], [8, 8])]
    return _run_cases(student_fn, cases, _regions_along, lambda a, e: a == e)


def _pair_connectivity(f, x_i, x_j, n_points):
    return float(linear_connectivity(f, torch.stack([x_i, x_j]), n_points=n_points,
                                     compile=False)[0, 1])


def check_pair_connectivity(student_fn):
    """student_fn(f, x_i, x_j, n_points) -> L_ij: the mean over output coordinates of the R^2
    of a line through f's values on n_points equally spaced points from x_i to x_j."""
    torch.manual_seed(0)
    tanh_net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(),
                                   torch.nn.Linear(8, 3)).double()
    cases = [(torch.abs, torch.tensor([-2.0], dtype=torch.float64),
              torch.tensor([1.0], dtype=torch.float64), 21),
             (tanh_net, torch.tensor([-1.0, 0.5], dtype=torch.float64),
              torch.tensor([2.0, -1.0], dtype=torch.float64), 21),
             (tanh_net, torch.tensor([0.3, 0.2], dtype=torch.float64),
              torch.tensor([-1.5, 1.0], dtype=torch.float64), 11)]
    with torch.no_grad():
        return _run_cases(student_fn, cases, _pair_connectivity, _close)


def check_lmn(student_fn):
    """student_fn(L) -> LMN of the symmetric connectivity matrix L (a float64 tensor):
    2 ** (the entropy in bits of its eigenvalues' magnitudes, divided by their sum)."""
    rng = np.random.default_rng(0)
    noise = torch.as_tensor(rng.uniform(size=(12, 12)))
    random_symmetric = ((noise + noise.T) / 2).fill_diagonal_(1.0)
    cases = [(torch.block_diag(*[torch.ones(5, 5, dtype=torch.float64)] * 3),),
             (torch.block_diag(*[torch.ones(m, m, dtype=torch.float64) for m in (2, 3, 7)]),),
             (random_symmetric,)]
    return _run_cases(student_fn, cases, lambda L: lmn_from_connectivity(L), _close)


def check_memorisation_step(student_fn):
    """student_fn(steps, train_acc) -> the first step from which train accuracy stays at 1.0
    to the end (None if it is not 1.0 at the last step)."""
    steps = np.arange(0, 1000, 100)
    cases = [(steps, np.array([0.1, 0.5, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])),
             (steps, np.array([0.1, 1.0, 1.0, 0.99, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])),
             (steps, np.array([0.1, 0.5, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.98])),
             (steps, np.ones(10))]
    return _run_cases(student_fn, cases, lambda s, a: first_step_reaching(s, a, 1.0),
                      lambda a, e: a == e)
