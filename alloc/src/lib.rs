//! tinyworker-alloc: the global allocator of a tinyworker module. One front (heap limit,
//! OOM hook, statistics, failure flag) over a backend chosen by a Cargo feature.
//!
//! On wasm32, enabling a backend feature installs the allocator; the runtime's features of the
//! same names do that for you. Without a backend the crate installs nothing and provides only
//! [`SingleThreaded`], the cell the runtime keeps its statics in.
#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]
// Every `unsafe` block states its argument in a `// SAFETY:` comment.
#![warn(clippy::undocumented_unsafe_blocks)]

mod single_thread;
pub use single_thread::SingleThreaded;

// wee_alloc grows memory itself, so with it `sys` goes unused.
#[cfg_attr(any(feature = "wee_alloc", not(has_backend)), allow(dead_code, unused_imports))]
mod sys;

#[cfg(feature = "bump")]
pub mod bump;
#[cfg(feature = "dlmalloc")]
mod dlmalloc_backend;
#[cfg(feature = "talc")]
mod talc_backend;
#[cfg(feature = "wee_alloc")]
mod wee_backend;

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::null_mut;

#[cfg(any(
    all(feature = "talc", any(feature = "dlmalloc", feature = "bump", feature = "wee_alloc")),
    all(feature = "dlmalloc", any(feature = "bump", feature = "wee_alloc")),
    all(feature = "bump", feature = "wee_alloc"),
))]
compile_error!(
    "tinyworker-alloc: choose exactly one backend feature (talc, dlmalloc, bump, wee_alloc); \
     for a non-default one use default-features = false"
);

/// The backend this build uses.
#[cfg(feature = "talc")]
pub type Selected = talc_backend::TalcBackend;
/// The backend this build uses.
#[cfg(feature = "dlmalloc")]
pub type Selected = dlmalloc_backend::DlmallocBackend;
/// The backend this build uses.
#[cfg(feature = "bump")]
pub type Selected = bump::Bump;
/// The backend this build uses.
#[cfg(feature = "wee_alloc")]
pub type Selected = wee_backend::WeeBackend;

/// The name of the backend this build uses.
#[cfg(has_backend)]
pub const BACKEND: &str = if cfg!(feature = "talc") {
    "talc"
} else if cfg!(feature = "dlmalloc") {
    "dlmalloc"
} else if cfg!(feature = "bump") {
    "bump"
} else {
    "wee_alloc"
};

/// The heap limit unless `set_heap_limit` says otherwise: 32 MiB, well below the 128 MiB a
/// Workers isolate may use in all.
pub const DEFAULT_HEAP_LIMIT: usize = 32 << 20;

/// How often one allocation asks the OOM hook to retry before it fails.
pub const MAX_OOM_RETRIES: u32 = 4;

/// What the OOM hook asks the allocator to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OomAction {
    /// The hook freed memory: try the allocation again.
    Retry,
    /// Give up: a fallible allocation gets its error, an infallible one aborts.
    Fail,
}

/// Called when an allocation does not fit. It may free memory (drop caches) and return
/// `Retry`; it must not allocate (an allocation inside the hook fails at once).
pub type OomHook = fn(Layout) -> OomAction;

/// The default hook: frees nothing.
pub fn decline(_: Layout) -> OomAction {
    OomAction::Fail
}

/// Allocation statistics; `#[repr(C)]` so the glue reads them as five u32 words on wasm32.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Bytes requested by live allocations.
    pub in_use: usize,
    /// The highest `in_use` seen.
    pub peak: usize,
    /// Successful allocations since start.
    pub allocations: usize,
    /// Allocations that failed (after the hook declined).
    pub failures: usize,
    /// The heap limit in bytes.
    pub limit: usize,
}

// The wasm32 layout docs/ABI.md gives (five u32 words); a host test checks js/stats.js reads it.
#[cfg(target_arch = "wasm32")]
const _: () = assert!(core::mem::size_of::<Stats>() == 20);

/// A memory source the front allocates from; the front adds the limit, statistics and hook.
///
/// # Safety
/// The front hands the blocks a backend returns to Rust code as `GlobalAlloc` blocks, so an
/// implementation must guarantee:
/// - `alloc(layout)` returns null or a pointer to at least `layout.size()` bytes aligned to
///   `layout.align()`, which no other live block overlaps and which stays valid (and is not
///   touched by the backend) until it is passed to `dealloc` or reclaimed by `reset`;
/// - `dealloc` accepts every block `alloc` returned, with the same layout, once;
/// - `reset` returns `true` only if it reclaimed every block at once (the front then counts
///   nothing in use); the runtime calls it only between requests, when the request's blocks
///   are dead (the bump arena documents that no block may outlive its request);
/// - `NEW` is an empty backend that allocates its memory lazily (it initialises a static);
/// - nothing ties the backend's memory to a thread (`Send`).
pub unsafe trait Backend: Send {
    /// An empty backend (const, so the global allocator is a plain static).
    const NEW: Self;
    /// Allocates `layout` or returns null.
    ///
    /// # Safety
    /// `layout.size()` must be non-zero.
    unsafe fn alloc(&mut self, layout: Layout) -> *mut u8;
    /// Frees a block.
    ///
    /// # Safety
    /// `ptr` must come from `alloc` on this backend with the same `layout`, not yet freed and
    /// not reclaimed by a `reset` since.
    unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout);
    /// Reclaims every block at once (the bump arena); returns whether it did. The runtime
    /// calls it (through `end_of_request`) between requests.
    fn reset(&mut self) -> bool {
        false
    }
}

struct State<B> {
    backend: B,
    stats: Stats,
    #[cfg(feature = "oom-hook")]
    hook: OomHook,
    in_hook: bool,
    failed: bool,
}

/// The allocator front over backend `B`. `Sync` through [`SingleThreaded`].
pub struct TinyAlloc<B: Backend> {
    state: SingleThreaded<State<B>>,
}

impl<B: Backend> TinyAlloc<B> {
    /// A front with `limit` bytes of heap.
    pub const fn new(limit: usize) -> Self {
        let stats = Stats {
            in_use: 0,
            peak: 0,
            allocations: 0,
            failures: 0,
            limit,
        };
        Self {
            state: SingleThreaded::new(State {
                backend: B::NEW,
                stats,
                #[cfg(feature = "oom-hook")]
                hook: decline,
                in_hook: false,
                failed: false,
            }),
        }
    }

    /// Runs `f` on the state. Every `f` in this file is a few loads and stores on the state
    /// and the backend: none calls the hook, the front or the global allocator.
    fn with<R>(&self, f: impl FnOnce(&mut State<B>) -> R) -> R {
        // SAFETY: `f` does not access the cell again (above); backends never allocate through
        // the global allocator (the `Backend` contract keeps them self-contained).
        unsafe { self.state.with(f) }
    }

    /// The current statistics.
    pub fn stats(&self) -> Stats {
        self.with(|s| s.stats)
    }

    /// A pointer to the live statistics (what the glue reads through `__tw_alloc_stats`).
    pub fn stats_ptr(&self) -> *const Stats {
        // SAFETY: `as_ptr` points at a live, initialised State (the cell owns it);
        // `addr_of!` only computes the field's address, creating no reference.
        unsafe { core::ptr::addr_of!((*self.state.as_ptr()).stats) }
    }

    /// Sets the heap limit in bytes; returns the previous one.
    pub fn set_heap_limit(&self, limit: usize) -> usize {
        self.with(|s| core::mem::replace(&mut s.stats.limit, limit))
    }

    /// Installs the OOM hook; returns the previous one (feature `oom-hook`).
    #[cfg(feature = "oom-hook")]
    pub fn set_oom_hook(&self, hook: OomHook) -> OomHook {
        self.with(|s| core::mem::replace(&mut s.hook, hook))
    }

    /// Asks the hook (if the feature is on) what to do about `layout`.
    #[cfg(feature = "oom-hook")]
    fn ask_hook(&self, layout: Layout) -> OomAction {
        let hook = self.with(|s| s.hook);
        self.with(|s| s.in_hook = true);
        let action = hook(layout);
        self.with(|s| s.in_hook = false);
        action
    }

    #[cfg(not(feature = "oom-hook"))]
    fn ask_hook(&self, _layout: Layout) -> OomAction {
        OomAction::Fail
    }

    /// Whether an allocation failed since the last call; clears the flag.
    pub fn take_failure(&self) -> bool {
        self.with(|s| core::mem::take(&mut s.failed))
    }

    /// Ends a request: a resetting backend reclaims everything, so nothing is in use.
    pub fn end_of_request(&self) {
        self.with(|s| {
            if s.backend.reset() {
                s.stats.in_use = 0;
            }
        })
    }

    /// One attempt within the limit, without the hook.
    fn try_alloc(&self, layout: Layout) -> *mut u8 {
        self.with(|s| {
            let fits = s
                .stats
                .in_use
                .checked_add(layout.size())
                .is_some_and(|n| n <= s.stats.limit);
            if !fits {
                return null_mut();
            }
            // SAFETY: GlobalAlloc's caller guarantees a non-zero size.
            let ptr = unsafe { s.backend.alloc(layout) };
            if !ptr.is_null() {
                s.stats.in_use += layout.size();
                s.stats.peak = s.stats.peak.max(s.stats.in_use);
                s.stats.allocations += 1;
            }
            ptr
        })
    }
}

// SAFETY: blocks come from the backend, which returns unique, suitably aligned memory of
// at least `layout.size()` bytes or null; the front only adds bookkeeping.
unsafe impl<B: Backend> GlobalAlloc for TinyAlloc<B> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut retries = 0;
        // An allocation from inside the OOM hook fails at once instead of recursing.
        while !self.with(|s| s.in_hook) {
            let ptr = self.try_alloc(layout);
            if !ptr.is_null() {
                return ptr;
            }
            if retries == MAX_OOM_RETRIES {
                break;
            }
            retries += 1;
            let action = self.ask_hook(layout);
            if action == OomAction::Fail {
                break;
            }
        }
        self.with(|s| {
            s.stats.failures += 1;
            s.failed = true;
        });
        null_mut()
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.with(|s| {
            // SAFETY: forwarded from GlobalAlloc::dealloc's caller.
            unsafe { s.backend.dealloc(ptr, layout) };
            s.stats.in_use -= layout.size();
        })
    }
}

/// The module's allocator instance (the `#[global_allocator]` on wasm32).
#[cfg(has_backend)]
#[cfg_attr(all(target_arch = "wasm32", not(test)), global_allocator)]
pub static ALLOCATOR: TinyAlloc<Selected> = TinyAlloc::new(DEFAULT_HEAP_LIMIT);

#[cfg(has_backend)]
/// Statistics of the module's allocator.
pub fn stats() -> Stats {
    ALLOCATOR.stats()
}

#[cfg(has_backend)]
/// Sets the module's heap limit in bytes; returns the previous one.
pub fn set_heap_limit(limit: usize) -> usize {
    ALLOCATOR.set_heap_limit(limit)
}

/// Installs the module's OOM hook; returns the previous one (feature `oom-hook`).
#[cfg(all(has_backend, feature = "oom-hook"))]
pub fn set_oom_hook(hook: OomHook) -> OomHook {
    ALLOCATOR.set_oom_hook(hook)
}

#[cfg(has_backend)]
/// Whether an allocation failed since the last call (the runtime asks this to tell an
/// out-of-memory abort from a panic); clears the flag.
pub fn take_failure() -> bool {
    ALLOCATOR.take_failure()
}

#[cfg(has_backend)]
/// Called by the runtime between requests, after the previous response was released: the
/// bump backend reclaims its whole arena here (other backends do nothing).
pub fn end_of_request() {
    ALLOCATOR.end_of_request()
}

/// Exported for the glue (docs/ABI.md): the address of the live statistics.
#[cfg(all(target_arch = "wasm32", has_backend))]
#[doc(hidden)]
#[unsafe(no_mangle)]
pub extern "C" fn __tw_alloc_stats() -> *const Stats {
    ALLOCATOR.stats_ptr()
}

#[cfg(all(test, has_backend))]
mod tests;
