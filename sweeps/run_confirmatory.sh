#!/usr/bin/env bash
# The confirmatory sweeps of ANALYSIS_PLAN.md (section 1), one after another (the tasks the families F, R and L need first), resumable: a run
# that finished is skipped on the next start. Run from a worktree pinned at the plan's commit
# so that later edits cannot change a run in progress:
#   git worktree add --detach ../confirm <commit>   (the commit that added ANALYSIS_PLAN.md)
#   LMN_SNAPSHOT_DIR=/path/to/scratch [THREADS=2] sweeps/run_confirmatory.sh ../confirm [SWEEP...]
# (naming sweeps runs only those: two instances with THREADS=1 use two cores for two sweeps),
# (this script from the main checkout; a sweep whose run is committed here already is skipped),
# then copy each finished run's *.json and the sweep's sweep.json and results.csv into
# sweeps/confirm_*/ of the main checkout (.gitignore keeps the rest out).
set -euo pipefail
main=$(cd "$(dirname "$0")/.." && pwd)
tree=$(cd "${1:?the pinned worktree}" && pwd)
cd "$tree"
export PYTHONPATH="$tree" LMN_SNAPSHOT_DIR="${LMN_SNAPSHOT_DIR:?a scratch folder for the weight snapshots}"
python=${PYTHON:-$main/.venv/bin/python}
s20="[$(seq -s, 1000 1019)]"; s10="[$(seq -s, 1000 1009)]"
only=("${@:2}")
run() {  # run NOTEBOOK --name SWEEP ...: skipped when main holds that sweep's finished run
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " == *" $3 "* ]]; then return; fi
  if ls "$main/sweeps/$3"/*/run.json >/dev/null 2>&1; then echo "== $3 committed: skipped"; return; fi
  echo "== $(date -u +%H:%M:%S) start $*"
  "$python" -m lmn_utils.sweep "$@" --workers 1 --threads-per-run "${THREADS:-2}"
}
"$python" -c "import lmn_utils; print('lmn_utils from', lmn_utils.__file__)"
run 04 --name confirm_mod31 --grid p 31 -p seeds "$s20" -p lmn_points "[2, 16, 16]"
run 05 --name confirm_s4 --grid n 4 -p seeds "$s20" -p lmn_points "[2, 16, 16]"
# 5 and 4 bits as two sweeps (the plan's one run with compare_bits 4 trains the same two
# configurations one after the other; ANALYSIS_PLAN.md, deviation 7)
run 06 --name confirm_xor --grid bits 5 -p seeds "$s20" -p steps 40000 -p compare_bits 0 \
  -p lmn_points "[2, 16, 32]"
run 06 --name confirm_xor4 --grid bits 4 -p seeds "$s20" -p steps 40000 -p compare_bits 0 \
  -p lmn_points "[2, 16, 32]"
run 09 --name confirm_transformer --grid p 31 -p seeds "$s10"
run 06 --name confirm_xor_float32 --grid bits 5 -p seeds "$s10" -p steps 40000 -p dtype float32 \
  -p compare_bits 0 -p lmn_points "[2, 16, 32]"
