# link-extractor — `make` or `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
CARGO ?= cargo
BIN := target/release/link-extractor
SHARED ?= ../shared

.PHONY: help build test lint fmt conformance chromium-diff clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build the release binary (target/release/link-extractor)
	$(CARGO) build --release --locked

test: ## Run every test: unit tests and the built binary against a local server
	$(CARGO) test --locked

lint: ## Check formatting and run clippy with warnings as errors
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt --all

conformance: build ## Compare with Chromium on the shared corpus (needs ../shared)
	python3 $(SHARED)/conformance/run.py $(BIN)

chromium-diff: build ## Compare with headless Chromium on ~1400 generated pages (needs chromium, npm)
	python3 tools/chromium-diff/run.py $(BIN) --known tools/chromium-diff/known-differences.json

clean: ## Remove build output
	$(CARGO) clean
