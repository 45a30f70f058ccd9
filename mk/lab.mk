# The lab: real OpenVPN + dnsmasq in network namespaces (root). Included from the Makefile.
#   make lab SCENARIO=S2-healthy     bring one scenario up and leave it running
#   make lab-list                    list the scenarios
#   make lab-down                    tear it down (processes, namespaces, temp files)
#   make lab-test                    run the lab tests (pytest -m lab)
SCENARIO ?= S2-healthy
LAB_PYTHON ?= $(if $(wildcard .venv/bin/python),.venv/bin/python,python3)

.PHONY: lab lab-down lab-list lab-test

lab:
	$(LAB_PYTHON) -m tests.lab up $(SCENARIO)

lab-down:
	$(LAB_PYTHON) -m tests.lab down

lab-list:
	$(LAB_PYTHON) -m tests.lab list

lab-test:
	$(LAB_PYTHON) -m pytest -m lab tests/lab $(PYTEST_ARGS)
