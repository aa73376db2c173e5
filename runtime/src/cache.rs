//! The Cache API through the bridge: match, put and delete on the default cache
//! (`caches.default`) and on named caches (`caches.open(name)`), keyed by URL.

use crate::bridge::{self, Arg, Error, Field, Target, Value};

/// A cache: the default one or a named one.
#[derive(Debug)]
pub struct Cache {
    value: Value,
}

/// The most headers a cached response takes without an allocator.
pub const MAX_HEADERS: usize = 16;

impl Cache {
    /// `caches.default`.
    pub fn default_cache() -> Result<Self, Error> {
        Ok(Self {
            value: bridge::get(Target::Global("caches"), "default")?,
        })
    }

    /// `caches.open(name)`.
    pub fn open(name: &str) -> Result<Self, Error> {
        Ok(Self {
            value: bridge::call(Target::Global("caches"), "open", &[Arg::str(name)])?,
        })
    }

    /// The response cached for `url`, `None` on a miss.
    pub fn get(&self, url: &str) -> Result<Option<Cached>, Error> {
        Ok(self.value.call("match", &[Arg::str(url)])?.present().map(Cached::held))
    }

    /// Caches a response for `url`: `status`, `headers` (at most [`MAX_HEADERS`]; a
    /// `cache-control` says how long), `body`.
    pub fn put(&self, url: &str, status: u16, headers: &[(&str, &str)], body: &[u8]) -> Result<(), Error> {
        if headers.len() > MAX_HEADERS {
            return Err(Error::InvalidArgument);
        }
        let mut fields = [Field::EMPTY; MAX_HEADERS];
        for (slot, (name, value)) in fields.iter_mut().zip(headers) {
            *slot = Field::new(name, Arg::str(value));
        }
        let init = [
            Field::new("status", Arg::number(f64::from(status))),
            Field::new("headers", Arg::object(fields.get(..headers.len()).unwrap_or_default())),
        ];
        let response = bridge::construct(Target::Global("Response"), "", &[Arg::bytes(body), Arg::object(&init)])?;
        self.value.call_unit("put", &[Arg::str(url), Arg::value(&response)])
    }

    /// Removes what is cached for `url`; whether there was something.
    pub fn delete(&self, url: &str) -> Result<bool, Error> {
        self.value.call("delete", &[Arg::str(url)])?.boolean()
    }
}

/// A cached response: the platform's `Response`, as a subrequest's answer is (read its status,
/// headers and body, or answer with it untouched: [`crate::io::Fetched::respond`]).
pub type Cached = crate::io::Fetched;
