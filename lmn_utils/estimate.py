"""How long a training run will take, measured on this machine before it starts.

A few AdamW steps of the run's own stack (built as `train` builds it, then thrown away), one
forward pass over every input (what a record step costs) and LMN of one member at
initialisation on the run's LMN inputs, timed twice (the first call includes torch.compile),
are scaled to the run: steps x step time + records x forward time + LMN count x LMN time. LMN's
cost does not depend on the weights (a fixed number of points on each of N (N - 1) / 2 paths),
so one measurement stands for all. The count is the schedule's most (a seed that never
generalises gets fewer). Nothing here touches the global random state or the run itself.
`train(..., estimate=True)` prints it (to stderr, like the progress bars) before it trains;
`train_or_load` (notebooks 04-07) and notebook 09 ask for it.
"""
import time
from dataclasses import dataclass

from .samples import describe_samples, sample_rows

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
    lmn_first_s: float
    lmn_s: float
    lmn_inputs: str
    timed_steps: int

    @property
    def train_s(self):
        return self.steps * self.step_s + self.records * self.record_s

    @property
    def total_s(self):
        lmn = self.lmn_first_s + (self.lmn_count - 1) * self.lmn_s if self.lmn_count else 0.0
        return self.train_s + lmn

    def __str__(self):
        lmn = self.total_s - self.train_s
        return (f"Estimated duration on this machine: about {format_seconds(self.total_s)} "
                f"(training, {self.steps} steps: {format_seconds(self.train_s)}; LMN, at most "
                f"{self.lmn_count} measurements on {self.lmn_inputs}: {format_seconds(lmn)}), "
                f"from {self.timed_steps} timed steps and one LMN at {self.lmn_s:.2f} s")


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


def _seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _time_steps(stack, optimizer, train_inputs, train_labels):
    """Seconds per AdamW step, from MIN_TIMED_STEPS to MAX_TIMED_STEPS of them after one warm-up."""
    from .train import training_loss

    def step():
        loss = training_loss(stack, train_inputs, train_labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    step()
    count, start = 0, time.perf_counter()
    while count < MIN_TIMED_STEPS or (count < MAX_TIMED_STEPS
                                      and time.perf_counter() - start < TIMING_BUDGET_S):
        step()
        count += 1
    return (time.perf_counter() - start) / count, count


def estimate_duration(config):
    """A DurationEstimate of `train(config)` (a TrainConfig), measured here and now."""
    import torch

    from .train import _adamw, checkpoint_steps, lmn_probe, prepare_run
    config = config.validate()
    rng_state = torch.random.get_rng_state()
    _, stack, inputs, _, _, train_inputs, train_labels = prepare_run(config)
    rows = sample_rows(len(inputs), config.lmn_samples).to(inputs.device)
    count = lmn_count(config)
    lmn_first_s = lmn_s = 0.0
    if count:
        probe, layer = lmn_probe(stack, config), config.lmn_layers[0]
        lmn_first_s = _seconds(lambda: probe.member_lmn(0, inputs[rows], layer))
        lmn_s = _seconds(lambda: probe.member_lmn(0, inputs[rows], layer))
    with torch.no_grad():
        record_s = _seconds(lambda: stack(inputs))
    optimizer = _adamw(stack.parameters(), config)
    step_s, timed = _time_steps(stack, optimizer, train_inputs, train_labels)
    torch.random.set_rng_state(rng_state)
    return DurationEstimate(steps=config.steps, step_s=step_s,
                            records=len(checkpoint_steps(config.steps, config.num_records)),
                            record_s=record_s, lmn_count=count, lmn_first_s=lmn_first_s,
                            lmn_s=lmn_s, lmn_inputs=describe_samples(len(inputs), rows, short=True),
                            timed_steps=timed)
