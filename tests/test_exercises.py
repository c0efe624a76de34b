"""The "check yourself" exercises of notebooks 01-04: each notebook's hidden solution passes its
check, the notebook's stub is reported as not attempted, and a wrong answer fails."""
import copy
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from lmn_utils import exercises

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
EXERCISES = {"01": "check_regions_along_a_line", "02": "check_pair_connectivity",
             "03": "check_lmn", "04": "check_memorisation_step"}


def _solution(notebook):
    """The code of the notebook's "A solution" block (a commented markdown cell)."""
    text = notebook.read_text()
    block = text.split("<details><summary>A solution</summary>", 1)[1].split("</details>", 1)[0]
    code = re.search(r"```python\n(.*?)# ```", block, re.S).group(1)
    return "\n".join(line[2:] if line.startswith("# ") else line[1:] for line in code.splitlines())


@pytest.mark.parametrize("number, check", sorted(EXERCISES.items()))
def test_the_hidden_solution_passes_and_the_stub_does_not(number, check, capsys):
    (notebook,) = NOTEBOOKS.glob(f"{number}_*.py")
    scope = {"np": np, "torch": torch, "copy": copy}
    exec(_solution(notebook), scope)
    (name,) = [k for k in scope if k.startswith("my_")]
    assert getattr(exercises, check)(scope[name]) is True
    assert "correct: all" in capsys.readouterr().out
    stub = re.search(rf"(def {name}\(.*?raise NotImplementedError)", notebook.read_text(), re.S)
    stub_scope = {}
    exec(stub.group(1), stub_scope)
    assert getattr(exercises, check)(stub_scope[name]) is False
    assert "not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize("check, wrong", [
    ("check_regions_along_a_line", lambda net, xs: 1),
    ("check_pair_connectivity", lambda f, x_i, x_j, n: 1.0),
    ("check_lmn", lambda L: float(torch.linalg.matrix_rank(L))),
    ("check_memorisation_step", lambda steps, acc: int(steps[np.argmax(acc >= 1.0)])),
])
def test_a_wrong_answer_names_the_first_case_that_differs(check, wrong, capsys):
    assert getattr(exercises, check)(wrong) is False
    assert re.match(r"case \d+ of \d+: expected .*, got ", capsys.readouterr().out)
