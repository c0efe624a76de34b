"""Every one-line check of a value the user gives (a notebook parameter, a config field): one
rule per kind of value, each raising a ValueError that names the parameter and what is
allowed. Tasks, parameters, samples, training and sweeps call these; the measures
(`lmn_utils.measures`) check their own inputs and import nothing from here."""


def check_int(name, value, minimum, maximum=None):
    """ValueError naming `name` unless value is an int (not a bool) in [minimum, maximum]."""
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if not is_int or value < minimum or (maximum is not None and value > maximum):
        allowed = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be an integer {allowed}, got {value!r}")


def check_fraction(name, value):
    """ValueError naming `name` unless value is a number in (0, 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ValueError(f"{name} must be a number in (0, 1), got {value!r}")


def check_number_at_least(name, value, minimum):
    """ValueError naming `name` unless value is a number >= minimum."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise ValueError(f"{name} must be a number >= {minimum}, got {value!r}")


def check_positive(name, value):
    """ValueError naming `name` unless value is a number > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")


def check_choice(name, value, allowed):
    """ValueError naming `name` unless value is one of `allowed`."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}")
