"""Parametrised sweeps of a notebook on Dask.

    python -m lmn_utils.sweep NOTEBOOK --grid NAME VALUE [VALUE ...] [--grid ...] [-p NAME VALUE]
                              [--name SWEEP] [--root sweeps] [--scheduler ADDRESS]
                              [--threads-per-run 1] [--workers N] [--early-window 500]

Every combination of the grid's values, with the fixed `-p` values, is one papermill execution
of the notebook. Names and values are checked against the notebook's `parameters` cell (and the
library's rules, `check_parameters`) before anything starts. The runs go to a `dask.distributed`
cluster: by default a LocalCluster of cores / threads-per-run worker processes, one thread each;
with --scheduler, an existing cluster (its workers must see this folder and import lmn_utils;
start them with `--nthreads 1`, one run per worker process).

sweeps/SWEEP/ holds:
  sweep.json         the notebook, grid, fixed values and early window of the last start
  .lock              locked while a start runs (a second start of the same sweep stops)
  RUN_ID/            a run that ended: run.json (status "ok" or "failed" with its error line,
                     parameters, seconds), notebook.ipynb (executed), the notebook's figures
                     and history. RUN_ID is a hash of the run's parameters.
  .RUN_ID.partial/   a run in progress; renamed to RUN_ID/ only when it has ended, so an
                     interrupted sweep leaves nothing counted as done (the next start removes it)
  results.csv        one row per run and seed (`sweep_table`), written when the sweep ends

A rerun skips the runs that finished ("ok") and runs again those that failed or never ended.
Each run's kernel talks to papermill over IPC sockets in a folder of its own, not over TCP
ports: parallel kernel starts cannot race for a port (papermill issue 511, "Address already in
use"). The kernel's thread count is pinned (OMP_NUM_THREADS and kin = threads-per-run), and the
malloc setting dask gives its workers and $LMN_REDRAW are not passed on to it (`KERNEL_UNSET`).
"""
import argparse
import contextlib
import hashlib
import itertools
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time

from .folders import OUTPUT_DIR_VARIABLE, REDRAW_VARIABLE, write_text
from .parameters import RULES, check_parameters
from .run_notebooks import (NOTEBOOKS, _parse_value, drop_volatile, ipc_kernel_config,
                            parameter_defaults)
from .sweep_table import EARLY_WINDOW, collect, write_table
from .validation import check_int

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
# unset for a run's kernel: MALLOC_TRIM_THRESHOLD_, set by dask's nannies in their workers
# (65536): with it, glibc hands torch's large temporary buffers back to the system after every
# use, which made LMN about three times slower (measured in BENCHMARKS.md); LMN_REDRAW: a sweep
# run trains, whatever the shell it started from asks of the notebooks (`modes.py`)
KERNEL_UNSET = ("MALLOC_TRIM_THRESHOLD_", REDRAW_VARIABLE)
_KERNEL_ENVIRONMENT = threading.Lock()  # one run at a time sets a worker process's environment


def parse_grid(entries):
    """[[name, value, ...], ...] (argparse's --grid) -> {name: [values]}; values are Python
    literals where they parse ("0.1" -> 0.1, "[0, 1]" -> [0, 1]), else strings."""
    grid = {}
    for name, *values in entries:
        if not values:
            raise ValueError(f"--grid {name} needs at least one value")
        if name in grid:
            raise ValueError(f"--grid {name} is given twice")
        grid[name] = [_parse_value(v) for v in values]
    return grid


def combinations(grid, fixed=None):
    """Every combination of the grid's values, each merged over the fixed values, in grid order."""
    names = list(grid)
    return [{**(fixed or {}), **dict(zip(names, values))}
            for values in itertools.product(*(grid[n] for n in names))]


def run_id(parameters):
    """A run's folder name: the first 12 hex digits of a hash of its parameters (sorted)."""
    text = json.dumps(parameters, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _kind(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "int" if isinstance(value, int) else "float"
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__


_ACCEPTS = {"bool": {"bool"}, "int": {"int"}, "float": {"int", "float"}, "list": {"list"},
            "str": {"str"}}


def check_value(notebook, name, value, default):
    """A value must be of its default's kind (an int where the default is a float is fine) and
    pass the library's rule for that name, if it has one."""
    if default is not None and _kind(value) not in _ACCEPTS.get(_kind(default), {_kind(default)}):
        raise ValueError(f"{notebook}: {name}={value!r} is a {_kind(value)}; its default "
                         f"{default!r} is a {_kind(default)}")
    if name in RULES:
        check_parameters(**{name: value})


def check_sweep(notebook, grid, fixed=None):
    """Stop with one line on a name the notebook does not have or a value it cannot take."""
    defaults = parameter_defaults(notebook)
    label = os.path.basename(notebook)
    both = sorted(set(grid) & set(fixed or {}))
    if both:
        raise ValueError(f"{both[0]} is both a grid name and a fixed value (-p)")
    for name in [*grid, *(fixed or {})]:
        if name not in defaults:
            raise ValueError(f"{label} has no parameter {name!r}; its parameters are "
                             f"{sorted(defaults)}")
    for name, values in grid.items():
        for value in values:
            check_value(label, name, value, defaults[name])
    for name, value in (fixed or {}).items():
        check_value(label, name, value, defaults[name])


def run_status(run_dir):
    """'ok' or 'failed' for a run that ended, None for one that never did."""
    record = os.path.join(run_dir, "run.json")
    if not os.path.exists(record):
        return None
    with open(record) as source:
        return json.load(source)["status"]


def error_line(error):
    """One line for a failed run: the notebook's exception (papermill keeps its name and value)
    or the error that stopped the run."""
    name = getattr(error, "ename", None) or type(error).__name__
    value = getattr(error, "evalue", None) if hasattr(error, "ename") else str(error)
    lines = str(value).strip().splitlines()
    return f"{name}: {lines[-1] if lines else ''}"[:300]


@contextlib.contextmanager
def kept_environment():
    """os.environ as it was on entry, restored on exit whatever changed it (a run's variables;
    a LocalCluster's nannies, which set OMP_NUM_THREADS=1 and kin in the parent and keep them).
    Only the variables that differ are put back: other threads never see a cleared environment."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        for key in [k for k in os.environ if k not in saved]:
            del os.environ[key]
        for key, value in saved.items():
            if os.environ.get(key) != value:
                os.environ[key] = value


@contextlib.contextmanager
def sweep_lock(sweep_dir):
    """An exclusive lock on sweep_dir/.lock while a sweep starts and runs, so that a second start
    of the same sweep stops with one line instead of removing the first one's runs in progress.
    The system releases it when the process ends, however it ends (flock: no stale locks)."""
    import fcntl
    with open(os.path.join(sweep_dir, ".lock"), "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            raise ValueError(f"the sweep in {sweep_dir} is already running ({holder})") from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"process {os.getpid()} on {socket.gethostname()}")
        lock.flush()
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def execute_run(notebook, parameters, run_dir, threads=1):
    """One run, in whatever process calls it (a Dask worker): papermill executes `notebook`
    with `parameters` into .RUN_ID.partial/, which becomes `run_dir` when the run has ended.
    Returns the run's record (what run.json holds). A failure in the notebook is recorded, not
    raised. A run that has already ended well is not run again: Dask recomputes the tasks of a
    worker it restarts (one that missed its heartbeats, e.g. while paused), finished ones too,
    and those get the record they wrote."""
    if run_status(run_dir) == "ok":
        with open(os.path.join(run_dir, "run.json")) as source:
            return json.load(source)
    import papermill
    parent, name = os.path.split(os.path.abspath(run_dir))
    partial = os.path.join(parent, f".{name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    socket_dir = tempfile.mkdtemp(prefix="lmn-kernel-")  # short: a socket path has ~100 chars
    record = dict(run_id=name, notebook=os.path.basename(notebook), parameters=parameters,
                  status="ok", error=None)
    started = time.perf_counter()
    with _KERNEL_ENVIRONMENT, kept_environment():
        for variable in KERNEL_UNSET:
            os.environ.pop(variable, None)
        os.environ.update({OUTPUT_DIR_VARIABLE: partial,
                           **{k: str(threads) for k in THREAD_VARIABLES}})
        try:
            output = os.path.join(partial, "notebook.ipynb")
            papermill.execute_notebook(notebook, output, parameters=parameters,
                                       kernel_name="python3", language="python",
                                       cwd=os.path.dirname(os.path.abspath(notebook)),
                                       progress_bar=False, config=ipc_kernel_config(socket_dir))
            drop_volatile(output)
        except Exception as error:  # recorded: one failed run does not stop the others
            record.update(status="failed", error=error_line(error))
        finally:
            shutil.rmtree(socket_dir, ignore_errors=True)
    record["seconds"] = round(time.perf_counter() - started, 1)
    write_text(os.path.join(partial, "run.json"), json.dumps(record, indent=1))
    shutil.rmtree(run_dir, ignore_errors=True)  # a failed earlier attempt
    os.replace(partial, run_dir)
    return record


def record_lost_run(notebook, run_dir, parameters, error):
    """The record of a run whose worker died (dask gave up on it: KilledWorker) or that was
    lost otherwise: written as a failed run, so the other runs finish, the table is written,
    and a rerun tries it again."""
    parent, name = os.path.split(os.path.abspath(run_dir))
    shutil.rmtree(os.path.join(parent, f".{name}.partial"), ignore_errors=True)
    record = dict(run_id=name, notebook=os.path.basename(notebook), parameters=parameters,
                  status="failed", error=f"worker lost: {error_line(error)}", seconds=None)
    os.makedirs(run_dir, exist_ok=True)
    write_text(os.path.join(run_dir, "run.json"), json.dumps(record, indent=1))
    return record


def remove_partial_runs(sweep_dir):
    """Folders of runs an earlier, interrupted start left behind."""
    if os.path.isdir(sweep_dir):
        for entry in os.listdir(sweep_dir):
            if entry.startswith(".") and entry.endswith(".partial"):
                shutil.rmtree(os.path.join(sweep_dir, entry), ignore_errors=True)


def default_workers(threads_per_run):
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores // threads_per_run)


def _client(scheduler, workers, threads_per_run):
    """A Dask client of the cluster at `scheduler`, or of a new LocalCluster (closed with it)."""
    from distributed import Client, LocalCluster
    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(n_workers=workers or default_workers(threads_per_run),
                           threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster), cluster


def resolve_notebook(name):
    """A notebook path, or a prefix of one in notebooks/ ("04" -> notebooks/04_....ipynb)."""
    if os.path.exists(name):
        return os.path.abspath(name)
    matches = sorted(f for f in os.listdir(NOTEBOOKS)
                     if f.startswith(name) and f.endswith(".ipynb") and ".running." not in f)
    if len(matches) != 1:
        raise ValueError(f"notebook {name!r} matches {len(matches)} notebooks in {NOTEBOOKS}")
    return os.path.join(NOTEBOOKS, matches[0])


def _warn_of_threaded_workers(client):
    """A run sets its worker process's environment, so a worker runs one notebook at a time
    whatever its thread count: say so where a worker has several threads."""
    threaded = sorted(address for address, n in client.nthreads().items() if n > 1)
    if threaded:
        print(f"sweep: workers {', '.join(threaded)} have more than one thread, and each runs "
              "one notebook at a time: start workers with --nthreads 1 (and more --nworkers)",
              file=sys.stderr)


def run_sweep(notebook, grid, fixed=None, name=None, root="sweeps", scheduler=None,
              workers=None, threads_per_run=1, progress=True, early_window=EARLY_WINDOW):
    """Run every combination not yet done; returns {"table": results.csv path, "ran": records
    of this start's runs, "skipped": runs already done, "failed": run ids that failed}.
    early_window: the steps after memorisation over which the table's early changes are read
    (`sweep_table.change_after`); a rerun with another window only rewrites the table."""
    notebook = resolve_notebook(notebook)
    fixed = dict(fixed or {})
    check_sweep(notebook, grid, fixed)
    check_int("threads_per_run", threads_per_run, 1)
    check_int("early_window", early_window, 1)
    name = name or os.path.splitext(os.path.basename(notebook))[0]
    sweep_dir = os.path.abspath(os.path.join(root, name))
    os.makedirs(sweep_dir, exist_ok=True)
    with sweep_lock(sweep_dir):
        remove_partial_runs(sweep_dir)
        write_text(os.path.join(sweep_dir, "sweep.json"), json.dumps(
            dict(notebook=os.path.basename(notebook), grid=grid, fixed=fixed,
                 early_window=early_window), indent=1))
        runs = {run_id(p): p for p in combinations(grid, fixed)}
        todo = {i: p for i, p in runs.items() if run_status(os.path.join(sweep_dir, i)) != "ok"}
        ran = _run_on_cluster(notebook, name, sweep_dir, todo, scheduler, workers,
                              threads_per_run, progress) if todo else []
        table = write_table(os.path.join(sweep_dir, "results.csv"),
                            collect(sweep_dir, list(runs), early_window))
    return dict(table=table, ran=ran, skipped=len(runs) - len(todo),
                failed=[r["run_id"] for r in ran if r["status"] == "failed"])


def _run_on_cluster(notebook, name, sweep_dir, todo, scheduler, workers, threads_per_run,
                    progress):
    """The records of the runs `todo` ({run id: parameters}), in the order they end."""
    from distributed import as_completed
    from tqdm.auto import tqdm

    from lmn_utils.sweep import execute_run as job  # by reference, also under `python -m`
    ran = []
    with kept_environment():  # a LocalCluster's nannies set OMP_NUM_THREADS=1 (and more) here
        client, cluster = _client(scheduler, workers, threads_per_run)
        try:
            _warn_of_threaded_workers(client)
            futures = {client.submit(job, notebook, p, os.path.join(sweep_dir, i),
                                     threads_per_run, key=f"run-{name}-{i}", pure=False): (i, p)
                       for i, p in todo.items()}
            bar = tqdm(total=len(futures), desc=f"sweep {name}", unit="run", disable=not progress)
            for future in as_completed(futures):
                try:
                    ran.append(future.result())
                except Exception as error:  # its worker died (KilledWorker), or it was lost
                    i, p = futures[future]
                    ran.append(record_lost_run(notebook, os.path.join(sweep_dir, i), p, error))
                bar.update()
                bar.set_postfix(failed=sum(r["status"] == "failed" for r in ran))
            bar.close()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    return ran


def table_so_far(sweep_dir, early_window=None):
    """Write a sweep's results.csv from the runs that have ended so far, running nothing (a
    run that has not ended has a "not run" row): what a long sweep has landed, to commit before
    it is resumed. The grid and fixed values are its sweep.json's. Returns the table's path."""
    with open(os.path.join(sweep_dir, "sweep.json")) as source:
        sweep = json.load(source)
    runs = [run_id(p) for p in combinations(sweep["grid"], sweep["fixed"])]
    window = early_window or sweep.get("early_window", EARLY_WINDOW)
    return write_table(os.path.join(sweep_dir, "results.csv"), collect(sweep_dir, runs, window))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", help="a notebook path or prefix (e.g. 04)")
    parser.add_argument("--grid", nargs="+", action="append", default=[],
                        metavar=("NAME", "VALUE"), help="a parameter and its values")
    parser.add_argument("-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="a parameter fixed for every run")
    parser.add_argument("--name", help="the sweep's folder under --root (default: the notebook's)")
    parser.add_argument("--root", default="sweeps")
    parser.add_argument("--scheduler", help="address of a running dask scheduler")
    parser.add_argument("--threads-per-run", type=int, default=1)
    parser.add_argument("--workers", type=int,
                        help="LocalCluster workers (default: cores / threads per run)")
    parser.add_argument("--early-window", type=int, default=EARLY_WINDOW,
                        help="steps after memorisation of the table's early changes")
    args = parser.parse_args(argv)
    try:
        grid = parse_grid(args.grid)
        fixed = {k: _parse_value(v) for k, v in args.p}
        result = run_sweep(args.notebook, grid, fixed, args.name, args.root, args.scheduler,
                           args.workers, args.threads_per_run, early_window=args.early_window)
    except (ValueError, KeyError) as error:
        parser.exit(2, f"sweep: {error.args[0] if error.args else error}\n")
    print(f"{len(result['ran'])} runs now ({len(result['failed'])} failed), "
          f"{result['skipped']} done before; table: {result['table']}")
    for record in result["ran"]:
        if record["status"] == "failed":
            print(f"  failed {record['run_id']} {record['parameters']}: {record['error']}",
                  file=sys.stderr)
    return 1 if result["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
