//! tinyworker-alloc: the global allocator of a tinyworker module. One front (heap limit,
//! OOM hook, statistics, failure flag) over a backend chosen by a Cargo feature.
//!
//! On wasm32 linking this crate installs the allocator; the runtime's `alloc` feature does
//! that for you. The front assumes one thread (wasm32 without `atomics`).
#![cfg_attr(not(test), no_std)]

// wee_alloc grows memory itself, so with it `sys` goes unused.
#[cfg_attr(feature = "wee_alloc", allow(dead_code, unused_imports))]
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
use core::cell::UnsafeCell;
use core::ptr::null_mut;

#[cfg(not(any(feature = "talc", feature = "dlmalloc", feature = "bump", feature = "wee_alloc")))]
compile_error!("tinyworker-alloc needs one backend feature: talc (default), dlmalloc, bump or wee_alloc");

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

/// What a backend provides; the front does limits, statistics and the hook.
pub trait Backend {
    /// An empty backend (const, so the global allocator is a plain static).
    const NEW: Self;
    /// Allocates `layout` (never zero-sized) or returns null.
    ///
    /// # Safety
    /// `layout.size()` must be non-zero.
    unsafe fn alloc(&mut self, layout: Layout) -> *mut u8;
    /// Frees a block.
    ///
    /// # Safety
    /// `ptr` must come from `alloc` on this backend with the same `layout`, not yet freed.
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

/// The allocator front over backend `B`.
pub struct TinyAlloc<B: Backend> {
    state: UnsafeCell<State<B>>,
}

// SAFETY: tinyworker modules are single-threaded wasm32, so the state is never accessed from
// two threads; on the host the global instance is touched only by tests that serialise.
unsafe impl<B: Backend> Sync for TinyAlloc<B> {}

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
compile_error!("tinyworker-alloc supports single-threaded wasm32 only (build without +atomics)");

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
            state: UnsafeCell::new(State {
                backend: B::NEW,
                stats,
                #[cfg(feature = "oom-hook")]
                hook: decline,
                in_hook: false,
                failed: false,
            }),
        }
    }

    /// Runs `f` on the state. Never call the hook or another front method inside `f`.
    fn with<R>(&self, f: impl FnOnce(&mut State<B>) -> R) -> R {
        // SAFETY: single-threaded (see the Sync impl), and no `&mut State` outlives `f`,
        // which calls neither the hook nor the front again, so this borrow is unique.
        f(unsafe { &mut *self.state.get() })
    }

    /// The current statistics.
    pub fn stats(&self) -> Stats {
        self.with(|s| s.stats)
    }

    /// A pointer to the live statistics (what the glue reads through `tw_alloc_stats`).
    pub fn stats_ptr(&self) -> *const Stats {
        // SAFETY: only forms a raw pointer to a field; no reference is created.
        unsafe { core::ptr::addr_of!((*self.state.get()).stats) }
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
#[cfg_attr(all(target_arch = "wasm32", not(test)), global_allocator)]
pub static ALLOCATOR: TinyAlloc<Selected> = TinyAlloc::new(DEFAULT_HEAP_LIMIT);

/// Statistics of the module's allocator.
pub fn stats() -> Stats {
    ALLOCATOR.stats()
}

/// Sets the module's heap limit in bytes; returns the previous one.
pub fn set_heap_limit(limit: usize) -> usize {
    ALLOCATOR.set_heap_limit(limit)
}

/// Installs the module's OOM hook; returns the previous one (feature `oom-hook`).
#[cfg(feature = "oom-hook")]
pub fn set_oom_hook(hook: OomHook) -> OomHook {
    ALLOCATOR.set_oom_hook(hook)
}

/// Whether an allocation failed since the last call (the runtime asks this to tell an
/// out-of-memory abort from a panic); clears the flag.
pub fn take_failure() -> bool {
    ALLOCATOR.take_failure()
}

/// Called by the runtime between requests, after the previous response was released: the
/// bump backend reclaims its whole arena here (other backends do nothing).
pub fn end_of_request() {
    ALLOCATOR.end_of_request()
}

/// Exported for the glue: the address of the live statistics.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub extern "C" fn tw_alloc_stats() -> *const Stats {
    ALLOCATOR.stats_ptr()
}

#[cfg(test)]
mod tests;
