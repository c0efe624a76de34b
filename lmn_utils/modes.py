"""Class modes of the grokking notebooks (04-07): a quick run, or a re-draw without training.

quick=True: one seed, fewer steps and LMN points, chosen per notebook so that it still shows
memorise-then-generalise (about a minute each on 2 CPU cores). redraw=True: no training; the
saved history of the same settings (the committed one by default) is loaded and every figure
and table is drawn from it (seconds). The committed notebooks are the full runs.

The environment variable LMN_REDRAW=1 turns redraw on in every grokking notebook without
editing it: the README's test command sets it, so that nbval re-executes 04-07 and 09 from
their committed histories (every printed number and assertion checked against the committed
runs, in minutes) instead of training them again (an hour on 2 cores). Whether today's training
code still produces those histories is a test of its own (tests/test_reproduce.py).
"""
import json
import os
from dataclasses import asdict

from .folders import REDRAW_VARIABLE, input_folder, snapshot_folder
from .history import History

QUICK_POINTS = (2, 6, 4)  # LMN in quick mode: before memorisation, inside, after
# the settings a saved history must share with the requested run for redraw to use it
SAME_RUN = ("model", "task", "task_params", "seeds", "steps", "train_frac", "activation",
            "weight_decay", "lr", "dtype", "lmn_layers", "lmn_points", "lmn_samples")


def check_modes(quick, redraw):
    """The notebook's redraw, checked: True also when $LMN_REDRAW is "1"."""
    for name, value in (("quick", quick), ("redraw", redraw)):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be True or False, got {value!r}")
    if quick and redraw:
        raise ValueError("quick and redraw exclude each other: redraw draws the saved full run")
    forced = os.environ.get(REDRAW_VARIABLE, "")
    if forced not in ("", "0", "1"):
        raise ValueError(f"{REDRAW_VARIABLE} must be 1 (redraw) or 0/unset, got {forced!r}")
    if forced == "1" and quick:
        raise ValueError(f"quick=True trains, but {REDRAW_VARIABLE}=1 asks for a redraw: unset one")
    return redraw or forced == "1"


def quick_settings(quick, seeds, steps, lmn_points, quick_seeds, quick_steps):
    """(seeds, steps, lmn_points): the notebook's own, or its quick-mode ones."""
    if not quick:
        return seeds, steps, lmn_points
    return list(quick_seeds), quick_steps, list(QUICK_POINTS)


def plain_json(value):
    return json.loads(json.dumps(value))  # tuples -> lists, as a saved history holds them


def train_or_load(config, file_name, output_dir, redraw, source_dir="../figures", estimate=True,
                  **train_kwargs):
    """The run's History: trained (and saved as output_dir/file_name), or with redraw loaded
    from source_dir (or $LMN_OUTPUT_DIR when it holds the file), after checking that it was
    trained with the same settings. estimate: `train` first prints how long it will take."""
    from .train import snapshot_key, train
    if not redraw:
        kept = snapshot_folder()  # $LMN_SNAPSHOT_DIR: keep the run's weights there too
        if kept:
            train_kwargs.setdefault("snapshot_path", os.path.join(kept, snapshot_key(config)))
        history, _ = train(config, estimate=estimate, **train_kwargs)
        history.save(os.path.join(output_dir, file_name))
        return history
    path = os.path.join(input_folder(source_dir, [file_name]), file_name)
    if not os.path.exists(path):
        raise ValueError(f"redraw=True needs the saved history {path}; run with redraw=False first")
    history = History.load(path)
    wanted = plain_json(asdict(config))
    for key in SAME_RUN:
        saved = plain_json(history.config.get(key, wanted[key]))
        if saved != wanted[key]:
            raise ValueError(f"redraw=True draws the saved run, whose {key} is {saved!r}, not "
                             f"{wanted[key]!r}: set redraw=False to train this one")
    return history
