"""Tried, not adopted: a training step whose forward and backward are compiled (torch.compile).

Times the same float32 step, eager and compiled, for 1 seed and 5 stacked seeds of mod 31, in one
process: `python benchmarks/bench_train_compile.py [STEPS]` (default 5000; run by hand). In three
runs on the 2-core build machine neither 1 nor 5 seeds gained consistently (README, Speed).
"""
import os
import sys
import time
from functools import partial

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from lmn_utils import make_task  # noqa: E402
from lmn_utils.models import EmbedMLPStack  # noqa: E402
from lmn_utils.prepare import adamw, training_loss  # noqa: E402
from lmn_utils.train import TrainConfig  # noqa: E402


def ms_per_step(num_seeds, compiled, steps):
    config = TrainConfig()  # the paper's settings, as train() uses them
    task = make_task(config.task, **config.task_params)
    seeds = list(range(num_seeds))
    stack = EmbedMLPStack.from_seeds(seeds, num_tokens=task.num_tokens, num_classes=task.num_classes,
                                     embed_dim=config.embed_dim, hidden_dim=config.hidden_dim,
                                     activation=config.activation)
    rows = torch.stack([task.split(config.train_frac, seed)[0] for seed in seeds])
    inputs, labels = task.inputs[rows], task.labels[rows]
    optimizer = adamw(stack.parameters(), config)  # fused AdamW, as in train()

    loss_fn = partial(training_loss, stack, inputs, labels)  # the loss train() minimises
    loss_fn = torch.compile(loss_fn) if compiled else loss_fn

    def step():
        loss = loss_fn()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for _ in range(20):  # warm-up, compilation included
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return 1e3 * (time.perf_counter() - start) / steps


if __name__ == "__main__":
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {steps} steps after 20 warm-up")
    for num_seeds in (1, 5):
        eager = ms_per_step(num_seeds, False, steps)
        compiled = ms_per_step(num_seeds, True, steps)
        print(f"{num_seeds} seed(s), float32: eager {eager:.2f} ms/step, compiled {compiled:.2f} ms/step",
              flush=True)
