# link-extractor — `make` or `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
CARGO ?= cargo
BIN := target/release/link-extractor
SHARED ?= ../shared

.PHONY: help build static test lint fmt conformance chromium-diff bench fuzz image image-test chart-lint chart-test ci-lint clean memory-limit

MUSL_TARGET := x86_64-unknown-linux-musl
STATIC_BIN := target/$(MUSL_TARGET)/release/link-extractor
# ring's build script wants musl-gcc; Debian's gcc builds it too when musl-tools is absent.
ifeq ($(shell command -v x86_64-linux-musl-gcc),)
export CC_x86_64_unknown_linux_musl ?= gcc
endif

# Target names in bold only when stdout is a terminal (and NO_COLOR is not set).
help: ## List the targets
	@if [ -t 1 ] && [ -z "$${NO_COLOR:-}" ]; then bold='\033[1m' plain='\033[0m'; else bold= plain=; fi; \
	awk -v bold="$$bold" -v plain="$$plain" 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %s%-14s%s %s\n", bold, $$1, plain, $$2}' $(MAKEFILE_LIST)

build: ## Build the release binary (target/release/link-extractor)
	$(CARGO) build --release --locked

static: ## Build the static musl release binary (target/x86_64-unknown-linux-musl/release/)
	rustup target list --installed | grep -qx $(MUSL_TARGET) || rustup target add $(MUSL_TARGET)
	$(CARGO) build --release --locked --target $(MUSL_TARGET)
	@file $(STATIC_BIN)

test: ## Run every test: unit tests and the built binary against a local server
	$(CARGO) test --locked

lint: ## Check formatting and run clippy with warnings as errors
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt --all

# The corpus and its runner are not part of this repository: without them, one sentence
# and a non-zero status, before anything is built.
conformance: ## Compare with Chromium on the shared corpus, by URL and by --html (optional; SHARED=DIR, default ../shared)
	@missing=; for p in "$(SHARED)/conformance/run.py" "$(SHARED)/corpus/"; do \
	    [ -e "$$p" ] || missing="$$missing$${missing:+ and }$$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "make conformance: $$missing not found; this check is optional and needs the shared Chromium corpus (SHARED=DIR, default ../shared)." >&2; \
	    exit 1; \
	fi
	@$(MAKE) --no-print-directory build
	python3 $(SHARED)/conformance/run.py $(BIN)
	python3 ci/html_corpus.py $(BIN) $(SHARED)/corpus

memory-limit: build ## Under a real cgroup memory limit (root; LIMIT=128M): a 1M-link page fails by name, 32 ordinary pages pass
	ci/memory-limit.sh $(BIN) $(or $(LIMIT),128M)

chromium-diff: build ## Compare with headless Chromium on ~1400 generated pages (needs chromium, npm)
	python3 ci/chromium-diff/run.py $(BIN) --known ci/chromium-diff/known-differences.json

bench: ## Benchmark: throughput, 1000/10k URLs with latency, RSS, musl vs glibc (bench/RESULTS.md)
	bench/run.sh

fuzz: ## Fuzz decode + extract for FUZZ_SECONDS (default 120) with cargo fuzz (nightly)
	fuzz/run.sh $(or $(FUZZ_SECONDS),120)

image: static ## Build the scratch image localhost/link-extractor:latest from the static binary (buildah)
	ci/image.sh build

image-test: image ## Run the image hardened under podman against a loopback server
	ci/image.sh test

chart-lint: ## Lint the Helm chart with the real Helm engine (helm-python-sdk)
	ci/chart.sh lint

chart-test: ## Lint, render every workload kind, validate against the Kubernetes schema
	ci/chart.sh test

ci-lint: ## Validate .gitlab-ci.yml offline (gitlab-ci-local, shellcheck of its scripts)
	ci/ci-lint.sh

clean: ## Remove build output
	$(CARGO) clean
