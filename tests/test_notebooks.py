"""The notebook machinery: pairs in sync, parameters cells, committed outputs, the runner."""
import json
import os
import re
import tempfile

import pytest

from lmn_utils import run_notebooks

jupytext = pytest.importorskip("jupytext")

NOTEBOOKS = run_notebooks.committed_notebooks()


def _code_and_markdown(notebook):
    return [(c.cell_type, c.source.strip()) for c in notebook.cells if c.cell_type != "raw"]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 8


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_pair_in_sync(path):
    script = path[:-len(".ipynb")] + ".py"
    assert os.path.exists(script), f"{script} is missing: run jupytext --sync"
    assert _code_and_markdown(jupytext.read(path)) == _code_and_markdown(jupytext.read(script))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_parameters_cell_first_and_clean(path):
    cells = json.load(open(path))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", []), "first code cell must be tagged"
    assert not any("injected-parameters" in c["metadata"].get("tags", []) for c in cells)
    assert "output_dir" in run_notebooks.parameter_names(path)
    with open(path[:-len(".ipynb")] + ".py") as script:
        assert "injected-parameters" not in script.read()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_committed_notebook_is_executed_in_order_without_errors(path):
    code = [c for c in json.load(open(path))["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "re-run the notebook top to bottom"
    assert not [o for c in code for o in c["outputs"] if o["output_type"] == "error"]


def test_runner_refuses_a_misspelt_parameter():
    with pytest.raises(ValueError, match="has no parameter 'seedz'"):
        run_notebooks.check_parameter_names(NOTEBOOKS[0], {"seedz": 1})
    run_notebooks.check_parameter_names(NOTEBOOKS[0], {"output_dir": "x"})


def test_runner_keeps_parametrised_runs_out_of_figures(tmp_path, monkeypatch):
    calls = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(run_notebooks, "_sync", lambda notebook: None)
    monkeypatch.setattr(run_notebooks, "run_notebook",
                        lambda nb, out, params, progress=False: calls.append((nb, out, params)))
    run_notebooks.main([os.path.basename(NOTEBOOKS[0])[:2], "-p", "seed", "3"])
    (notebook, output, parameters), = calls
    assert output == os.path.join("scratch", os.path.basename(notebook))
    assert parameters == {"seed": 3, "output_dir": str(tmp_path / "scratch" / "figures")}


BAD_VALUES = [("04", {"p": 1}, "p must be"), ("05", {"n": 1}, "n must be"),
              ("06", {"bits": 0}, "bits must be"), ("04", {"activation": "swish"}, "activation must be"),
              ("06", {"layer": "hidden3"}, "layer must be"), ("01", {"width": 0}, "width must be"),
              ("04", {"lmn_points": [2, 16]}, "lmn_points must be 3 integers"),
              ("06", {"compare_bits": 99}, "compare_bits must be"),
              ("09", {"heads": 3}, "heads must divide d_model"),
              ("09", {"layer": "hidden1"}, "tap must be one of"),
              ("05", {"lmn_samples": "some"}, "lmn_samples must be 'auto', 'all' or an integer"),
              ("04", {"weight_decay": -0.1}, "weight_decay must be a number >= 0")]


@pytest.mark.parametrize("prefix, parameters, message", BAD_VALUES,
                         ids=[f"{p}-{next(iter(v))}" for p, v, _ in BAD_VALUES])
def test_bad_parameter_value_stops_the_notebook_naming_it(prefix, parameters, message, tmp_path):
    papermill = pytest.importorskip("papermill")
    notebook, = [nb for nb in NOTEBOOKS if os.path.basename(nb).startswith(prefix)]
    with pytest.raises(papermill.PapermillExecutionError) as error:
        papermill.execute_notebook(notebook, str(tmp_path / "out.ipynb"), kernel_name="python3",
                                   parameters={**parameters, "output_dir": str(tmp_path)},
                                   cwd=os.path.dirname(notebook), progress_bar=False)
    assert error.value.ename == "ValueError" and message in error.value.evalue
    assert "\n" not in error.value.evalue  # one line


def test_an_edit_during_a_run_survives_the_next_run(tmp_path, monkeypatch):
    """The script edited while its notebook runs must stay the newer file, so that the next
    run's sync (newest wins) takes the edit instead of overwriting it with the executed copy."""
    papermill = pytest.importorskip("papermill")
    source = NOTEBOOKS[0]
    notebook = tmp_path / os.path.basename(source)
    script = tmp_path / (notebook.stem + ".py")
    notebook.write_text(open(source).read())
    script.write_text(open(source[:-len(".ipynb")] + ".py").read())
    old = os.path.getmtime(script) - 100
    os.utime(script, (old, old))

    def execute(input_path, output_path, **kwargs):
        script.write_text(script.read_text() + "\n# an edit made during the run\n")
        os.utime(script, (old + 1, old + 1))  # an editor may keep an older timestamp
        with open(input_path) as src, open(output_path, "w") as dst:
            dst.write(src.read())

    monkeypatch.setattr(papermill, "execute_notebook", execute)
    monkeypatch.setattr(run_notebooks, "drop_volatile", lambda path: None)
    run_notebooks.run_notebook(str(notebook))
    assert "an edit made during the run" in script.read_text()
    assert os.path.getmtime(script) >= os.path.getmtime(notebook)


def _run(prefix, parameters, tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    monkeypatch.delenv("LMN_OUTPUT_DIR", raising=False)  # the figures must land in tmp_path
    notebook, = [nb for nb in NOTEBOOKS if os.path.basename(nb).startswith(prefix)]
    output = tmp_path / "out.ipynb"
    papermill.execute_notebook(notebook, str(output), kernel_name="python3",
                               parameters={**parameters, "output_dir": str(tmp_path)},
                               cwd=os.path.dirname(notebook), progress_bar=False,
                               config=run_notebooks.ipc_kernel_config(tempfile.mkdtemp(prefix="lmn-kernel-")))
    cells = json.load(open(output))["cells"]
    return "".join(t for c in cells if c["cell_type"] == "code" for o in c["outputs"]
                   for t in o.get("text", []))


@pytest.mark.parametrize("prefix, history", [("04", "04_modular_addition_history.json"),
                                             ("05", "05_permutation_composition_history.json"),
                                             ("06", "06_bitwise_xor_history.json")])
def test_redraw_mode_draws_every_figure_from_the_saved_run_without_training(
        prefix, history, tmp_path, monkeypatch):
    printed = _run(prefix, {"redraw": True}, tmp_path, monkeypatch)
    assert "5 seeds, 20000 steps" in printed and "supported" in printed
    assert len(list(tmp_path.glob(f"{prefix}_*.png"))) >= 2
    assert not (tmp_path / history).exists()  # loaded, not trained and saved


def test_07_redraws_figures_3_and_4_and_the_precision_comparison_without_training(
        tmp_path, monkeypatch):
    printed = _run("07", {"redraw": True}, tmp_path, monkeypatch)
    assert "equal up to rounding (largest relative gap below 1e-9): True" in printed  # hidden2 (pre)
    assert "mean off-diagonal connectivity" in printed  # Figure 4 from the saved snapshots
    assert {f"07_{name}.png" for name in ("figure3_lmn_per_layer", "figure4_connectivity",
                                          "float32_vs_float64")} <= {
        path.name for path in tmp_path.glob("07_*.png")}
    assert not list(tmp_path.glob("07_*_history.json"))  # loaded, not trained and saved


def test_quick_mode_trains_one_seed_and_still_groks(tmp_path, monkeypatch):
    printed = _run("04", {"quick": True}, tmp_path, monkeypatch)
    assert "1 seeds, 8000 steps" in printed
    assert "seeds that never reach 100% test accuracy: none" in printed
    assert (tmp_path / "04_modular_addition_history.json").exists()


# Every grokking notebook with a run too short to memorise or generalise (a few hundred steps,
# one seed, small tasks): it must say so and finish, not stop in a cell that needs a phase.
SHORT_RUNS = {
    "04": {"p": 11, "seeds": [0], "steps": 300},
    "05": {"n": 3, "seeds": [0], "steps": 300},
    "06": {"bits": 3, "seeds": [0], "steps": 300, "compare_bits": 0},
    "07": {"p": 11, "steps": 300},
    "09": {"p": 11, "seeds": [0], "steps": 300},
}


@pytest.mark.parametrize("prefix", sorted(SHORT_RUNS))
def test_a_grokking_notebook_finishes_when_no_seed_generalises(prefix, tmp_path, monkeypatch):
    printed = _run(prefix, SHORT_RUNS[prefix], tmp_path, monkeypatch)
    if prefix != "07":  # 07 has one seed and no phase table: finishing is the test
        assert re.search(r"never|no seed|not measured|n/a", printed), printed[-500:]
