//! Tail Workers from Rust: `tail!(handler)` receives the traces of the Workers that name this one
//! in their `tail_consumers` (each invocation's outcome, logs, exceptions and event), read over
//! the bridge.
//!
//! ```
//! use tinyworker::bridge::Error;
//! use tinyworker::tail::Traces;
//!
//! // Counts the invocations that threw.
//! fn tail(traces: &Traces) -> Result<(), Error> {
//!     let mut outcome = [0u8; 32];
//!     let mut thrown = 0;
//!     for i in 0..traces.len()? {
//!         thrown += usize::from(traces.outcome(i, &mut outcome)? == "exception");
//!     }
//!     let _ = thrown;
//!     Ok(())
//! }
//! tinyworker::tail!(tail);
//! # fn main() {}
//! ```

use crate::bridge::{self, Error, Value};

/// The traces being delivered (only inside a `tail!` handler): one per invocation of a tailed
/// Worker, as the platform's `TraceItem`s.
#[derive(Debug)]
pub struct Traces(());

impl Traces {
    /// The traces of the running handler (used by the macro).
    #[doc(hidden)]
    pub const fn current() -> Self {
        Self(())
    }

    /// How many traces.
    pub fn len(&self) -> Result<usize, Error> {
        bridge::event_len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> Result<bool, Error> {
        self.len().map(|n| n == 0)
    }

    /// Trace `index`, held: its `scriptName`, `outcome`, `eventTimestamp`, `logs` (each
    /// `message`, `level`, `timestamp`), `exceptions` (`name`, `message`), `event`.
    pub fn get(&self, index: usize) -> Result<Value, Error> {
        bridge::event_element(index)
    }

    /// The outcome of trace `index` (`ok`, `exception`, `exceededCpu`, `canceled`, ...), in
    /// `buffer`.
    pub fn outcome<'b>(&self, index: usize, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        let trace = self.get(index)?;
        let outcome = trace.get("outcome");
        trace.release();
        let outcome = outcome?;
        let text = outcome.text(buffer);
        outcome.release();
        text
    }

    /// Every trace as JSON (an array), in owned memory of its size.
    #[cfg(feature = "alloc")]
    pub fn json_owned(&self) -> Result<alloc::string::String, Error> {
        let traces = bridge::get(bridge::Target::Event, "traces")?;
        let json = traces.json_owned();
        traces.release();
        json
    }
}

/// Registers `handler` (a `fn(&Traces) -> R`, `R` being `()` or a `Result<(), E>`) for the
/// traces of the Workers this one tails. Exports `__tw_tail`; the glue's `createWorker` then
/// answers the platform's `tail` events. A fault or an error fails that delivery (the platform
/// drops those traces); the next runs on a healthy instance.
#[macro_export]
macro_rules! tail {
    ($handler:path) => {
        const _: () = {
            /// Traces arrived (docs/ABI.md, "Events").
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub extern "C-unwind" fn __tw_tail() -> u32 {
                $crate::__private::event("tail", || $handler(&$crate::tail::Traces::current()))
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{BridgeAnswer, BRIDGE_ASKED, BRIDGE_VALUES};

    #[test]
    fn a_trace_is_read_by_index() {
        BRIDGE_VALUES.with(|v| {
            *v.borrow_mut() = vec![
                (0, BridgeAnswer::Number(1.0)),
                (1, BridgeAnswer::Object(0)),
                (2, BridgeAnswer::Text("exception".into())),
            ]
        });
        BRIDGE_ASKED.with(|a| a.borrow_mut().clear());
        let traces = Traces::current();
        assert_eq!(traces.len(), Ok(1));
        let mut outcome = [0u8; 16];
        assert_eq!(traces.outcome(0, &mut outcome), Ok("exception"));
        assert_eq!(
            BRIDGE_ASKED.with(|a| a.borrow().clone()),
            [
                "event .length() flags 33",
                "event .0() flags 1",
                "value .outcome() flags 1"
            ]
        );
    }
}
