"""The Examples in the public entry points' docstrings run, and say what they print."""
import doctest
import importlib

import pytest

MODULES = ["lmn_utils.measures.model_lmn", "lmn_utils.measures.metric", "lmn_utils.tasks",
           "lmn_utils.models", "lmn_utils.inference", "lmn_utils.lack_of_fit", "lmn_utils.exercises"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.setenv("LMN_COMPILE", "0")  # eager: the examples are about values, not speed
    result = doctest.testmod(importlib.import_module(name),
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no example"
    assert result.failed == 0
