"""Wall time of each notebook in each class mode (the class plan's run times).

Every notebook runs through `run_notebooks.run_notebook` into a temporary folder (figures and
histories there too, so nothing tracked changes): the notebooks without class modes (00-03, 08,
10) with their defaults, the grokking notebooks (04-07, 09) in quick and redraw mode, and with
their defaults only if --defaults is given (those are the full runs: minutes each). Printed: a
markdown table for BENCHMARKS.md.

Run: `python benchmarks/bench_notebooks.py [--defaults] [NN ...]`.
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from lmn_utils import run_notebooks  # noqa: E402

CLASS_MODES = ("04", "05", "06", "07", "09")


def timed(notebook, parameters):
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        run_notebooks.run_notebook(notebook, os.path.join(scratch, "out.ipynb"),
                                   {**parameters, "output_dir": scratch})
        return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook prefixes (all by default)")
    parser.add_argument("--defaults", action="store_true", help="also time the full runs")
    args = parser.parse_args(argv)
    os.environ.pop("LMN_OUTPUT_DIR", None)
    print("| notebook | defaults | quick | redraw |\n|---|---|---|---|")
    for notebook in run_notebooks.committed_notebooks():
        number = os.path.basename(notebook)[:2]
        if args.names and number not in args.names:
            continue
        cells = {}
        if number in CLASS_MODES:
            for mode in ("quick", "redraw"):
                cells[mode] = run_notebooks.format_wall(timed(notebook, {mode: True}))
        if number not in CLASS_MODES or args.defaults:
            cells["defaults"] = run_notebooks.format_wall(timed(notebook, {}))
        print(f"| {os.path.basename(notebook)[:-6]} | {cells.get('defaults', '-')} | "
              f"{cells.get('quick', '-')} | {cells.get('redraw', '-')} |", flush=True)


if __name__ == "__main__":
    main()
