#!/usr/bin/env bash
# The training-signal sweeps of SIGNALS_PLAN.md, resumable (lmn_utils.sweep skips a finished
# run; a sweep whose runs main holds already is skipped). Run from a worktree pinned at the
# commit that added the plan, so that later edits cannot change a run in progress:
#   git worktree add --detach ../signals <commit>
#   [THREADS=1] [WORKERS=1] sweeps/run_signals.sh ../signals [SWEEP...]
# then copy each finished run's *.json and the sweep's sweep.json and results.csv into
# sweeps/signals_*/ of the main checkout (.gitignore keeps the rest out).
set -euo pipefail
main=$(cd "$(dirname "$0")/.." && pwd)
tree=$(cd "${1:?the pinned worktree}" && pwd)
cd "$tree"
export PYTHONPATH="$tree"
python=${PYTHON:-$main/.venv/bin/python}
only=("${@:2}")
run() {  # run NOTEBOOK --name SWEEP ...
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " == *" $3 "* ]]; then return; fi
  echo "== $(date -u +%H:%M:%S) start $*"
  "$python" -m lmn_utils.sweep "$@" --workers "${WORKERS:-1}" --threads-per-run "${THREADS:-1}"
}
"$python" -c "import lmn_utils; print('lmn_utils from', lmn_utils.__file__)"
tune=(-p seeds "[2000, 2001]" -p lmn_points "[2, 4, 4]")
# section 2, cheapest first: each grid value is one run, committed as it lands
run 04 --name signals_tune_wd --grid weight_decay 0.2 0.5 1.0 2.0 "${tune[@]}"
run 04 --name signals_tune --grid signals \
  "{'grokfast_alpha': 0.98, 'grokfast_lambda': 0.5}" "{'grokfast_alpha': 0.98, 'grokfast_lambda': 2.0}" \
  "{'grokfast_alpha': 0.98, 'grokfast_lambda': 5.0}" "{'grokfast_alpha': 0.9, 'grokfast_lambda': 2.0}" \
  "{'grokfast_alpha': 0.8, 'grokfast_lambda': 2.0}" \
  "{'jacobian_penalty': 0.001}" "{'jacobian_penalty': 0.01}" "{'jacobian_penalty': 0.1}" \
  "{'lmn_penalty': 0.01, 'lmn_penalty_pairs': 64}" "{'lmn_penalty': 0.1, 'lmn_penalty_pairs': 64}" \
  "{'lmn_penalty': 1.0, 'lmn_penalty_pairs': 64}" \
  "{'lmn_penalty': 0.1, 'lmn_penalty_pairs': 64, 'lmn_penalty_after_memorising': True}" \
  "{'lmn_penalty': 1.0, 'lmn_penalty_pairs': 64, 'lmn_penalty_after_memorising': True}" \
  "{'lmn_penalty': 10.0, 'lmn_penalty_pairs': 64, 'lmn_penalty_after_memorising': True}" \
  "${tune[@]}"
# the edge rule's values (section 2), added as the rule asks for them: weight decay kept 2,
# the largest tried (notebook 11)
run 04 --name signals_tune_edge --grid weight_decay 6.0 "${tune[@]}"
# once the method tuning landed (notebook 11): the edge rule asks for Grokfast's lambda 0.05
# (alpha 0.98, kept lambda 0.5 the smallest tried) and the penalty from step 0 at 0.001 (kept
# 0.01 the smallest tried)
run 04 --name signals_tune_edge_signals --grid signals \
  "{'grokfast_alpha': 0.98, 'grokfast_lambda': 0.05}" "{'lmn_penalty': 0.001, 'lmn_penalty_pairs': 64}" \
  "${tune[@]}"
# section 3 (the comparison): fresh seeds 3000-3009, LMN at notebook 04's (2, 16, 16) points.
# First the arms the plan fixes before any tuning result (the baseline at the paper's weight
# decay 0.2, and weight decay 1.0), then the kept settings of the tuning (notebook 11 prints them)
compare=(-p seeds "[3000, 3001, 3002, 3003, 3004, 3005, 3006, 3007, 3008, 3009]")
run 04 --name signals_compare_wd --grid weight_decay 0.2 1.0 "${compare[@]}"
# the kept settings (notebook 11, after the edge rule): weight decay 2; the penalty from step 0
# at 0.001 (with 0.01 and 0.1, the plan's descriptive strengths), Grokfast at alpha 0.98,
# lambda 0.05, the Jacobian penalty at 0.01
run 04 --name signals_compare_wd_kept --grid weight_decay 2.0 "${compare[@]}"
run 04 --name signals_compare --grid signals \
  "{'lmn_penalty': 0.001, 'lmn_penalty_pairs': 64}" "{'grokfast_alpha': 0.98, 'grokfast_lambda': 0.05}" \
  "{'jacobian_penalty': 0.01}" "{'lmn_penalty': 0.01, 'lmn_penalty_pairs': 64}" \
  "{'lmn_penalty': 0.1, 'lmn_penalty_pairs': 64}" "${compare[@]}"
# section 3's last step (notebook 11: of the tested arms only weight decay is called sooner, so
# it alone goes on, by its arm at 2): weight decay 2 against the baseline (the notebooks'
# weight decay 0.2) on S4 to 40000 steps and on 5-bit XOR, the same seeds 3000-3009
run 05 --name signals_compare_s4 --grid weight_decay 0.2 2.0 "${compare[@]}" -p steps 40000
run 06 --name signals_compare_xor --grid weight_decay 0.2 2.0 "${compare[@]}" -p compare_bits 0
# section 4 (the label-free monitor): notebook 10's grid again with 4 fresh seeds per cell, the
# full runs and their first 1000 steps (LMN measured densely just after memorisation)
monitor=(--grid weight_decay 0.1 0.3 1.0 --grid train_frac 0.5 0.65 0.8 -p seeds "[4000, 4001, 4002, 4003]"
         -p lmn_points "[2, 8, 8]")
run 04 --name signals_monitor "${monitor[@]}"
run 04 --name signals_monitor_early "${monitor[@]}" -p steps 1000
