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


def readme_own_network_example():
    """The Python block under the README's 'own-network example' marker."""
    text = (ROOT / "README.md").read_text()
    after = text.split("<!-- own-network example", 1)[1]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


def test_a_wheel_installs_without_e_and_runs_the_readme_example(tmp_path):
    """Build a wheel, install it (no -e, no dependencies) into a fresh virtual environment that
    sees this environment's packages but not this checkout, and run the README's example there."""
    import site
    import subprocess
    import sys
    import venv
    import shutil
    source = tmp_path / "source"  # a clean copy: no build/ folder of an earlier build is reused
    shutil.copytree(ROOT / "lmn_utils", source / "lmn_utils",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path / "dist"), str(source)], check=True)
    wheel, = (tmp_path / "dist").glob("lmn_utils-*.whl")
    venv.create(tmp_path / "env", with_pip=True)
    python = tmp_path / "env" / "bin" / "python"
    env_site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                               "['purelib'])"], capture_output=True, text=True, check=True)
    # the dependencies (torch, numpy, scipy, ...) from here; the editable lmn_utils is not seen:
    # a path in a .pth file is added without processing the .pth files it holds
    (Path(env_site.stdout.strip()) / "deps.pth").write_text("\n".join(site.getsitepackages()))
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)], check=True)
    script = tmp_path / "example.py"
    script.write_text("import lmn_utils, sys\nprint(lmn_utils.__file__, file=sys.stderr)\n"
                      + readme_own_network_example())
    run = subprocess.run([str(python), str(script)], capture_output=True, text=True,
                         cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "LMN_COMPILE": "0"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert str(tmp_path / "env") in run.stderr.splitlines()[0]  # the wheel's copy, not ROOT's
    assert "LMN from the hidden layer to the output:" in run.stdout
    for package in ("lmn_utils.measures",):
        check = subprocess.run([str(python), "-c", f"import {package}"], cwd=tmp_path,
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


# import names of the distributions a student's install (`make student`: the core dependencies
# and the notebooks extra) provides, beyond the standard library and lmn_utils itself
STUDENT_IMPORTS = {"torch", "numpy", "matplotlib", "tqdm", "scipy", "statsmodels", "IPython",
                   "ipykernel", "jupytext", "papermill"}
EXTRAS_NOT_FOR_STUDENTS = ("dask", "distributed", "jupyter_book", "selenium", "pytest",
                           "hypothesis", "nbval")


def _top_level_imports(source):
    import ast
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_notebooks_need_only_the_students_install():
    import sys
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name_and_bound(r)[0] for r in project["dependencies"]
                + project["optional-dependencies"]["notebooks"]}
    assert {"torch", "numpy", "matplotlib", "tqdm", "scipy", "statsmodels", "papermill"} <= declared
    for script in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")):
        outside = {name for name in _top_level_imports(script.read_text())
                   if name not in sys.stdlib_module_names and name != "lmn_utils"}
        assert outside <= STUDENT_IMPORTS, f"{script.name} imports {outside - STUDENT_IMPORTS}"
    assert "student:" in (ROOT / "Makefile").read_text()
    assert 'pip install -q -e ".[notebooks]"' in (ROOT / "Makefile").read_text()


def test_lmn_utils_and_its_notebook_calls_import_without_the_other_extras():
    """In a fresh interpreter where the sweep, site and test extras cannot be imported, the
    library and what the notebooks call from it still import."""
    import subprocess
    import sys
    blocked = ", ".join(repr(name) for name in EXTRAS_NOT_FOR_STUDENTS)
    code = (f"import sys\nfor name in ({blocked},): sys.modules[name] = None\n"
            "import lmn_utils, lmn_utils.confirm, lmn_utils.claims, lmn_utils.report, "
            "lmn_utils.exercises, lmn_utils.plotting, lmn_utils.analysis, lmn_utils.study, "
            "lmn_utils.sweep_table, lmn_utils.run_notebooks\nprint('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env={**__import__("os").environ, "LMN_COMPILE": "0"})
    assert done.stdout.strip() == "ok", done.stderr[-800:]
