"""The arithmetic floor under issue 2's speed targets: the matmuls (and, for LMN, the SiLUs)
that an exact evaluation cannot avoid, timed alone, with nothing else around them.

LMN from hidden1 to the logits at N = 961 (mod 31) must, after every exact shortcut, evaluate
SiLU at 461k pairs x 19 interior points x 100 units and multiply each point by the 100 x 31
output weight. One full-batch training step of one seed is 3 matmuls forward and 6 backward
(weights' and inputs' gradients) over 769 rows. If these pieces alone take longer than a target,
no restructuring of the same arithmetic meets it on this machine.

Run by hand (`make benchmark`, or `python benchmarks/bench_floor.py`).
"""
import time

import torch
import torch.nn.functional as F

REPEATS = 5
LMN_TARGET_S, TRAIN_TARGET_S = 0.5, 25.0


def best_of(fn, repeats=REPEATS):
    """The fastest of `repeats` timings of fn() in seconds (the least disturbed reading)."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return min(timings)


def lmn_floor(N=961, hidden=100, outputs=31, interior=19, chunk_pairs=1024):
    num_chunks = -(-N * (N - 1) // 2 // chunk_pairs)
    points = torch.randn(chunk_pairs * interior, hidden)
    weight = torch.randn(-(-outputs // 8) * 8, hidden)  # padded to 32, as tail_plan does

    def matmuls():
        for _ in range(num_chunks):
            points @ weight.T

    def silus():
        for _ in range(num_chunks):
            F.silu(points)

    mm_s, silu_s = best_of(matmuls), best_of(silus)
    flop = 2 * num_chunks * chunk_pairs * interior * hidden * weight.shape[0]
    print(f"LMN, N = {N}: output matmul alone {mm_s:.3f} s ({flop / mm_s / 1e9:.0f} GFLOP/s), "
          f"SiLU alone {silu_s:.3f} s, sum {mm_s + silu_s:.3f} s (target {LMN_TARGET_S} s)")
    return mm_s + silu_s


def train_floor(rows=769, embed=64, hidden=100, outputs=31, steps=20000, sample_steps=1000):
    shapes = [(embed, hidden), (hidden, hidden), (hidden, outputs)]
    acts = [torch.randn(rows, n_in) for n_in, _ in shapes]
    weights = [torch.randn(n_in, n_out) for n_in, n_out in shapes]
    grads = [torch.randn(rows, n_out) for _, n_out in shapes]

    def one_step_matmuls():
        for x, w, g in zip(acts, weights, grads):
            x @ w            # forward
            x.T @ g          # gradient of the weight
            g @ w.T          # gradient of the layer's input (the embeddings' for layer 1)

    def sample():
        for _ in range(sample_steps):
            one_step_matmuls()

    per_step = best_of(sample) / sample_steps
    flop = 3 * 2 * rows * sum(n_in * n_out for n_in, n_out in shapes)
    print(f"training, 1 seed float32: the step's 9 matmuls alone {1e3 * per_step:.2f} ms/step "
          f"({flop / per_step / 1e9:.0f} GFLOP/s), {per_step * steps:.1f} s per {steps} steps "
          f"(target {TRAIN_TARGET_S} s for the whole run)")
    return per_step * steps


if __name__ == "__main__":
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    lmn_floor()
    train_floor()
