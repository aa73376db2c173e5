//! The runtime's only wasm intrinsic: throwing the imported `__cpp_exception` tag.
//! On the host a stand-in records the throw so the rest of the crate is unit-tested.

use crate::fault::FaultRecord;

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::FaultRecord;

    // `tw_throw` comes from src/throw.ll (assembled by build.rs). It is `extern "C"`, not
    // `"C-unwind"`: in the abort build nothing may unwind through Rust frames.
    extern "C" {
        fn tw_throw(record: *const FaultRecord) -> !;
    }

    /// Throws the tag with the record's address; the glue reads the record.
    pub fn throw(record: *const FaultRecord) -> ! {
        // SAFETY: tw_throw only executes the wasm `throw` instruction with the pointer as its
        // i32 payload; it reads no memory itself. The glue reads the record after the throw,
        // and the record lives in a static, so the address stays valid.
        unsafe { tw_throw(record) }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::FaultRecord;

    /// Host stand-in: the throw becomes a Rust panic carrying the record's address, which
    /// unit tests catch with `std::panic::catch_unwind`.
    #[cfg(test)]
    pub fn throw(record: *const FaultRecord) -> ! {
        std::panic::panic_any(HostThrow(record as usize))
    }

    /// Host stand-in outside tests (a host program linking the runtime): report and stop.
    #[cfg(not(test))]
    pub fn throw(record: *const FaultRecord) -> ! {
        panic!("tinyworker: fault record {record:p} raised outside wasm32")
    }

    /// The payload of a host-side throw: the fault record's address.
    #[cfg(test)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct HostThrow(pub usize);
}

pub use imp::*;
