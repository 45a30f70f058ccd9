# Every target bootstraps its own virtual environment in .venv (only Python 3.10+ needed).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: doctor test test-fast bench fuzz build clean schema docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Run the diagnosis on this machine
doctor: $(STAMP)
	$(BIN)/cvpn-doctor diagnose $(ARGS)

## Run the whole test suite (the lab tests need root and run under CI=true)
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Unit tests only (no lab)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not lab" $(PYTEST_ARGS)

## Regenerate the published JSON Schema from the model
schema: $(STAMP)
	$(BIN)/python -m agent.schema > agent/schema/report.schema.json
	$(BIN)/python -m agent.schema snapshot > agent/schema/snapshot.schema.json

clean:
	rm -rf $(VENV) build dist .pytest_cache

include mk/lab.mk
include mk/ship.mk
include mk/corpus.mk
include mk/locale.mk
-include mk/fuzz.mk
-include mk/mutants.mk

## Regenerate the generated docs (the finding catalogue) from the code
docs: $(STAMP)
	CVPN_DOCTOR_LANG=en $(BIN)/cvpn-doctor explain --format markdown --output docs/findings.md --force
