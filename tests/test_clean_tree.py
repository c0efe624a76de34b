"""Running the tests or the notebooks leaves the repository as it was (issue 18).

nbval's executions write to LMN_OUTPUT_DIR, never to tracked files; the runner drops what
changes on every run (timestamps, durations, progress bars), so a rerun with unchanged code
rewrites nothing; figures and texts are written atomically.
"""
import os
import shutil
import subprocess
import sys

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lmn_utils import folders, run_notebooks  # noqa: E402
from lmn_utils.plotting import save_figure  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHEAP = [nb for nb in run_notebooks.committed_notebooks() if os.path.basename(nb).startswith("01")]
SMALL_01 = {"resolution": 60, "train_steps": 20}


def test_output_folder_is_the_parameter_unless_the_variable_is_set(monkeypatch, tmp_path):
    monkeypatch.delenv(folders.OUTPUT_DIR_VARIABLE, raising=False)
    assert folders.output_folder("../figures") == "../figures"
    monkeypatch.setenv(folders.OUTPUT_DIR_VARIABLE, str(tmp_path))
    assert folders.output_folder("../figures") == str(tmp_path)
    with pytest.raises(ValueError, match="output_dir must be a folder path"):
        folders.output_folder(3)


def test_input_folder_moves_only_when_every_file_is_there(monkeypatch, tmp_path):
    monkeypatch.setenv(folders.OUTPUT_DIR_VARIABLE, str(tmp_path))
    (tmp_path / "a.json").write_text("{}")
    assert folders.input_folder("../figures", ["a.json", "b.json"]) == "../figures"
    (tmp_path / "b.json").write_text("{}")
    assert folders.input_folder("../figures", ["a.json", "b.json"]) == str(tmp_path)


def test_an_interrupted_save_leaves_the_previous_file(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    path, = save_figure(fig, "line", str(tmp_path), formats=("png",))
    before = open(path, "rb").read()

    def broken_savefig(target, **kwargs):
        with open(target, "wb") as out:
            out.write(b"half a png")
        raise KeyboardInterrupt

    fig.savefig = broken_savefig
    with pytest.raises(KeyboardInterrupt):
        save_figure(fig, "line", str(tmp_path), formats=("png",))
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == ["line.png"]  # no temporary file left behind
    plt.close(fig)


def test_write_text_replaces_whole_files(tmp_path):
    path = folders.write_text(tmp_path / "sub" / "t.md", "one\n")
    folders.write_text(path, "two\n")
    assert open(path).read() == "two\n" and os.listdir(tmp_path / "sub") == ["t.md"]


def test_drop_volatile_keeps_results_and_drops_timings(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.v4.new_notebook(metadata={"papermill": {"duration": 1.0}})
    bar = nbformat.v4.new_output("stream", name="stderr", text="\r50%|##| 1/2 [00:01<00:01]")
    printed = nbformat.v4.new_output("stream", name="stdout", text="LMN 3.0\n")
    notebook.cells = [
        nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\ntrain()", outputs=[bar, printed],
                                  metadata={"execution": {"iopub.status.busy": "t"}}),
        nbformat.v4.new_code_cell("warn()", outputs=[
            nbformat.v4.new_output("stream", name="stderr", text="a warning\n")])]
    path = str(tmp_path / "n.ipynb")
    nbformat.write(notebook, path)
    run_notebooks.drop_volatile(path)
    cleaned = nbformat.read(path, as_version=4)
    assert "papermill" not in cleaned.metadata and "execution" not in cleaned.cells[0].metadata
    assert [o["text"] for o in cleaned.cells[0].outputs] == ["LMN 3.0\n"]
    assert [o["text"] for o in cleaned.cells[1].outputs] == ["a warning\n"]  # not marked


def _tracked_files_state():
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    names = [n for n in listed.stdout.decode().split("\0") if n]
    status = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    return status, {n: os.stat(os.path.join(ROOT, n)).st_mtime_ns for n in names
                    if os.path.exists(os.path.join(ROOT, n))}


@pytest.mark.skipif(shutil.which("git") is None or not os.path.isdir(os.path.join(ROOT, ".git")),
                    reason="needs a git checkout")
def test_nbval_as_the_test_command_runs_it_touches_no_tracked_file(tmp_path):
    pytest.importorskip("nbval")
    before = _tracked_files_state()
    env = {**os.environ, folders.OUTPUT_DIR_VARIABLE: str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", CHEAP[0], "--nbval", "--nbval-sanitize-with",
         "notebooks/sanitize.cfg", "-p", "no:cacheprovider", "-q"],
        cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
    assert _tracked_files_state() == before  # neither content nor modification times changed
    assert "01_relu_2d_regions.png" in os.listdir(tmp_path)  # the figures went here instead


def test_a_rerun_through_the_runner_rewrites_nothing(tmp_path, monkeypatch):
    pytest.importorskip("papermill")
    monkeypatch.setenv(folders.OUTPUT_DIR_VARIABLE, str(tmp_path / "figures"))
    copy = str(tmp_path / os.path.basename(CHEAP[0]))
    shutil.copy(CHEAP[0], copy)
    shutil.copy(CHEAP[0][:-len(".ipynb")] + ".py", copy[:-len(".ipynb")] + ".py")

    def outputs():
        files = [copy] + sorted(str(p) for p in (tmp_path / "figures").iterdir())
        return {f: open(f, "rb").read() for f in files}

    run_notebooks.run_notebook(copy, parameters=SMALL_01)
    first = outputs()
    run_notebooks.run_notebook(copy, parameters=SMALL_01)
    assert outputs() == first
    assert b'"papermill"' not in first[copy] and b"iopub.execute_input" not in first[copy]
