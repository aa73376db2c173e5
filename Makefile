# tinyworker entry points. Fresh machine: `make serve` or `make test`; both install
# what they need (the pinned Rust toolchain with its wasm target and llvm-tools, npm ci).
#   make serve [EXAMPLE=hello] [PORT=8787]   build the example and serve it in workerd
#   make build [EXAMPLE=hello]               build/<example>/: app.wasm, glue.js, config
#   make test                                host tests, lint, every example, Node + workerd tests

EXAMPLE  ?= hello
PORT     ?= 8787
EXAMPLES := hello faults counter

TOOLCHAIN := $(shell sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
TARGET    := wasm32-unknown-unknown
WASM_DIR  := target/$(TARGET)/release
BIN       := node_modules/.bin
# Features the modules use; wasm-opt must not assume more or fewer.
WASM_OPT_FLAGS := -Oz --enable-exception-handling --enable-bulk-memory --enable-sign-ext \
  --enable-mutable-globals --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue

.PHONY: setup build build-all serve test test-host test-node lint fmt clean
.DELETE_ON_ERROR:

setup: .tools/rust.stamp node_modules/.stamp

.tools/rust.stamp: rust-toolchain.toml
	rustup toolchain install $(TOOLCHAIN) --profile minimal \
	  --target $(TARGET) --component llvm-tools,clippy,rustfmt
	@mkdir -p .tools && touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# One cargo invocation per example: building them together would unify features
# (and link the allocator into hello).
$(WASM_DIR)/%.wasm: setup FORCE
	cargo build --release --locked --target $(TARGET) -p $*

build/%/app.wasm: $(WASM_DIR)/%.wasm
	node scripts/bundle.mjs $* $< $(PORT)
	$(BIN)/wasm-opt $(WASM_OPT_FLAGS) $< -o $@

build: build/$(EXAMPLE)/app.wasm

build-all: $(foreach e,$(EXAMPLES),build/$(e)/app.wasm)

serve: build
	@echo "serving examples/$(EXAMPLE) on http://127.0.0.1:$(PORT)/"
	$(BIN)/workerd serve build/$(EXAMPLE)/config.capnp --socket-addr http=127.0.0.1:$(PORT)

test: setup lint test-host build-all test-node

test-host: setup
	cargo test --locked -p tinyworker -p tinyworker-alloc
	cargo test --locked -p tinyworker --features alloc

test-node: setup
	node --test --test-concurrency=1 test/*.test.mjs

lint: setup
	cargo fmt --all --check
	cargo clippy --locked -p tinyworker -p tinyworker-alloc --all-targets -- -D warnings
	cargo clippy --locked -p tinyworker --features alloc --all-targets -- -D warnings
	$(foreach e,$(EXAMPLES),cargo clippy --locked --release --target $(TARGET) -p $(e) -- -D warnings &&) true

fmt:
	cargo fmt --all

clean:
	rm -rf build target

FORCE:
