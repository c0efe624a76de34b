"""The GPU measurement of issue 19 as one prepared command (also runs on a CPU, for a check).

    PYTHONPATH=. python benchmarks/bench_device.py [DEVICE] [STEPS]

DEVICE defaults to "auto" (cuda, then mps, then cpu). Prints the device's name, LMN at N = 961
(mod-31 net, hidden1 -> logits) on the first call (torch.compile included) and warm, and a
5-seed mod-31 run of STEPS steps (20000 by default) with LMN at its phase-aware steps (36 per
seed), timed end to end after a short warm-up run that pays the compilation. Targets on one H100-class GPU: LMN warm
under 10 ms; the 5-seed run under 60 s. The unit tests on the same device:
`LMN_TEST_DEVICE=cuda PYTHONPATH=. python -m pytest tests -q`.
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from lmn_utils import EmbedMLP, get_device, layer_lmn, make_task, train  # noqa: E402


def synchronise(device):
    if device.type == "cuda":
        torch.cuda.synchronize()
    elif device.type == "mps":
        torch.mps.synchronize()


def timed(fn, device):
    synchronise(device)
    start = time.perf_counter()
    value = fn()
    synchronise(device)
    return time.perf_counter() - start, value


def device_name(device):
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{device.type} ({torch.get_num_threads()} threads)"


def bench_lmn(device):
    torch.manual_seed(0)
    model = EmbedMLP(31, 31).to(device)
    inputs = make_task("modular_addition", p=31).inputs.to(device)
    first, value = timed(lambda: layer_lmn(model, inputs, "hidden1"), device)
    warm = sorted(timed(lambda: layer_lmn(model, inputs, "hidden1"), device)[0] for _ in range(5))
    print(f"LMN at N = 961: first call {first:.2f} s, warm median {1e3 * warm[2]:.1f} ms "
          f"(min {1e3 * warm[0]:.1f} ms), value {value:.4f}", flush=True)


def bench_training(device, steps):
    settings = dict(seeds=[0, 1, 2, 3, 4], device=str(device), progress=False)
    warm_up, _ = timed(lambda: train(steps=50, **settings), device)
    took, (history, _) = timed(lambda: train(steps=steps, **settings), device)
    evaluations = sum(map(len, history.lmn_steps))
    print(f"5 seeds x {steps} steps, mixed precision, {evaluations} LMN evaluations: "
          f"{took:.1f} s (a 50-step warm-up with compilation took {warm_up:.1f} s before); "
          f"final test accuracy {history.metrics['test_acc'][:, -1].round(3).tolist()}", flush=True)


if __name__ == "__main__":
    device = get_device(sys.argv[1] if len(sys.argv) > 1 else "auto")
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    print(f"torch {torch.__version__} on {device_name(device)}", flush=True)
    bench_lmn(device)
    bench_training(device, steps)
