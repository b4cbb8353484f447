# GMM Explorer: the two fresh-machine commands.
#   make run    set up .venv and launch the app
#   make test   set up .venv (with test extras) and run the whole suite, headless
#   make bundle build the one-folder app bundle into dist/gmm-explorer (packaging/README.md)
#   make bench-peers  #15's peers table (gmmx, torchgmm, pomegranate...) in its own .venv-peers
# Both first install the few system libraries Qt needs (Debian/Ubuntu, via apt-get) if missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The peers (JAX, PyTorch, pomegranate) live in a venv of their own: the app and its
# test suite never depend on them.
PEERS     := .venv-peers
PEERS_BIN := $(PEERS)/bin

.PHONY: run test bench bench-peers bundle system-deps clean

run: $(VENV)/.installed
	$(BIN)/gmm-explorer $(ARGS)

test: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_em.py

# ARGS=--quick for the two small rows only (see benchmarks/bench_peers.py --help).
bench-peers: $(PEERS)/.installed
	$(PEERS_BIN)/python benchmarks/bench_peers.py $(ARGS)

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

$(PEERS)/bin/python:
	$(PYTHON) -m venv $(PEERS)
	$(PEERS_BIN)/python -m pip install --quiet --upgrade pip

# scikit-learn through the [sklearn] extra: the peers' venv needs none of [test]'s tools.
$(PEERS)/.installed: pyproject.toml benchmarks/requirements-peers.txt | $(PEERS)/bin/python
	$(PEERS_BIN)/python -m pip install --quiet -e '.[sklearn]' -r benchmarks/requirements-peers.txt
	@touch $@

clean:
	rm -rf $(VENV) $(PEERS) build dist *.egg-info .pytest_cache .hypothesis
