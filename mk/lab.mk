# The lab: real OpenVPN + dnsmasq in network namespaces (root). Included from the Makefile
# (which defines STAMP/BIN for the venv); also works alone: make -f mk/lab.mk lab
#   make lab SCENARIO=S2-healthy     bring one scenario up and leave it running
#   make lab-list                    list the scenarios
#   make lab-down                    tear it down (processes, namespaces, temp files)
#   make lab-test                    run the lab tests (pytest -m lab tests/lab)
#   make lab-root                    download + extract systemd-resolved/NetworkManager (not installed)
SCENARIO ?= S2-healthy
# The harness is stdlib-only; the venv is needed for the doctor and pytest.
LAB_PYTHON ?= $(if $(BIN),$(BIN)/python,$(if $(wildcard .venv/bin/python),.venv/bin/python,python3))

.PHONY: lab lab-down lab-list lab-test lab-root

lab: $(STAMP)
	$(LAB_PYTHON) -m tests.lab up $(SCENARIO)

lab-down:
	$(if $(wildcard $(LAB_PYTHON)),$(LAB_PYTHON),python3) -m tests.lab down

lab-list:
	$(if $(wildcard $(LAB_PYTHON)),$(LAB_PYTHON),python3) -m tests.lab list

lab-root:
	$(if $(wildcard $(LAB_PYTHON)),$(LAB_PYTHON),python3) -m tests.lab fetch

lab-test: $(STAMP)
	$(LAB_PYTHON) -m pytest -m lab tests/lab $(PYTEST_ARGS)
