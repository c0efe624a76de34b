"""Sweeps on Dask (lmn_utils.sweep) and their results table (lmn_utils.sweep_table)."""
import json
import os
import shutil
import subprocess
import sys
import time

import nbformat
import numpy as np
import pytest

from lmn_utils.sweep import (_warn_of_threaded_workers, check_sweep, combinations,
                             kept_environment, main, parse_grid, resolve_notebook, run_id,
                             run_sweep, sweep_lock)
from lmn_utils.sweep_table import column, read_table

NOTEBOOK_04 = resolve_notebook("04")
TINY_04 = dict(p=7, seeds=[0], steps=300, lmn_points=[1, 1, 1])  # about 15 s per run

PROBE_SOURCE = """\
import json, os, signal, time
from ipykernel import get_connection_info
info = get_connection_info(unpack=True)
time.sleep(wait)
if die:  # the kernel's parent is the dask worker process that runs papermill
    os.kill(os.getppid(), signal.SIGKILL)
if fail:
    raise RuntimeError(f"probe failed on purpose at x={x}")
with open(os.path.join(os.environ["LMN_OUTPUT_DIR"], "probe.json"), "w") as out:
    json.dump(dict(x=x, transport=info["transport"], ip=info["ip"],
                   threads=os.environ.get("OMP_NUM_THREADS"),
                   malloc=os.environ.get("MALLOC_TRIM_THRESHOLD_"),
                   redraw=os.environ.get("LMN_REDRAW")), out)
"""


@pytest.fixture
def probe(tmp_path):
    """A one-second notebook that reports how its kernel was started (and fails on request)."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 0\nfail = False\ndie = False\nwait = 0",
                                                metadata={"tags": ["parameters"]}),
                      nbformat.v4.new_code_cell(PROBE_SOURCE)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    path = tmp_path / "probe.ipynb"
    nbformat.write(notebook, path)
    return str(path)


def probe_reports(sweep_dir):
    return [json.load(open(os.path.join(sweep_dir, d, "probe.json")))
            for d in sorted(os.listdir(sweep_dir))
            if os.path.exists(os.path.join(sweep_dir, d, "probe.json"))]


def test_grid_combinations_and_run_ids():
    grid = parse_grid([["weight_decay", "0.1", "1"], ["seeds", "[0, 1]"], ["activation", "relu"]])
    assert grid == {"weight_decay": [0.1, 1], "seeds": [[0, 1]], "activation": ["relu"]}
    runs = combinations({"a": [1, 2], "b": ["x", "y"]}, {"steps": 10})
    assert runs == [{"steps": 10, "a": 1, "b": "x"}, {"steps": 10, "a": 1, "b": "y"},
                    {"steps": 10, "a": 2, "b": "x"}, {"steps": 10, "a": 2, "b": "y"}]
    assert run_id({"a": 1, "b": 2}) == run_id({"b": 2, "a": 1}) != run_id({"a": 1, "b": 3})
    with pytest.raises(ValueError, match="--grid p needs at least one value"):
        parse_grid([["p"]])


@pytest.mark.parametrize("grid, fixed, message", [
    ({"widht": [1]}, {}, "04_modular_addition.ipynb has no parameter 'widht'"),
    ({"train_frac": [0.5, 1.5]}, {}, r"train_frac must be a number in \(0, 1\)"),
    ({"weight_decay": ["big"]}, {}, "weight_decay='big' is a str; its default 0.2 is a float"),
    ({"seeds": [3]}, {}, "seeds=3 is a int; its default"),
    ({"steps": [10]}, {"steps": 20}, "steps is both a grid name and a fixed value"),
    ({}, {"quick": 1}, "quick=1 is a int; its default False is a bool"),
    ({"steps": [10]}, {"early_window": 0}, "early_window must be an integer >= 1, got 0")])
def test_bad_names_and_values_stop_before_anything_runs(grid, fixed, message, tmp_path):
    check_sweep(NOTEBOOK_04, {"weight_decay": [0, 1], "train_frac": [0.5]}, {"seeds": [0]})
    settings = {k: v for k, v in fixed.items() if k == "early_window"}
    fixed = {k: v for k, v in fixed.items() if k not in settings}
    with pytest.raises(ValueError, match=message):
        run_sweep(NOTEBOOK_04, grid, fixed, root=str(tmp_path), **settings)
    assert not os.listdir(tmp_path)  # nothing started


def test_kept_environment_restores_what_changed():
    before = dict(os.environ)
    with kept_environment():
        os.environ["LMN_TEST_ADDED"] = "1"
        os.environ["PATH"] = "changed"
        os.environ.pop("HOME")
    assert dict(os.environ) == before


def test_dask_workers_carry_the_malloc_setting_that_run_kernels_drop():
    """Why KERNEL_UNSET exists: a LocalCluster's workers have MALLOC_TRIM_THRESHOLD_ set (the
    kernels' side is checked by the probe runs below)."""
    from distributed import Client, LocalCluster

    from lmn_utils.sweep import KERNEL_UNSET
    with kept_environment():
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            values = client.run(lambda: {k: os.environ.get(k) for k in KERNEL_UNSET})
    assert [v["MALLOC_TRIM_THRESHOLD_"] for v in values.values()] == ["65536"]


def test_a_second_start_of_the_same_sweep_stops_and_a_dead_ones_lock_is_free(tmp_path):
    with sweep_lock(str(tmp_path)):
        message = f"the sweep in {tmp_path} is already running \\(process {os.getpid()} on "
        with pytest.raises(ValueError, match=message):
            with sweep_lock(str(tmp_path)):
                pass
    with sweep_lock(str(tmp_path)):  # released on exit
        pass
    # a process that took the lock and was killed holds nothing: the system released it
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from lmn_utils.sweep import sweep_lock\n"
        f"with sweep_lock({str(tmp_path)!r}):\n    print('locked', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(ValueError, match=f"already running \\(process {holder.pid} on "):
        with sweep_lock(str(tmp_path)):
            pass
    holder.kill()
    holder.wait()
    with sweep_lock(str(tmp_path)):
        assert (tmp_path / ".lock").read_text().startswith(f"process {os.getpid()} on ")


def test_workers_with_several_threads_are_named(capsys):
    class Client:
        def __init__(self, threads):
            self.threads = threads

        def nthreads(self):
            return {f"tcp://w{i}": n for i, n in enumerate(self.threads)}

    _warn_of_threaded_workers(Client([1, 1]))
    assert capsys.readouterr().err == ""
    _warn_of_threaded_workers(Client([4, 1, 2]))
    assert capsys.readouterr().err.startswith(
        "sweep: workers tcp://w0, tcp://w2 have more than one thread")


def test_four_runs_of_04_on_a_local_cluster_then_a_rerun_skips_them(tmp_path):
    grid = {"train_frac": [0.5, 0.8], "weight_decay": [0.1, 1.0]}
    environment = dict(os.environ)
    result = run_sweep(NOTEBOOK_04, grid, TINY_04, name="tiny", root=str(tmp_path), workers=2,
                       progress=False)
    assert dict(os.environ) == environment  # dask's nannies set OMP_NUM_THREADS=1 in here
    sweep_dir = tmp_path / "tiny"
    assert result["failed"] == [] and len(result["ran"]) == 4 and result["skipped"] == 0
    runs = sorted(d for d in os.listdir(sweep_dir) if (sweep_dir / d).is_dir())
    assert runs == sorted(run_id({**TINY_04, **p}) for p in combinations(grid))
    for run in runs:  # each run folder holds the executed notebook, its history and figures
        files = os.listdir(sweep_dir / run)
        assert {"run.json", "notebook.ipynb", "04_modular_addition_history.json",
                "04_modular_addition_curves.png"} <= set(files)
    rows = read_table(result["table"])
    assert len(rows) == 4 and {r["status"] for r in rows} == {"ok"}
    assert sorted((r["train_frac"], r["weight_decay"]) for r in rows) == [
        (0.5, 0.1), (0.5, 1.0), (0.8, 0.1), (0.8, 1.0)]
    assert all(r["seed"] == 0 and r["p"] == 7 and r["lmn_peak"] >= r["lmn_start"] > 1
               for r in rows)
    assert np.isfinite(column(rows, "peak_ratio")).all()
    again = run_sweep(NOTEBOOK_04, grid, TINY_04, name="tiny", root=str(tmp_path), workers=2,
                      progress=False)
    assert again["ran"] == [] and again["skipped"] == 4
    assert read_table(again["table"]) == rows
    assert json.loads((sweep_dir / "sweep.json").read_text())["early_window"] == 500
    with sweep_lock(str(sweep_dir)):  # released when the sweep ended
        pass


def test_a_failed_run_is_recorded_and_the_others_finish(probe, tmp_path, monkeypatch):
    monkeypatch.setenv("LMN_REDRAW", "1")  # a sweep run trains whatever its shell asks
    sweep_dir = tmp_path / "sweeps" / "probe"
    (sweep_dir / ".deadbeef0000.partial").mkdir(parents=True)  # left by an interrupted start
    result = run_sweep(probe, {"x": [1, 2], "fail": [False, True]}, name="probe",
                       root=str(tmp_path / "sweeps"), workers=1, progress=False)
    assert not (sweep_dir / ".deadbeef0000.partial").exists()
    failed = [r for r in result["ran"] if r["status"] == "failed"]
    assert sorted(r["error"] for r in failed) == [
        "RuntimeError: probe failed on purpose at x=1",
        "RuntimeError: probe failed on purpose at x=2"]
    assert sorted(r["x"] for r in probe_reports(sweep_dir)) == [1, 2]
    # dask's workers run with MALLOC_TRIM_THRESHOLD_=65536 (LMN 3 times slower): not the kernels
    assert [r["malloc"] for r in probe_reports(sweep_dir)] == [None, None]
    assert [r["redraw"] for r in probe_reports(sweep_dir)] == [None, None]
    rows = read_table(result["table"])
    assert [r["status"] for r in rows] == ["no history", "failed", "no history", "failed"]
    assert rows[0]["error"] == "the run wrote no *_history.json"  # the probe keeps no history
    assert rows[1]["error"] == "RuntimeError: probe failed on purpose at x=1"


def _start(command, **kwargs):
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            **kwargs)


def test_the_same_sweep_through_a_running_scheduler(probe, tmp_path):
    dask = shutil.which("dask", path=os.path.dirname(sys.executable)) or shutil.which("dask")
    scheduler_file = tmp_path / "scheduler.json"
    scheduler = _start([dask, "scheduler", "--port", "0", "--no-dashboard",
                        "--scheduler-file", str(scheduler_file)])
    worker = None
    try:
        for _ in range(300):
            if scheduler_file.exists() and scheduler_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        worker = _start([dask, "worker", address, "--nthreads", "1", "--nworkers", "2",
                         "--no-dashboard"], cwd=tmp_path)
        # as a user runs it (under `python -m`, the job must still pickle by reference)
        status = subprocess.run(
            [sys.executable, "-m", "lmn_utils.sweep", probe, "--grid", "x", "1", "2", "3", "4",
             "--name", "remote", "--root", str(tmp_path / "sweeps"), "--scheduler", address,
             "--threads-per-run", "2"], capture_output=True, text=True, timeout=300)
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.terminate()
                process.wait(30)
    assert status.returncode == 0, status.stderr[-2000:]
    assert "4 runs now (0 failed), 0 done before" in status.stdout
    reports = probe_reports(tmp_path / "sweeps" / "remote")
    assert sorted(r["x"] for r in reports) == [1, 2, 3, 4]
    # every kernel over IPC sockets in a folder of its own (no TCP port to race for), with the
    # thread count pinned
    assert {r["transport"] for r in reports} == {"ipc"}
    assert len({os.path.dirname(r["ip"]) for r in reports}) == 4
    assert {r["threads"] for r in reports} == {"2"} and {r["malloc"] for r in reports} == {None}


def test_the_command_line_names_a_bad_parameter(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["04", "--grid", "wieght_decay", "0.1"])
    assert stop.value.code == 2
    assert "has no parameter 'wieght_decay'" in capsys.readouterr().err


def test_a_run_whose_worker_is_killed_is_recorded_failed_and_the_others_finish(probe, tmp_path):
    import dask
    import distributed  # noqa: F401  (its config defaults loaded first, so `set` restores them)
    sweep_dir = tmp_path / "sweeps" / "probe"
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        result = run_sweep(probe, {"x": [1, 2], "die": [False, True]}, name="probe",
                           root=str(tmp_path / "sweeps"), workers=2, progress=False)
    lost = [r for r in result["ran"] if r["status"] == "failed"]
    assert sorted(r["parameters"]["x"] for r in lost) == [1, 2]
    assert all(r["error"].startswith("worker lost: KilledWorker") for r in lost)
    assert sorted(r["x"] for r in probe_reports(sweep_dir)) == [1, 2]  # the others finished
    rows = read_table(result["table"])
    assert sorted(r["status"] for r in rows) == ["failed", "failed", "no history", "no history"]
    assert not list(sweep_dir.glob(".*.partial"))


def test_an_interrupted_start_resumes_where_it_stopped(probe, tmp_path):
    root = tmp_path / "sweeps"
    command = [sys.executable, "-m", "lmn_utils.sweep", probe, "--grid", "x", "1", "2", "3",
               "-p", "wait", "2", "--name", "probe", "--root", str(root), "--workers", "1"]
    first = _start(command, start_new_session=True)  # its workers in its process group
    deadline = time.time() + 120
    while time.time() < deadline and len(probe_reports_or_none(root / "probe")) < 1:
        time.sleep(0.5)
    os.killpg(first.pid, 9)  # interrupted for real, workers too: no cleanup runs
    first.wait()
    done_before = len(probe_reports_or_none(root / "probe"))
    assert 1 <= done_before < 3
    result = run_sweep(probe, {"x": [1, 2, 3]}, {"wait": 2}, name="probe", root=str(root),
                       workers=1, progress=False)
    assert result["skipped"] == done_before and len(result["ran"]) == 3 - done_before
    assert sorted(r["x"] for r in probe_reports(root / "probe")) == [1, 2, 3]
    assert not list((root / "probe").glob(".*.partial"))


def probe_reports_or_none(sweep_dir):
    """The probe reports of the runs that have ended (their run folder renamed into place)."""
    if not os.path.isdir(sweep_dir):
        return []
    return [d for d in os.listdir(sweep_dir)
            if not d.startswith(".") and os.path.exists(os.path.join(sweep_dir, d, "run.json"))]


def test_table_so_far_lists_the_ended_runs_and_those_not_run_without_running_any(tmp_path):
    from lmn_utils.sweep import combinations, run_id, table_so_far
    from lmn_utils.sweep_table import read_table
    grid, fixed = {"weight_decay": [0.1, 0.2]}, {"seeds": [0]}
    (tmp_path / "sweep.json").write_text(json.dumps(dict(notebook="04_modular_addition.ipynb",
                                                         grid=grid, fixed=fixed)))
    first, second = (run_id(p) for p in combinations(grid, fixed))
    (tmp_path / first).mkdir()
    (tmp_path / first / "run.json").write_text(json.dumps(dict(
        run_id=first, status="failed", error="boom", parameters={"weight_decay": 0.1})))
    rows = read_table(table_so_far(str(tmp_path)))
    assert [(r["run_id"], r["status"]) for r in rows] == [(first, "failed"), (second, "not run")]
    assert not (tmp_path / second).exists()  # nothing ran


def test_a_finished_run_recomputed_by_dask_is_not_run_again(tmp_path):
    """Dask recomputes a restarted worker's finished tasks; execute_run returns the record the
    run wrote instead of running the notebook again (a missing notebook would fail)."""
    from lmn_utils.sweep import execute_run
    done = tmp_path / "abc123"
    done.mkdir()
    record = dict(run_id="abc123", notebook="04_modular_addition.ipynb", parameters={},
                  status="ok", error=None, seconds=12.0)
    (done / "run.json").write_text(json.dumps(record))
    (done / "04_modular_addition_history.json").write_text("{}")
    assert execute_run(str(tmp_path / "no_such_notebook.ipynb"), {}, str(done)) == record
    assert sorted(p.name for p in done.iterdir()) == ["04_modular_addition_history.json",
                                                      "run.json"]
    assert not (tmp_path / ".abc123.partial").exists()
