# Developer and user entry points. `make install` once, then the others.
VENV ?= .venv
PY := $(VENV)/bin/python
PPS := $(VENV)/bin/pps
DEMO ?= demo
SPEC ?= cpp-default
WORKERS ?=
TORCH ?= torch==2.13.0


.PHONY: install test demo images-json panoptic pps evaluate pipeline visualize bench bench-api bench-pq lint completion clean

install:  ## create the virtual environment and install pps with its dev tools and the torch extra
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install '$(TORCH)'
	$(VENV)/bin/pip install -e '.[dev,torch]'

test:  ## run the test suite
	$(PY) -m pytest

demo:  ## generate the demo dataset (and its images.json)
	$(PPS) demo $(DEMO) --overwrite

OUT ?= $(DEMO)/out
WORKERS_FLAG := $(if $(WORKERS),--workers $(WORKERS),)

images-json:  ## list the demo images
	$(PPS) images-json $(DEMO)/gt -o $(DEMO)/images.json --overwrite

panoptic: images-json  ## merge the demo semantic + instance predictions
	$(PPS) panoptic -s $(SPEC) --semantic $(DEMO)/predictions/semantic --instances $(DEMO)/predictions/instances.json \
		--images $(DEMO)/images.json -o $(OUT) --overwrite $(WORKERS_FLAG)

pps: panoptic  ## merge the demo panoptic + part predictions
	$(PPS) pps -s $(SPEC) --panoptic-dir $(OUT)/panoptic --panoptic-json $(OUT)/panoptic.json \
		--parts $(DEMO)/predictions/parts --images $(DEMO)/images.json -o $(OUT)/pps --overwrite $(WORKERS_FLAG)

evaluate: pps  ## PartPQ of the demo predictions
	$(PPS) evaluate -s $(SPEC) --gt $(DEMO)/gt --pred $(OUT)/pps --images $(DEMO)/images.json \
		-o $(OUT)/results.json --per-image $(OUT)/per_image.jsonl --overwrite $(WORKERS_FLAG)

pipeline:  ## the whole pipeline on the demo data in one command (pps run)
	$(PPS) run -s $(SPEC) --gt $(DEMO)/gt --semantic $(DEMO)/predictions/semantic \
		--instances $(DEMO)/predictions/instances.json --parts $(DEMO)/predictions/parts -o $(OUT) --overwrite $(WORKERS_FLAG)

visualize:  ## colored GT and predictions of the demo data
	$(PPS) visualize -s $(SPEC) --gt $(DEMO)/gt --pred $(OUT)/pps --image-dir $(DEMO)/images -o $(OUT)/vis --overwrite $(WORKERS_FLAG)

bench:  ## time every stage on generated 2048x1024 data (see benchmarks/bench.py)
	$(PY) benchmarks/bench.py

bench-api:  ## Evaluator.update per 2048x1024 image vs PartPQ alone and torchmetrics (see benchmarks/bench_api.py)
	$(PY) benchmarks/bench_api.py

bench-pq:  ## pps pq vs panopticapi (PPS_REFERENCE_PYTHON=...), evaluate with all metrics vs PartPQ alone
	$(PY) benchmarks/bench_pq.py

lint:  ## static checks
	$(VENV)/bin/ruff check src tests benchmarks

completion:  ## how to enable shell tab completion
	@echo "Tab completion for pps (bash, zsh, fish, PowerShell):"
	@echo "  pps --install-completion      # installs it for the current shell; restart the shell"
	@echo "  pps --show-completion         # prints the script, to add to your shell config yourself"

clean:
	rm -rf $(DEMO) bench-data bench-results.json
