"""The training-signal study's bookkeeping (lmn_utils.signal_study): which method a sweep row
is, the plan's rule for the setting each method keeps, and its edge rule."""
import json

import pytest

from lmn_utils.signal_study import (chosen_settings, edge_values, method_and_setting,
                                    run_seconds, tuning_table)


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
            ((0.001, (6000, 7000)), (0.01, (3000, None)), (0.1, (2000, 8000))) for s, g in
            zip((0, 1), steps)]
    rows += [row(s, None, acc=a, signals={"lmn_penalty": v}) for v, accs in
             ((0.1, (0.5, 0.6)), (1.0, (0.9, 0.4))) for s, a in zip((0, 1), accs)]
    rows += [row(s, 5000 + s, weight_decay=0.2) for s in (0, 1)]
    table = tuning_table(rows)
    assert [r["method"] for r in table][:1] == ["baseline"]  # METHODS order
    jacobian = {r["setting"]: r for r in table if r["method"] == "Jacobian penalty"}
    # the geometric mean: 4000 for 2000 and 8000 (their arithmetic mean is 5000)
    assert jacobian["0.01"]["generalise"] == 1
    assert jacobian["0.1"]["gmean_generalised"] == pytest.approx(4000)
    chosen = chosen_settings(table)
    # 0.01 has the earliest step but one seed never generalises; 0.1 beats 0.001 on the
    # geometric mean (4000 against 6481), though not on the arithmetic one (5000 against 6500)
    assert chosen["Jacobian penalty"] == "0.1"
    # no strength generalises: the higher mean final test accuracy (0.65 against 0.55)
    assert chosen["nonlinearity penalty"] == "from step 0, 1"
    assert chosen["baseline"] == "-"


def test_the_penalty_schedules_compete_as_one_method_and_ties_go_to_the_cheaper_run():
    early = {"lmn_penalty": 1.0}
    late = {"lmn_penalty": 1.0, "lmn_penalty_after_memorising": True}
    rows = [{**row(s, 4000, signals=early), "seconds": 900.0} for s in (0, 1)]
    rows += [{**row(s, 4000, signals=late), "seconds": 400.0} for s in (0, 1)]
    assert chosen_settings(tuning_table(rows)) == {"nonlinearity penalty": "once memorised, 1"}
    rows += [row(s, 3000, signals={"lmn_penalty": 0.1}) for s in (0, 1)]
    assert chosen_settings(tuning_table(rows)) == {"nonlinearity penalty": "from step 0, 0.1"}
    # equal steps and runs: the smaller strength
    same = [row(s, 3000, signals={"jacobian_penalty": j}) for j in (0.1, 0.01) for s in (0, 1)]
    assert chosen_settings(tuning_table(same)) == {"Jacobian penalty": "0.01"}


def test_a_kept_value_at_the_edge_of_its_row_asks_for_one_more_value():
    rows = [row(s, g, weight_decay=w) for w, g in ((0.5, 4000), (1.0, 2000), (2.0, 1000))
            for s in (0, 1)]
    rows += [row(s, g, signals={"grokfast_alpha": a, "grokfast_lambda": lam})
             for a, lam, g in ((0.98, 0.5, 6000), (0.98, 2.0, 5000), (0.98, 5.0, 5500),
                               (0.9, 2.0, 7000)) for s in (0, 1)]
    rows += [row(s, g, signals={"jacobian_penalty": j}) for j, g in ((0.001, 3000),
                                                                     (0.01, 5000)) for s in (0, 1)]
    edges = edge_values(tuning_table(rows))
    assert edges["weight decay"] == ("2", [pytest.approx(6.0)])  # a factor 3 for weight decay
    assert "Grokfast-EMA" not in edges  # lambda 2 lies inside 0.5-5 at alpha 0.98
    assert edges["Jacobian penalty"] == ("0.001", [pytest.approx(0.0001)])  # below the smallest
    # the extension wins: the rule chooses it and asks for nothing more
    rows += [row(s, 800, weight_decay=6.0) for s in (0, 1)]
    assert "weight decay" not in edge_values(tuning_table(rows))
    # a Grokfast alpha tried at one lambda is at both edges of its row
    fast = [row(s, 1000, signals={"grokfast_alpha": 0.8, "grokfast_lambda": 2.0}) for s in (0, 1)]
    fast += [row(s, 3000, signals={"grokfast_alpha": 0.98, "grokfast_lambda": 2.0})
             for s in (0, 1)]
    assert edge_values(tuning_table(fast))["Grokfast-EMA"] == (
        "alpha 0.8, lambda 2", [pytest.approx(0.2), pytest.approx(20.0)])


def test_settings_sort_by_number_and_a_tie_without_generalising_goes_to_the_smaller_strength():
    rows = [row(s, None, acc=0.5, signals={"jacobian_penalty": j}) for j in (10.0, 2.0)
            for s in (0, 1)]
    table = tuning_table(rows)
    assert [r["setting"] for r in table] == ["2", "10"]  # not as text ("10" < "2")
    assert chosen_settings(table) == {"Jacobian penalty": "2"}


def test_run_seconds_reads_each_runs_record(tmp_path):
    (tmp_path / "abc").mkdir()
    (tmp_path / "abc" / "run.json").write_text(json.dumps({"seconds": 12.5}))
    timed = run_seconds([{"run_id": "abc"}, {"run_id": "missing"}], str(tmp_path))
    assert [r["seconds"] for r in timed] == [12.5, None]


def test_load_sweeps_counts_what_has_not_landed(tmp_path):
    from lmn_utils.signal_study import load_sweeps
    from lmn_utils.sweep_table import write_table
    sweep = tmp_path / "tune"
    (sweep / "abc").mkdir(parents=True)
    (sweep / "abc" / "run.json").write_text(json.dumps({"seconds": 7.0}))
    (sweep / "sweep.json").write_text(json.dumps({"notebook": "04_modular_addition.ipynb",
                                                  "grid": {"weight_decay": [0.2, 1.0]},
                                                  "fixed": {}}))
    write_table(str(sweep / "results.csv"),
                [{"run_id": "abc", "status": "ok", "error": "", "weight_decay": 0.2, "seed": s,
                  "generalised": 5000 + s} for s in (0, 1)]
                + [{"run_id": "def", "status": "not run", "error": ""}])
    rows, pending, about = load_sweeps(str(tmp_path), (("tune", 2), ("absent", 3)))
    assert [r["seed"] for r in rows] == [0, 1] and pending == 1 + 3
    assert rows[0]["seconds"] == 7.0 and rows[0]["run_dir"] == str(sweep / "abc")
    assert about[1] == "absent: not run yet (sweeps/run_signals.sh)"
