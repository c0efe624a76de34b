"""LMN on a fixed subset of the inputs (large tasks), and the memory guard."""
import pytest
import torch

from lmn_utils import TrainConfig, train
from lmn_utils.report import schedule_summary
from lmn_utils.measures import metric as lmn_module
from lmn_utils.measures.metric import check_fits_in_memory
from lmn_utils.samples import describe_samples, sample_rows


def test_auto_keeps_every_input_of_the_papers_tasks_and_subsets_the_large_ones():
    assert torch.equal(sample_rows(961), torch.arange(961))
    assert torch.equal(sample_rows(4096), torch.arange(4096))
    rows = sample_rows(14400)
    assert len(rows) == 2048 and torch.equal(rows, rows.sort().values)
    assert torch.equal(rows, sample_rows(14400))  # the same subset on every call
    assert len(set(rows.tolist())) == 2048 and rows.max() < 14400


def test_explicit_sizes():
    assert torch.equal(sample_rows(961, 100), sample_rows(961, 100)) and len(sample_rows(961, 100)) == 100
    assert torch.equal(sample_rows(50, 100), torch.arange(50))
    assert torch.equal(sample_rows(14400, "all"), torch.arange(14400))
    assert describe_samples(961, sample_rows(961)) == "all 961 inputs"
    assert describe_samples(14400, sample_rows(14400)) == "2048 of 14400 inputs (a fixed random subset)"


@pytest.mark.parametrize("bad", ["some", 1, True, 2.5])
def test_bad_lmn_samples_is_refused_naming_it(bad):
    with pytest.raises(ValueError, match="lmn_samples must be"):
        TrainConfig(lmn_samples=bad).validate()


def test_an_n_whose_matrix_cannot_fit_stops_naming_lmn_samples(monkeypatch):
    monkeypatch.setattr(lmn_module, "available_memory_bytes", lambda: 2**30)
    check_fits_in_memory(961)
    with pytest.raises(MemoryError, match="lmn_samples"):
        check_fits_in_memory(20000)


def test_training_measures_lmn_on_the_subset_and_says_so():
    history, _ = train(task_params={"p": 11}, seeds=[0], steps=100, num_records=8,
                       lmn_points=(1, 1, 1), embed_dim=8, hidden_dim=16, lmn_samples=20,
                       progress=False)
    assert history.config["lmn_samples"] == 20
    assert all((v <= 20).all() and (v >= 1).all() for v in history.lmn["hidden1"])  # LMN <= N
    assert schedule_summary(history).endswith("on 20 of 121 inputs (a fixed random subset)")
    full, _ = train(task_params={"p": 11}, seeds=[0], steps=100, num_records=8,
                    lmn_points=(1, 1, 1), embed_dim=8, hidden_dim=16, progress=False)
    assert "inputs" not in schedule_summary(full)  # all inputs: the printout is as before


def test_the_lmn_axis_names_the_subset():
    import matplotlib
    matplotlib.use("Agg")
    from lmn_utils.plotting import plot_grokking_row
    history, _ = train(task_params={"p": 11}, seeds=[0], steps=60, num_records=6,
                       lmn_points=(1, 1, 1), embed_dim=8, hidden_dim=16, lmn_samples=30,
                       progress=False)
    fig = plot_grokking_row(history, "hidden1")
    assert fig.axes[1].get_ylabel() == "LMN (hidden1, 30 of 121 inputs)"
