# The corpus of real public captures (tests/corpus): how much of each `analyze` reads.
# Included from the Makefile (which defines STAMP/BIN for the venv).
#   make corpus                       per kind and in total, dev and holdout
#   make corpus ARGS=--verbose        ... and every missed fact of the dev part
#   make corpus ARGS="--part dev --kind ipconfig --verbose"
CORPUS_PYTHON ?= $(if $(BIN),$(BIN)/python,$(if $(wildcard .venv/bin/python),.venv/bin/python,python3))

.PHONY: corpus

corpus: $(STAMP)
	$(CORPUS_PYTHON) -m tests.corpus.score $(ARGS)
