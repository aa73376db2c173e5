//! Secrets Store secrets (`[[secrets_store_secrets]]` in wrangler.toml), typed over the bridge:
//! a secret's value is read with `await binding.get()`, into the request's memory or a buffer.

use crate::bridge::{self, Error, Target};

/// A secret of a Secrets Store, bound to the Worker as `binding`.
#[derive(Debug, Clone, Copy)]
pub struct Secret<'n> {
    binding: &'n str,
}

impl<'n> Secret<'n> {
    /// The secret bound as `binding`.
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    /// Its value in the request's memory (sized by the host). For the handler only: never
    /// answer it to a client.
    pub fn get_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        bridge::call(Target::Env(self.binding), "get", &[])?.text_in(request)
    }

    /// Its value in `buffer` (`TooLarge` with the size when it does not fit).
    pub fn get<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        bridge::call(Target::Env(self.binding), "get", &[])?.text(buffer)
    }
}
