# The two commands a newcomer needs: `make run` (install, build the index, open the chat UI)
# and `make test` (install, lint, run every test tier). Both work on a fresh clone.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run index test lint format eval bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and exactly pinned: the CPU wheel (a loose requirement pulls a multi-GB CUDA build).
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

index: install
	$(PY) -m ingest

# app.py brings the index of corpus/ up to date (with progress), then serves the UI on CPA_HOST:CPA_PORT.
run: install
	$(PY) app.py

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

test: lint
	$(PY) -m pytest

eval: install
	$(PY) -m evals run evals/questions/dev.jsonl --out data/evals/dev-answers.jsonl --report data/evals/dev-report.md
	$(PY) -m evals retrieval evals/questions/dev.jsonl

bench: install
	$(PY) -m evals.bench_ingest
	$(PY) -m evals.bench_query

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache *.egg-info
