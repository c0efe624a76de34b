"""The record of a training run: metrics per seed and step, saved to and loaded from JSON.

metrics[name] is an array [num_seeds, len(steps)] for train_loss, test_loss, train_acc,
test_acc and l2_norm; lmn[layer] is [num_seeds, len(lmn_steps)]. Files are written atomically
(a temporary file renamed into place), so an interrupted run never leaves half a history.
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
    lmn_steps: list = field(default_factory=list)
    lmn: dict = field(default_factory=dict)

    @property
    def seeds(self):
        return list(self.config["seeds"])

    def append_metrics(self, step, values):
        self.steps.append(int(step))
        for name, per_seed in values.items():
            self.metrics.setdefault(name, []).append(np.asarray(per_seed.cpu(), dtype=float))

    def append_lmn(self, step, values):
        self.lmn_steps.append(int(step))
        for layer, per_seed in values.items():
            self.lmn.setdefault(layer, []).append(np.asarray(per_seed, dtype=float))

    def finish(self):
        """Lists of per-step arrays -> arrays [num_seeds, num_steps]."""
        self.steps = np.asarray(self.steps, dtype=int)
        self.lmn_steps = np.asarray(self.lmn_steps, dtype=int)
        self.metrics = {k: np.stack(v, 1) if isinstance(v, list) else v for k, v in self.metrics.items()}
        self.lmn = {k: np.stack(v, 1) if isinstance(v, list) else v for k, v in self.lmn.items()}
        return self

    def at_lmn_steps(self, name):
        """metrics[name] at the LMN steps, [num_seeds, len(lmn_steps)]."""
        columns = np.searchsorted(self.steps, self.lmn_steps)
        return self.metrics[name][:, columns]

    def to_dict(self):
        as_list = lambda d: {k: np.round(v, 8).tolist() for k, v in d.items()}  # noqa: E731
        return {"config": self.config, "steps": np.asarray(self.steps).tolist(),
                "metrics": as_list(self.metrics), "lmn_steps": np.asarray(self.lmn_steps).tolist(),
                "lmn": as_list(self.lmn)}

    def save(self, path):
        return write_text(path, json.dumps(self.to_dict()))

    @classmethod
    def load(cls, path):
        with open(path) as source:
            data = json.load(source)
        history = cls(config=data["config"], steps=data["steps"], lmn_steps=data["lmn_steps"],
                      metrics={k: np.asarray(v) for k, v in data["metrics"].items()},
                      lmn={k: np.asarray(v) for k, v in data["lmn"].items()})
        history.steps, history.lmn_steps = np.asarray(history.steps), np.asarray(history.lmn_steps)
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
    accuracy does (the paper's phases, shared/PAPER.md)."""
    return [(first_step_reaching(history.steps, history.metrics["train_acc"][s], threshold),
             first_step_reaching(history.steps, history.metrics["test_acc"][s], threshold))
            for s in range(len(history.seeds))]
