"""The activation table, once: names -> modules (what the MLP, the region tools and a config's
`activation` accept) and modules -> the elementwise functions the fast LMN path applies."""
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn


class Sin(nn.Module):
    """sin as an activation module (tests and notebook 03 use it)."""

    def forward(self, x):
        return torch.sin(x)


ACTIVATIONS = {"silu": nn.SiLU, "relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh,
               "sigmoid": nn.Sigmoid, "sin": Sin}
_FUNCTIONS = {nn.ReLU: F.relu, nn.SiLU: F.silu, nn.Tanh: torch.tanh, nn.Sigmoid: torch.sigmoid,
              Sin: torch.sin}


def check_activation(activation):
    """ValueError naming `activation` unless it is a name of ACTIVATIONS."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")


def activation_function(module):
    """The elementwise function of an activation module, None for nn.Identity (dropped), a
    KeyError for a module that is not a known activation."""
    if type(module) in _FUNCTIONS:
        return _FUNCTIONS[type(module)]
    if type(module) is nn.GELU:
        return partial(F.gelu, approximate=module.approximate)
    if type(module) is nn.Identity:
        return None
    raise KeyError(type(module).__name__)
