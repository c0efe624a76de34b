"""What a training run starts from (`prepare_run`) and the one step it repeats
(`optimizer_step`): shared by `train` and by the duration estimate (`estimate.py`), which
times a few of those steps on the run's own stack before it starts."""
import copy
from typing import NamedTuple

import torch

from .device import training_device
from .models import EmbedMLPStack, cross_entropy_per_member
from .tasks import make_task
from .transformer import TransformerStack

DTYPES = {"float32": torch.float32, "float64": torch.float64}
# training precision: (parameters, optimizer state and loss; layer arithmetic)
TRAIN_DTYPES = {"float32": (torch.float32, torch.float32),
                "float64": (torch.float64, torch.float64),
                "mixed": (torch.float64, torch.float32)}


def _splits(task, seeds, train_frac, device, dtype):
    """Train rows per seed [S, n_train], and train masks over all rows [S, M]."""
    rows = torch.stack([task.split(train_frac, seed)[0] for seed in seeds])
    masks = torch.zeros(len(seeds), len(task.labels), dtype=dtype)
    masks.scatter_(1, rows, 1.0)
    return rows.to(device), masks.to(device)


def adamw(params, config):
    """AdamW with the config's lr, weight decay and betas (fused where torch offers it)."""
    settings = dict(lr=config.lr, weight_decay=config.weight_decay, betas=tuple(config.betas))
    try:  # the fused kernel: one op per step instead of one per parameter and moment
        return torch.optim.AdamW(params, fused=True, **settings)
    except (RuntimeError, TypeError):
        return torch.optim.AdamW(params, **settings)


def build_stack(config, task):
    """The stack of models of `config` (one member per seed) for `task`."""
    if config.model == "transformer":
        return TransformerStack.from_seeds(config.seeds, task.num_tokens, task.num_classes,
                                           **config.transformer_sizes())
    return EmbedMLPStack.from_seeds(config.seeds, num_tokens=task.num_tokens,
                                    num_classes=task.num_classes, embed_dim=config.embed_dim,
                                    hidden_dim=config.hidden_dim, activation=config.activation)


def training_loss(stack, train_inputs, train_labels):
    """The sum over members of each member's mean train loss: independent gradients per seed."""
    return cross_entropy_per_member(stack(train_inputs), train_labels).mean(1).sum()


def optimizer_step(stack, optimizer, train_inputs, train_labels, signals=None):
    """One full-batch AdamW step of every member (what `train` repeats, what the estimate times).
    signals: the run's training signals (`signals.Signals`), or None for the plain step."""
    loss = training_loss(stack, train_inputs, train_labels)
    if signals is not None:
        loss = loss + signals.extra_loss(stack)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if signals is not None:
        signals.filter_gradients()
    optimizer.step()


class PreparedRun(NamedTuple):
    """What `train` starts from, on the config's device and in its training precision."""
    task: object
    stack: torch.nn.Module
    inputs: torch.Tensor        # every input [N, k]
    labels: torch.Tensor        # every label [N]
    masks: torch.Tensor         # per seed, 1 on its training rows [S, N]
    train_inputs: torch.Tensor  # per seed, its training inputs [S, n_train, k]
    train_labels: torch.Tensor  # [S, n_train]


def prepare_run(config):
    """The PreparedRun of a validated config."""
    dtype, compute_dtype = TRAIN_DTYPES[config.dtype]
    needs_float64 = dtype == torch.float64 or config.lmn_dtype == "float64"
    device = training_device(config.device, needs_float64)
    task = make_task(config.task, **config.task_params)
    stack = build_stack(config, task).to(device, dtype)
    stack.compute_dtype = compute_dtype
    inputs, labels = task.inputs.to(device), task.labels.to(device)
    train_rows, masks = _splits(task, config.seeds, config.train_frac, device, dtype)
    return PreparedRun(task, stack, inputs, labels, masks, inputs[train_rows], labels[train_rows])


def lmn_probe(stack, config):
    """A copy of `stack` in LMN's precision (config.lmn_dtype), without mixed precision."""
    probe = copy.deepcopy(stack).to(dtype=DTYPES[config.lmn_dtype])
    probe.compute_dtype = None
    return probe
