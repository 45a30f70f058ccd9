# Shipping: PyInstaller builds, the smoke test of the built binaries, and the benchmarks.
# Included from the Makefile (which defines VENV, BIN and STAMP for the venv).
#   make build     one-folder + one-file binaries for this OS in dist/ (packaging/build.sh)
#   make smoke     build, then run packaging/smoke.py against both binaries, and the fleet
#                  wrappers (packaging/fleet: Jamf EA, launchd script) against them
#   make bench     benchmarks/: start-up, scale, lab (the lab part needs root; skipped otherwise), triage
BUILD_STAMP := $(VENV)/.installed-build
BENCH_RUNS  ?= 5

.PHONY: build smoke bench lock

# PyInstaller (the `build` extra) and jsonschema (`test`, for the smoke test's schema checks),
# at the versions locked in packaging/constraints.txt: the binaries are built from known
# versions, not whatever pip picks that day.  `make lock` refreshes the file.
$(BUILD_STAMP): $(STAMP) packaging/constraints.txt
	$(BIN)/python -m pip install --quiet -c packaging/constraints.txt -e '.[build,test]'
	touch $(BUILD_STAMP)

## Refresh packaging/constraints.txt: every dependency of the binaries and their tests, pinned,
## for Linux, macOS and Windows at once (uv's universal resolution; pip-tools resolves for one OS)
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/python -m uv pip compile pyproject.toml --extra build --extra test --universal \
		--python-version 3.10 --custom-compile-command "make lock" -o packaging/constraints.txt

## Build the one-folder and one-file binaries for this OS into dist/ (PyInstaller)
build: $(BUILD_STAMP)
	PYTHON=$(BIN)/python packaging/build.sh

## Build, then smoke-test the built binaries (--version, explain, collect, diagnose, analyze, probe)
## and run the fleet wrappers against them
smoke: build
	$(BIN)/python packaging/smoke.py
	$(BIN)/python packaging/fleet/smoke_fleet.py unix

## Benchmarks (figures, not tests): start-up, 100,000 routes, time to a verdict in the lab, triage;
## ends with every target, the figure reached and its ratio to the anchor measured in the same run
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py --runs $(BENCH_RUNS)
