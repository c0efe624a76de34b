"""Notebook parameters checked in one call: `check_parameters(p=31, steps=20000, ...)`.

Each known name has one rule; a bad value stops with a one-line ValueError that names the
parameter and what is allowed (papermill shows that line). Names without a rule are refused,
so a rule cannot be forgotten silently.
"""
from .tasks import MAX_BITS, MAX_N, MAX_P
from .validation import check_fraction, check_int, check_number_at_least, check_positive


RULES = {
    "p": lambda name, value: check_int(name, value, 2, MAX_P),
    "n": lambda name, value: check_int(name, value, 2, MAX_N),
    "bits": lambda name, value: check_int(name, value, 1, MAX_BITS),
    "steps": lambda name, value: check_int(name, value, 1),
    "seed": lambda name, value: check_int(name, value, 0),
    "train_frac": check_fraction,
    "weight_decay": lambda name, value: check_number_at_least(name, value, 0),
    "lr": check_positive,
}


def check_parameters(**values):
    """Check every named value against its rule (see RULES); returns nothing."""
    for name, value in values.items():
        if name not in RULES:
            raise KeyError(f"no rule for parameter {name!r}; known: {sorted(RULES)}")
        RULES[name](name, value)
