//! R2 object storage through the bridge: get (whole or a byte range, with its metadata and etag),
//! head, put (with HTTP and custom metadata), delete (one or many), list (prefix, delimiter,
//! cursor, limit). Each call that reaches the bucket suspends the module until it answers.

use crate::bridge::{self, Arg, Error, Field, Kind, Target, Value};

/// An R2 bucket bound to the Worker as `binding` (`[[r2_buckets]]` in wrangler.toml).
#[derive(Debug, Clone, Copy)]
pub struct Bucket<'n> {
    binding: &'n str,
}

/// What `put` stores beside the bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct PutOptions<'a> {
    /// `httpMetadata.contentType`.
    pub content_type: Option<&'a str>,
    /// `httpMetadata.cacheControl`.
    pub cache_control: Option<&'a str>,
    /// `customMetadata`: string pairs.
    pub custom: &'a [(&'a str, &'a str)],
}

/// What `list` asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListOptions<'a> {
    /// Only keys that start with this.
    pub prefix: Option<&'a str>,
    /// Group keys up to this (`delimitedPrefixes`).
    pub delimiter: Option<&'a str>,
    /// Where the previous listing stopped.
    pub cursor: Option<&'a str>,
    /// At most this many objects (the platform caps it at 1,000).
    pub limit: Option<u32>,
}

/// `Some(value)` unless it is `null` or `undefined`.
fn present(value: Value) -> Option<Value> {
    if value.is_nullish() {
        None
    } else {
        Some(value)
    }
}

/// The most custom metadata fields a `put` takes without an allocator.
const MAX_FIELDS: usize = 16;

impl<'n> Bucket<'n> {
    /// The bucket bound as `binding`.
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    fn target(&self) -> Target<'n> {
        Target::Env(self.binding)
    }

    /// The object under `key` with its body, `None` when absent.
    pub fn get(&self, key: &str) -> Result<Option<Object>, Error> {
        let value = bridge::call(self.target(), "get", &[Arg::str(key)])?;
        Ok(present(value).map(|value| Object { value }))
    }

    /// `length` bytes of the object under `key` from `offset`, `None` when absent.
    pub fn get_range(&self, key: &str, offset: u64, length: u64) -> Result<Option<Object>, Error> {
        let range = [
            Field::new("offset", Arg::number(offset as f64)),
            Field::new("length", Arg::number(length as f64)),
        ];
        let options = [Field::new("range", Arg::object(&range))];
        let value = bridge::call(self.target(), "get", &[Arg::str(key), Arg::object(&options)])?;
        Ok(present(value).map(|value| Object { value }))
    }

    /// The object's metadata without its body, `None` when absent.
    pub fn head(&self, key: &str) -> Result<Option<Object>, Error> {
        let value = bridge::call(self.target(), "head", &[Arg::str(key)])?;
        Ok(present(value).map(|value| Object { value }))
    }

    /// Stores `body` under `key`; the stored object's metadata. At most 16 custom fields
    /// (`Error::InvalidArgument` beyond).
    pub fn put(&self, key: &str, body: &[u8], options: &PutOptions<'_>) -> Result<Object, Error> {
        self.put_arg(key, Arg::bytes(body), options)
    }

    /// Stores `body`, a value the bridge holds, under `key`: a stream of known length (the
    /// request's own body, [`crate::stream::request_body`], when it came with a `content-length`),
    /// an `ArrayBuffer`, a string, a `Blob`. Its bytes go to the bucket without entering wasm, so
    /// its size is the platform's limit, not the module's memory.
    pub fn put_value(&self, key: &str, body: &Value, options: &PutOptions<'_>) -> Result<Object, Error> {
        self.put_arg(key, Arg::value(body), options)
    }

    fn put_arg(&self, key: &str, body: Arg<'_>, options: &PutOptions<'_>) -> Result<Object, Error> {
        let mut http = [Field::EMPTY; 2];
        let mut http_len = 0;
        for (name, value) in [
            ("contentType", options.content_type),
            ("cacheControl", options.cache_control),
        ] {
            if let (Some(value), Some(slot)) = (value, http.get_mut(http_len)) {
                *slot = Field::new(name, Arg::str(value));
                http_len += 1;
            }
        }
        let mut custom = [Field::EMPTY; MAX_FIELDS];
        if options.custom.len() > MAX_FIELDS {
            return Err(Error::InvalidArgument);
        }
        for (slot, (name, value)) in custom.iter_mut().zip(options.custom) {
            *slot = Field::new(name, Arg::str(value));
        }
        let http = http.get(..http_len).unwrap_or_default();
        let custom = custom.get(..options.custom.len()).unwrap_or_default();
        let fields = [
            Field::new("httpMetadata", Arg::object(http)),
            Field::new("customMetadata", Arg::object(custom)),
        ];
        let value = bridge::call(self.target(), "put", &[Arg::str(key), body, Arg::object(&fields)])?;
        Ok(Object { value })
    }

    /// Deletes the object under `key` (not an error when absent).
    pub fn delete(&self, key: &str) -> Result<(), Error> {
        bridge::call(self.target(), "delete", &[Arg::str(key)]).map(Value::release)
    }

    /// Deletes every object of `keys` (in calls of at most 32 keys).
    pub fn delete_many(&self, keys: &[&str]) -> Result<(), Error> {
        for chunk in keys.chunks(32) {
            let mut args = [Arg::UNDEFINED; 32];
            for (slot, key) in args.iter_mut().zip(chunk) {
                *slot = Arg::str(key);
            }
            let list = [Arg::array(args.get(..chunk.len()).unwrap_or_default())];
            bridge::call(self.target(), "delete", &list)?.release();
        }
        Ok(())
    }

    /// Lists objects.
    pub fn list(&self, options: &ListOptions<'_>) -> Result<Listing, Error> {
        let limit = options.limit.map(|n| Arg::number(f64::from(n)));
        let mut fields = [Field::EMPTY; 4];
        let mut len = 0;
        for (name, arg) in [
            ("prefix", options.prefix.map(Arg::str)),
            ("delimiter", options.delimiter.map(Arg::str)),
            ("cursor", options.cursor.map(Arg::str)),
            ("limit", limit),
        ] {
            if let (Some(arg), Some(slot)) = (arg, fields.get_mut(len)) {
                *slot = Field::new(name, arg);
                len += 1;
            }
        }
        let fields = fields.get(..len).unwrap_or_default();
        let value = bridge::call(self.target(), "list", &[Arg::object(fields)])?;
        Ok(Listing { value })
    }
}

/// An R2 object: its metadata, and its body when it came from `get`.
#[derive(Debug)]
pub struct Object {
    value: Value,
}

impl Object {
    /// Property `name` as text in `buffer`.
    fn text<'b>(&self, name: &str, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        self.value.get(name)?.text(buffer)
    }

    /// The key.
    pub fn key<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        self.text("key", buffer)
    }

    /// The key, in the request's memory (sized by the host).
    pub fn key_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.value.get("key")?.text_in(request)
    }

    /// The etag, in the request's memory (sized by the host).
    pub fn etag_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.value.get("etag")?.text_in(request)
    }

    /// The etag in quotes (an `etag` header's value), in the request's memory.
    pub fn http_etag_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.value.get("httpEtag")?.text_in(request)
    }

    /// `httpMetadata.contentType` in the request's memory, `None` when not set.
    pub fn content_type_in<'a>(&self, request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        self.content_type_value()?
            .map(|value| value.text_in(request))
            .transpose()
    }

    /// `customMetadata[name]` in the request's memory, `None` when not set.
    pub fn custom_in<'a>(&self, name: &str, request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        self.custom_value(name)?.map(|value| value.text_in(request)).transpose()
    }

    /// The object's size in bytes (the whole object, also for a range).
    pub fn size(&self) -> Result<u64, Error> {
        Ok(self.value.get("size")?.number()? as u64)
    }

    /// The etag (without quotes).
    pub fn etag<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        self.text("etag", buffer)
    }

    /// The etag in quotes, as an `etag` header wants it.
    pub fn http_etag<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        self.text("httpEtag", buffer)
    }

    /// `httpMetadata.contentType`, `None` when not set.
    pub fn content_type<'b>(&self, buffer: &'b mut [u8]) -> Result<Option<&'b str>, Error> {
        let value = self.value.get("httpMetadata")?.get("contentType")?;
        match value.kind() {
            Kind::String => value.text(buffer).map(Some),
            _ => Ok(None),
        }
    }

    /// `customMetadata[name]`, `None` when not set.
    pub fn custom<'b>(&self, name: &str, buffer: &'b mut [u8]) -> Result<Option<&'b str>, Error> {
        let value = self.value.get("customMetadata")?.get(name)?;
        match value.kind() {
            Kind::String => value.text(buffer).map(Some),
            _ => Ok(None),
        }
    }

    /// `httpMetadata.contentType` as a value the bridge holds (to pass on, e.g. into a
    /// `Headers`, without reading it into wasm), `None` when not set.
    pub fn content_type_value(&self) -> Result<Option<Value>, Error> {
        let value = self.value.get("httpMetadata")?.get("contentType")?;
        Ok(present(value))
    }

    /// `customMetadata[name]` as a value the bridge holds, `None` when not set.
    pub fn custom_value(&self, name: &str) -> Result<Option<Value>, Error> {
        let value = self.value.get("customMetadata")?.get(name)?;
        Ok(present(value))
    }

    /// The etag in quotes as a value the bridge holds (for an `etag` header).
    pub fn http_etag_value(&self) -> Result<Value, Error> {
        self.value.get("httpEtag")
    }

    /// The body (of a `get`) as a stream the bridge holds: answer it with
    /// [`crate::stream::respond`] and its bytes never enter wasm, whatever its size.
    pub fn body_stream(&self) -> Result<Value, Error> {
        self.value.get("body")
    }

    /// The body (of a `get`) in `buffer` (it suspends while the body is read).
    pub fn body<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b [u8], Error> {
        self.value.call("arrayBuffer", &[])?.bytes(buffer)
    }

    /// The body in owned memory of exactly its size.
    #[cfg(feature = "alloc")]
    pub fn body_owned(&self) -> Result<alloc::vec::Vec<u8>, Error> {
        self.value.call("arrayBuffer", &[])?.bytes_owned()
    }

    /// The object as a bridge value (other properties, e.g. `uploaded`, `range`).
    pub fn value(&self) -> &Value {
        &self.value
    }
}

/// What `list` answered.
#[derive(Debug)]
pub struct Listing {
    value: Value,
}

impl Listing {
    /// How many objects it holds.
    pub fn len(&self) -> Result<usize, Error> {
        self.value.get("objects")?.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> Result<bool, Error> {
        self.len().map(|n| n == 0)
    }

    /// Object `index`.
    pub fn object(&self, index: usize) -> Result<Object, Error> {
        Ok(Object {
            value: self.value.get("objects")?.index(index)?,
        })
    }

    /// Whether more objects follow (list again with [`Listing::cursor`]).
    pub fn truncated(&self) -> Result<bool, Error> {
        self.value.get("truncated")?.boolean()
    }

    /// Where to continue (in the request's memory, sized by the host), `None` when it is the
    /// last listing.
    pub fn cursor_in<'a>(&self, request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        self.value
            .get("cursor")?
            .string()
            .map(|v| v.text_in(request))
            .transpose()
    }

    /// Where to continue, in owned memory, `None` when it is the last listing.
    #[cfg(feature = "alloc")]
    pub fn cursor_owned(&self) -> Result<Option<alloc::string::String>, Error> {
        self.value.get("cursor")?.string().map(|v| v.text_owned()).transpose()
    }

    /// Where to continue, `None` when it is the last listing.
    pub fn cursor<'b>(&self, buffer: &'b mut [u8]) -> Result<Option<&'b str>, Error> {
        let value = self.value.get("cursor")?;
        match value.kind() {
            Kind::String => value.text(buffer).map(Some),
            _ => Ok(None),
        }
    }

    /// The prefixes the delimiter grouped keys under (`delimitedPrefixes`).
    pub fn prefixes(&self) -> Result<Value, Error> {
        self.value.get("delimitedPrefixes")
    }
}
