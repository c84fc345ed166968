# link-extractor — `make` or `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
CARGO ?= cargo
BIN := target/release/link-extractor
SHARED ?= ../shared

.PHONY: help build static static-arm64 dist dist-test test lint fmt conformance conformance-arm64 memory-limit chromium-diff bench fuzz image image-test chart-lint chart-test ci-lint clean

# Target names in bold only when stdout is a terminal (and NO_COLOR is not set).
help: ## List the targets
	@if [ -t 1 ] && [ -z "$${NO_COLOR:-}" ]; then bold='\033[1m' plain='\033[0m'; else bold= plain=; fi; \
	awk -v bold="$$bold" -v plain="$$plain" 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %s%-18s%s %s\n", bold, $$1, plain, $$2}' $(MAKEFILE_LIST)

build: ## Build the release binary (target/release/link-extractor)
	$(CARGO) build --release --locked

# The static builds, the release archives and their checks: ci/dist.sh (toolchains in
# docs/install.md#building-a-release).
static: ## Build the static musl release binary for x86_64 (target/x86_64-unknown-linux-musl/release/)
	ci/dist.sh build x86_64-unknown-linux-musl

static-arm64: ## Cross-build it for aarch64 with cargo-zigbuild (target/aarch64-unknown-linux-musl/release/)
	ci/dist.sh build aarch64-unknown-linux-musl

dist: ## Release archives in dist/: both static binaries as .tar.gz, CycloneDX SBOMs, SHA256SUMS
	ci/dist.sh all

dist-test: dist ## Check dist/ and smoke-test both binaries (aarch64 under qemu-aarch64) on a local server
	ci/dist.sh test

test: ## Run every test: unit tests and the built binary against a local server
	$(CARGO) test --locked

lint: ## Check formatting and run clippy with warnings as errors
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt --all

# The corpus and its runner are not part of this repository: without them, one sentence
# and a non-zero status, before anything is built.
define check_shared
	@missing=; for p in "$(SHARED)/conformance/run.py" "$(SHARED)/corpus/"; do \
	    [ -e "$$p" ] || missing="$$missing$${missing:+ and }$$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "make $@: $$missing not found; this check is optional and needs the shared Chromium corpus (SHARED=DIR, default ../shared)." >&2; \
	    exit 1; \
	fi
endef

conformance: ## Compare with Chromium on the shared corpus, by URL and by --html (optional; SHARED=DIR, default ../shared)
	$(check_shared)
	@$(MAKE) --no-print-directory build
	python3 $(SHARED)/conformance/run.py $(BIN)
	python3 ci/html_corpus.py $(BIN) $(SHARED)/corpus

# ci/qemu-aarch64.sh runs the aarch64 binary under qemu-aarch64 with the runner's arguments.
conformance-arm64: ## The same corpus, by URL, through the aarch64 binary under qemu-aarch64 (optional)
	$(check_shared)
	@$(MAKE) --no-print-directory static-arm64
	python3 $(SHARED)/conformance/run.py ci/qemu-aarch64.sh

memory-limit: build ## Under a real cgroup memory limit (root; LIMIT=128M): a 1M-link page fails by name, 32 ordinary pages pass
	ci/memory-limit.sh $(BIN) $(or $(LIMIT),128M)

chromium-diff: build ## Compare with headless Chromium on ~1400 generated pages (needs chromium, npm)
	python3 ci/chromium-diff/run.py $(BIN) --known ci/chromium-diff/known-differences.json

bench: ## Benchmark: throughput, 1000/10k URLs with latency, RSS, musl vs glibc, crawl vs wget/LinkChecker/Scrapy (bench/RESULTS.md)
	bench/run.sh

fuzz: ## Fuzz extract, charset, codings, depth (FUZZ_TARGETS) for FUZZ_SECONDS each (default 120), cargo fuzz (nightly); fuzz/README.md
	fuzz/run.sh $(or $(FUZZ_SECONDS),120) $(FUZZ_TARGETS)

image: static static-arm64 ## Build the scratch images for amd64 and arm64 and their manifest list (buildah)
	ci/image.sh build

image-test: image ## Run the image hardened under podman; check the manifest list; the arm64 binary under qemu
	ci/image.sh test

chart-lint: ## Lint the Helm chart with the real Helm engine (helm-python-sdk)
	ci/chart.sh lint

chart-test: ## Lint, render every workload kind, validate against the Kubernetes schema
	ci/chart.sh test

ci-lint: ## Validate .gitlab-ci.yml offline (gitlab-ci-local, shellcheck of its scripts)
	ci/ci-lint.sh

clean: ## Remove build output
	$(CARGO) clean
