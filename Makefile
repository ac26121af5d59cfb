# The two commands a newcomer needs: `make run` (install, build the index, open the chat UI)
# and `make test` (install, lint, run every test tier). Both work on a fresh clone.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

SHARED ?= ../shared
REALWORLD := --corpus $(SHARED)/realdocs --corpus $(SHARED)/realdocs2

.PHONY: install run index test lint format eval fit bench clean

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

# The held-out protocol's figures (tuning beside held-out) when ../shared is there, then the dev set.
eval: install
	@if [ -d $(SHARED)/realdocs2 ]; then \
	  $(PY) -m evals run evals/questions/realworld.jsonl $(REALWORLD) --out data/evals/realworld-answers.jsonl --report data/evals/realworld-report.md && \
	  $(PY) -m evals baseline evals/questions/realworld.jsonl $(REALWORLD) && \
	  $(PY) -m evals retrieval evals/questions/realworld.jsonl $(REALWORLD) --ablate && \
	  $(PY) -m evals run evals/questions/realdocs.jsonl --corpus $(SHARED)/realdocs --out data/evals/realdocs-answers.jsonl && \
	  $(PY) -m evals decisions $(REALWORLD); \
	else echo "$(SHARED)/realdocs2 is not here: only the dev set is evaluated"; fi
	$(PY) -m evals run evals/questions/dev.jsonl --out data/evals/dev-answers.jsonl --report data/evals/dev-report.md

# Refit the answerer's weights and the retrieval constants on the tuning part (writes retrieval/weights.json).
fit: install
	$(PY) -m evals fit

# The scale benchmark (synthetic archives of 1k, 10k and 100k chunks, beside the naive baseline;
# the first 100k build encodes for about 25 minutes, later ones read the embedding cache), then the
# ingest and query benchmarks on the real papers and the corpus.
BENCH_SCALES ?= 1000,10000,100000
bench: install
	$(PY) -m evals.bench --scales $(BENCH_SCALES)
	$(PY) -m evals.bench_ingest
	$(PY) -m evals.bench_query

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache *.egg-info
