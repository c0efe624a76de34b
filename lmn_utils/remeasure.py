"""LMN of a finished run measured another way, from its kept weight snapshots (no training).

`train(..., snapshot_path=...)` (or `train_or_load` with $LMN_SNAPSHOT_DIR set) keeps every
record step's weights. `remeasure` reads them back and measures LMN at another layer, with
another number of interpolation points, on each seed's training inputs only, or at other
steps, and returns a History whose LMN is the new one (losses, accuracies and L2 unchanged):
the sensitivity rows of ANALYSIS_PLAN.md (section 6) are computed this way.
"""
import copy
import glob
import os

import numpy as np
import torch
from tqdm import tqdm

from .measures.metric import DEFAULT_N_POINTS
from .prepare import build_stack, lmn_probe
from .samples import SUBSET_SEED, check_lmn_samples, sample_rows
from .schedule import grid_schedule
from .tasks import make_task
from .modes import SAME_RUN, plain_json
from .train import TrainConfig, load_snapshots, snapshot_key, train

ON = ("all", "train")
# The settings that decide a run's weights: SAME_RUN less how LMN is measured.
WEIGHT_KEYS = tuple(key for key in SAME_RUN if not key.startswith("lmn_"))
# The largest difference in a recorded loss, accuracy or L2 norm between a run and its retraining
# that still counts as the same training (histories keep about 9 significant digits; the same
# run on another number of threads differs by about 1e-7 after 300 steps, and more later).
SAME_TRAINING_TOLERANCE = 1e-6
RECORDED = ("train_loss", "test_loss", "train_acc", "test_acc", "l2_norm")


def find_snapshots(folder, history):
    """The snapshots ({step: state dict}) in `folder` of the run `history` records: the file
    whose saved config has the history's settings that decide the weights (`WEIGHT_KEYS`; how
    LMN was measured does not). File names are a hash of the whole config
    (`train.snapshot_key`), which a later version's new fields change, so the files are
    matched by content. Raises ValueError when none matches."""
    for path in sorted(glob.glob(os.path.join(folder, "*.pt"))):
        config, snapshots = load_snapshots(path)
        if all(plain_json(config.get(key)) == plain_json(history.config.get(key))
               for key in WEIGHT_KEYS):
            return snapshots
    raise ValueError(f"no snapshots in {folder} of the run with seeds {history.seeds} "
                     f"({history.config.get('task')}, {history.config.get('steps')} steps)")


def training_mismatch(history, retrained):
    """The largest absolute difference between two histories' recorded losses, accuracies and
    L2 norms (`RECORDED`), over every seed and the steps both record."""
    _, mine, theirs = np.intersect1d(history.steps, retrained.steps, return_indices=True)
    if len(mine) == 0 or len(history.seeds) != len(retrained.seeds):
        raise ValueError("the two histories share no record step or differ in their seeds")
    return max(float(np.max(np.abs(np.asarray(history.metrics[name])[:, mine]
                                   - np.asarray(retrained.metrics[name])[:, theirs])))
               for name in RECORDED)


def retrain_snapshots(history, folder, progress=True):
    """The weight snapshots of the run `history` records, by training it again (without
    measuring LMN) into `folder`, for a run whose snapshots were not kept. The retraining must
    reproduce the recorded run (`training_mismatch` at most `SAME_TRAINING_TOLERANCE`: run it on
    the thread count the run had); otherwise its file is removed and ValueError raised.
    Returns {step: state dict}."""
    config = TrainConfig.from_history(history)
    config.lmn_layers = ()
    path = os.path.join(folder, snapshot_key(config))
    retrained, _ = train(config, snapshot_path=path, progress=progress)
    gap = training_mismatch(history, retrained)
    if gap > SAME_TRAINING_TOLERANCE:
        os.remove(path)
        raise ValueError(f"the retraining differs from the recorded run by {gap:.3g} (at most "
                         f"{SAME_TRAINING_TOLERANCE:g} allowed): another thread count or version?")
    return load_snapshots(path)[1]


def _inputs_per_seed(history, config, task, on):
    """Per seed, the inputs LMN is measured on: the run's own (all, or its fixed subset), or
    that seed's training rows only."""
    if on == "all":
        rows = sample_rows(len(task.inputs), config.lmn_samples)
        return [task.inputs[rows]] * len(config.seeds)
    return [task.inputs[task.split(config.train_frac, seed)[0]] for seed in config.seeds]


def remeasure(history, snapshots, layer=None, n_points=DEFAULT_N_POINTS, on="all", steps=None,
              samples=None, rows=None, progress=False):
    """A copy of `history` with LMN measured from `snapshots` ({step: state dict}, from
    `train.load_snapshots`) at `layer` (the run's first tracked layer by default), with
    `n_points` points per path, on `on` ("all": the run's inputs; "train": each seed's training
    inputs), at `steps` (per seed, a list of record steps; the history's LMN steps by default),
    on `samples` inputs where on is "all" (an `lmn_samples` value: "all", "auto" or a subset
    size; the run's own by default), for the seeds at `rows` only (all by default; the result
    then holds those seeds only, `History.subset`).
    The result's lmn holds one entry, named `layer`."""
    if on not in ON:
        raise ValueError(f"on must be one of {list(ON)}, got {on!r}")
    config = TrainConfig.from_history(history)
    if samples is not None:
        check_lmn_samples(samples)
        config.lmn_samples = samples
    layer = layer or config.lmn_layers[0]
    task = make_task(config.task, **config.task_params)
    probe = lmn_probe(build_stack(config, task), config)
    dtype = next(probe.parameters()).dtype
    inputs = _inputs_per_seed(history, config, task, on)
    schedules = steps if steps is not None else history.lmn_steps
    rows = list(range(len(config.seeds))) if rows is None else list(rows)
    schedules = [per_seed if row in rows else [] for row, per_seed in enumerate(schedules)]
    missing = sorted({int(s) for per_seed in schedules for s in per_seed} - set(snapshots))
    if missing:
        raise ValueError(f"no snapshot at steps {missing[:5]}: the snapshots are of another run")
    values = [np.zeros(len(s)) for s in schedules]
    bar = tqdm(total=sum(map(len, schedules)), disable=not progress, desc=f"LMN at {layer}")
    for step in sorted({int(s) for per_seed in schedules for s in per_seed}):
        probe.load_state_dict({k: v.to(dtype) for k, v in snapshots[step].items()})
        for row, per_seed in enumerate(schedules):
            for k in np.flatnonzero(np.asarray(per_seed) == step):
                values[row][k] = _member_lmn(probe, row, inputs[row], layer, n_points)
                bar.update(1)
    bar.close()
    result = copy.deepcopy(history)
    result.set_lmn([np.asarray(s, dtype=int) for s in schedules], {layer: values})
    if len(rows) < len(config.seeds):
        result = result.subset(rows)
    result.lmn_inputs = dict(num_inputs=len(task.inputs), measured=len(inputs[rows[0]]),
                             **({"subset_seed": SUBSET_SEED} if on == "all" else {"on": "train"}))
    return result


def _member_lmn(probe, row, inputs, layer, n_points):
    with torch.no_grad():
        return probe.member_lmn(row, inputs.to(next(probe.parameters()).device), layer,
                                n_points=n_points)


def sensitivity_variants(history):
    """{sensitivity row: `remeasure` keywords} of ANALYSIS_PLAN.md section 6, rows 4-7: hidden1
    before its SiLU (the tap), 11 points, each seed's training inputs only, a grid of 30 steps
    shared by all seeds (the schedule), and 41 points, the dearest, last (a resumed run lands
    the others first). The plan's other tap, hidden2 after its SiLU, is not a row: its tail to
    the logits is one Linear layer, so LMN there is 1 at every step (a test checks it;
    ANALYSIS_PLAN.md, deviation 11)."""
    grid = grid_schedule(np.asarray(history.steps), 30)
    return {"tap hidden1 before SiLU": dict(layer="hidden1_pre"),
            "11 points": dict(n_points=11), "training inputs": dict(on="train"),
            "grid schedule": dict(steps=[grid] * len(history.seeds)),
            "41 points": dict(n_points=41)}


def sensitivity_histories(history, snapshots, rows=None, progress=False):
    """{sensitivity row: (History, layer)} of `sensitivity_variants`, measured from the run's
    snapshots for the seeds at `rows` (all by default; the plan allows 10 per task)."""
    out = {}
    for name, kwargs in sensitivity_variants(history).items():
        measured = remeasure(history, snapshots, rows=rows, progress=progress, **kwargs)
        out[name] = (measured, next(iter(measured.lmn)))
    return out
