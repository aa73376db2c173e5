//! The bump backend: an arena that only moves a cursor forward and is reset when a request
//! ends. Smallest and fastest; no allocation may outlive its request.
//!
//! Debug builds detect misuse: a block freed after the reset that reclaimed it panics
//! (`bump: block outlived its request`), and reclaimed memory is poisoned with 0xA5.

use crate::{sys, Backend};
use core::alloc::Layout;
use core::ptr::null_mut;

/// The byte reclaimed memory is filled with in debug builds.
pub const POISON: u8 = 0xA5;

/// A bump arena over pages from `sys::grow`.
pub struct Bump {
    /// First byte of the arena (null before the first allocation).
    start: *mut u8,
    /// Next free byte.
    cursor: *mut u8,
    /// One past the arena's last byte.
    end: *mut u8,
    /// Since the last reset, an earlier region was abandoned (memory grew elsewhere): blocks
    /// there are still live, but outside `start..cursor`, so the misuse check cannot judge them.
    /// Only debug builds check (and keep this).
    #[cfg(debug_assertions)]
    abandoned: bool,
}

// SAFETY: the arena's pointers are only used on the allocator's single thread (see the
// front's `Sync` impl); they own no thread-affine resource.
unsafe impl Send for Bump {}

impl Bump {
    fn fits(&self, layout: Layout) -> Option<(*mut u8, *mut u8)> {
        if self.cursor.is_null() {
            return None;
        }
        let pad = self.cursor.align_offset(layout.align());
        let room = self.end as usize - self.cursor as usize;
        let needed = pad.checked_add(layout.size())?;
        if needed > room {
            return None;
        }
        // SAFETY: pad <= needed <= room, the bytes from `cursor` to `end`, so both pointers stay
        // inside the arena (or one past its end).
        Some(unsafe { (self.cursor.add(pad), self.cursor.add(needed)) })
    }

    /// Adds pages for `layout`; extends the arena when they are contiguous.
    fn grow(&mut self, layout: Layout) -> Option<()> {
        let needed = layout.size().checked_add(layout.align())?;
        let pages = needed.div_ceil(sys::PAGE);
        let base = sys::grow(pages)?;
        let bytes = pages * sys::PAGE;
        if !self.end.is_null() && base == self.end {
            // SAFETY: the new pages start exactly at `end`, so the arena stays one region.
            self.end = unsafe { self.end.add(bytes) };
        } else {
            // Not contiguous (someone else grew memory): start a new arena there. The old
            // one is abandoned until the next reset, which then starts from the new one.
            #[cfg(debug_assertions)]
            {
                self.abandoned = !self.start.is_null();
            }
            self.start = base;
            self.cursor = base;
            // SAFETY: `sys::grow` handed out `bytes` bytes from `base`.
            self.end = unsafe { base.add(bytes) };
        }
        Some(())
    }
}

// SAFETY: `alloc` hands out disjoint, aligned ranges of the arena in cursor order; a block
// is only reused after `reset`, which returns true: every block was reclaimed at once, which
// the runtime does only between requests (the bump contract: no block outlives its request).
unsafe impl Backend for Bump {
    const NEW: Self = Bump {
        start: null_mut(),
        cursor: null_mut(),
        end: null_mut(),
        #[cfg(debug_assertions)]
        abandoned: false,
    };

    unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
        if self.fits(layout).is_none() && self.grow(layout).is_none() {
            return null_mut();
        }
        match self.fits(layout) {
            Some((block, next)) => {
                self.cursor = next;
                block
            }
            None => null_mut(),
        }
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        let block_end = ptr as usize + layout.size();
        #[cfg(debug_assertions)]
        assert!(
            self.abandoned || (ptr as usize >= self.start as usize && block_end <= self.cursor as usize),
            "bump: block outlived its request (freed after the reset that reclaimed it)"
        );
        // The last block can be popped; anything else waits for the reset.
        if block_end == self.cursor as usize {
            self.cursor = ptr;
        }
    }

    fn reset(&mut self) -> bool {
        if cfg!(debug_assertions) && !self.start.is_null() {
            let used = self.cursor as usize - self.start as usize;
            // SAFETY: [start, cursor) is arena memory whose blocks all just died.
            unsafe { self.start.write_bytes(POISON, used) };
        }
        self.cursor = self.start;
        #[cfg(debug_assertions)]
        {
            self.abandoned = false;
        }
        true
    }
}
