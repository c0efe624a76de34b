"""What notebooks 05 and 06 show after training, in notebook 04's order, in one call.

Notebook 04 is the worked example: it writes each step out (the schedule, the paper's Figure 2
row, the phases, LMN and L2 against the test loss, the claims). 05 and 06 run the same steps
on their tasks through `task_report`, so the two cannot drift apart from 04 or each other.
"""
from .analysis import fit_table, linearity_verdict, phase_table
from .claims import task_claims, text_table
from .plotting import plot_fits, plot_grokking_row, save_figure
from .report import fit_summary, lmn_drop_summary, phase_summary, schedule_summary


def task_report(history, layer, task_label, title, stem, output_dir, paper_steps=None):
    """Print and draw what 04 does after training, for `history` at `layer`: figures
    `{stem}_curves`, `{stem}_fits` and `{stem}_fits_log` (the test loss on a log axis) in
    output_dir; the claims named `task_label` (e.g. "S4").
    Returns (phases, fits, claims) for the notebook's own checks."""
    print(schedule_summary(history))
    save_figure(plot_grokking_row(history, layer, title=title), f"{stem}_curves", output_dir)
    phases = phase_table(history)
    print(phase_summary(phases, paper_steps=paper_steps))
    fits = fit_table(history, layer)
    save_figure(plot_fits(history, fits, layer, title=title), f"{stem}_fits", output_dir)
    print(fit_summary(fits))
    log_fits = fit_table(history, layer, log_loss=True)
    save_figure(plot_fits(history, log_fits, layer, title=title, log_loss=True),
                f"{stem}_fits_log", output_dir)
    print(fit_summary(log_fits).splitlines()[-1] + " (log test loss)")
    print(lmn_drop_summary(history, layer))
    print(linearity_verdict(fits))
    print(linearity_verdict(log_fits, axis="log test loss"))
    claims = task_claims(history, layer, task_label)
    print(text_table(claims))
    return phases, fits, claims
