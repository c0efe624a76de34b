"""The training-signal study's bookkeeping (lmn_utils.signal_study): which method a sweep row
is, and the plan's rule for the setting each method keeps."""
import json

from lmn_utils.signal_study import chosen_settings, method_and_setting, tuning_table


def row(seed, generalised, acc=1.0, **grid):
    if "signals" in grid:
        grid["signals"] = json.dumps(grid["signals"])  # as the results table holds it
    return {"seed": seed, "memorised": 150, "generalised": generalised, "final_test_acc": acc,
            **grid}


def test_rows_are_named_by_method_and_main_setting():
    assert method_and_setting(row(0, 5000, weight_decay=0.2)) == ("baseline", "-")
    assert method_and_setting(row(0, 5000, weight_decay=1.0)) == ("weight decay", "1")
    assert method_and_setting(row(0, 5000, signals={"grokfast_lambda": 2.0})) == (
        "Grokfast-EMA", "alpha 0.98, lambda 2")
    assert method_and_setting(row(0, 5000, signals={
        "lmn_penalty": 0.1, "lmn_penalty_pairs": 64, "lmn_penalty_after_memorising": True})) == (
        "nonlinearity penalty once memorised", "0.1")
    assert method_and_setting(row(0, 5000, signals={"jacobian_penalty": 0.01})) == (
        "Jacobian penalty", "0.01")


def test_the_kept_setting_is_the_fastest_that_always_generalises_else_the_most_accurate():
    rows = [row(s, g, signals={"jacobian_penalty": j}) for j, steps in
            ((0.001, (6000, 7000)), (0.01, (3000, None)), (0.1, (4000, 4500))) for s, g in
            zip((0, 1), steps)]
    rows += [row(s, None, acc=a, signals={"lmn_penalty": v}) for v, accs in
             ((0.1, (0.5, 0.6)), (1.0, (0.9, 0.4))) for s, a in zip((0, 1), accs)]
    rows += [row(s, 5000 + s, weight_decay=0.2) for s in (0, 1)]
    table = tuning_table(rows)
    assert [r["method"] for r in table][:1] == ["baseline"]  # METHODS order
    jacobian = {r["setting"]: r for r in table if r["method"] == "Jacobian penalty"}
    assert jacobian["0.01"]["generalise"] == 1 and jacobian["0.1"]["mean_generalised"] == 4250
    chosen = chosen_settings(table)
    # 0.01 has the earliest step but one seed never generalises: 0.1 is kept
    assert chosen["Jacobian penalty"] == "0.1"
    # no strength generalises: the higher mean final test accuracy (0.65 against 0.55)
    assert chosen["nonlinearity penalty from step 0"] == "1"
    assert chosen["baseline"] == "-"
