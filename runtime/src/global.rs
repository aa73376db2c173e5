//! `Global<T>`: the one interior-mutable static cell the runtime uses for its records.
//! Sound because a wasm32 instance without the `atomics` feature runs on exactly one thread.

use core::cell::UnsafeCell;

/// A static slot written by the runtime and read by the glue between calls.
pub struct Global<T>(UnsafeCell<T>);

// SAFETY: tinyworker targets single-threaded wasm32 (no `atomics` target feature), where no
// two threads exist to race. On the host only unit tests touch these statics, and those
// tests serialise themselves with `crate::tests::LOCK`.
unsafe impl<T> Sync for Global<T> {}

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
compile_error!("tinyworker supports single-threaded wasm32 only (build without +atomics)");

impl<T> Global<T> {
    /// A slot holding `value`.
    pub const fn new(value: T) -> Self {
        Self(UnsafeCell::new(value))
    }

    /// Raw pointer to the contents, valid for the program's lifetime.
    pub const fn get(&self) -> *mut T {
        self.0.get()
    }
}
