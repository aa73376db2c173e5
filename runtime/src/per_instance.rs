//! `PerInstance<T>`: a static of the module's instance. On wasm32 one cell (an instance runs on
//! one thread); on the host under `cargo test` or the `testing` feature, one cell per thread, so
//! that tests run in parallel are separate instances and never see each other's fault record,
//! response or flags (Rust runs each test on a thread of its own).

use tinyworker_alloc::SingleThreaded;

/// A static of the instance: declare it with [`per_instance!`](crate::per_instance).
pub(crate) struct PerInstance<T: 'static> {
    #[cfg(not(all(not(target_arch = "wasm32"), any(test, feature = "testing"))))]
    cell: SingleThreaded<T>,
    #[cfg(all(not(target_arch = "wasm32"), any(test, feature = "testing")))]
    cell: &'static std::thread::LocalKey<SingleThreaded<T>>,
}

impl<T: 'static> PerInstance<T> {
    /// The instance's cell holding `value` (wasm32, and host builds without stand-ins).
    #[cfg(not(all(not(target_arch = "wasm32"), any(test, feature = "testing"))))]
    pub(crate) const fn new(value: T) -> Self {
        Self {
            cell: SingleThreaded::new(value),
        }
    }

    /// The thread's cell of `key` (the host under test).
    #[cfg(all(not(target_arch = "wasm32"), any(test, feature = "testing")))]
    pub(crate) const fn of(key: &'static std::thread::LocalKey<SingleThreaded<T>>) -> Self {
        Self { cell: key }
    }

    /// Runs `f` with exclusive access to this instance's value.
    ///
    /// # Safety
    /// As [`SingleThreaded::with`]: `f` must not access this same static again.
    pub(crate) unsafe fn with<R>(&'static self, f: impl FnOnce(&mut T) -> R) -> R {
        #[cfg(not(all(not(target_arch = "wasm32"), any(test, feature = "testing"))))]
        // SAFETY: the caller's promise, passed on.
        return unsafe { self.cell.with(f) };
        #[cfg(all(not(target_arch = "wasm32"), any(test, feature = "testing")))]
        // SAFETY: the caller's promise, passed on (the thread's own cell).
        return self.cell.with(|cell| unsafe { cell.with(f) });
    }

    /// A raw pointer to this instance's value (on the host, the thread's), as
    /// [`SingleThreaded::as_ptr`]. Creating it is safe; using it is the caller's argument.
    pub(crate) fn as_ptr(&'static self) -> *mut T {
        #[cfg(not(all(not(target_arch = "wasm32"), any(test, feature = "testing"))))]
        return self.cell.as_ptr();
        #[cfg(all(not(target_arch = "wasm32"), any(test, feature = "testing")))]
        return self.cell.with(SingleThreaded::as_ptr);
    }

    /// The value's address in linear memory, for the module header the glue reads. On the host
    /// no glue reads it: null.
    pub(crate) const fn address(&'static self) -> *mut T {
        #[cfg(not(all(not(target_arch = "wasm32"), any(test, feature = "testing"))))]
        return self.cell.as_ptr();
        #[cfg(all(not(target_arch = "wasm32"), any(test, feature = "testing")))]
        return core::ptr::null_mut();
    }
}

/// `per_instance! { static NAME: T = init; }`: a [`PerInstance<T>`] static.
#[macro_export]
#[doc(hidden)]
macro_rules! per_instance {
    ($(#[$meta:meta])* $vis:vis static $name:ident: $ty:ty = $init:expr;) => {
        $(#[$meta])*
        #[cfg(not(all(not(target_arch = "wasm32"), any(test, feature = "testing"))))]
        $vis static $name: $crate::per_instance::PerInstance<$ty> = $crate::per_instance::PerInstance::new($init);
        $(#[$meta])*
        #[cfg(all(not(target_arch = "wasm32"), any(test, feature = "testing")))]
        $vis static $name: $crate::per_instance::PerInstance<$ty> = {
            std::thread_local! {
                static CELL: tinyworker_alloc::SingleThreaded<$ty> = const { tinyworker_alloc::SingleThreaded::new($init) };
            }
            $crate::per_instance::PerInstance::of(&CELL)
        };
    };
}
