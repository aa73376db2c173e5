//! Workers KV through the bridge: get (bytes or text, with metadata), put with an expiration, a
//! time to live and metadata, delete, list (prefix, limit, cursor). Keys the platform refuses
//! (empty, `.`, `..`, over 512 bytes) are `Error::InvalidArgument` without a call.

use crate::bridge::{self, Arg, Error, Options, Target, Value};

/// The longest key the platform takes, in bytes of UTF-8.
pub const KEY_LIMIT: usize = 512;

/// A KV namespace bound to the Worker as `binding` (`[[kv_namespaces]]` in wrangler.toml).
#[derive(Debug, Clone, Copy)]
pub struct Namespace<'n> {
    binding: &'n str,
}

/// What `put` stores beside the value.
#[derive(Debug, Clone, Copy, Default)]
pub struct PutOptions<'a> {
    /// When the key expires, in seconds since the epoch.
    pub expiration: Option<u64>,
    /// How long the key lives, in seconds (at least 60).
    pub expiration_ttl: Option<u64>,
    /// Metadata as JSON text (at most 1,024 bytes serialised).
    pub metadata_json: Option<&'a str>,
}

/// What `list` asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListOptions<'a> {
    /// Only keys that start with this.
    pub prefix: Option<&'a str>,
    /// At most this many keys (the platform's default and maximum: 1,000).
    pub limit: Option<u32>,
    /// Where the previous listing stopped.
    pub cursor: Option<&'a str>,
}

/// `Err(InvalidArgument)` for a key the platform refuses.
fn check(key: &str) -> Result<(), Error> {
    if matches!(key, "" | "." | "..") || key.len() > KEY_LIMIT {
        Err(Error::InvalidArgument)
    } else {
        Ok(())
    }
}

/// `Some(value)` unless it is `null` or `undefined`.
fn present(value: Value) -> Option<Value> {
    if value.is_nullish() {
        None
    } else {
        Some(value)
    }
}

impl<'n> Namespace<'n> {
    /// The namespace bound as `binding`.
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    fn get_as(&self, key: &str, kind: &str) -> Result<Option<Value>, Error> {
        check(key)?;
        let value = bridge::call(Target::Env(self.binding), "get", &[Arg::str(key), Arg::str(kind)])?;
        Ok(present(value))
    }

    /// The value of `key` as bytes in `buffer`, `None` when absent.
    pub fn get<'b>(&self, key: &str, buffer: &'b mut [u8]) -> Result<Option<&'b [u8]>, Error> {
        self.get_as(key, "arrayBuffer")?.map(|v| v.bytes(buffer)).transpose()
    }

    /// The value of `key` as text in `buffer`, `None` when absent.
    pub fn get_text<'b>(&self, key: &str, buffer: &'b mut [u8]) -> Result<Option<&'b str>, Error> {
        self.get_as(key, "text")?.map(|v| v.text(buffer)).transpose()
    }

    /// The value of `key` as text in the request's memory, sized exactly by the host
    /// ([`Value::text_in`]), `None` when absent.
    pub fn get_text_in<'a>(&self, key: &str, request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        self.get_as(key, "text")?.map(|v| v.text_in(request)).transpose()
    }

    /// The value of `key` as a stream the bridge holds (answer it with
    /// [`crate::stream::respond`]: its bytes never enter wasm), `None` when absent.
    pub fn get_stream(&self, key: &str) -> Result<Option<Value>, Error> {
        self.get_as(key, "stream")
    }

    /// The value of `key` in owned memory, `None` when absent.
    #[cfg(feature = "alloc")]
    pub fn get_owned(&self, key: &str) -> Result<Option<alloc::vec::Vec<u8>>, Error> {
        self.get_as(key, "arrayBuffer")?.map(|v| v.bytes_owned()).transpose()
    }

    /// The value of `key` (bytes) and its metadata, `None` when absent.
    pub fn get_with_metadata(&self, key: &str) -> Result<Option<Entry>, Error> {
        check(key)?;
        let answer = bridge::call(
            Target::Env(self.binding),
            "getWithMetadata",
            &[Arg::str(key), Arg::str("arrayBuffer")],
        )?;
        let value = answer.get("value")?;
        if value.is_nullish() {
            return Ok(None);
        }
        Ok(Some(Entry {
            value,
            metadata: answer.get("metadata")?,
        }))
    }

    /// Stores `value` under `key`.
    pub fn put(&self, key: &str, value: &[u8], options: &PutOptions<'_>) -> Result<(), Error> {
        self.put_arg(key, Arg::bytes(value), options)
    }

    /// Stores `value`, a value the bridge holds (a stream such as the request's own body,
    /// [`crate::stream::request_body`], a string, an `ArrayBuffer`), under `key`: its bytes go to
    /// the namespace without entering wasm.
    pub fn put_value(&self, key: &str, value: &Value, options: &PutOptions<'_>) -> Result<(), Error> {
        self.put_arg(key, Arg::value(value), options)
    }

    fn put_arg(&self, key: &str, value: Arg<'_>, options: &PutOptions<'_>) -> Result<(), Error> {
        check(key)?;
        let options = Options::of([
            ("expiration", options.expiration.map(|n| Arg::number(n as f64))),
            ("expirationTtl", options.expiration_ttl.map(|n| Arg::number(n as f64))),
            ("metadata", options.metadata_json.map(Arg::json)),
        ]);
        let args = [Arg::str(key), value, options.arg()];
        bridge::call_unit(Target::Env(self.binding), "put", &args)
    }

    /// Deletes `key` (not an error when absent).
    pub fn delete(&self, key: &str) -> Result<(), Error> {
        check(key)?;
        bridge::call_unit(Target::Env(self.binding), "delete", &[Arg::str(key)])
    }

    /// Lists keys.
    pub fn list(&self, options: &ListOptions<'_>) -> Result<Listing, Error> {
        let options = Options::of([
            ("prefix", options.prefix.map(Arg::str)),
            ("limit", options.limit.map(|n| Arg::number(f64::from(n)))),
            ("cursor", options.cursor.map(Arg::str)),
        ]);
        let value = bridge::call(Target::Env(self.binding), "list", &[options.arg()])?;
        Ok(Listing { value })
    }
}

/// A value with its metadata.
#[derive(Debug)]
pub struct Entry {
    value: Value,
    metadata: Value,
}

impl Entry {
    /// The value's bytes in `buffer`.
    pub fn value<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b [u8], Error> {
        self.value.bytes(buffer)
    }

    /// The metadata as JSON text in `buffer`, `None` when the key has none.
    pub fn metadata_json<'b>(&self, buffer: &'b mut [u8]) -> Result<Option<&'b str>, Error> {
        if self.metadata.is_nullish() {
            return Ok(None);
        }
        self.metadata.json(buffer).map(Some)
    }

    /// The metadata as a value (to read its properties).
    pub fn metadata(&self) -> &Value {
        &self.metadata
    }
}

/// What `list` answered.
#[derive(Debug)]
pub struct Listing {
    value: Value,
}

impl Listing {
    /// How many keys it holds.
    pub fn len(&self) -> Result<usize, Error> {
        self.value.get("keys")?.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> Result<bool, Error> {
        self.len().map(|n| n == 0)
    }

    /// The name of key `index`, in `buffer`.
    pub fn name<'b>(&self, index: usize, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        self.value.get("keys")?.index(index)?.get("name")?.text(buffer)
    }

    /// The name of key `index` in the request's memory, sized by the host.
    pub fn name_in<'a>(&self, index: usize, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.name_value(index)?.text_in(request)
    }

    /// The name of key `index` as a value the bridge holds (to pass on without copying it).
    pub fn name_value(&self, index: usize) -> Result<Value, Error> {
        self.value.get("keys")?.index(index)?.get("name")
    }

    /// When key `index` expires, in seconds since the epoch (`None` when it does not).
    pub fn expiration(&self, index: usize) -> Result<Option<u64>, Error> {
        let value = self.value.get("keys")?.index(index)?.get("expiration")?;
        if value.is_nullish() {
            return Ok(None);
        }
        Ok(Some(crate::d1::exact_integer(value.number()?)?.unsigned_abs()))
    }

    /// The metadata of key `index` (`undefined` when it has none).
    pub fn metadata(&self, index: usize) -> Result<Value, Error> {
        self.value.get("keys")?.index(index)?.get("metadata")
    }

    /// Whether this is the last listing.
    pub fn complete(&self) -> Result<bool, Error> {
        self.value.get("list_complete")?.boolean()
    }

    /// Where to continue (in the request's memory, sized by the host), `None` for the last
    /// listing.
    pub fn cursor_in<'a>(&self, request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        self.value.get("cursor")?.if_text(|v| v.text_in(request))
    }

    /// Where to continue, in owned memory, `None` for the last listing.
    #[cfg(feature = "alloc")]
    pub fn cursor_owned(&self) -> Result<Option<alloc::string::String>, Error> {
        self.value.get("cursor")?.if_text(Value::text_owned)
    }

    /// Where to continue, `None` for the last listing.
    pub fn cursor<'b>(&self, buffer: &'b mut [u8]) -> Result<Option<&'b str>, Error> {
        self.value.get("cursor")?.if_text(|v| v.text(buffer))
    }
}
