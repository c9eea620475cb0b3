# Fuzzing targets for the top-level Makefile: `include tests/fuzz/fuzz.mk`.
#   make fuzz                        every fuzz target for FUZZ_SECONDS (600) each
#   make fuzz FUZZ_SECONDS=60        shorter
#   make fuzz-seeds                  rewrite the seed corpora from tests/fuzz/make_seeds.py
# For `make test`, tests/run_all.sh runs the short version (10 s per target)
# with `run_suite fuzz bash tests/fuzz/run.sh`.
FUZZ_SECONDS ?= 600

.PHONY: fuzz fuzz-seeds
fuzz:
	bash tests/fuzz/run.sh $(FUZZ_SECONDS)

fuzz-seeds:
	/usr/bin/python3 tests/fuzz/make_seeds.py
