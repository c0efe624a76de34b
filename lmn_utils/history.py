"""The record of a training run: metrics per seed and step, saved to and loaded from JSON.

metrics[name] is an array [num_seeds, len(steps)] for train_loss, test_loss, train_acc,
test_acc and l2_norm. LMN is measured per seed at that seed's own steps (`schedule.py`):
lmn_steps[row] is an int array of them and lmn[layer][row] the values there, the same length.
Files are written atomically (a temporary file renamed into place), so an interrupted run never
leaves half a history. Format 2 (this one) writes "format": 2; a file of format 1 (one grid of
LMN steps shared by all seeds, as written until November 2026) loads into the same shape.
"""
import json
from dataclasses import dataclass, field

import numpy as np

from .folders import write_text


@dataclass
class History:
    config: dict
    steps: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    lmn_steps: list = field(default_factory=list)   # per seed: int array
    lmn: dict = field(default_factory=dict)         # layer -> per seed: float array
    # the inputs LMN was measured on: dict(num_inputs, measured, subset_seed); None in files
    # written before it was recorded (readers then rebuild it from the config)
    lmn_inputs: dict = None

    @property
    def seeds(self):
        return list(self.config["seeds"])

    def append_metrics(self, step, values):
        self.steps.append(int(step))
        for name, per_seed in values.items():
            self.metrics.setdefault(name, []).append(np.asarray(per_seed.cpu(), dtype=float))

    def set_lmn(self, schedules, values):
        """schedules: per seed, the LMN steps; values: {layer: per seed, the LMN there}."""
        self.lmn_steps = [np.asarray(steps, dtype=int) for steps in schedules]
        self.lmn = {layer: [np.asarray(v, dtype=float) for v in per_seed]
                    for layer, per_seed in values.items()}
        for layer, per_seed in self.lmn.items():
            if [len(v) for v in per_seed] != [len(s) for s in self.lmn_steps]:
                raise ValueError(f"lmn[{layer!r}] must hold one value per LMN step of each seed")

    def finish(self):
        """Lists of per-step arrays -> arrays [num_seeds, num_steps]."""
        self.steps = np.asarray(self.steps, dtype=int)
        self.metrics = {k: np.stack(v, 1) if isinstance(v, list) else v for k, v in self.metrics.items()}
        return self

    def subset(self, rows):
        """The history of the seeds at `rows` only (e.g. to see how a verdict rests on n)."""
        rows = list(rows)
        copy = History(config={**self.config, "seeds": [self.seeds[r] for r in rows]},
                       steps=np.asarray(self.steps),
                       metrics={k: np.asarray(v)[rows] for k, v in self.metrics.items()})
        copy.set_lmn([self.lmn_steps[r] for r in rows],
                     {layer: [values[r] for r in rows] for layer, values in self.lmn.items()})
        copy.lmn_inputs = self.lmn_inputs
        return copy

    def phases(self, threshold=1.0):
        """(row, memorisation step, generalisation step) per seed, None where never reached:
        `phase_steps` with each seed's row, what every per-seed rule loops over."""
        return [(row, memorised, generalised)
                for row, (memorised, generalised) in enumerate(phase_steps(self, threshold))]

    def at_lmn_steps(self, name, row):
        """metrics[name] of seed `row` at that seed's LMN steps."""
        return self.metrics[name][row, np.searchsorted(self.steps, self.lmn_steps[row])]

    def lmn_at(self, layer, row, step):
        """LMN of seed `row` at exactly `step` (a KeyError if it was not measured there)."""
        where = np.flatnonzero(self.lmn_steps[row] == step)
        if len(where) == 0:
            raise KeyError(f"LMN of seed row {row} was not measured at step {step}")
        return float(self.lmn[layer][row][where[0]])

    def to_dict(self):
        rounded = lambda v: np.round(np.asarray(v, dtype=float), 8).tolist()  # noqa: E731
        return {"format": 2, "config": self.config, "steps": np.asarray(self.steps).tolist(),
                "metrics": {k: rounded(v) for k, v in self.metrics.items()},
                "lmn_steps": [np.asarray(s).tolist() for s in self.lmn_steps],
                "lmn": {k: [rounded(v) for v in per_seed] for k, per_seed in self.lmn.items()},
                **({"lmn_inputs": self.lmn_inputs} if self.lmn_inputs else {})}

    def save(self, path):
        return write_text(path, json.dumps(self.to_dict()))

    @classmethod
    def load(cls, path):
        with open(path) as source:
            try:
                data = json.load(source)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path} is not a readable history (truncated or not JSON: "
                                 f"{error.msg} at line {error.lineno})") from None
        if not isinstance(data, dict) or not {"config", "steps", "metrics"} <= set(data):
            raise ValueError(f"{path} is not a training history (no config, steps and metrics)")
        version = data.get("format", 1)
        if version not in (1, 2):
            raise ValueError(f"{path} is a history of format {version}; this lmn_utils reads 1 and 2")
        history = cls(config=data["config"], steps=np.asarray(data["steps"]),
                      metrics={k: np.asarray(v) for k, v in data["metrics"].items()})
        seeds = len(history.config["seeds"])
        if version == 1:  # one grid for every seed: lmn_steps [T], lmn[layer] [seeds, T]
            schedules = [data["lmn_steps"]] * seeds
        else:
            schedules = data["lmn_steps"]
        history.set_lmn(schedules, {k: list(v) for k, v in data["lmn"].items()})
        history.lmn_inputs = data.get("lmn_inputs")
        return history


def first_step_reaching(steps, values, threshold):
    """First step at which values >= threshold and stay there, or None."""
    above = np.asarray(values) >= threshold
    if not above[-1]:
        return None
    last_below = np.flatnonzero(~above)
    return int(steps[last_below[-1] + 1]) if len(last_below) else int(steps[0])


def phase_steps(history, threshold=1.0):
    """Per seed: (memorisation step, generalisation step); None where it is never reached.

    Memorising ends when train accuracy reaches `threshold` for good, generalising when test
    accuracy does (the paper's phases, site/paper.md)."""
    return [(first_step_reaching(history.steps, history.metrics["train_acc"][s], threshold),
             first_step_reaching(history.steps, history.metrics["test_acc"][s], threshold))
            for s in range(len(history.seeds))]
