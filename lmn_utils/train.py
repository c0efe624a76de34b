"""Full-batch AdamW training of several seeds at once, with periodic metric tracking.

Data flow: task -> EmbedMLPStack or TransformerStack -> History (metrics at record steps) ->
LMN per seed at the steps of its schedule (`schedule.py`), on the inputs of `samples.py`,
measured after training on float32 snapshots of the weights kept at every record step. Each
seed has its own initialisation and its own train/test split (both from the seed). Notebooks
04-07 and 09 call `train`.
"""
import sys
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from tqdm import tqdm  # text bars: no ipywidgets needed in notebooks

from .device import full_float32_matmuls
from .estimate import estimate_duration
from .folders import load_tensors, save_tensors
from .history import History
from .measures.activations import check_activation
from .models import check_layer, cross_entropy_per_member
from .parameters import check_parameters
from .prepare import DTYPES, TRAIN_DTYPES, adamw, lmn_probe, optimizer_step, prepare_run
from .samples import SUBSET_SEED, check_lmn_samples, sample_rows
from .schedule import DEFAULT_POINTS, checkpoint_steps, grid_schedule, phase_schedule
from .transformer import DEFAULT_SIZES, check_sizes, check_tap
from .signals import Signals
from .validation import check_choice, check_int, check_number_at_least

SCHEDULES = ("phases", "grid")
MODELS = ("embed_mlp", "transformer")


@dataclass
class TrainConfig:
    """The paper's settings by default (its section 3, restated in site/paper.md)."""
    task: str = "modular_addition"
    task_params: dict = field(default_factory=lambda: {"p": 31})
    seeds: tuple = (0,)
    steps: int = 20000
    lr: float = 1e-3
    weight_decay: float = 0.2
    train_frac: float = 0.8
    embed_dim: int = 32
    hidden_dim: int = 100
    activation: str = "silu"
    # "embed_mlp": the paper's MLP (embed_dim, hidden_dim, activation); "transformer": the
    # one-layer transformer of transformer.py, sized by model_params (d_model, heads, d_mlp)
    model: str = "embed_mlp"
    model_params: dict = field(default_factory=dict)
    betas: tuple = (0.9, 0.999)       # AdamW's; Nanda et al. train the transformer with 0.98
    # training precision: "float64"; "float32" (spikes once the loss nears 1e-7, notebook 07);
    # "mixed": float64 parameters, AdamW state and loss, float32 layers (follows float64 to a
    # few parts in a million in notebook 07, faster than float64: timed in BENCHMARKS.md)
    dtype: str = "mixed"
    lmn_dtype: str = "float32"       # precision of the weights copy LMN is evaluated on
    device: str = "auto"
    num_records: int = 200           # steps at which losses, accuracies and L2 are recorded
    lmn_layers: tuple = ("hidden1",)  # layers (tap "post") or transformer taps: LMN tracked
    # where LMN is measured, per seed, among the record steps (schedule.py): "phases" places
    # lmn_points = (before memorisation, inside the generalising phase, after generalisation)
    # plus the two phase steps; "grid" takes about num_lmn_steps steps, the same for every seed
    lmn_schedule: str = "phases"
    lmn_points: tuple = DEFAULT_POINTS
    num_lmn_steps: int = 30
    # the inputs LMN is measured on (samples.py): "auto" is all of them up to N = 4096 (the
    # paper's tasks), else a fixed random subset of 2048; an int, a subset of that size; "all"
    lmn_samples: object = "auto"
    # training signals (`signals.py`), all off by default: the LMN penalty's strength, pairs
    # per step and seed, where the pairs come from ("train" inputs, or "all": no labels used)
    # and whether it waits for memorisation; Grokfast-EMA's alpha and lambda (0: off); the
    # Jacobian penalty's strength
    lmn_penalty: float = 0.0
    lmn_penalty_pairs: int = 256
    lmn_penalty_inputs: str = "train"
    lmn_penalty_after_memorising: bool = False
    grokfast_alpha: float = 0.98
    grokfast_lambda: float = 0.0
    jacobian_penalty: float = 0.0

    @classmethod
    def from_history(cls, history):
        """The config a History was trained with (its JSON lists back as tuples; keys this
        version does not know, from a newer one, are left out)."""
        fields = {key: tuple(value) if isinstance(value, list) else value
                  for key, value in history.config.items() if key in cls.__dataclass_fields__}
        return cls(**{**fields, "task_params": dict(history.config.get("task_params", {})),
                      "model_params": dict(history.config.get("model_params", {}))})

    def validate(self):
        check_parameters(steps=self.steps, train_frac=self.train_frac, lr=self.lr,
                         weight_decay=self.weight_decay)  # one rule each, parameters.py
        check_activation(self.activation)
        for name, allowed in (("dtype", TRAIN_DTYPES), ("lmn_dtype", DTYPES)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {sorted(allowed)}, "
                                 f"got {getattr(self, name)!r}")
        if not self.seeds or not all(isinstance(s, int) and not isinstance(s, bool)
                                     for s in self.seeds):
            raise ValueError(f"seeds must be a non-empty list of integers, got {self.seeds!r}")
        if len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"seeds must be distinct, got {self.seeds!r}")
        for name in ("embed_dim", "hidden_dim", "num_records"):
            check_int(name, getattr(self, name), 1)
        check_int("num_lmn_steps", self.num_lmn_steps, 0)
        if self.lmn_schedule not in SCHEDULES:
            raise ValueError(f"lmn_schedule must be one of {list(SCHEDULES)}, "
                             f"got {self.lmn_schedule!r}")
        if len(tuple(self.lmn_points)) != 3:
            raise ValueError("lmn_points must be 3 integers (before, inside, after), "
                             f"got {self.lmn_points!r}")
        for name, value in zip(("before", "inside", "after"), self.lmn_points):
            check_int(f"lmn_points ({name})", value, 0, 1000)
        self._validate_model()
        self._validate_signals()
        check_lmn_samples(self.lmn_samples)
        betas = tuple(self.betas) if isinstance(self.betas, (list, tuple)) else ()
        if len(betas) != 2 or not all(isinstance(b, (int, float)) and 0 <= b < 1 for b in betas):
            raise ValueError(f"betas must be 2 numbers in [0, 1), got {self.betas!r}")
        return self

    def _validate_signals(self):
        for name in ("lmn_penalty", "grokfast_lambda", "jacobian_penalty"):
            check_number_at_least(name, getattr(self, name), 0)
        check_int("lmn_penalty_pairs", self.lmn_penalty_pairs, 1)
        check_choice("lmn_penalty_inputs", self.lmn_penalty_inputs, ("train", "all"))
        if not isinstance(self.lmn_penalty_after_memorising, bool):
            raise ValueError("lmn_penalty_after_memorising must be True or False, got "
                             f"{self.lmn_penalty_after_memorising!r}")
        alpha = self.grokfast_alpha
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha < 1:
            raise ValueError(f"grokfast_alpha must be a number in [0, 1), got {alpha!r}")
        if self.model != "embed_mlp" and (self.lmn_penalty or self.jacobian_penalty):
            raise ValueError("lmn_penalty and jacobian_penalty are built for model='embed_mlp' "
                             f"(the paper's MLP), got model={self.model!r}")

    def _validate_model(self):
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {list(MODELS)}, got {self.model!r}")
        if self.model == "embed_mlp":
            if self.model_params:
                raise ValueError("model_params is for model='transformer' (d_model, heads, "
                                 "d_mlp); the MLP takes embed_dim and hidden_dim, "
                                 f"got {self.model_params!r}")
            for layer in self.lmn_layers:
                check_layer(layer)
            return
        unknown = set(self.model_params) - set(DEFAULT_SIZES)
        if unknown:
            raise ValueError(f"model_params keys must be among {list(DEFAULT_SIZES)}, "
                             f"got {sorted(unknown)}")
        check_sizes(**self.transformer_sizes())
        for tap in self.lmn_layers:
            check_tap(tap)

    def transformer_sizes(self):
        return {**DEFAULT_SIZES, **self.model_params}


def _accuracy(logits, labels, masks):
    correct = (logits.argmax(-1) == labels).to(masks.dtype)
    return (correct * masks).sum(1) / masks.sum(1)


def _record(history, step, logits, ce, labels, masks, stack, extra_metrics):
    test_masks = 1 - masks
    extra = {name: torch.as_tensor(fn(stack)) for name, fn in extra_metrics.items()}
    history.append_metrics(step, {**extra,
        "train_loss": (ce * masks).sum(1) / masks.sum(1),
        "test_loss": (ce * test_masks).sum(1) / test_masks.sum(1),
        "train_acc": _accuracy(logits, labels, masks),
        "test_acc": _accuracy(logits, labels, test_masks),
        "l2_norm": stack.l2_norms(),
    })


def _snapshot(stack, lmn_dtype):
    """A copy of every member's weights in `lmn_dtype` (float32: LMN in float32 agrees with the
    float64 definition to 1e-3, tests/test_lmn.py, at half the cost)."""
    return {name: value.detach().to(lmn_dtype, copy=True)
            for name, value in stack.state_dict().items()}


def lmn_schedules(history, config):
    """Per seed, the record steps where LMN is measured (`schedule.py`)."""
    steps = np.asarray(history.steps)
    if config.lmn_schedule == "grid":
        return [grid_schedule(steps, config.num_lmn_steps) for _ in history.seeds]
    return [phase_schedule(steps, history.metrics["test_loss"][row], memorised, generalised,
                           tuple(config.lmn_points))
            for row, memorised, generalised in history.phases()]


def _measure_lmn(history, snapshots, stack, inputs, config, progress):
    """LMN of each seed at its scheduled steps, from the snapshots, into history.lmn."""
    schedules = lmn_schedules(history, config)
    probe = lmn_probe(stack, config)
    rows = sample_rows(len(inputs), config.lmn_samples)
    history.lmn_inputs = dict(num_inputs=len(inputs), measured=len(rows), subset_seed=SUBSET_SEED)
    inputs = inputs[rows.to(inputs.device)]
    wanted = sorted({int(step) for steps in schedules for step in steps})
    values = {layer: [dict() for _ in schedules] for layer in config.lmn_layers}
    bar = tqdm(total=sum(map(len, schedules)), disable=not progress, mininterval=10,
               desc="LMN at the scheduled steps")
    for step in wanted:
        probe.load_state_dict(snapshots[step])
        for row, steps in enumerate(schedules):
            if step in steps:
                for layer in config.lmn_layers:
                    values[layer][row][step] = probe.member_lmn(row, inputs, layer)
                bar.update(1)
    bar.close()
    history.set_lmn(schedules, {layer: [[v[int(s)] for s in steps] for v, steps in
                                        zip(values[layer], schedules)] for layer in values})


@full_float32_matmuls()  # no TF32 on GPUs: the float32 layers of "mixed" are relied on
def train(config=None, callback=None, progress=True, extra_metrics=None, estimate=False,
          snapshot_path=None, **overrides):
    """Train every seed of `config` (a TrainConfig; keyword overrides allowed) together.

    Returns (history, stack). `callback(step, stack)` runs at every record step.
    extra_metrics: {name: fn(stack) -> one value per seed}, recorded with the losses at every
    record step into history.metrics[name] (notebook 09 records a Fourier measure this way).
    estimate: first print (to stderr, with the progress bars) how long the run will take,
    measured here (`estimate.py`: a few steps and two LMN measurements per tracked layer).
    snapshot_path: also save the weight snapshots of every record step there (`save_snapshots`;
    `load_snapshots` reads them back), for measuring LMN another way without training again.
    """
    config = TrainConfig(**{**asdict(config or TrainConfig()), **overrides}).validate()
    if estimate:
        print(estimate_duration(config, checked=True), file=sys.stderr, flush=True)
    task, stack, inputs, labels, masks, train_inputs, train_labels = prepare_run(config)
    optimizer = adamw(stack.parameters(), config)
    signals = Signals(config, stack, inputs, train_inputs) if Signals.wanted(config) else None
    record_steps = set(checkpoint_steps(config.steps, config.num_records))
    history, snapshots = History(config=asdict(config)), {}
    bar = tqdm(total=config.steps, disable=not progress, mininterval=10,
               desc=f"{task.name}, {len(stack)} seeds")
    for step in range(config.steps + 1):
        if step in record_steps:
            with torch.no_grad():
                logits = stack(inputs)
                ce = cross_entropy_per_member(logits, labels)
                _record(history, step, logits, ce, labels, masks, stack, extra_metrics or {})
            if config.lmn_layers or snapshot_path:
                snapshots[step] = _snapshot(stack, DTYPES[config.lmn_dtype])
            if signals is not None:
                signals.saw_train_accuracy(history.metrics["train_acc"][-1])
            if callback is not None:
                callback(step, stack)
            bar.set_postfix(test_acc=f"{history.metrics['test_acc'][-1].mean():.2f}", refresh=False)
        if step == config.steps:
            break
        optimizer_step(stack, optimizer, train_inputs, train_labels, signals)
        if step % 100 == 99:
            bar.update(100)
    bar.update(config.steps - bar.n)
    bar.close()
    history.finish()
    if snapshot_path:
        save_snapshots(snapshot_path, config, snapshots)
    if config.lmn_layers:
        _measure_lmn(history, snapshots, stack, inputs, config, progress)
    return history, stack


def snapshot_key(config):
    """A run's snapshot file name: the first 12 hex digits of a hash of its whole config."""
    import hashlib
    import json
    text = json.dumps(asdict(config), sort_keys=True, default=list)
    return hashlib.sha256(text.encode()).hexdigest()[:12] + ".pt"


def save_snapshots(path, config, snapshots):
    """{step: every member's weights} of a run, with its config (as JSON), to `path` atomically."""
    import json
    return save_tensors(path, {"config": json.dumps(asdict(config), default=list),
                               "snapshots": {int(k): v for k, v in snapshots.items()}})


def load_snapshots(path):
    """(config dict, {step: state dict}) of a file written by `save_snapshots`."""
    import json
    data = load_tensors(path)
    return json.loads(data["config"]), data["snapshots"]
