"""Notebook parameters checked in one call: `check_parameters(p=31, steps=20000, ...)`.

Each known name has one rule; a bad value stops with a one-line ValueError that names the
parameter and what is allowed (papermill shows that line). Names without a rule are refused,
so a rule cannot be forgotten silently.
"""
from .tasks import check_fraction, check_int


def _number_at_least(minimum):
    def check(name, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            raise ValueError(f"{name} must be a number >= {minimum}, got {value!r}")
    return check


def _positive_number(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")


RULES = {
    "p": lambda name, value: check_int(name, value, 2),
    "n": lambda name, value: check_int(name, value, 2),
    "bits": lambda name, value: check_int(name, value, 1),
    "steps": lambda name, value: check_int(name, value, 1),
    "seed": lambda name, value: check_int(name, value, 0),
    "train_frac": check_fraction,
    "weight_decay": _number_at_least(0),
    "lr": _positive_number,
}


def check_parameters(**values):
    """Check every named value against its rule (see RULES); returns nothing."""
    for name, value in values.items():
        if name not in RULES:
            raise KeyError(f"no rule for parameter {name!r}; known: {sorted(RULES)}")
        RULES[name](name, value)
