"""The README's examples must keep working: its Python snippet runs, and the parameters its
notebook commands pass exist in the notebooks they name."""
import re
from pathlib import Path

import torch

from lmn_utils.run_notebooks import committed_notebooks, parameter_names

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def test_readme_python_example_runs_and_means_what_it_says(capsys):
    (example,) = _blocks("python")
    namespace = {}
    exec(compile(example, "README.md", "exec"), namespace)
    net, X = namespace["net"], namespace["X"]
    printed = [float(line.rsplit(":", 1)[1]) for line in capsys.readouterr().out.splitlines()]
    from lmn_utils import linear_mapping_number
    with torch.no_grad():
        hidden = net.hidden(net.embed(X))
        expected = (linear_mapping_number(net.head, hidden), linear_mapping_number(net, X))
    assert printed == [round(v, 2) for v in expected]   # "from the hidden layer", "whole"
    assert all(v >= 1 for v in printed)


def _notebook_commands():
    """(notebook number, parameter names) of every run_notebooks / papermill command shown."""
    commands = []
    run_pattern = r"run_notebooks (\d\d)((?: -p \S+ (?:\"[^\"]*\"|\S+))+)"
    for number, args in re.findall(run_pattern, README):
        commands.append((number, re.findall(r"-p (\S+)", args)))
    papermill_pattern = r"papermill (\d\d)_\S+\.ipynb \S+((?: -[py] (?:\"[^\"]*\"|\S+))+)"
    for number, args in re.findall(papermill_pattern, README):
        names = re.findall(r"-p (\S+)", args) + re.findall(r"-y \"(\w+):", args)
        commands.append((number, names))
    return commands


def test_readme_notebook_commands_use_real_parameters():
    commands = _notebook_commands()
    assert len(commands) >= 2, "the README's run_notebooks and papermill examples were not found"
    notebooks = {Path(nb).name[:2]: nb for nb in committed_notebooks()}
    for number, names in commands:
        assert names, f"no parameters parsed from the README's command for notebook {number}"
        unknown = set(names) - parameter_names(notebooks[number])
        assert not unknown, f"README passes {sorted(unknown)} to notebook {number}"


def test_readme_shows_the_claims_tables_the_notebooks_wrote():
    figures = Path(__file__).resolve().parents[1] / "figures"
    for name in ("08_claims_table.md", "09_transformer_claims.md"):
        missing = [line for line in (figures / name).read_text().splitlines() if line not in README]
        assert not missing, f"README lacks rows of figures/{name} (rebuild it from the notebook): {missing[:1]}"


def test_the_s5_section_states_what_its_committed_run_holds():
    from lmn_utils import History
    from lmn_utils.claims import task_claims
    from lmn_utils.sweep_table import read_table

    root = Path(__file__).resolve().parents[1] / "sweeps" / "s5_three_seeds"
    section = README.split("### Beyond the paper: S5 end to end", 1)[1].split("\n## ", 1)[0]
    for row in read_table(root / "results.csv"):
        generalised = "-" if row["generalised"] is None else str(row["generalised"])
        cells = [str(row["seed"]), str(row["memorised"]), generalised,
                 f"{row['final_test_acc']:.2f}", f"{row['peak_ratio']:.2f}",
                 f"{100 * row['lmn_fall']:+.1f}%", f"{100 * row['l2_fall']:+.1f}%"]
        assert "| " + " | ".join(cells) + " |" in section
    (history_file,) = root.glob("*/05_permutation_composition_history.json")
    claims = {r["claim"]: r for r in task_claims(History.load(history_file), "hidden1", "S5")}
    fall = claims["S5: LMN falls while generalising"]
    assert fall["verdict"] == "not distinguished" and f"({fall['statistic']})" in section
    assert claims["S5: LMN levels off after generalising"]["verdict"] == "reproduced"
    assert {claims[f"S5: LMN linear in {axis}, L2 not"]["verdict"]
            for axis in ("test loss", "log test loss")} == {"not distinguished"}


def test_the_readme_shows_the_confirmatory_table_recomputed_from_the_committed_sweeps():
    """Every line of the confirmatory table, recomputed here from the histories committed under
    sweeps/confirm_* by the plan's rules (not read from a file notebook 08 wrote)."""
    import lmn_utils.confirm as cf
    histories = cf.confirmatory_histories(Path(__file__).resolve().parents[1] / "sweeps")
    assert {"mod 31", "S4"} <= set(histories)
    root = Path(__file__).resolve().parents[1] / "sweeps"
    rows, extra = cf.confirmatory_report(histories, measured=cf.sensitivity_from(root, histories))
    missing = [line for line in cf.markdown_rows(rows, extra).splitlines() if line not in README]
    assert not missing, f"README lacks confirmatory rows (rebuild them from notebook 08): {missing[:2]}"


def test_the_readme_shows_the_training_signal_comparison_recomputed_from_the_committed_sweeps():
    """The comparison's table (SIGNALS_PLAN.md, section 3), recomputed here from the committed
    sweeps and the committed step costs by `signal_compare`, line for line in the README."""
    import lmn_utils.signal_compare as sc
    root = Path(__file__).resolve().parents[1]
    grouped, _, _ = sc.load_comparison(root / "sweeps")
    table = sc.mod31_comparison(grouped)
    assert len(table) >= 2  # the weight-decay arms have landed
    lines = sc.markdown_rows(table, sc.step_costs(root / "benchmarks")).splitlines()
    missing = [line for line in lines if line not in README]
    assert not missing, f"README lacks comparison rows (print them from notebook 11): {missing[:2]}"


def test_the_readme_shows_weight_decay_on_s4_and_xor_recomputed_from_the_committed_sweeps():
    """Section 3's last step (the method that goes on, on S4 and 5-bit XOR), recomputed from the
    committed sweeps by `signal_compare.transfer_table`, line for line in the README."""
    import lmn_utils.signal_compare as sc
    root = Path(__file__).resolve().parents[1]
    grouped, _, _ = sc.load_comparison(root / "sweeps")
    (arm,) = sc.going_on(sc.mod31_comparison(grouped))
    costs = sc.step_costs(root / "benchmarks")
    landed = 0
    for task, sweep, horizon in sc.TRANSFER:
        table, _, pending, _ = sc.transfer_table(root / "sweeps", arm, sweep, horizon)
        if pending:
            continue
        landed += 1
        lines = sc.markdown_rows(table, costs, task=task).splitlines()[2:]
        missing = [line for line in lines if line not in README]
        assert not missing, f"README lacks the {task} row (print it from notebook 11): {missing}"
    assert landed >= 1  # S4 has landed
