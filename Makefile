# Every target installs what it needs first, so a fresh clone needs only `make run` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
KERNEL_SOURCES := $(wildcard dsp_c/*.c dsp_c/*.h) build.py
KERNEL_STAMP := $(VENV)/.kernel-stamp
SONG ?=
# The folder `make conformance` compares; empty means the OpenMPT test cases in /work/shared.
DIR ?=

.PHONY: run test lint typecheck layers pytest bench conformance fuzz keys-doc render system-deps test-system-deps kernel clean

# The terminal UI on the demo song (or SONG=path.json); without a sound card it runs silent.
run: $(KERNEL_STAMP)
	$(VENV)/bin/tracker $(SONG)

test: $(KERNEL_STAMP) | test-system-deps
	$(MAKE) --no-print-directory lint typecheck layers pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check tracker tests bench build.py
	$(VENV)/bin/ruff format --check tracker tests bench build.py

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict tracker

layers: $(STAMP)
	$(VENV)/bin/lint-imports

# pytest exits 5 when it collected nothing: that is a broken suite, not a pass.
pytest: $(KERNEL_STAMP)
	@set +e; $(VENV)/bin/pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

bench: $(KERNEL_STAMP) | test-system-deps
	$(PY) -m bench

# Our render of every module in DIR against openmpt123's, as a table; a report, so it passes.
conformance: $(KERNEL_STAMP) | test-system-deps
	$(PY) -m tests.conformance $(DIR)

# Fuzz each module loader (atheris) for FUZZ_SECONDS from seeds of each layout, plus the files
# in MODULES=dir if given. A crashing input is saved in build/fuzz/; make it a test in tests/io/.
FUZZ_SECONDS ?= 60
MODULES ?=
fuzz: $(STAMP)
	mkdir -p build/fuzz/mod
	$(PY) -m tests.fuzz.seeds build/fuzz/mod
	$(PY) tests/fuzz/fuzz_mod.py -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=5 \
		-artifact_prefix=build/fuzz/ build/fuzz/mod $(MODULES)
	mkdir -p build/fuzz/s3m
	$(PY) -m tests.fuzz.seeds build/fuzz/s3m s3m
	$(PY) tests/fuzz/fuzz_s3m.py -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=5 \
		-artifact_prefix=build/fuzz/s3m- build/fuzz/s3m $(MODULES)
	mkdir -p build/fuzz/xm
	$(PY) -m tests.fuzz.seeds build/fuzz/xm xm
	$(PY) tests/fuzz/fuzz_xm.py -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=5 \
		-artifact_prefix=build/fuzz/xm- build/fuzz/xm $(MODULES)

# docs/keys.md is made from the key table (tracker/ui/keymap.py); a test checks it is current.
keys-doc: $(STAMP)
	$(PY) -c 'from tracker.ui.keymap import keys_markdown; print(keys_markdown())' > docs/keys.md

render: $(KERNEL_STAMP)
	$(VENV)/bin/tracker render $(SONG) -o demo.wav

kernel: $(KERNEL_STAMP)

# pip's editable install leaves an abi3 build; build.py's in-place one replaces it.
$(KERNEL_STAMP): $(STAMP) $(KERNEL_SOURCES)
	rm -f tracker/_dsp.abi3.so
	$(PY) build.py >/dev/null
	touch $@

$(STAMP): pyproject.toml | system-deps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Install missing Debian packages: as root, through sudo -n, or say what to run.
# --no-install-recommends keeps libasound2-plugins out: with it, PortAudio's
# default device becomes ALSA's jack plugin.
APT_INSTALL = \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  elif sudo -n true 2>/dev/null; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "Missing system packages. Run: sudo apt-get install -y --no-install-recommends$$missing"; exit 1; fi; \
	fi

# To build and play: a C compiler, Python's headers and venv module, PortAudio.
system-deps:
	@missing=""; \
	command -v cc >/dev/null || missing="$$missing build-essential"; \
	$(PYTHON) -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' || missing="$$missing python3-dev"; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || missing="$$missing python3-venv"; \
	ldconfig -p | grep -q 'libportaudio.so.2 ' || missing="$$missing libportaudio2"; \
	$(APT_INSTALL)

# To test and benchmark: a JACK server (dummy driver) and its tools; tmux for terminal runs;
# openmpt123, the reference player the conformance comparison renders with.
test-system-deps: system-deps
	@missing=""; \
	command -v jackd >/dev/null || missing="$$missing jackd2"; \
	ldconfig -p | grep -q 'libjack.so.0 ' || missing="$$missing libjack-jackd2-0"; \
	command -v tmux >/dev/null || missing="$$missing tmux"; \
	command -v openmpt123 >/dev/null || missing="$$missing openmpt123"; \
	$(APT_INSTALL)

clean:
	rm -rf $(VENV) build *.egg-info tracker/_dsp.* tracker/_dsp*.so .mypy_cache .ruff_cache .pytest_cache
