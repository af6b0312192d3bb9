# Developer and user entry points. `make install` once, then the others.
VENV ?= .venv
PY := $(VENV)/bin/python
PPS := $(VENV)/bin/pps
DEMO ?= demo
SPEC ?= cpp-default
WORKERS ?=

.PHONY: install test demo bench lint completion clean

install:  ## create the virtual environment and install pps with its dev tools
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -e '.[dev]'

test:  ## run the test suite
	$(PY) -m pytest

demo:  ## generate the demo dataset
	$(PPS) demo $(DEMO)

bench:  ## time every stage on generated 2048x1024 data (see benchmarks/bench.py)
	$(PY) benchmarks/bench.py

lint:  ## static checks
	$(VENV)/bin/ruff check src tests benchmarks

completion:  ## how to enable shell tab completion
	@echo "Tab completion for pps (bash, zsh, fish, PowerShell):"
	@echo "  pps --install-completion      # installs it for the current shell; restart the shell"
	@echo "  pps --show-completion         # prints the script, to add to your shell config yourself"

clean:
	rm -rf $(DEMO) bench-data bench-results.json
