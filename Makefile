# tinyworker entry points. Fresh machine: `make serve` or `make test`; both install
# what they need (the pinned Rust toolchain with its wasm target and llvm-tools, npm ci).
#   make serve [EXAMPLE=hello] [PORT=8787] [ALLOC=]       build the example, serve it in workerd
#   make build [EXAMPLE=hello] [ALLOC=]                   build/<example>.<alloc>.<build>/
#   make test [ALLOC=...] [BUILD=...]                     everything; every backend and build unless given
#   make size-check [BUDGETS=file]                        sizes of every variant against the budgets
# BUILD: abort (default; stable, smallest) | unwind (pinned nightly, panics keep the instance;
# EH=exnref for the new exception-handling encoding instead of legacy).
# ALLOC (talc | dlmalloc | bump | wee_alloc; empty = the example's default: none for hello and
# counter, talc for faults) applies to examples that can link an allocator.

EXAMPLE  ?= hello
PORT     ?= 8787
ALLOC    ?=
BUILD    ?= abort
EXAMPLES := hello faults counter
ALLOCS   := talc dlmalloc bump wee_alloc
BUILDS   := abort unwind
# `make test` covers every backend and both builds unless ALLOC or BUILD is given.
TEST_ALLOCS := $(if $(filter command line,$(origin ALLOC)),$(ALLOC),$(ALLOCS))
TEST_BUILDS := $(if $(filter command line,$(origin BUILD)),$(BUILD),$(BUILDS))

TOOLCHAIN := $(shell sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
# The nightly for Miri (and, later, the unwind build): rustc e50aa6fba 2026-05-19.
NIGHTLY   := nightly-2026-05-20
TARGET    := wasm32-unknown-unknown
BIN       := node_modules/.bin
BUDGETS   ?= size-tests/budgets.toml

.PHONY: setup build build-all serve test test-host test-node miri lint fmt clean alloc-bench size-check size-table

setup: .tools/rust.stamp node_modules/.stamp $(if $(filter unwind,$(BUILD)),.tools/nightly.stamp)

.tools/rust.stamp: rust-toolchain.toml
	rustup toolchain install $(TOOLCHAIN) --profile minimal \
	  --target $(TARGET) --component llvm-tools,clippy,rustfmt
	@mkdir -p .tools && touch $@

# The pinned nightly: the unwind build (-Zbuild-std needs rust-src) and Miri.
.tools/nightly.stamp:
	rustup toolchain install $(NIGHTLY) --profile minimal --component miri,rust-src,clippy \
	  --target $(TARGET)
	@mkdir -p .tools && touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: setup
	scripts/build.sh $(EXAMPLE) $(ALLOC) $(BUILD) $(PORT)

# The size-tests matrix (every example x allocator x build under test), which is also what
# the Node tests load, and the exnref variant the workerd test serves.
build-all: setup .tools/nightly.stamp
	ALLOCS="$(TEST_ALLOCS)" BUILDS="$(TEST_BUILDS)" node size-tests/run.mjs build
	EH=exnref scripts/build.sh counter "" unwind >/dev/null

# Sizes of the matrix against size-tests/budgets.toml (BUDGETS=file for another): writes
# size-tests/report.json, a table, and size-tests/breakdown/; fails over budget.
# SIZE_BUILD=0 measures what build-all left; SIZE_BREAKDOWN=0 skips the breakdown builds.
SIZE_BUILD     ?= 1
SIZE_BREAKDOWN ?= 1
size-check: setup $(if $(filter 0,$(SIZE_BUILD)),,build-all)
	ALLOCS="$(TEST_ALLOCS)" BUILDS="$(TEST_BUILDS)" BUDGETS="$(BUDGETS)" SIZE_BREAKDOWN=$(SIZE_BREAKDOWN) \
	  node size-tests/run.mjs check

# The README's size table, from size-tests/report.json.
size-table:
	node size-tests/run.mjs table

serve: setup
	@dir=$$(scripts/build.sh $(EXAMPLE) $(ALLOC) $(BUILD) $(PORT)) && \
	  echo "serving $$dir on http://127.0.0.1:$(PORT)/" && \
	  exec $(BIN)/workerd serve $$dir/config.capnp --socket-addr http=127.0.0.1:$(PORT)

test: setup lint test-host miri size-check test-node

test-host: setup
	cargo test --locked -p tinyworker
	for a in $(TEST_ALLOCS); do \
	  cargo test --locked -p tinyworker-alloc --no-default-features --features $$a,oom-hook && \
	  cargo test --locked -p tinyworker --features $$a || exit 1; done

# Miri on the runtime and on the backends whose unsafe code is ours to check: talc and
# bump. dlmalloc-rs fails Miri inside its own code (self-referential bins), and wee_alloc
# takes memory through mmap; both run the same tests natively in test-host.
miri: .tools/nightly.stamp
	cargo +$(NIGHTLY) miri test --locked -p tinyworker
	for a in talc bump; do \
	  cargo +$(NIGHTLY) miri test --locked -p tinyworker-alloc --no-default-features --features $$a,oom-hook || exit 1; done

test-node: setup .tools/nightly.stamp
	TEST_ALLOCS="$(TEST_ALLOCS)" TEST_BUILDS="$(TEST_BUILDS)" node --test --test-concurrency=1 test/*.test.mjs

lint: setup .tools/nightly.stamp
	cargo fmt --all --check
	cargo clippy --locked -p tinyworker --all-targets -- -D warnings
	for a in $(ALLOCS); do \
	  cargo clippy --locked -p tinyworker-alloc --no-default-features --features $$a --all-targets -- -D warnings && \
	  cargo clippy --locked -p tinyworker-alloc --no-default-features --features $$a,oom-hook --all-targets -- -D warnings && \
	  cargo clippy --locked -p tinyworker --features $$a --all-targets -- -D warnings || exit 1; done
	for e in $(EXAMPLES); do cargo clippy --locked --release --target $(TARGET) -p $$e -- -D warnings || exit 1; done
	for a in $(ALLOCS) baseline; do for e in faults allocbench; do [ $$a.$$e = baseline.faults ] || \
	  cargo clippy --locked --release --target $(TARGET) -p $$e --no-default-features --features $$a -- -D warnings || exit 1; done; done
	# The unwind build's own code (catch_unwind, the personality, the asm tag) on the nightly.
	RUSTFLAGS="-Cpanic=unwind -Ctarget-feature=+exception-handling -Cllvm-args=-wasm-use-legacy-eh=true" \
	  cargo +$(NIGHTLY) clippy --locked --release --target $(TARGET) -Zbuild-std=core,alloc \
	  --target-dir target/unwind-clippy -p counter -p faults -- -D warnings

# The allocator table of alloc/README.md: added bytes per backend and throughput vs talc.
alloc-bench: setup
	for a in baseline $(ALLOCS); do scripts/build.sh allocbench $$a abort >/dev/null || exit 1; done
	node bench/alloc.mjs

fmt:
	cargo fmt --all

clean:
	rm -rf build target .tools
