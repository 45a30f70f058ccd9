# Long fuzzing run (not in CI): every parser, adapter parse and the report round trip with
# thousands of random examples; see fuzz/README.md.
FUZZ_EXAMPLES ?= 3000

.PHONY: fuzz

## Fuzz every parser for minutes (FUZZ_EXAMPLES per property; failures kept in fuzz/.hypothesis)
fuzz: $(STAMP)
	$(BIN)/python fuzz/run.py --examples $(FUZZ_EXAMPLES) $(FUZZ_ARGS)
