//! Service bindings through the bridge: Workers RPC, calling a method of a bound service (a
//! `WorkerEntrypoint` of another Worker) with arguments and reading its result. (Its `fetch` is
//! `io::fetch` with `Subrequest::via`.)

use crate::bridge::{self, Arg, Error, Target, Value};

/// A service bound to the Worker as `binding` (`[[services]]` in wrangler.toml).
#[derive(Debug, Clone, Copy)]
pub struct Service<'n> {
    binding: &'n str,
}

impl<'n> Service<'n> {
    /// The service bound as `binding`.
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    /// Calls its method `method` with `args`; the result (an RPC call always answers a
    /// Promise: the module suspends until it settles).
    pub fn call(&self, method: &str, args: &[Arg<'_>]) -> Result<Value, Error> {
        bridge::call(Target::Env(self.binding), method, args)
    }
}
