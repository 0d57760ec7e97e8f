# xrsim: the two commands a fresh machine needs are `make run` and `make test`.
#
#   make dev     virtual environment + pinned Python dependencies + the Rust extension (release)
#   make run     build, then boot the default router (NCS-55A1-24H) with its console attached;
#                state in ./.xrsim survives restarts (XRSIM_PLATFORM=ASR-9006 for another chassis)
#   make test    everything CI runs: Debian packages (as root), build, the tool venvs
#                (.venv-scrapli, .venv-napalm, .venv-pyats, .venv-ansible), cargo test, lint,
#                pytest
#   make lab-scep  build, then the SCEP/TFTP enrollment lab (as root): namespaces, the Debian scep
#                CA, tftpd-hpa, a router enrolling over both inside its VRF mgmt (docs/labs.md)
#   make bench   the throughput benchmarks (pytest-benchmark) and their ratio table
#   make lint    ruff, mypy, stubtest, cargo fmt, cargo clippy
#   make lock    recompile requirements/*.lock from requirements/*.in (dev, scrapli-current,
#                napalm, pyats, ansible)

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
export VIRTUAL_ENV := $(VENV)
export PATH := $(BIN):$(PATH)
DEPS_STAMP := $(VENV)/.deps-installed
# The current scrapli (libscrapli) in a venv of its own: scrapli-cfg in .venv needs the classic one.
SCRAPLI_VENV := $(CURDIR)/.venv-scrapli
# NAPALM and Nornir (nornir-napalm, nornir-netmiko, nornir-scrapli) in a venv of their own: napalm
# pins ncclient 0.7.0 and nornir-scrapli the classic scrapli 2026.2, neither of them .venv's.
NAPALM_VENV := $(CURDIR)/.venv-napalm
# pyATS, Unicon and Genie in a venv of their own (tests/e2e/test_pyats.py).
PYATS_VENV := $(CURDIR)/.venv-pyats
# Ansible (cisco.iosxr, ansible.netcommon, libssh and paramiko) in a venv of its own.
ANSIBLE_VENV := $(CURDIR)/.venv-ansible
DEB_PACKAGES := $(shell cat requirements/debian.txt)
CARGO_FLAGS := --release --locked
# CI sets CI=true: then a missing peer program fails its test instead of skipping it.
REQUIRE_PEERS := $(if $(CI),1,0)
# pytest-xdist workers: the suite waits on SSH peers, tool venvs and child processes as much as
# it computes, and every test has its own state directory, ports and namespaces.
PYTEST_WORKERS ?= 2
PY_DIRS := python tests benches simulator

.PHONY: dev run lab-scep test bench bench-core lint debs build cargo-test pytest lock clean scrapli-venv \
	napalm-venv pyats-venv ansible-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(DEPS_STAMP): requirements/dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.lock
	touch $@

# A tool venv: $(call tool_venv,TARGET,VENV,LOCK) makes VENV from requirements/LOCK.lock and
# the phony TARGET that builds it. Its own .gitignore, as venv writes one from Python 3.13 on.
define tool_venv
$(2)/.deps-installed: requirements/$(3).lock | $(BIN)/python
	$(BIN)/python -m venv --clear $(2)
	echo '*' > $(2)/.gitignore
	$(2)/bin/python -m pip install --quiet --require-hashes -r requirements/$(3).lock
	touch $$@

$(1): $(2)/.deps-installed
endef

$(eval $(call tool_venv,scrapli-venv,$(SCRAPLI_VENV),scrapli-current))
$(eval $(call tool_venv,napalm-venv,$(NAPALM_VENV),napalm))
$(eval $(call tool_venv,pyats-venv,$(PYATS_VENV),pyats))
$(eval $(call tool_venv,ansible-venv,$(ANSIBLE_VENV),ansible))

# Debian packages the tests use; installed only when missing, and only as root.
debs:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null \
	    | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing Debian packages (run as root or install them): $$missing" >&2; \
	  fi; \
	fi

build: $(DEPS_STAMP)
	$(BIN)/maturin develop --release --locked --quiet

dev: debs build

run: build
	$(BIN)/xrsim console --state $(CURDIR)/.xrsim $(if $(XRSIM_PLATFORM),--platform $(XRSIM_PLATFORM))

lab-scep: debs build
	$(BIN)/python simulator/labs/scep-vrf/lab.py

cargo-test:
	cargo test $(CARGO_FLAGS) -p xrsim-core

lint: $(DEPS_STAMP)
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)
	$(BIN)/mypy
	$(BIN)/python -m mypy.stubtest xrsim._native
	cargo fmt --all -- --check
	cargo clippy $(CARGO_FLAGS) --workspace --all-targets -- -D warnings

pytest:
	XRSIM_REQUIRE_PEERS=$(REQUIRE_PEERS) $(BIN)/pytest -n $(PYTEST_WORKERS) tests

test: debs build scrapli-venv napalm-venv pyats-venv ansible-venv cargo-test lint pytest

bench: dev
	$(BIN)/pytest benches --benchmark-sort=name \
	  --benchmark-columns=median,ops,rounds -p no:cacheprovider

bench-core:
	cargo bench $(CARGO_FLAGS) -p xrsim-bench

lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet pip-tools
	cd requirements && $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	  --strip-extras -o dev.lock dev.in
	cd requirements && $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	  --strip-extras -o scrapli-current.lock scrapli-current.in
	cd requirements && $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	  --strip-extras -o napalm.lock napalm.in
	cd requirements && $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	  --strip-extras -o pyats.lock pyats.in
	cd requirements && $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	  --strip-extras -o ansible.lock ansible.in

clean:
	rm -rf $(VENV) $(SCRAPLI_VENV) $(NAPALM_VENV) $(PYATS_VENV) $(ANSIBLE_VENV) target \
	  .mypy_cache .ruff_cache
