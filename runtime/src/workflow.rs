//! Workflows from Rust: a Workflow class (`workflow!`) whose `run` takes durable steps, each
//! a function of the class whose result the platform persists, and the Workflow binding
//! (create, get, status, pause, resume, terminate).
//!
//! ```
//! use tinyworker::bridge::{Arg, Error};
//! use tinyworker::rpc::Call;
//! use tinyworker::workflow::{Retries, Run, StepOptions};
//!
//! // Three steps, each persisted: a retried run answers a finished step from the platform's
//! // store instead of running it again.
//! fn run(run: &Run) -> Result<(), Error> {
//!     let order = run.step("reserve", Arg::json("{\"sku\":\"a\"}"), &StepOptions::default())?;
//!     run.sleep("settle", 10)?;
//!     let paid = run.step("charge", Arg::value(&order), &StepOptions { retries: Some(Retries { limit: 3, delay_ms: 100 }) })?;
//!     run.step("ship", Arg::value(&paid), &StepOptions::default())?;
//!     Ok(())
//! }
//! fn reserve(step: &Call) -> Result<(), Error> { step.reply(Arg::str("reserved")) }
//! fn charge(step: &Call) -> Result<(), Error> { step.reply(Arg::str("paid")) }
//! fn ship(step: &Call) -> Result<(), Error> { step.reply(Arg::str("shipped")) }
//! tinyworker::workflow!(class Order { run: run, steps: { reserve: reserve, charge: charge, ship: ship } });
//! # fn main() {}
//! ```
//!
//! Serve it with the glue's `createWorkflow(wasm, { className: "Order", base: WorkflowEntrypoint
//! })` and bind it with `[[workflows]]`. A step is a function of the class (a `fn(&rpc::Call) ->
//! R`: its input is argument 0, its attempt argument 1, its result the reply): the glue runs it
//! on another instance of the module's pool, inside the platform's `step.do`, while `run` waits.
//! A fault or an `Err` of a step is that attempt's failure, retried by the step's options; of
//! `run`, the instance's error.

use crate::bridge::{self, Arg, Error, Field, Target, Value};

/// The run being served (only inside a `workflow!` class's `run`).
#[derive(Debug)]
pub struct Run(());

/// How the platform runs a step: `retries`, else the platform's default (5 retries, 10 s apart,
/// growing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepOptions {
    /// How many more attempts after a failure, and how far apart.
    pub retries: Option<Retries>,
}

/// `limit` more attempts after a failure, `delay_ms` apart (constant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retries {
    /// Attempts after the first (0: none).
    pub limit: u32,
    /// Milliseconds between attempts.
    pub delay_ms: u32,
}

impl Run {
    /// The run of the running handler (used by the macro).
    #[doc(hidden)]
    pub const fn current() -> Self {
        Self(())
    }

    /// The parameters the instance was created with (`create({ params })`), held.
    pub fn params(&self) -> Result<Value, Error> {
        bridge::get(Target::Event, "params")
    }

    /// The instance's id, in `buffer`.
    pub fn instance_id<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        let id = bridge::get(Target::Event, "instanceId")?;
        let text = id.text(buffer);
        id.release();
        text
    }

    /// Runs the class's step `name` with `input` (its argument 0), once: the platform persists
    /// its result, and a run that replays answers it from there. Its result, held.
    pub fn step(&self, name: &str, input: Arg<'_>, options: &StepOptions) -> Result<Value, Error> {
        let retries = options.retries.unwrap_or(Retries { limit: 0, delay_ms: 0 });
        let retries = [
            Field::new("limit", Arg::number(f64::from(retries.limit))),
            Field::new("delay", Arg::number(f64::from(retries.delay_ms))),
            Field::new("backoff", Arg::str("constant")),
        ];
        let fields = [Field::new("retries", Arg::object(&retries))];
        let config = match options.retries {
            Some(_) => Arg::object(&fields),
            None => Arg::UNDEFINED,
        };
        bridge::call(Target::Event, "step", &[Arg::str(name), input, config])
    }

    /// What the instance answers when it completes (its status's `output`): `value`.
    pub fn output(&self, value: Arg<'_>) -> Result<(), Error> {
        bridge::set(Target::Event, "result", value)
    }

    /// Sleeps `ms` milliseconds, durably (the instance may be evicted and resumed).
    pub fn sleep(&self, name: &str, ms: u32) -> Result<(), Error> {
        bridge::call_unit(Target::Event, "sleep", &[Arg::str(name), Arg::number(f64::from(ms))])
    }
}

/// A Workflow binding (`[[workflows]] binding = "..."`).
#[derive(Debug, Clone, Copy)]
pub struct Workflow<'n> {
    binding: &'n str,
}

impl<'n> Workflow<'n> {
    /// The binding named `binding`.
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    /// Creates an instance with id `id` (empty: the platform picks one) and `params` (JSON
    /// text); the instance, held.
    pub fn create(&self, id: &str, params: &str) -> Result<Instance, Error> {
        let fields = [Field::new("id", Arg::str(id)), Field::new("params", Arg::json(params))];
        let options = if id.is_empty() { &fields[1..] } else { &fields[..] };
        let value = bridge::call(Target::Env(self.binding), "create", &[Arg::object(options)])?;
        Ok(Instance { value })
    }

    /// The instance with id `id` (`Err(Failed)` when there is none).
    pub fn get(&self, id: &str) -> Result<Instance, Error> {
        let value = bridge::call(Target::Env(self.binding), "get", &[Arg::str(id)])?;
        Ok(Instance { value })
    }
}

/// One instance of a Workflow.
#[derive(Debug)]
pub struct Instance {
    value: Value,
}

impl Instance {
    /// Its id, in `buffer`.
    pub fn id<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        let id = self.value.get("id")?;
        let text = id.text(buffer);
        id.release();
        text
    }

    /// Its status (`status`: `queued`, `running`, `paused`, `complete`, `errored`,
    /// `terminated`, ...; `output`; `error`), held.
    pub fn status(&self) -> Result<Value, Error> {
        self.value.call("status", &[])
    }

    /// Pauses it.
    pub fn pause(&self) -> Result<(), Error> {
        self.value.call_unit("pause", &[])
    }

    /// Resumes it.
    pub fn resume(&self) -> Result<(), Error> {
        self.value.call_unit("resume", &[])
    }

    /// Terminates it.
    pub fn terminate(&self) -> Result<(), Error> {
        self.value.call_unit("terminate", &[])
    }

    /// Releases it now instead of when the call ends.
    pub fn release(self) {
        self.value.release()
    }
}

/// Declares a Workflow class: `workflow!(class Order { run: order_run, steps: { reserve:
/// reserve, .. } })`, `run` a `fn(&Run) -> R` and each step a `fn(&rpc::Call) -> R` (`R` being
/// `()` or a `Result<(), E>`). Exports `__tw_workflow_<Class>` and each step as
/// `__tw_rpc_<step>_<Class>` (docs/ABI.md, "Events").
#[macro_export]
macro_rules! workflow {
    (class $class:ident { run: $run:path, steps: { $($step:ident : $handler:path),+ $(,)? } $(,)? }) => {
        const _: () = {
            /// The run of an instance of the Workflow class.
            #[doc(hidden)]
            #[unsafe(export_name = concat!("__tw_workflow_", stringify!($class)))]
            pub extern "C-unwind" fn __tw_run() -> u32 {
                $crate::__private::event(concat!(stringify!($class), ".run"), || $run(&$crate::workflow::Run::current()))
            }
        };
        $crate::rpc!(class $class { $($step: $handler),+ });
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{BridgeAnswer, BRIDGE_ASKED, BRIDGE_VALUES};

    #[test]
    fn a_step_passes_its_options_only_when_set() {
        BRIDGE_VALUES
            .with(|v| *v.borrow_mut() = vec![(0, BridgeAnswer::Text("a".into())), (1, BridgeAnswer::Text("b".into()))]);
        BRIDGE_ASKED.with(|a| a.borrow_mut().clear());
        let run = Run::current();
        run.step("one", Arg::number(1.0), &StepOptions::default()).unwrap();
        let retries = Some(Retries { limit: 2, delay_ms: 50 });
        run.step("two", Arg::number(2.0), &StepOptions { retries }).unwrap();
        assert_eq!(
            BRIDGE_ASKED.with(|a| a.borrow().clone()),
            [
                "event .step(\"one\", 1, undefined) flags 0",
                "event .step(\"two\", 2, {retries: {limit: 2, delay: 50, backoff: \"constant\"}}) flags 0"
            ]
        );
    }
}
