# Mutation testing of the diagnosis (not in CI: tens of minutes on two cores).  mutmut 3 mutates
# agent/rules/*, agent/classify.py, agent/scenarios.py and agent/facts.py (config: pyproject.toml
# [tool.mutmut]) and runs, for each mutant, the fast diagnosis tests that reach the mutated function
# (the classifier tables, facts, the platform table, the diagnosis text, the macOS/Windows rule
# tests, local evidence: no lab, no hypothesis-heavy files).  Results accumulate in mutants/
# (a rerun checks only what changed); equivalent mutants are listed in tests/MUTANTS.md.
#
#   make mutants                                       # everything (about 4,900 mutants: hours on 2 cores)
#   .venv/bin/mutmut run $(.venv/bin/python tests/mutation_score.py --sample 80 --module facts)
#                                                      # a random sample of what is not checked yet
#   make mutants MUTANTS_ARGS='agent.rules.tunnel*'    # one module (mutant names accept globs)
#   make mutants-score                                 # the score of what has been run
MUTANTS_ARGS     ?=
MUTANTS_CHILDREN ?= 2

.PHONY: mutants mutants-score

## Mutation testing of the diagnosis with mutmut (slow; prints the score per module)
mutants: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[mutants]'
	$(BIN)/mutmut run --max-children $(MUTANTS_CHILDREN) $(MUTANTS_ARGS)
	$(BIN)/python tests/mutation_score.py

## The mutation score of the mutants run so far
mutants-score:
	$(BIN)/python tests/mutation_score.py
