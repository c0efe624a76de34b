"""environment.yml (conda) and pyproject.toml (pip) must list the same dependencies."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pytorch": "torch"}


def _name_and_bound(requirement):
    name, bound = re.match(r"([A-Za-z0-9_.-]+)\s*(.*)", requirement.strip()).groups()
    name = CONDA_NAMES.get(name.lower(), name.lower())
    return name, bound.replace(" ", "")


def test_environment_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_deps = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        pip_deps += extra
    pip = dict(_name_and_bound(r) for r in pip_deps)
    text = (ROOT / "environment.yml").read_text().split("dependencies:", 1)[1]
    conda_lines = re.findall(r"^  - (\S.*)$", text, re.M)
    conda = dict(_name_and_bound(r) for r in conda_lines
                 if not r.startswith(("python", "pip")))
    assert conda == pip
