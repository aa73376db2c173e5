//! Workers RPC served by Rust: the methods of a named entrypoint (`rpc!(class Calc { .. })`) or
//! of a Durable Object class (`rpc!(object Room { .. })`), which other Workers call as functions.
//!
//! ```
//! use tinyworker::bridge::{Arg, Error};
//! use tinyworker::rpc::Call;
//!
//! // `env.CALC.add(2, 3)` in another Worker answers 5.
//! fn add(call: &Call) -> Result<(), Error> {
//!     let sum = call.number(0)? + call.number(1)?;
//!     call.reply(Arg::number(sum))
//! }
//! tinyworker::rpc!(class Calc { add: add });
//! # fn main() {}
//! ```
//!
//! Serve the class from the Worker's entry with the glue's `createEntrypoint(wasm, { className:
//! "Calc", base: WorkerEntrypoint })` (an object's methods: `createDurableObject(wasm, {
//! className })`), and bind it with `[[services]] entrypoint = "Calc"`. Arguments and the result
//! are the bridge's values: strings, bytes, numbers, JSON (a structured value), held values. A
//! method's fault or `Err` rejects that call only, with an error that names the fault's id and
//! nothing of the module; an object's method runs in the object's storage transaction, as its
//! fetch does, so a fault writes nothing.

use crate::bridge::{self, Arg, Error, Target, Value};

/// The call being served (only inside an `rpc!` method): its arguments and its reply.
#[derive(Debug)]
pub struct Call(());

impl Call {
    /// The call of the running method (used by the macro).
    #[doc(hidden)]
    pub const fn current() -> Self {
        Self(())
    }

    /// How many arguments the caller passed.
    pub fn len(&self) -> Result<usize, Error> {
        bridge::event_len()
    }

    /// Whether the caller passed none.
    pub fn is_empty(&self) -> Result<bool, Error> {
        self.len().map(|n| n == 0)
    }

    /// Argument `index`, held (undefined past the last one).
    pub fn arg(&self, index: usize) -> Result<Value, Error> {
        bridge::event_element(index)
    }

    /// Argument `index` as a number (`WrongType` for any other kind), read in one crossing.
    pub fn number(&self, index: usize) -> Result<f64, Error> {
        let mut digits = [0u8; 20];
        bridge::get_number(Target::Event, bridge::decimal(index, &mut digits))
    }

    /// Argument `index` as text, in `buffer` (`WrongType` for any other kind, `TooLarge` with
    /// the length needed when it does not fit).
    pub fn text<'b>(&self, index: usize, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        let arg = self.arg(index)?;
        let text = arg.text(buffer);
        arg.release();
        text
    }

    /// Argument `index` as text, in owned memory of its size.
    #[cfg(feature = "alloc")]
    pub fn text_owned(&self, index: usize) -> Result<alloc::string::String, Error> {
        let arg = self.arg(index)?;
        let text = arg.text_owned();
        arg.release();
        text
    }

    /// Argument `index` as JSON text (any value the structured clone carries that JSON can
    /// write), in owned memory of its size.
    #[cfg(feature = "alloc")]
    pub fn json_owned(&self, index: usize) -> Result<alloc::string::String, Error> {
        let arg = self.arg(index)?;
        let text = arg.json_owned();
        arg.release();
        text
    }

    /// What the call answers: `value` (`Arg::json` for a structured value). A method that never
    /// replies answers `undefined`; a second reply replaces the first.
    pub fn reply(&self, value: Arg<'_>) -> Result<(), Error> {
        bridge::set(Target::Event, "result", value)
    }
}

/// Serves methods written in Rust to Workers RPC. `rpc!(class Calc { add: calc_add, .. })`: a
/// named entrypoint's methods, each a `fn(&Call) -> R`; `rpc!(object Room { count: room_count,
/// .. })`: a Durable Object class's, each a `fn(&Call, &Storage) -> R` (the class declared with
/// `durable_object!(class Room { .. })`). `R` is `()` or a `Result<(), E>`, `E` any error that
/// converts into [`Error`]. Each method is an export `__tw_rpc_<method>_<Class>` (docs/ABI.md,
/// "Events").
///
/// ```compile_fail
/// // error: rpc!: `class Name { .. }` (an entrypoint's methods) or `object Name { .. }` (a
/// // Durable Object class's)
/// fn add(_: &tinyworker::rpc::Call) {}
/// tinyworker::rpc!(service Calc { add: add });
/// ```
#[macro_export]
macro_rules! rpc {
    (class $class:ident { $($method:ident : $handler:path),+ $(,)? }) => {
        $(
            const _: () = {
                /// A method of the entrypoint, called by another Worker.
                #[doc(hidden)]
                #[unsafe(export_name = concat!("__tw_rpc_", stringify!($method), "_", stringify!($class)))]
                pub extern "C-unwind" fn __tw_method() -> u32 {
                    $crate::__private::event(concat!(stringify!($class), ".", stringify!($method)), || {
                        $handler(&$crate::rpc::Call::current())
                    })
                }
            };
        )+
    };
    (object $class:ident { $($method:ident : $handler:path),+ $(,)? }) => {
        $(
            const _: () = {
                /// A method of the Durable Object class, called through a stub.
                #[doc(hidden)]
                #[unsafe(export_name = concat!("__tw_rpc_", stringify!($method), "_", stringify!($class)))]
                pub extern "C-unwind" fn __tw_method() -> u32 {
                    $crate::__private::event(concat!(stringify!($class), ".", stringify!($method)), || {
                        $handler(&$crate::rpc::Call::current(), &$crate::__private::Storage::new())
                    })
                }
            };
        )+
    };
    ($($other:tt)*) => {
        compile_error!("rpc!: `class Name { .. }` (an entrypoint's methods) or `object Name { .. }` (a Durable Object class's)");
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{BridgeAnswer, BRIDGE_ASKED, BRIDGE_VALUES};

    #[test]
    fn a_call_reads_its_arguments_by_index_and_sets_its_result() {
        BRIDGE_VALUES.with(|v| {
            *v.borrow_mut() = vec![
                (0, BridgeAnswer::Number(2.0)),
                (1, BridgeAnswer::Number(3.5)),
                (2, BridgeAnswer::Undefined),
            ]
        });
        BRIDGE_ASKED.with(|a| a.borrow_mut().clear());
        let call = Call::current();
        let before = crate::sys::crossings();
        let sum = call.number(0).unwrap() + call.number(1).unwrap();
        call.reply(Arg::number(sum)).unwrap();
        // One crossing for each number, one for the reply (a set's answer is dropped in it).
        assert_eq!(crate::sys::crossings(), before + 3);
        assert_eq!(
            BRIDGE_ASKED.with(|a| a.borrow().clone()),
            // (CALL_GET | CALL_READ: each number read in the get; CALL_SET | CALL_READ.)
            [
                "event .0() flags 33",
                "event .1() flags 33",
                "event .result(5.5) flags 40"
            ]
        );
    }
}
