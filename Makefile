# make demo  — install what is missing, then read the bundled sample documents
# make test  — install what is missing, then run the test suite
# make bench — generate a fresh set and print accuracy and speed figures
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := tesseract-ocr tesseract-ocr-ind tesseract-ocr-osd tesseract-ocr-eng \
	fonts-dejavu-core fonts-dejavu-extra fonts-liberation fonts-freefont-ttf \
	chromium postgresql
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BENCH_SEED ?= 4242
BENCH_COUNT ?= 60
CAPTURE_COUNT ?= 10

export OMP_THREAD_LIMIT := 1
export PREFECT_HOME := $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 60

.PHONY: setup system demo test lint bench clean

S3RVER := $(VENV)/s3rver/node_modules/.bin/s3rver

setup: system $(VENV)/.installed $(S3RVER)

system:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# s3rver (npm): the real S3 server process the storage integration tests talk to
$(S3RVER): | $(VENV)/.installed
	npm install --silent --no-audit --no-fund --prefix $(VENV)/s3rver s3rver@3.7.1

DEMO_DIR ?= out/demo

demo: setup
	$(BIN)/reaktivasi extract fixtures/sample
	@[ -d $(DEMO_DIR)/inbox ] || $(BIN)/python -m fixtures.submissions --seed 1 --out $(DEMO_DIR)
	$(BIN)/reaktivasi process $(DEMO_DIR)/inbox --deactivation $(DEMO_DIR)/deactivation.csv \
		--as-of $$(cat $(DEMO_DIR)/as_of.txt) --out $(DEMO_DIR)/out
	@$(BIN)/python -c "import json,sys; t={json.loads(l)['submission']:json.loads(l) for l in open('$(DEMO_DIR)/truth.jsonl')}; d={json.loads(l)['submission']:json.loads(l) for l in open('$(DEMO_DIR)/out/decisions.jsonl')}; ok=sum(t[k]==d.get(k) for k in t); print(f'decisions equal to the generator truth: {ok}/{len(t)}'); [print('  differs:', k, 'truth', t[k]['status'], t[k]['reasons'], '| decided', d.get(k, {}).get('status'), d.get(k, {}).get('reasons')) for k in t if t[k]!=d.get(k)]"
	@out=$(DEMO_DIR)/out; as_of=$$(cat $(DEMO_DIR)/as_of.txt); \
	echo; echo "What next — the demo's results are in $$out/:"; \
	echo "  decisions  $$out/decisions.jsonl  (one line per submission: status, reasons, priority, NIK)"; \
	echo "  replies    $$out/outbox/  ($$(ls $$out/outbox 2>/dev/null | wc -l) WhatsApp replies naming what is missing)"; \
	echo "  worklist   $$out/exports/worklist.csv and worklist.xlsx  (ready cases, urgent first, for SIKS-NG)"; \
	echo "  the rest   $$out/state.sqlite  (the list, every extraction and decision; needs_review = the review queue)"; \
	echo "Open the review UI on these results (the first command asks a password twice):"; \
	echo "  $(BIN)/reaktivasi users add admin --role admin --out $$out"; \
	echo "  $(BIN)/reaktivasi review serve --out $$out --as-of $$as_of --port 8000   # then http://127.0.0.1:8000"

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python tests/benchmarks/bench_extract.py --seed $(BENCH_SEED) --count-per-type $(BENCH_COUNT)
	REAKTIVASI_CONCURRENCY=2 $(BIN)/python tests/benchmarks/bench_capture.py --seed $(BENCH_SEED) \
		--count-per-type $(CAPTURE_COUNT) --memory
	$(BIN)/python tests/benchmarks/bench_quality.py --seed $(BENCH_SEED) --count 10 --no-ocr
	$(BIN)/python tests/benchmarks/bench_calibration.py --seed $(BENCH_SEED)
	$(BIN)/python -m tests.benchmarks.bench_kk --seed $(BENCH_SEED) --count 30
	$(BIN)/python tests/benchmarks/bench_throughput.py --count 10 --speedup
	$(BIN)/python tests/benchmarks/bench_throughput.py --pages 1000 --only-memory
	$(BIN)/python tests/benchmarks/bench_list.py
	$(BIN)/python tests/benchmarks/bench_review.py --count 10000 --runs 30
	$(BIN)/python tests/benchmarks/bench_decisions.py --seed $(BENCH_SEED) --count 200 \
		--out bench-out/decisions-$(BENCH_SEED)

clean:
	rm -rf $(VENV) .prefect bench-out .pytest_cache .ruff_cache
