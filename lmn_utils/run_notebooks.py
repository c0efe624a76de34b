"""Run notebooks through papermill: `python -m lmn_utils.run_notebooks [NAME ...] [-p KEY VALUE]`.

With no names, every notebooks/NN_*.ipynb runs with its default parameters, writing figures to
figures/ and each executed notebook back over itself (then `jupytext --sync` keeps the .py in
step). With any -p, the executed notebook goes to scratch/ and, unless -p output_dir is given,
its figures to scratch/figures/: a parametrised run never overwrites the committed results.
Each notebook is synced with its .py first, so an edit of either file is what runs. Parameter
names are checked against the notebook's `parameters` cell, because papermill itself only logs a
misspelt name and runs on with the default. Executed notebooks are saved without what changes on
every run (timestamps, durations, progress bars: `drop_volatile`), so a rerun with unchanged
code leaves `git status` clean. LMN_OUTPUT_DIR, when set, redirects every notebook's figures and
histories (`lmn_utils.folders`).
While it runs it shows, per notebook, a progress bar over its cells and what the notebook
writes to stderr (the duration estimate that 04-07 and 09 print before training, and their
training bars), then the notebook's wall time; at the end, the total. Kernels talk to the runner
over IPC sockets in a temporary folder (no TCP port, no warning about unencrypted TCP).
"""
import argparse
import ast
import glob
import json
import os
import signal
import shutil
import subprocess
import sys
import tempfile
import time

NOTEBOOKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "notebooks")


def committed_notebooks():
    """notebooks/NN_*.ipynb, sorted, without the temporary copies of runs in progress."""
    return sorted(nb for nb in glob.glob(os.path.join(NOTEBOOKS, "[0-9][0-9]_*.ipynb"))
                  if not nb.endswith(".running.ipynb"))


def parameter_defaults(notebook):
    """{name: default} for the names assigned in the notebook's cell tagged `parameters` (what
    papermill overrides); a default that is not a literal is None."""
    with open(notebook) as source:
        cells = json.load(source)["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        raise ValueError(f"{os.path.basename(notebook)} has no cell tagged 'parameters'")
    defaults = {}
    for node in ast.parse("".join(tagged[0]["source"])).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    defaults[target.id] = _literal_or_none(node.value)
    return defaults


def _literal_or_none(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def parameter_names(notebook):
    """Names assigned in the notebook's cell tagged `parameters` (what papermill overrides)."""
    return set(parameter_defaults(notebook))


def check_parameter_names(notebook, parameters):
    known = parameter_names(notebook)
    unknown = sorted(set(parameters) - known)
    if unknown:
        raise ValueError(f"{os.path.basename(notebook)} has no parameter {unknown[0]!r}; "
                         f"its parameters are {sorted(known)}")


def ipc_kernel_config(socket_dir):
    """A papermill/jupyter config whose kernel talks over IPC sockets in `socket_dir`."""
    from traitlets.config import Config
    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = os.path.join(socket_dir, "kernel")
    return config


def run_notebook(notebook, output=None, parameters=None, progress=False):
    """Execute one notebook with papermill, from the notebooks folder; returns the output path.
    progress: show a bar over its cells and pass the notebook's stderr through."""
    import papermill
    parameters = dict(parameters or {})
    check_parameter_names(notebook, parameters)
    output = output or notebook
    tmp = output + ".running.ipynb"  # an interrupted run never leaves a half-executed notebook
    socket_dir = tempfile.mkdtemp(prefix="lmn-kernel-")  # short: a socket path has ~100 chars
    script = notebook[:-len(".ipynb")] + ".py"
    script_before = _read(script)
    try:
        papermill.execute_notebook(notebook, tmp, parameters=parameters, kernel_name="python3",
                                   language="python", cwd=NOTEBOOKS, progress_bar=progress,
                                   stderr_file=sys.stderr if progress else None,
                                   config=ipc_kernel_config(socket_dir))
        drop_volatile(tmp)
        os.replace(tmp, output)
    finally:
        shutil.rmtree(socket_dir, ignore_errors=True)
        if os.path.exists(tmp):
            os.unlink(tmp)
    if os.path.abspath(output) == os.path.abspath(notebook) and not parameters:
        if _read(script) == script_before:
            _sync(notebook)
        else:  # syncing now would overwrite the edit with the older executed version; the
            # script is made the newer file, so the next run's sync takes the edit, not this
            os.utime(script)
            print(f"warning: {os.path.basename(script)} changed during the run; its .ipynb was "
                  "executed from the earlier version: run it again", file=sys.stderr)
    return output


VOLATILE_METADATA = ("papermill", "execution")  # timestamps and durations of a run


def drop_volatile(path):
    """Remove what changes on every run from an executed notebook: papermill's and the kernel's
    timestamps and durations, the random id of papermill's injected-parameters cell, and the
    stderr of cells marked NBVAL_IGNORE_OUTPUT (progress bars with their timings). What is left
    changes only when a result changes."""
    import nbformat
    notebook = nbformat.read(path, as_version=4)
    for metadata in [notebook["metadata"]] + [cell["metadata"] for cell in notebook["cells"]]:
        for key in VOLATILE_METADATA:
            metadata.pop(key, None)
    for cell in notebook["cells"]:
        if "injected-parameters" in cell["metadata"].get("tags", []):
            cell["id"] = "injected-parameters"  # papermill draws a random id on every run
        if cell["cell_type"] == "code" and "NBVAL_IGNORE_OUTPUT" in "".join(cell["source"]):
            cell["outputs"] = [o for o in cell["outputs"]
                               if not (o["output_type"] == "stream" and o["name"] == "stderr")]
    nbformat.write(notebook, path)


def _read(path):
    if not os.path.exists(path):
        return None
    with open(path) as source:
        return source.read()


def _sync(notebook):
    """jupytext --sync: the newer of the .ipynb and its .py updates the other."""
    subprocess.run([sys.executable, "-m", "jupytext", "--sync", notebook], check=True,
                   capture_output=True)


def _parse_value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main(argv=None):
    # a kill (SIGTERM) unwinds like Ctrl-C, so `finally` removes the partial notebook
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook files or name prefixes (e.g. 04)")
    parser.add_argument("-p", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"))
    parser.add_argument("-o", "--output", help="executed notebook path (one notebook only)")
    args = parser.parse_args(argv)
    every = committed_notebooks()
    chosen = [nb for nb in every if not args.names
              or any(os.path.basename(nb).startswith(n) or nb.endswith(n) for n in args.names)]
    if not chosen:
        parser.error(f"no notebook matches {args.names}")
    parameters = {k: _parse_value(v) for k, v in args.p}
    if args.output and len(chosen) > 1:
        parser.error("--output takes one notebook only")
    total_started = time.perf_counter()
    for notebook in chosen:
        _sync(notebook)
        output, run_parameters = args.output, dict(parameters)
        if parameters and not output:  # never overwrite the committed notebooks with other runs
            os.makedirs("scratch", exist_ok=True)
            output = os.path.join("scratch", os.path.basename(notebook))
        if parameters and "output_dir" not in parameters and "output_dir" in parameter_names(notebook):
            run_parameters["output_dir"] = os.path.abspath(os.path.join("scratch", "figures"))
            os.makedirs(run_parameters["output_dir"], exist_ok=True)
        print(f"running {os.path.basename(notebook)} -> {output or 'itself'}", flush=True)
        started = time.perf_counter()
        run_notebook(notebook, output, run_parameters, progress=True)
        print(f"{os.path.basename(notebook)}: done in {format_wall(time.perf_counter() - started)}",
              flush=True)
    print(f"{len(chosen)} notebook(s) in {format_wall(time.perf_counter() - total_started)}")


def format_wall(seconds):
    """'12 s' under a minute, else '3 min 05 s'."""
    seconds = round(seconds)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"


if __name__ == "__main__":
    main()
