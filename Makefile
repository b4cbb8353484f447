# GMM Explorer: the two fresh-machine commands.
#   make run    set up .venv and launch the app
#   make test   set up .venv (with test extras) and run the whole suite, headless
#   make bundle build the one-folder app bundle into dist/gmm-explorer (packaging/README.md)
# Both first install the few system libraries Qt needs (Debian/Ubuntu, via apt-get) if missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test bench bundle system-deps clean

run: $(VENV)/.installed
	$(BIN)/gmm-explorer $(ARGS)

test: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_em.py

# PyInstaller comes with the test extras (the suite builds and smoke-tests the bundle).
# DIST=folder builds elsewhere.
bundle: $(VENV)/.installed-test
	PYTHON=$(BIN)/python bash packaging/build.sh $(DIST)

system-deps:
	@bash .ci/system-deps.sh

$(VENV)/bin/python:
	@bash .ci/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
