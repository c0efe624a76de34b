"""ANALYSIS_PLAN.md section 6, rows 4-7: LMN of the confirmatory runs measured another way (the
tap, the interpolation points, the inputs, the schedule), from their kept weight snapshots, for
the plan's first 10 seeds of each grokking task; no training.

    LMN_SNAPSHOT_DIR=/path/to/scratch python sweeps/remeasure_confirmatory.py [TASK...]

Writes sweeps/confirm_sensitivity/<task>/<row>.json (a History each, LMN only at the row's
layer), one file at a time and each written whole (resumable: a file that exists is skipped).
Notebook 08 reads them as the table's rows 4-7 (`confirm.sensitivity_from`).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from lmn_utils.confirm import GROKKING_TASKS, SENSITIVITY_DIR, confirmatory_histories, slug  # noqa: E402
from lmn_utils.folders import snapshot_folder  # noqa: E402
from lmn_utils.remeasure import (find_snapshots, remeasure, retrain_snapshots,  # noqa: E402
                                 sensitivity_variants)

import torch  # noqa: E402

SEEDS_PER_TASK = 10  # the plan's allowance
# Threads of each confirmatory run (run_confirmatory.sh; XOR's two sweeps ran on one core each,
# ANALYSIS_PLAN.md deviation 7): the same run on another count differs in its last bits.
RUN_THREADS = {"mod 31": 2, "S4": 2, "XOR": 1, "XOR 4 bits": 1}


def snapshots_of(folder, task, history):
    """The run's snapshots from `folder`, trained again (and checked) when they are not there."""
    try:
        return find_snapshots(folder, history)
    except ValueError:
        print(f"{task}: no snapshots in {folder}, training again on {RUN_THREADS[task]} threads",
              flush=True)
        torch.set_num_threads(RUN_THREADS[task])
        return retrain_snapshots(history, folder)


if __name__ == "__main__":
    tasks = sys.argv[1:] or list(GROKKING_TASKS)
    folder = snapshot_folder()
    if folder is None:
        sys.exit("set LMN_SNAPSHOT_DIR to the folder of the confirmatory runs' snapshots")
    histories = confirmatory_histories("sweeps")
    for task in tasks:
        if task not in histories:
            print(f"{task}: not committed, skipped")
            continue
        out = os.path.join("sweeps", SENSITIVITY_DIR, slug(task))
        os.makedirs(out, exist_ok=True)
        snapshots = snapshots_of(folder, task, histories[task])
        torch.set_num_threads(int(os.environ.get("THREADS", "1")))
        wanted = [r for r in os.environ.get("ROWS", "").split(",") if r]
        for name, kwargs in sensitivity_variants(histories[task]).items():
            if wanted and name not in wanted:
                continue
            path = os.path.join(out, f"{slug(name)}.json")
            if os.path.exists(path):
                continue
            start = time.perf_counter()
            measured = remeasure(histories[task], snapshots, rows=range(SEEDS_PER_TASK),
                                 progress=True, **kwargs)
            measured.save(path)  # written whole (History.save writes a temporary file first)
            print(f"{task}, {name}: {time.perf_counter() - start:.0f} s", flush=True)
