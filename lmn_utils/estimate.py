"""How long a training run will take, measured on this machine before it starts.

A few AdamW steps of the run's own stack (built as `train` builds it, then thrown away), one
forward pass over every input (what a record step costs) and LMN of one member at
initialisation on the run's LMN inputs (twice per tracked layer: the first call includes
torch.compile) are scaled to the run: steps x step time + records x forward time + the first
calls + the other measurements x the layers' mean LMN time. LMN's cost does not depend on the
weights (a fixed number of points on each of N (N - 1) / 2 paths), so one measurement stands
for all.
The count is the schedule's most (a seed that never generalises gets fewer). Not counted: the
`extra_metrics` of `train`, figures, kernel start. The random state of every device is restored
afterwards; the run itself is untouched. `train(..., estimate=True)` prints the estimate (to
stderr, like the progress bars) before it trains; `train_or_load` (notebooks 04-07) and
notebook 09 ask for it. Its own cost: a few steps and two LMN measurements per layer (measured
in BENCHMARKS.md).
"""
import time
from dataclasses import dataclass

import torch

from .device import full_float32_matmuls
from .samples import describe_samples, sample_rows
from .schedule import checkpoint_steps
from .signals import Signals
from .prepare import adamw, lmn_probe, optimizer_step, prepare_run

MIN_TIMED_STEPS = 5
MAX_TIMED_STEPS = 50
TIMING_BUDGET_S = 2.0  # the timed steps stop once they have taken this long


@dataclass(frozen=True)
class DurationEstimate:
    """Seconds of each part of a run, and what they were scaled from."""
    steps: int
    step_s: float
    records: int
    record_s: float
    lmn_count: int
    lmn_layers: int
    lmn_first_s: float  # the first call of every layer, torch.compile included
    lmn_s: float        # one measurement afterwards, mean over the layers
    lmn_inputs: str
    timed_steps: int

    @property
    def train_s(self):
        return self.steps * self.step_s + self.records * self.record_s

    @property
    def total_s(self):
        lmn = 0.0
        if self.lmn_count:
            lmn = self.lmn_first_s + (self.lmn_count - self.lmn_layers) * self.lmn_s
        return self.train_s + lmn

    def __str__(self):
        head = (f"Estimated duration on this machine: about {format_seconds(self.total_s)} "
                f"(training, {self.steps} steps: {format_seconds(self.train_s)}")
        if not self.lmn_count:
            return f"{head}; no LMN), from {self.timed_steps} timed steps"
        lmn = self.total_s - self.train_s
        return (f"{head}; LMN, at most {self.lmn_count} measurements on {self.lmn_inputs}: "
                f"{format_seconds(lmn)}), from {self.timed_steps} timed steps and LMN at "
                f"{self.lmn_s:.2f} s a measurement")


def format_seconds(seconds):
    """'45 s', '12 min', '2.5 h'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def lmn_count(config):
    """The most LMN measurements `train` makes for `config`: per seed and layer, the phase
    schedule's points plus its two phase steps, or the grid's steps."""
    if config.lmn_schedule == "phases":
        per_seed = sum(config.lmn_points) + 2
    else:
        per_seed = config.num_lmn_steps
    return len(config.seeds) * len(config.lmn_layers) * per_seed


def _seconds(fn, device):
    """Wall seconds of fn(), waiting for the device's queued work (CUDA and MPS run async)."""
    def wait():
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        elif device.type == "mps":
            torch.mps.synchronize()

    wait()
    start = time.perf_counter()
    fn()
    wait()
    return time.perf_counter() - start


def _time_steps(stack, optimizer, train_inputs, train_labels, signals=None):
    """Seconds per AdamW step (with the run's training signals, if any), from MIN_TIMED_STEPS
    to MAX_TIMED_STEPS of them after one warm-up."""
    def step():
        optimizer_step(stack, optimizer, train_inputs, train_labels, signals)

    device = train_inputs.device
    _seconds(step, device)
    count, spent = 0, 0.0
    while count < MIN_TIMED_STEPS or (count < MAX_TIMED_STEPS and spent < TIMING_BUDGET_S):
        spent += _seconds(step, device)
        count += 1
    return spent / count, count


@full_float32_matmuls()  # as `train` runs: no TF32
def estimate_duration(config, checked=False):
    """A DurationEstimate of `train(config)` (a TrainConfig), measured here and now.
    checked: the config was validated already (`train` passes True: one check per run)."""
    config = config if checked else config.validate()
    # building a stack seeds torch per member: every device's random state is put back after
    with torch.random.fork_rng(devices=list(range(torch.cuda.device_count()))):
        run = prepare_run(config)
        stack, inputs = run.stack, run.inputs
        device = inputs.device
        rows = sample_rows(len(inputs), config.lmn_samples).to(device)
        count = lmn_count(config)
        lmn_first_s = lmn_s = 0.0
        if count:
            probe, X = lmn_probe(stack, config), inputs[rows]
            layers = config.lmn_layers
            lmn_first_s = sum(_seconds(lambda: probe.member_lmn(0, X, layer), device)
                              for layer in layers)
            lmn_s = sum(_seconds(lambda: probe.member_lmn(0, X, layer), device)
                        for layer in layers) / len(layers)
        with torch.no_grad():
            record_s = _seconds(lambda: stack(inputs), device)
        optimizer = adamw(stack.parameters(), config)
        signals = (Signals(config, stack, inputs, run.train_inputs) if Signals.wanted(config)
                   else None)  # its own generators: the run's draws are untouched
        step_s, timed = _time_steps(stack, optimizer, run.train_inputs, run.train_labels,
                                    signals)
    return DurationEstimate(steps=config.steps, step_s=step_s,
                            records=len(checkpoint_steps(config.steps, config.num_records)),
                            record_s=record_s, lmn_count=count,
                            lmn_layers=len(config.lmn_layers), lmn_first_s=lmn_first_s,
                            lmn_s=lmn_s, lmn_inputs=describe_samples(len(inputs), rows, short=True),
                            timed_steps=timed)
