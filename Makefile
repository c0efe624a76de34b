# make test: create/refresh .venv, install, run the tests (unit tests + nbval on the notebooks);
#   leaves every tracked file as it was
# make reproduce: create/refresh .venv, install, re-run every notebook (regenerates figures/ and
#   the executed notebooks; a second run with unchanged code changes nothing)
# make student: only what running the notebooks needs (lmn_utils and Jupyter)
# make site: the course site in _build/html, from the committed notebooks (not re-executed)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Prefer this torch where it is offered (a CPU wheel on the project's build machines); any
# torch>=2.2 satisfies pyproject.toml, so a failure here falls through to the plain range.
PREFERRED_TORCH ?= torch==2.13.0

.PHONY: install student test reproduce figures site benchmark clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q "$(PREFERRED_TORCH)" || true
	$(BIN)/pip install -q -e ".[notebooks,test,sweeps,site]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

install: $(BIN)/.installed

# what a student needs to run the notebooks: lmn_utils and Jupyter, no test, sweep or site extras
student:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q "$(PREFERRED_TORCH)" || true
	$(BIN)/pip install -q -e ".[notebooks]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@echo "ready: $(BIN)/jupyter lab notebooks/   (or: $(BIN)/python -m lmn_utils.run_notebooks 04 -p quick True)"

# nbval re-executes the notebooks with LMN_OUTPUT_DIR set to a temporary folder, so their figures
# and histories land there and no tracked file is rewritten (figures/ stays what was committed),
# and with LMN_REDRAW=1, so that the grokking notebooks (04-07, 09) draw from their committed
# runs instead of training them again (tests/test_reproduce.py retrains the start of each run)
test: install
	@out=$$(mktemp -d); echo "notebook outputs of this test run: $$out (removed afterwards)"; \
	LMN_OUTPUT_DIR=$$out LMN_REDRAW=1 $(BIN)/python -m pytest tests notebooks --nbval \
	  --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider; \
	status=$$?; rm -rf "$$out"; exit $$status

reproduce figures: install
	$(BIN)/python -m lmn_utils.run_notebooks

site: install
	$(BIN)/python site/build_site.py

benchmark: install
	$(BIN)/python benchmarks/bench_lmn.py
	$(BIN)/python benchmarks/bench_train.py
	$(BIN)/python benchmarks/bench_floor.py

clean:
	rm -rf $(VENV)
