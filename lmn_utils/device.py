"""Device choice, seeding and float32 precision (every notebook calls these once, at the top)."""
import random
from contextlib import contextmanager

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
    "mixed") or lmn_dtype="float64", "auto" falls back from mps to cpu, and an explicit "mps" is
    refused."""
    chosen = get_device(device)
    if chosen.type == "mps" and needs_float64:
        if device != "auto":
            raise ValueError("dtype 'float64' or 'mixed', or lmn_dtype 'float64', need float64, which "
                             "device 'mps' lacks: use float32 for both or device='cpu'")
        return torch.device("cpu")
    return chosen


def set_seed(seed):
    """Seed Python, NumPy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _tf32_switches():
    """(object, attribute, value that turns TF32 off) for this torch: the fp32_precision API of
    torch 2.9 and later, else the older allow_tf32 flags (mixing the two is an error)."""
    matmul, cudnn = torch.backends.cuda.matmul, torch.backends.cudnn
    if hasattr(matmul, "fp32_precision"):
        return [(matmul, "fp32_precision", "ieee"), (cudnn, "fp32_precision", "ieee")]
    return [(matmul, "allow_tf32", False), (cudnn, "allow_tf32", False)]


@contextmanager
def full_float32_matmuls():
    """TF32 off for the block (restored after): on Ampere and newer GPUs TF32 matmuls keep 10
    mantissa bits, too few for LMN's float32 tolerance (1e-3) and for mixed-precision training.
    On CPUs nothing changes."""
    switches = _tf32_switches()
    saved = [getattr(obj, name) for obj, name, _ in switches]
    try:
        for obj, name, off in switches:
            setattr(obj, name, off)
        yield
    finally:
        for (obj, name, _), value in zip(switches, saved):
            setattr(obj, name, value)
