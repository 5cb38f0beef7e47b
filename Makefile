# ki3 build glue. Two commands matter (see README.md):
#   make demo   set everything up on a fresh machine and run the demo on the synthetic shop
#   make test   set everything up and run every test (Rust, Python, Node, fmt, clippy, ruff)

SHELL := /bin/bash
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
TARGET := x86_64-unknown-linux-gnu
export VIRTUAL_ENV := $(VENV)
export PATH := $(VENV)/bin:$(PATH)

.PHONY: demo test setup venv python-ext node-addon rust-checks rust-test python-test node-test bench

demo: setup
	$(PY) -m ki3.demo --out demo-output

test: setup rust-checks rust-test python-test node-test

setup: venv python-ext node-addon

venv: $(VENV)/.installed
$(VENV)/.installed: python-tests/requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r python-tests/requirements.txt
	touch $@

python-ext: venv
	cd ki3-py && maturin develop --release --target $(TARGET) -q

node-addon:
	cd ki3-node && npm ci --no-audit --no-fund --loglevel=error && npx napi build --platform --release

rust-checks:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

rust-test: venv
	cargo test
	cargo test -p ki3-py --lib
	cargo test -p ki3-node --lib

python-test: python-ext
	ruff check ki3-py/python python-tests benches/python
	python -m mypy.stubtest ki3._ki3
	pytest -q python-tests

node-test: node-addon
	cd ki3-node && node --test __test__/

# Benchmarks are not tests: they print timings and ratios against peers.
bench: setup
	cargo bench -p ki3-benches
	$(PY) benches/python/features_vs_peers.py
	$(PY) benches/python/rfm_vs_lifetimes.py
	$(PY) benches/python/bandit_vs_mabwiser.py
	$(PY) benches/python/bandit_serving.py
	cd ki3-node && node bench/bandit.mjs
