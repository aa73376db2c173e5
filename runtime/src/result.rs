//! What an I/O or storage operation answered, read through `__tw_result`: the one reader of
//! operation answers, into a caller's buffer or (with an allocator) owned memory of its size.

use crate::sys;

/// Copies part `part` of result `handle` into `into`: its length, or `Err(needed)` when `into`
/// is shorter.
pub fn copy_part(handle: i32, part: u32, into: &mut [u8]) -> Result<usize, usize> {
    let len = sys::result(handle, part, into.as_mut_ptr(), into.len());
    if len > into.len() {
        Err(len)
    } else {
        Ok(len)
    }
}

/// Part `part` of result `handle` in a new vector of exactly its length, or `Err(len)` when the
/// heap cannot hold it (its limit, or out of memory: a value, never an abort).
#[cfg(feature = "alloc")]
pub fn owned_part(handle: i32, part: u32) -> Result<alloc::vec::Vec<u8>, usize> {
    let len = sys::result(handle, part, core::ptr::NonNull::dangling().as_ptr(), 0);
    let mut bytes = try_with_capacity(len).ok_or(len)?;
    // SAFETY: the glue writes exactly `len` bytes (the part's length, the vector's capacity) at
    // the vector's buffer; `set_len` then covers only initialised bytes.
    unsafe {
        sys::result(handle, part, bytes.as_mut_ptr(), len);
        bytes.set_len(len);
    }
    Ok(bytes)
}

/// An empty vector with room for exactly `len` bytes, or `None` when the heap cannot give them
/// (its limit, or out of memory). `Vec::try_reserve_exact` does the same through the generic
/// growth path, which costs ~400 B of wasm more.
#[cfg(feature = "alloc")]
pub fn try_with_capacity(len: usize) -> Option<alloc::vec::Vec<u8>> {
    if len == 0 {
        return Some(alloc::vec::Vec::new());
    }
    let layout = core::alloc::Layout::array::<u8>(len).ok()?;
    // SAFETY: `layout` has a non-zero size (len > 0).
    let at = unsafe { alloc::alloc::alloc(layout) };
    if at.is_null() {
        return None;
    }
    // SAFETY: `at` was allocated by the global allocator with the layout of `len` bytes (align 1),
    // which is what a `Vec<u8>` of capacity `len` owns; its length 0 covers no uninitialised byte.
    Some(unsafe { alloc::vec::Vec::from_raw_parts(at, 0, len) })
}
