//! The talc backend: talc 5 over a source that claims the module's unused initial memory first,
//! then fresh pages from `sys::grow`. The front (lib.rs) enforces the heap limit.

use crate::{sys, Backend};
use core::alloc::Layout;
use core::ptr::{null_mut, NonNull};
use talc::base::binning::Binning;
use talc::base::Talc;
use talc::wasm::WasmBinning;

/// Acquires memory: first the rest of the module's initial pages (`sys::slack`: a small module's
/// heap then costs no page of its own), then by growing linear memory and claiming the new
/// pages as a heap.
#[derive(Debug)]
pub struct GrowSource {
    /// The initial pages' slack was claimed (or there was none).
    slack_claimed: bool,
}

// SAFETY: `acquire` only calls `sys::slack`, `sys::grow` and `Talc::claim` on unused memory
// (the slack, once; fresh pages); it never allocates or touches the allocator wrapping this
// Talc.
unsafe impl talc::source::Source for GrowSource {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        if !talc.source.slack_claimed {
            talc.source.slack_claimed = true;
            if let Some((base, len)) = sys::slack() {
                // SAFETY: the slack lies past every static of the module and below the memory's
                // end, and nothing else claims it (this runs once per instance).
                if unsafe { talc.claim(base, len) }.is_some() {
                    return Ok(());
                }
            }
        }
        // Room for the block, its alignment padding, the first heap's metadata and tags.
        let needed = layout
            .size()
            .checked_add(layout.align() + talc::min_first_heap_size::<B>() + 4 * talc::base::CHUNK_UNIT)
            .ok_or(())?;
        let pages = needed.div_ceil(sys::PAGE);
        let base = sys::grow(pages).ok_or(())?;
        // SAFETY: the pages were just handed out by `sys::grow` and nothing else uses them.
        unsafe { talc.claim(base, pages * sys::PAGE) }.map(|_| ()).ok_or(())
    }
}

/// talc with memory from `memory.grow`.
pub struct TalcBackend(Talc<GrowSource, WasmBinning>);

// SAFETY: blocks come from talc, which returns null or unique, aligned blocks of the
// requested size inside heaps it claimed from unused memory (the slack, fresh pages), and keeps them
// untouched until they are freed; `NEW` claims nothing until the first allocation.
unsafe impl Backend for TalcBackend {
    const NEW: Self = TalcBackend(Talc::new(GrowSource { slack_claimed: false }));

    unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
        // SAFETY: the front never passes a zero-sized layout (GlobalAlloc's contract).
        unsafe { self.0.allocate(layout) }.map_or(null_mut(), NonNull::as_ptr)
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller passes a live block from `alloc` with its layout.
        unsafe { self.0.deallocate(ptr, layout) }
    }
}

// SAFETY: talc's heaps are linear-memory pages (or the host arena's), not thread-local
// resources; the raw pointers inside it are only ever used by whichever thread holds the
// front's `SingleThreaded` lock.
unsafe impl Send for TalcBackend {}
