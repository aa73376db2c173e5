# Settings written once and read by every tool: the Makefile includes this file,
# scripts/settings.mjs parses it for the JavaScript tools (size-tests, tests, bench), and
# scripts/build.sh reads it with sed. One `NAME := value` per line.

# The pinned nightly of the unwind build (-Zbuild-std needs rust-src) and of Miri:
# rustc e50aa6fba 2026-05-19.
NIGHTLY := nightly-2026-05-20

# The unwind build's RUSTFLAGS, before the exception-handling encoding
# (-Cllvm-args=-wasm-use-legacy-eh=true, or false for EH=exnref) and the link arguments.
UNWIND_RUSTFLAGS := -Cpanic=unwind -Ctarget-feature=+exception-handling

# The link arguments every module needs (docs/ABI.md, "Link settings"); .cargo/config.toml
# passes them to cargo, and RUSTFLAGS that replace it must repeat them.
LINK_ARGS := -Clink-arg=--export=__stack_pointer -Clink-arg=-zstack-size=65536

# The matrix: the examples, the allocator backends, the builds.
EXAMPLES := hello faults counter headers proxy room bindings jobs chat router router_serde router_sjc router_try standins platform loader
ALLOCS := talc dlmalloc bump wee_alloc
BUILDS := abort unwind

# Examples that link an allocator (their build folder names the backend; the others say none).
WITH_ALLOCATOR := faults proxy room allocbench bindings jobs chat router_serde platform

# Examples whose bindings or events raw workerd cannot serve locally (R2, D1, Queues, cron):
# `make serve` runs them under wrangler dev, whose Miniflare simulates those bindings on this
# machine (with --test-scheduled: GET /__scheduled?cron=<expression> fires a cron trigger).
WRANGLER_DEV := bindings jobs chat standins platform loader

# What the tests load beside the size rows, for every build (example.alloc; an empty alloc is the
# example's default; headers only in the abort build): size-tests/run.mjs builds them with the rows.
TEST_EXTRAS := headers.none headers.talc proxy.talc room.talc jobs.talc chat.talc standins. platform.talc loader.

# The size-tests rows, for every build: example.alloc, where `*` is every backend of ALLOCS.
SIZE_ROWS := hello.none counter.none proxy.talc room.talc bindings.talc jobs.talc chat.talc platform.talc router.none router.talc router_serde.talc router_sjc.none router_try.none hello.* faults.* allocbench.*
