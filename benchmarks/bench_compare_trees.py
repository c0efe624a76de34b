"""CPU speed of two checkouts of this repository, alternated in fresh processes, in one run.

    python benchmarks/bench_compare_trees.py OLD_TREE NEW_TREE [ROUNDS]

(e.g. OLD_TREE from `git worktree add /tmp/old HEAD~1`). Each round runs OLD then NEW, each in
a fresh process importing lmn_utils from its tree: LMN at N = 961 (mod-31 net, hidden1 ->
logits, warm median of 3, after one call that compiles) and 5 seeds x 1000 mixed-precision
training steps without LMN. Compare the medians as a ratio: the machine drifts between runs.
"""
import subprocess
import sys

CHILD = """
import sys, time, torch
sys.path.insert(0, sys.argv[1])
from lmn_utils import EmbedMLP, layer_lmn, make_task, train
torch.manual_seed(0)
model, inputs = EmbedMLP(31, 31), make_task("modular_addition", p=31).inputs
layer_lmn(model, inputs, "hidden1")
times = []
for _ in range(3):
    start = time.perf_counter()
    value = layer_lmn(model, inputs, "hidden1")
    times.append(time.perf_counter() - start)
start = time.perf_counter()
train(seeds=[0, 1, 2, 3, 4], steps=1000, lmn_layers=(), progress=False)
print(f"{sorted(times)[1]:.3f} {time.perf_counter() - start:.2f} {value:.6f}")
"""


def measure(tree):
    out = subprocess.run([sys.executable, "-c", CHILD, tree], check=True, capture_output=True,
                         text=True).stdout.split()
    return float(out[0]), float(out[1]), out[2]


if __name__ == "__main__":
    old, new = sys.argv[1:3]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    results = {old: [], new: []}
    for _ in range(rounds):
        for tree in (old, new):
            results[tree].append(measure(tree))
            lmn, training, value = results[tree][-1]
            print(f"{tree}: LMN warm median {lmn:.3f} s (value {value}); training {training:.2f} s",
                  flush=True)
    median = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    for k, name in ((0, "LMN"), (1, "training")):
        ratio = median([r[k] for r in results[new]]) / median([r[k] for r in results[old]])
        print(f"{name}: new / old = {ratio:.2f} (medians over {rounds} rounds)")
