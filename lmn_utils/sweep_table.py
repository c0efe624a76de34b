"""A sweep's results as one table: a row per run and seed, read from the runs' histories.

Columns: run_id, status, error, the run's parameters (one column each), then per seed the
summary `seed_summary` computes (phase steps, LMN's start, peak and fall, the L2 norm's fall, the
claims table's fit statistics). A failed run has one row with its error line and empty summary
cells; so has a run that wrote no history (status "no history"). Written as CSV
(`write_table`), read back with values parsed (`read_table`), so a study notebook needs nothing
but the table.
"""
import ast
import csv
import glob
import io
import json
import os

import numpy as np

from .analysis import fit_table, metric_change, phase_end, relative_change
from .folders import write_text
from .history import History, phase_steps

SUMMARY = ("seed", "memorised", "generalised", "delay", "lmn_start", "lmn_peak",
           "lmn_peak_step", "peak_ratio", "lmn_at_memorised", "lmn_at_end", "lmn_fall",
           "fall_per_1000_steps", "early_change",
           "early_test_loss_change", "early_l2_change", "early_train_loss_change", "l2_fall", "lmn_r2", "lmn_curv", "l2_r2", "l2_curv",
           "final_train_acc", "final_test_acc")


EARLY_WINDOW = 500  # steps after memorisation over which the early changes are read
# the recorded metrics whose early changes the table holds (column: metric)
EARLY_METRICS = {"early_test_loss_change": "test_loss", "early_l2_change": "l2_norm",
                 "early_train_loss_change": "train_loss"}


def change_after(steps, values, start, window=EARLY_WINDOW):
    """Relative change of `values` (measured at `steps`) from step `start` to `window` steps
    later, read between the two measured steps around it by linear interpolation; None if the
    run ends before, or if the later of those two steps lies more than 2 windows after `start`
    (the interpolation would then mostly read values from much later: with the phase-placed
    schedule, slow runs are first measured by LMN thousands of steps after memorisation)."""
    steps, values = np.asarray(steps), np.asarray(values, dtype=float)
    target = start + window
    if steps[-1] < target or steps[np.searchsorted(steps, target)] > start + 2 * window:
        return None
    return float(np.interp(target, steps, values) / np.interp(start, steps, values) - 1)


def early_change(history, layer, row, memorised, window=EARLY_WINDOW):
    """LMN's relative change over the first `window` steps after memorisation (`change_after`)."""
    return change_after(history.lmn_steps[row], history.lmn[layer][row], memorised, window)


def seed_summary(history, row, layer, fits=None, early_window=EARLY_WINDOW):
    """One seed of a history: memorisation and generalisation steps (None if never reached) and
    delay (their difference); LMN at its first step, its highest value and step, peak_ratio
    (highest / first); LMN at the memorisation step and at the end of the generalising phase
    (generalisation step, or last step if it never generalises); lmn_fall and l2_fall, their
    relative changes over that phase (negative: a fall), fall_per_1000_steps = -lmn_fall per
    1000 steps of the phase; early_change, early_test_loss_change, early_l2_change and
    early_train_loss_change, the relative changes of LMN, the test loss, the L2 norm and the
    train loss over the first `early_window` steps after memorisation (`change_after`: None
    where they were not measured near enough; the monitor of SIGNALS_PLAN.md reads the last
    two as LMN's label-free rivals, and a rank correlation is the same for a relative change
    as for its log); the line fits of
    `analysis.fit_table` (`fits`: this seed's row of it, when already computed); final
    accuracies."""
    memorised, generalised = phase_steps(history)[row]
    steps, values = history.lmn_steps[row], history.lmn[layer][row]
    peak = int(np.argmax(values))
    summary = dict(seed=history.seeds[row], memorised=memorised, generalised=generalised,
                   delay=None if None in (memorised, generalised) else generalised - memorised,
                   lmn_start=float(values[0]), lmn_peak=float(values[peak]),
                   lmn_peak_step=int(steps[peak]), peak_ratio=float(values[peak] / values[0]),
                   final_train_acc=float(history.metrics["train_acc"][row, -1]),
                   final_test_acc=float(history.metrics["test_acc"][row, -1]))
    if memorised is not None:
        end = phase_end(history, row, generalised)
        fall = relative_change(history, layer, row, memorised, end)
        summary.update(lmn_at_memorised=history.lmn_at(layer, row, memorised),
                       lmn_at_end=history.lmn_at(layer, row, end), lmn_fall=fall,
                       fall_per_1000_steps=-fall * 1000 / (end - memorised) if end > memorised
                       else None, l2_fall=metric_change(history, "l2_norm", row, memorised, end),
                       early_change=early_change(history, layer, row, memorised, early_window),
                       **{column: change_after(history.steps, history.metrics[name][row],
                                               memorised, early_window)
                          for column, name in EARLY_METRICS.items() if name in history.metrics})
    fits = fits if fits is not None else fit_table(history, layer)[row]
    summary.update({k: (None if not np.isfinite(fits[k]) else float(fits[k]))
                    for k in ("lmn_r2", "lmn_curv", "l2_r2", "l2_curv")})
    return {key: summary.get(key) for key in SUMMARY}


def history_rows(history, layer=None, early_window=EARLY_WINDOW):
    """`seed_summary` of every seed; the layer defaults to the first one LMN was measured at."""
    layer = layer or next(iter(history.lmn))
    fits = fit_table(history, layer)
    return [seed_summary(history, row, layer, fits[row], early_window)
            for row in range(len(history.seeds))]


def run_rows(run_dir, early_window=EARLY_WINDOW):
    """The rows of one run folder (see the module's docstring)."""
    with open(os.path.join(run_dir, "run.json")) as source:
        record = json.load(source)
    head = dict(run_id=record["run_id"], status=record["status"], error=record["error"],
                **record["parameters"])
    histories = sorted(glob.glob(os.path.join(run_dir, "*_history.json")))
    if record["status"] != "ok":
        return [head]
    if not histories:
        return [{**head, "status": "no history", "error": "the run wrote no *_history.json"}]
    return [{**head, **summary}
            for summary in history_rows(History.load(histories[0]), early_window=early_window)]


def collect(sweep_dir, run_ids, early_window=EARLY_WINDOW):
    """The rows of the given runs of a sweep folder, in that order; a run that never ended
    (no run.json) has a row saying so."""
    rows = []
    for name in run_ids:
        folder = os.path.join(sweep_dir, name)
        if os.path.exists(os.path.join(folder, "run.json")):
            rows += run_rows(folder, early_window)
        else:
            rows.append(dict(run_id=name, status="not run", error=None))
    return rows


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value)
    if isinstance(value, float):
        return repr(round(value, 8))
    return str(value)


def write_table(path, rows):
    """CSV with the union of the rows' keys as columns (first-seen order); returns the path."""
    columns = list(dict.fromkeys(key for r in rows for key in r))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([_cell(r.get(c)) for c in columns])
    return write_text(path, text.getvalue())


def _parse(text):
    if text == "":
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def read_table(path):
    """The rows of a results table, values parsed (numbers, lists, None for empty cells)."""
    with open(path, newline="") as source:
        return [{k: _parse(v) for k, v in r.items()} for r in csv.DictReader(source)]


def load_sweep(path):
    """(rows, settings, about) of a sweep's results table: the rows of the runs that ran; the
    sweep.json beside the table (notebook, grid, fixed values, early window); one line on the
    sweep (its notebook, grid and fixed values, how many seeds and runs) and one more for each
    run that failed or never ran, with its error."""
    rows = read_table(path)
    with open(os.path.join(os.path.dirname(path), "sweep.json")) as source:
        sweep = {"early_window": EARLY_WINDOW, **json.load(source)}  # older files lack it
    failed = [r for r in rows if r["status"] != "ok"]
    name = os.path.basename(os.path.dirname(path))
    about = (f"{name}: {sweep['notebook']}, grid {sweep['grid']}, "
             f"fixed {sweep['fixed']}: {len(rows) - len(failed)} seeds in "
             f"{len({r['run_id'] for r in rows})} runs, {len(failed)} failed or never ran"
             + "".join(f"\n  {r['run_id']}: {r['error'] or r['status']}" for r in failed))
    return [r for r in rows if r["status"] == "ok"], sweep, about


def column(rows, name):
    """One column as a float array (None -> nan)."""
    return np.array([np.nan if r.get(name) is None else float(r[name]) for r in rows])
