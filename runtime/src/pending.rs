//! Calls in flight: start a subrequest ([`crate::io::start`]) or a timer ([`timer`]) without
//! waiting, wait for the first of several to settle ([`race`], `Promise.race`), abort one
//! ([`AbortController`]). All over the bridge; a module that never races links none of it.
//!
//! ```
//! use tinyworker::io::{self, Subrequest};
//! use tinyworker::pending::{self, AbortController};
//! use tinyworker::{Error, Request, Response};
//!
//! // The origin's answer, or 504 when a 100 ms timer wins the race (the subrequest is then
//! // aborted, not left running).
//! fn handle<'a>(_: &Request<'a>) -> Result<Response<'a>, Error> {
//!     let controller = AbortController::new()?;
//!     let fetch = io::start(&Subrequest::get("https://example.com/").signal(&controller))?;
//!     let timer = pending::timer(100)?;
//!     if pending::race(&[fetch.pending(), &timer])? == 1 {
//!         controller.abort()?;
//!         return Ok(Response::text(504, "too slow\n"));
//!     }
//!     Ok(fetch.wait()?.respond()?)
//! }
//! tinyworker::entry!(handle);
//! # fn main() {}
//! ```

use crate::bridge::{self, Arg, Error, Target, Value};

/// A call in flight: the Promise the bridge holds for it, released when the request ends.
#[derive(Debug)]
pub struct Pending {
    promise: Value,
}

impl Pending {
    /// The call in flight whose Promise is `promise` (from [`bridge::start`]).
    pub fn new(promise: Value) -> Self {
        Self { promise }
    }

    /// Waits for it (at once when it has settled): what it resolved to, or its error.
    pub fn wait(self) -> Result<Value, Error> {
        bridge::settle(&self.promise)
    }

    /// Its Promise, for what this type does not say.
    pub fn value(&self) -> &Value {
        &self.promise
    }
}

/// Starts a timer of `ms` milliseconds (`scheduler.wait(ms)`) without waiting for it.
pub fn timer(ms: u32) -> Result<Pending, Error> {
    bridge::start(Target::Global("scheduler"), "wait", &[Arg::number(f64::from(ms))]).map(Pending::new)
}

/// Waits until the first of `calls` settles, fulfilled or rejected; its index in `calls`. The
/// others go on: wait for them, abort them, or leave them (their answers are dropped when the
/// request ends). `InvalidArgument` for no call (a race of none never ends).
pub fn race(calls: &[&Pending]) -> Result<usize, Error> {
    if calls.is_empty() {
        return Err(Error::InvalidArgument);
    }
    // An array of each call's Promise settled either way to its index: `then(tag, tag)`, where
    // `tag` is `Number.bind(null, index)` (Number ignores the value it is then given).
    let list = bridge::construct(Target::Global("Array"), "", &[])?;
    for (index, call) in calls.iter().enumerate() {
        let tag = bridge::call(
            Target::Global("Number"),
            "bind",
            &[Arg::NULL, Arg::number(index as f64)],
        )?;
        let tagged = bridge::start(
            Target::Value(&call.promise),
            "then",
            &[Arg::value(&tag), Arg::value(&tag)],
        )?;
        list.call("push", &[Arg::value(&tagged)])?.release();
        tagged.release();
        tag.release();
    }
    let first = bridge::call(Target::Global("Promise"), "race", &[Arg::value(&list)])?;
    list.release();
    Ok(first.number()? as usize)
}

/// An `AbortController`: give it to calls ([`crate::io::Subrequest::signal`]), then abort them
/// all at once.
#[derive(Debug)]
pub struct AbortController {
    controller: Value,
    signal: Value,
}

impl AbortController {
    /// A new controller (`new AbortController()`).
    pub fn new() -> Result<Self, Error> {
        let controller = bridge::construct(Target::Global("AbortController"), "", &[])?;
        let signal = controller.get("signal")?;
        Ok(Self { controller, signal })
    }

    /// Aborts every call given its signal: each rejects with an `AbortError` (a subrequest
    /// answers [`crate::io::Error::Aborted`]). Aborting again does nothing.
    pub fn abort(&self) -> Result<(), Error> {
        self.controller.call_unit("abort", &[])
    }

    /// Its `AbortSignal`.
    pub const fn signal(&self) -> &Value {
        &self.signal
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{self, Subrequest};
    use crate::sys::{BridgeAnswer as B, BRIDGE_ASKED, BRIDGE_VALUES};

    /// Queues what the bridge answers to the next calls; clears what it was asked.
    fn answers(list: &[(i32, B)]) {
        BRIDGE_VALUES.with(|v| *v.borrow_mut() = list.to_vec());
        BRIDGE_ASKED.with(|a| a.borrow_mut().clear());
    }

    fn asked() -> std::vec::Vec<std::string::String> {
        BRIDGE_ASKED.with(|a| a.borrow().clone())
    }

    #[test]
    fn a_race_tags_each_call_with_its_index_and_answers_the_first() {
        let mut list: std::vec::Vec<(i32, B)> = (1..=9).map(|h| (h, B::Object(0))).collect();
        list.push((10, B::Number(1.0)));
        answers(&list);
        let (slow, quick) = (timer(1000).unwrap(), timer(10).unwrap());
        assert_eq!(race(&[&slow, &quick]), Ok(1));
        let asked = asked();
        assert!(asked[0].starts_with("global scheduler.wait(1000)"), "{asked:?}");
        assert!(asked[2].starts_with("global Array."), "{asked:?}");
        assert!(asked[3].starts_with("global Number.bind(null, 0)"), "{asked:?}");
        assert!(asked[4].starts_with("value .then(value 4, value 4)"), "{asked:?}");
        assert!(asked[5].starts_with("value .push(value 5)"), "{asked:?}");
        assert!(asked[6].starts_with("global Number.bind(null, 1)"), "{asked:?}");
        assert!(asked[7].starts_with("value .then(value 7, value 7)"), "{asked:?}");
        assert_eq!(asked[9], "global Promise.race(value 3) flags 0");
        // A timer is started, never waited for: its call holds the Promise.
        assert_ne!(asked[0], "global scheduler.wait(1000) flags 0");
    }

    #[test]
    fn a_race_of_none_is_refused_before_any_call() {
        answers(&[]);
        assert_eq!(race(&[]), Err(Error::InvalidArgument));
        assert!(asked().is_empty());
    }

    #[test]
    fn an_aborted_subrequest_answers_aborted() {
        answers(&[
            (1, B::Object(0)),
            (2, B::Object(0)),
            (3, B::Object(0)),
            (crate::abi::IO_FAILED, B::Undefined),
            (4, B::Text("AbortError".into())),
        ]);
        let controller = AbortController::new().unwrap();
        let started = io::start(&Subrequest::get("https://o/").signal(&controller)).unwrap();
        let asked = asked();
        assert!(asked[0].starts_with("global AbortController."), "{asked:?}");
        assert!(asked[1].starts_with("value .signal"), "{asked:?}");
        assert!(
            asked[2].starts_with("global globalThis.fetch(\"https://o/\", {method: \"GET\", headers: {}, body: undefined, signal: value 2})"),
            "{asked:?}"
        );
        assert_eq!(started.wait().unwrap_err(), io::Error::Aborted);
        assert_eq!(crate::Error::from(io::Error::Aborted).status(), 502);
    }
}
