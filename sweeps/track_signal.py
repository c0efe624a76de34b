"""How well the nonlinearity penalty's sampled signal follows the exact LMN (SIGNALS_PLAN.md,
section 1): over each confirmatory run's kept weight snapshots, per seed, how the signal
(`tracking.signal_course`) ranks against the exact LMN its history holds: levels, levels beyond
the trend in time, and changes between LMN steps, beside the step, train loss and L2 norm
(`tracking.tracking_rows`). Variants: 64 pairs of training inputs a step (what the penalty
draws in SIGNALS_PLAN.md), 256 of them, and 256 pairs of all inputs.

    LMN_SNAPSHOT_DIR=/path/to/scratch python sweeps/track_signal.py [OUT]

Writes OUT (default sweeps/signal_tracking.json), which notebook 11 reads; an entry OUT holds
already is kept and not measured again (resumable). The snapshots are
those `sweeps/run_confirmatory.sh` kept (found by their saved config: `remeasure.find_snapshots`).
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from lmn_utils.confirm import CONFIRM_SWEEPS, confirmatory_histories  # noqa: E402
from lmn_utils.folders import snapshot_folder  # noqa: E402
from lmn_utils.remeasure import find_snapshots  # noqa: E402
from lmn_utils.tracking import signal_course, tracking_rows, tracking_summary  # noqa: E402

TASKS = ("mod 31", "S4", "XOR")
VARIANTS = (("train", 64), ("train", 256), ("all", 256))  # (pool, pairs a step)


def key(task, pool, pairs):
    return f"{task}, {pool} inputs, {pairs} pairs"


def _write(path, result):
    with open(path + ".partial", "w") as sink:
        json.dump(result, sink, indent=1)
    os.replace(path + ".partial", path)  # nothing half-written if interrupted

if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("sweeps", "signal_tracking.json")
    folder = snapshot_folder()
    if folder is None:
        sys.exit("set LMN_SNAPSHOT_DIR to the folder of the confirmatory runs' snapshots")
    histories = confirmatory_histories("sweeps")
    result = json.load(open(out)) if os.path.exists(out) else {}
    for task in TASKS:
        if task not in histories:
            print(f"{task}: {CONFIRM_SWEEPS[task][0]} not committed, skipped")
            continue
        history = histories[task]
        if all(key(task, *v) in result for v in VARIANTS):
            continue
        try:
            snapshots = find_snapshots(folder, history)
        except ValueError as error:
            print(f"{task}: {error}, skipped")
            continue
        for pool, pairs in (v for v in VARIANTS if key(task, *v) not in result):
            start = time.perf_counter()
            rows = tracking_rows(history, signal_course(history, snapshots, pairs, pool))
            result[key(task, pool, pairs)] = {"task": task, "pool": pool, "pairs": pairs,
                                              "summary": tracking_summary(rows), "rows": rows}
            print(key(task, pool, pairs), f"{time.perf_counter() - start:.0f} s", flush=True)
            _write(out, result)  # after each entry: an interrupted run keeps what it measured
    _write(out, result)
