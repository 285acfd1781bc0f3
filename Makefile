# Two entry points, each from a fresh machine with Python 3.11 and make:
#   make demo   set up, then simulate the 2 ng/kg endotoxin challenge into results/
#   make test   set up, then run the test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test browser lint bench docs clean

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/neuroimmune run lps_2ngkg --out results/lps_2ngkg

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# The dashboard's end-to-end tests drive Debian's Chromium (no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: install Debian's chromium (apt-get install chromium) to run the browser tests"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_simulate.py

docs: $(STAMP)
	$(BIN)/python -m neuroimmune.docs

clean:
	rm -rf $(VENV) results build *.egg-info
