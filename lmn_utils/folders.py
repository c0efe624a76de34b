"""Where the notebooks write and read, and writing files so that no reader sees half of one.

Every notebook writes its figures and histories to its `output_dir` parameter ("../figures",
the committed results, by default). When the environment variable LMN_OUTPUT_DIR is set, it
wins: the README's test command sets it to a temporary folder, so nbval's re-execution of the
notebooks never rewrites a tracked file. Files are written to a temporary name in the target
folder and renamed into place, so an interrupted run leaves the previous file intact.
"""
import os
import tempfile

OUTPUT_DIR_VARIABLE = "LMN_OUTPUT_DIR"
# where train_or_load keeps each run's weight snapshots (every record step, float32), so that
# LMN at another layer, on other inputs or with other interpolation points can be measured
# from a finished run without training again; unset: no snapshots are kept
SNAPSHOT_DIR_VARIABLE = "LMN_SNAPSHOT_DIR"
# "1": every grokking notebook redraws its saved run instead of training (`modes.check_modes`)
REDRAW_VARIABLE = "LMN_REDRAW"


def check_folder(name, value):
    """A notebook's folder parameter (output_dir, input_dir) must be a path string."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a folder path (str), got {value!r}")


def output_folder(output_dir):
    """The folder a notebook writes to: LMN_OUTPUT_DIR if set, else `output_dir` (checked)."""
    check_folder("output_dir", output_dir)
    return os.environ.get(OUTPUT_DIR_VARIABLE) or output_dir


def snapshot_folder():
    """The folder of $LMN_SNAPSHOT_DIR, or None when it is not set."""
    return os.environ.get(SNAPSHOT_DIR_VARIABLE) or None


def input_folder(input_dir, file_names):
    """The folder a notebook reads `file_names` from: LMN_OUTPUT_DIR when it holds all of them
    (earlier notebooks of the same test run wrote them there), else `input_dir` (checked)."""
    check_folder("input_dir", input_dir)
    redirected = os.environ.get(OUTPUT_DIR_VARIABLE)
    if redirected and all(os.path.exists(os.path.join(redirected, n)) for n in file_names):
        return redirected
    return input_dir


def write_atomically(path, write):
    """Call write(temporary_path), then rename it to `path`; on any error remove it."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    os.close(handle)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_text(path, text):
    """Write `text` to `path` atomically; returns the path."""
    def write(tmp):
        with open(tmp, "w") as out:
            out.write(text)
    return write_atomically(path, write)


def save_tensors(path, tensors):
    """torch.save `tensors` (tensors in dicts and lists) to `path` atomically. The archive is
    built in memory first: torch.save names its records after the file, so saving straight to
    a temporary name would give different bytes on every run."""
    import io

    import torch
    buffer = io.BytesIO()
    torch.save(tensors, buffer)

    def write(tmp):
        with open(tmp, "wb") as out:
            out.write(buffer.getvalue())
    return write_atomically(path, write)


def load_tensors(path):
    """What `save_tensors` wrote, on the CPU (tensors, dicts and lists only: weights_only)."""
    import torch
    return torch.load(path, map_location="cpu", weights_only=True)
