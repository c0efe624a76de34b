import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import pytest  # noqa: E402
import torch  # noqa: E402

# The device the device-dependent tests run on: cpu by default; LMN_TEST_DEVICE=cuda (or mps)
# runs the same tests unchanged on a GPU.
TEST_DEVICE = os.environ.get("LMN_TEST_DEVICE", "cpu")


@pytest.fixture
def device():
    return torch.device(TEST_DEVICE)


@pytest.fixture(autouse=True)
def _trains_as_asked(monkeypatch):
    """The test command sets LMN_REDRAW=1 for nbval's re-execution of the notebooks; the unit
    tests run notebooks and training in the modes they ask for, so it is unset here."""
    monkeypatch.delenv("LMN_REDRAW", raising=False)
