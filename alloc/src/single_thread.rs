//! `SingleThreaded<T>`: the one place where tinyworker assumes a single thread. On wasm32
//! without `atomics` it is a plain cell; on every other target each access takes a spin lock.
//!
//! The allocator front and the runtime's statics (fault record, response, I/O buffer) are all
//! `SingleThreaded`, so the argument that makes them `Sync` is written once, here:
//!
//! - **wasm32 without the `atomics` target feature** (what tinyworker supports; building with
//!   `+atomics` is a `compile_error!` below): an instance runs on exactly one thread, and
//!   nothing else touches its linear memory while Rust code runs, so a plain cell cannot race.
//!   The glue writes the I/O buffer only between calls.
//! - **any other target** (host tests, Miri, a host program that links the crate): a spin
//!   lock serialises every access, so two threads calling safe functions cannot race; a
//!   panic inside an access releases the lock.
//!
//! Reentrancy (an access from inside an access of the same cell) would alias `&mut T`; the
//! crates never do it (each closure is a few loads and stores), and [`SingleThreaded::with`]
//! is `unsafe` so that no caller outside them can.

use core::cell::UnsafeCell;

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
compile_error!("tinyworker supports single-threaded wasm32 only (build without +atomics)");

/// A cell for statics that are only ever touched by one thread at a time.
#[repr(C)]
pub struct SingleThreaded<T> {
    value: UnsafeCell<T>,
    #[cfg(not(target_arch = "wasm32"))]
    locked: core::sync::atomic::AtomicBool,
}

// SAFETY: see the module documentation. On wasm32 (no `atomics`: checked above) there is one
// thread; elsewhere `with` holds a lock for every access, and `T: Send` because that lock
// hands the value from thread to thread, as `Mutex<T>: Sync` requires.
unsafe impl<T: Send> Sync for SingleThreaded<T> {}

impl<T> SingleThreaded<T> {
    /// A cell holding `value` (const, so it can initialise a static).
    pub const fn new(value: T) -> Self {
        Self {
            value: UnsafeCell::new(value),
            #[cfg(not(target_arch = "wasm32"))]
            locked: core::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Runs `f` with exclusive access to the value.
    ///
    /// # Safety
    /// `f` must not access this same cell again (not through `with`, not through a pointer
    /// from `as_ptr`): the two accesses would alias a `&mut T`. On the host that is a
    /// deadlock, on wasm32 undefined behaviour.
    pub unsafe fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let _guard = self.lock();
        // SAFETY: the lock (host) or the single thread (wasm32) excludes every other access
        // for as long as `f` runs, and the caller promises `f` does not reenter, so this
        // `&mut T` is the only reference to the value.
        f(unsafe { &mut *self.value.get() })
    }

    /// A raw pointer to the value, for memory that the glue reads or writes between calls
    /// (records, the I/O buffer). Creating it is safe; using it is the caller's argument.
    pub const fn as_ptr(&self) -> *mut T {
        self.value.get()
    }

    /// One thread: nothing to take.
    #[cfg(target_arch = "wasm32")]
    fn lock(&self) -> Unlock {
        Unlock
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn lock(&self) -> Unlock<'_> {
        use core::sync::atomic::Ordering;
        while self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            core::hint::spin_loop();
        }
        Unlock(&self.locked)
    }
}

/// Releases the host lock when an access ends, also when it panics.
#[cfg(not(target_arch = "wasm32"))]
struct Unlock<'a>(&'a core::sync::atomic::AtomicBool);

/// wasm32: the access's end releases nothing.
#[cfg(target_arch = "wasm32")]
struct Unlock;

#[cfg(not(target_arch = "wasm32"))]
impl Drop for Unlock<'_> {
    fn drop(&mut self) {
        self.0.store(false, core::sync::atomic::Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::SingleThreaded;
    use std::sync::Arc;

    #[test]
    fn threads_on_the_host_are_serialised() {
        let cell = Arc::new(SingleThreaded::new(0u64));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let cell = Arc::clone(&cell);
                std::thread::spawn(move || {
                    for _ in 0..if cfg!(miri) { 50 } else { 20_000 } {
                        // SAFETY: the closure does not touch the cell again.
                        unsafe { cell.with(|n| *n += 1) };
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let expected = 4 * if cfg!(miri) { 50 } else { 20_000 };
        // SAFETY: as above.
        assert_eq!(unsafe { cell.with(|n| *n) }, expected);
    }

    #[test]
    fn a_panic_inside_an_access_releases_the_lock() {
        let cell = SingleThreaded::new(1u8);
        // SAFETY: the closure does not touch the cell again.
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
            cell.with(|_| panic!("inside"))
        }));
        assert!(caught.is_err());
        // SAFETY: as above.
        assert_eq!(unsafe { cell.with(|n| *n) }, 1);
    }
}
