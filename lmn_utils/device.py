"""Device choice and seeding (every notebook calls these once, at the top)."""
import random

import numpy as np
import torch


def get_device(device="auto"):
    """torch.device: "auto" picks cuda, then mps, then cpu; any other name is used as given."""
    if device != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def training_device(device, needs_float64):
    """The device `train` uses: MPS has no float64, so with float64 parameters ("float64" and
    "mixed") "auto" falls back from mps to cpu, and an explicit "mps" is refused."""
    chosen = get_device(device)
    if chosen.type == "mps" and needs_float64:
        if device != "auto":
            raise ValueError("dtype 'float64' and 'mixed' need float64, which device 'mps' lacks: "
                             "use dtype='float32' or device='cpu'")
        return torch.device("cpu")
    return chosen


def set_seed(seed):
    """Seed Python, NumPy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
