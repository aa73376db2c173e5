//! The dlmalloc backend: dlmalloc-rs (Rust std's wasm32 allocator) over `sys::grow`.
//! Memory is never returned to the system (wasm memory cannot shrink).

use crate::{sys, Backend};
use core::alloc::Layout;
use core::ptr::null_mut;
use dlmalloc::Dlmalloc;

/// dlmalloc's system allocator: whole pages from `sys::grow`.
pub struct GrowPages;

// SAFETY: `alloc` returns fresh, zeroed, page-aligned memory of the reported size (or null)
// that nothing else uses; every release request is declined, so no memory is ever reused
// behind dlmalloc's back.
unsafe impl dlmalloc::Allocator for GrowPages {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        let pages = size.div_ceil(sys::PAGE);
        match sys::grow(pages) {
            Some(base) => (base, pages * sys::PAGE, 0),
            None => (null_mut(), 0, 0),
        }
    }
    fn remap(&self, _ptr: *mut u8, _old: usize, _new: usize, _can_move: bool) -> *mut u8 {
        null_mut()
    }
    fn free_part(&self, _ptr: *mut u8, _old: usize, _new: usize) -> bool {
        false
    }
    fn free(&self, _ptr: *mut u8, _size: usize) -> bool {
        false
    }
    fn can_release_part(&self, _flags: u32) -> bool {
        false
    }
    fn allocates_zeros(&self) -> bool {
        true // fresh wasm pages (and the host arena's never-reused pages) are zero
    }
    fn page_size(&self) -> usize {
        sys::PAGE
    }
}

/// dlmalloc with memory from `memory.grow`.
pub struct DlmallocBackend(Dlmalloc<GrowPages>);

// SAFETY: dlmalloc returns null or unique blocks of at least the requested size and
// alignment from pages `GrowPages` took from `sys::grow`, and keeps them until freed.
unsafe impl Backend for DlmallocBackend {
    const NEW: Self = DlmallocBackend(Dlmalloc::new_with_allocator(GrowPages));

    unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
        // SAFETY: non-zero size (the front's contract); dlmalloc handles any power-of-two align.
        unsafe { self.0.malloc(layout.size(), layout.align()) }
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        // SAFETY: a live block from `malloc` with the same size and align.
        unsafe { self.0.free(ptr, layout.size(), layout.align()) }
    }
}
