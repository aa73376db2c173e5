//! The rate limiting binding (`[[ratelimits]]` in wrangler.toml), typed over the bridge: one
//! call, `limit({ key })`, whether the request under that key is within the limit.

use crate::bridge::{self, Arg, Error, Field, Target};

/// A rate limiter bound to the Worker as `binding`.
#[derive(Debug, Clone, Copy)]
pub struct RateLimiter<'n> {
    binding: &'n str,
}

impl<'n> RateLimiter<'n> {
    /// The rate limiter bound as `binding`.
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    /// Counts one request under `key`: `true` while within the limit (the platform's
    /// `(await limit({ key })).success`).
    pub fn limit(&self, key: &str) -> Result<bool, Error> {
        let options = [Field::new("key", Arg::str(key))];
        let outcome = bridge::call(Target::Env(self.binding), "limit", &[Arg::object(&options)])?;
        outcome.get_number("success").map(|success| success != 0.0)
    }
}
