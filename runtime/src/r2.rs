//! R2 object storage through the bridge: get (whole, a byte range or a suffix, on conditions),
//! head, put (with HTTP and custom metadata, a checksum, a storage class, on conditions),
//! delete (one or many), list (prefix, delimiter, cursor, start, limit, metadata included).
//! Each call that reaches the bucket suspends the module until it answers.

use crate::bridge::{self, Arg, Error, Field, Kind, Options, Target, Value};

/// An R2 bucket bound to the Worker as `binding` (`[[r2_buckets]]` in wrangler.toml).
#[derive(Debug, Clone, Copy)]
pub struct Bucket<'n> {
    binding: &'n str,
}

/// What `put` stores beside the bytes, and when.
#[derive(Debug, Clone, Copy, Default)]
pub struct PutOptions<'a> {
    /// `httpMetadata.contentType`.
    pub content_type: Option<&'a str>,
    /// `httpMetadata.cacheControl`.
    pub cache_control: Option<&'a str>,
    /// `httpMetadata.contentLanguage`.
    pub content_language: Option<&'a str>,
    /// `httpMetadata.contentDisposition`.
    pub content_disposition: Option<&'a str>,
    /// `httpMetadata.contentEncoding`.
    pub content_encoding: Option<&'a str>,
    /// `customMetadata`: string pairs (at most 16 without an allocator).
    pub custom: &'a [(&'a str, &'a str)],
    /// A checksum R2 checks the bytes against: a mismatch stores nothing and fails the call.
    pub checksum: Option<Checksum<'a>>,
    /// Where R2 keeps the object (the bucket's default when `None`).
    pub storage_class: Option<StorageClass>,
    /// Store only when these hold (`onlyIf`); else nothing is stored and `put` answers `None`.
    pub only_if: Option<Conditions<'a>>,
}

/// A checksum of the bytes a `put` stores, in hex digits; R2 takes one per `put`.
#[derive(Debug, Clone, Copy)]
pub enum Checksum<'a> {
    /// MD5 (32 hex digits).
    Md5(&'a str),
    /// SHA-1 (40 hex digits).
    Sha1(&'a str),
    /// SHA-256 (64 hex digits).
    Sha256(&'a str),
    /// SHA-384 (96 hex digits).
    Sha384(&'a str),
    /// SHA-512 (128 hex digits).
    Sha512(&'a str),
}

impl<'a> Checksum<'a> {
    /// The `put` option it is: its name and hex digits.
    fn option(self) -> (&'static str, &'a str) {
        match self {
            Checksum::Md5(hex) => ("md5", hex),
            Checksum::Sha1(hex) => ("sha1", hex),
            Checksum::Sha256(hex) => ("sha256", hex),
            Checksum::Sha384(hex) => ("sha384", hex),
            Checksum::Sha512(hex) => ("sha512", hex),
        }
    }
}

/// Where R2 keeps an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageClass {
    /// `Standard`.
    Standard,
    /// `InfrequentAccess`: cheaper to keep, dearer to read.
    InfrequentAccess,
}

impl StorageClass {
    /// The platform's name for it.
    pub const fn name(self) -> &'static str {
        match self {
            StorageClass::Standard => "Standard",
            StorageClass::InfrequentAccess => "InfrequentAccess",
        }
    }

    /// The class the platform names `name`, `None` for a name this crate does not know.
    fn named(name: &str) -> Option<Self> {
        match name {
            "Standard" => Some(StorageClass::Standard),
            "InfrequentAccess" => Some(StorageClass::InfrequentAccess),
            _ => None,
        }
    }
}

/// Conditions on the object already stored (`onlyIf`): each that is set must hold.
#[derive(Debug, Clone, Copy, Default)]
pub struct Conditions<'a> {
    /// Its etag is this (without quotes; `*` for any).
    pub etag_matches: Option<&'a str>,
    /// Its etag is not this (`*`: there is no object).
    pub etag_does_not_match: Option<&'a str>,
    /// It was uploaded before this time (ms since the epoch).
    pub uploaded_before: Option<f64>,
    /// It was uploaded after this time (ms since the epoch).
    pub uploaded_after: Option<f64>,
}

impl Conditions<'_> {
    /// Runs `call` with the `onlyIf` object these conditions are (its dates made on the host).
    // (A `dyn` call: one copy of it, not one per caller.)
    fn with_arg(&self, call: &mut dyn FnMut(Arg<'_>) -> Result<Value, Error>) -> Result<Value, Error> {
        let date = |ms: Option<f64>| {
            ms.map(|ms| bridge::construct(Target::Global("Date"), "", &[Arg::number(ms)]))
                .transpose()
        };
        let (before, after) = (date(self.uploaded_before)?, date(self.uploaded_after)?);
        let options = Options::of([
            ("etagMatches", self.etag_matches.map(Arg::str)),
            ("etagDoesNotMatch", self.etag_does_not_match.map(Arg::str)),
            ("uploadedBefore", before.as_ref().map(Arg::value)),
            ("uploadedAfter", after.as_ref().map(Arg::value)),
        ]);
        let result = call(options.arg());
        before.into_iter().chain(after).for_each(Value::release);
        result
    }
}

/// The bytes of an object a `get` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// `length` bytes from `offset` (to the end when `None`).
    From {
        /// The first byte.
        offset: u64,
        /// How many.
        length: Option<u64>,
    },
    /// The last `n` bytes.
    Suffix(u64),
}

/// What `get_with` asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct GetOptions<'a> {
    /// Only these bytes (all of them when `None`).
    pub range: Option<Range>,
    /// The body only when these hold; else the object comes without it
    /// ([`Object::has_body`] is `false`), as an `If-None-Match` answers 304.
    pub only_if: Option<Conditions<'a>>,
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
    /// Only keys after this one (`startAfter`).
    pub start_after: Option<&'a str>,
    /// Each object with its HTTP metadata (`include: ["httpMetadata"]`).
    pub include_http_metadata: bool,
    /// Each object with its custom metadata (`include: ["customMetadata"]`).
    pub include_custom_metadata: bool,
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
        self.get_with(key, &GetOptions::default())
    }

    /// `length` bytes of the object under `key` from `offset`, `None` when absent.
    pub fn get_range(&self, key: &str, offset: u64, length: u64) -> Result<Option<Object>, Error> {
        let range = Some(Range::From {
            offset,
            length: Some(length),
        });
        self.get_with(key, &GetOptions { range, only_if: None })
    }

    /// The object under `key` as `options` ask (a range, conditions), `None` when absent.
    pub fn get_with(&self, key: &str, options: &GetOptions<'_>) -> Result<Option<Object>, Error> {
        let number = |n: u64| Arg::number(n as f64);
        let range = options.range.map(|range| match range {
            Range::From { offset, length } => {
                Options::of([("offset", Some(number(offset))), ("length", length.map(number))])
            }
            Range::Suffix(n) => Options::of([("suffix", Some(number(n))), ("length", None)]),
        });
        let only_if = options.only_if.unwrap_or_default();
        let value = only_if.with_arg(&mut |only_if| {
            let options = Options::of([
                ("range", range.as_ref().map(Options::arg)),
                ("onlyIf", options.only_if.map(|_| only_if)),
            ]);
            bridge::call(self.target(), "get", &[Arg::str(key), options.arg()])
        })?;
        Ok(value.present().map(|value| Object { value }))
    }

    /// The object's metadata without its body, `None` when absent.
    pub fn head(&self, key: &str) -> Result<Option<Object>, Error> {
        let value = bridge::call(self.target(), "head", &[Arg::str(key)])?;
        Ok(value.present().map(|value| Object { value }))
    }

    /// Stores `body` under `key`; the stored object's metadata, `None` when `options.only_if`
    /// did not hold (nothing stored). At most 16 custom fields (`Error::InvalidArgument`
    /// beyond); a checksum that does not match fails the call (`Error::Failed`).
    pub fn put(&self, key: &str, body: &[u8], options: &PutOptions<'_>) -> Result<Option<Object>, Error> {
        self.put_arg(key, Arg::bytes(body), options)
    }

    /// Stores `body`, a value the bridge holds, under `key`: a stream of known length (the
    /// request's own body, [`crate::stream::request_body`], when it came with a `content-length`),
    /// an `ArrayBuffer`, a string, a `Blob`. Its bytes go to the bucket without entering wasm, so
    /// its size is the platform's limit, not the module's memory. As [`Bucket::put`] answers.
    pub fn put_value(&self, key: &str, body: &Value, options: &PutOptions<'_>) -> Result<Option<Object>, Error> {
        self.put_arg(key, Arg::value(body), options)
    }

    fn put_arg(&self, key: &str, body: Arg<'_>, options: &PutOptions<'_>) -> Result<Option<Object>, Error> {
        let http = Options::of([
            ("contentType", options.content_type.map(Arg::str)),
            ("cacheControl", options.cache_control.map(Arg::str)),
            ("contentLanguage", options.content_language.map(Arg::str)),
            ("contentDisposition", options.content_disposition.map(Arg::str)),
            ("contentEncoding", options.content_encoding.map(Arg::str)),
        ]);
        let mut custom = [Field::EMPTY; MAX_FIELDS];
        if options.custom.len() > MAX_FIELDS {
            return Err(Error::InvalidArgument);
        }
        for (slot, (name, value)) in custom.iter_mut().zip(options.custom) {
            *slot = Field::new(name, Arg::str(value));
        }
        let custom = custom.get(..options.custom.len()).unwrap_or_default();
        let (checksum, hex) = options.checksum.map_or(("md5", None), |c| {
            let (name, hex) = c.option();
            (name, Some(hex))
        });
        let value = options.only_if.unwrap_or_default().with_arg(&mut |only_if| {
            let options = Options::of([
                ("httpMetadata", Some(http.arg())),
                ("customMetadata", Some(Arg::object(custom))),
                (checksum, hex.map(Arg::str)),
                (
                    "storageClass",
                    options.storage_class.map(|class| Arg::str(class.name())),
                ),
                ("onlyIf", options.only_if.map(|_| only_if)),
            ]);
            bridge::call(self.target(), "put", &[Arg::str(key), body, options.arg()])
        })?;
        Ok(value.present().map(|value| Object { value }))
    }

    /// Deletes the object under `key` (not an error when absent).
    pub fn delete(&self, key: &str) -> Result<(), Error> {
        bridge::call_unit(self.target(), "delete", &[Arg::str(key)])
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
        let include: &[Arg<'_>] = match (options.include_http_metadata, options.include_custom_metadata) {
            (false, false) => &[],
            (true, false) => &[Arg::str("httpMetadata")],
            (false, true) => &[Arg::str("customMetadata")],
            (true, true) => &[Arg::str("httpMetadata"), Arg::str("customMetadata")],
        };
        let options = Options::of([
            ("prefix", options.prefix.map(Arg::str)),
            ("delimiter", options.delimiter.map(Arg::str)),
            ("cursor", options.cursor.map(Arg::str)),
            ("limit", options.limit.map(|n| Arg::number(f64::from(n)))),
            ("startAfter", options.start_after.map(Arg::str)),
            ("include", (!include.is_empty()).then(|| Arg::array(include))),
        ]);
        let value = bridge::call(self.target(), "list", &[options.arg()])?;
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
        self.value.get_required_text_in("key", request)
    }

    /// The etag, in the request's memory (sized by the host).
    pub fn etag_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.value.get_required_text_in("etag", request)
    }

    /// The etag in quotes (an `etag` header's value), in the request's memory.
    pub fn http_etag_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.value.get_required_text_in("httpEtag", request)
    }

    /// `httpMetadata.contentType` in the request's memory, `None` when not set.
    pub fn content_type_in<'a>(&self, request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        self.http_metadata_in("contentType", request)
    }

    /// `customMetadata[name]` in the request's memory, `None` when not set.
    pub fn custom_in<'a>(&self, name: &str, request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        self.value.get("customMetadata")?.get_text_in(name, request)
    }

    /// Whether it came with its body: `false` for `head`, a listing, and a `get` whose
    /// `only_if` did not hold.
    pub fn has_body(&self) -> Result<bool, Error> {
        Ok(self.value.get("body")?.kind() != Kind::Undefined)
    }

    /// `httpMetadata[name]` (`contentLanguage`, `contentDisposition`, `contentEncoding`,
    /// `cacheControl`, `contentType`) in the request's memory, `None` when not set.
    pub fn http_metadata_in<'a>(&self, name: &str, request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        self.value.get("httpMetadata")?.get_text_in(name, request)
    }

    /// Where R2 keeps it; `None` when the platform names no class this crate knows (wrangler
    /// dev's simulator names none: an empty string).
    pub fn storage_class(&self) -> Result<Option<StorageClass>, Error> {
        let mut name = [0u8; 16]; // (the longest name has 16 bytes; anything longer is unknown)
        match self.value.get("storageClass")?.text(&mut name) {
            Ok(name) => Ok(StorageClass::named(name)),
            Err(Error::TooLarge { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// When it was uploaded, in ms since the epoch.
    pub fn uploaded(&self) -> Result<f64, Error> {
        self.value.get("uploaded")?.call("getTime", &[])?.number()
    }

    /// Its version (a new one for every `put`), in the request's memory.
    pub fn version_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.value.get_required_text_in("version", request)
    }

    /// The object's size in bytes (the whole object, also for a range).
    pub fn size(&self) -> Result<u64, Error> {
        Ok(self.value.get_number("size")? as u64)
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
        self.value
            .get("httpMetadata")?
            .get("contentType")?
            .if_text(|v| v.text(buffer))
    }

    /// `customMetadata[name]`, `None` when not set.
    pub fn custom<'b>(&self, name: &str, buffer: &'b mut [u8]) -> Result<Option<&'b str>, Error> {
        self.value.get("customMetadata")?.get(name)?.if_text(|v| v.text(buffer))
    }

    /// `httpMetadata.contentType` as a value the bridge holds (to pass on, e.g. into a
    /// `Headers`, without reading it into wasm), `None` when not set.
    pub fn content_type_value(&self) -> Result<Option<Value>, Error> {
        self.http_metadata_value("contentType")
    }

    /// `httpMetadata[name]` as a value the bridge holds, `None` when not set.
    fn http_metadata_value(&self, name: &str) -> Result<Option<Value>, Error> {
        Ok(self.value.get("httpMetadata")?.get(name)?.present())
    }

    /// `customMetadata[name]` as a value the bridge holds, `None` when not set.
    pub fn custom_value(&self, name: &str) -> Result<Option<Value>, Error> {
        let value = self.value.get("customMetadata")?.get(name)?;
        Ok(value.present())
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

    /// The body (of a `get`) in the request's memory, sized by the host (it suspends while
    /// the body is read).
    pub fn body_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a [u8], Error> {
        self.value.call_bytes_in("arrayBuffer", &[], request)
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

    /// All of its metadata in one crossing (the object as JSON, read into the request's memory):
    /// the way to read more than one property, where each `*_in` accessor above crosses once
    /// (`etag_in`) or twice (`content_type_in`) for its one.
    pub fn metadata_in<'a>(&self, request: &crate::Request<'a>) -> Result<Metadata<'a>, Error> {
        let text = self.value.json_in(request)?;
        let json = crate::json::parse(text).map_err(|_| Error::WrongType { found: Kind::Object })?;
        Ok(Metadata { json })
    }
}

/// An R2 object's metadata as the platform answered it, read in one crossing by
/// [`Object::metadata_in`] and kept in the request's memory: each accessor reads it in place
/// (a string with an escape is decoded into the request's memory).
#[derive(Debug, Clone, Copy)]
pub struct Metadata<'a> {
    json: crate::json::Value<'a>,
}

impl<'a> Metadata<'a> {
    /// The key.
    pub fn key_in(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.required(&["key"], request)
    }

    /// The etag (without quotes).
    pub fn etag_in(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.required(&["etag"], request)
    }

    /// The etag in quotes, as an `etag` header wants it.
    pub fn http_etag_in(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.required(&["httpEtag"], request)
    }

    /// Its version (a new one for every `put`).
    pub fn version_in(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.required(&["version"], request)
    }

    /// The object's size in bytes (the whole object, also for a range).
    pub fn size(&self) -> Result<u64, Error> {
        let size = self
            .json
            .get("size")
            .ok_or(Error::WrongType { found: Kind::Undefined })?;
        size.u64().ok_or(Error::WrongType { found: kind_of(size) })
    }

    /// `httpMetadata.contentType`, `None` when not set.
    pub fn content_type_in(&self, request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        self.text_in(&["httpMetadata", "contentType"], request)
    }

    /// `httpMetadata[name]` (`contentLanguage`, `contentDisposition`, `contentEncoding`,
    /// `cacheControl`, `contentType`), `None` when not set.
    pub fn http_metadata_in(&self, name: &str, request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        self.text_in(&["httpMetadata", name], request)
    }

    /// `customMetadata[name]`, `None` when not set.
    pub fn custom_in(&self, name: &str, request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        self.text_in(&["customMetadata", name], request)
    }

    /// Where R2 keeps it; `None` when the platform names no class this crate knows.
    pub fn storage_class(&self) -> Option<StorageClass> {
        StorageClass::named(self.json.get("storageClass")?.raw_str()?)
    }

    /// The whole document, for what has no accessor (`uploaded` as ISO 8601 text, `range`,
    /// `checksums`).
    pub fn json(&self) -> crate::json::Value<'a> {
        self.json
    }

    /// The string at `path`, `WrongType` when it is absent or `null`.
    fn required(&self, path: &[&str], request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.text_in(path, request)?
            .ok_or(Error::WrongType { found: Kind::Undefined })
    }

    /// The string at `path` decoded into the request's memory, `None` when it is absent or
    /// `null`, `WrongType` for another kind.
    fn text_in(&self, path: &[&str], request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        let mut value = self.json;
        for key in path {
            match value.get(key) {
                Some(member) => value = member,
                None => return Ok(None),
            }
        }
        match value.kind() {
            crate::json::Kind::Null => Ok(None),
            crate::json::Kind::String => value.str_in(request).map(Some).map_err(|_| Error::TooLarge {
                needed: value.text().len(),
            }),
            _ => Err(Error::WrongType { found: kind_of(value) }),
        }
    }
}

/// The bridge's name for the kind of a JSON value.
fn kind_of(value: crate::json::Value<'_>) -> Kind {
    use crate::json::Kind as Json;
    match value.kind() {
        Json::Null => Kind::Null,
        Json::Bool => Kind::Boolean,
        Json::Number => Kind::Number,
        Json::String => Kind::String,
        Json::Array => Kind::Array,
        Json::Object => Kind::Object,
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
        self.value.get("cursor")?.if_text(|v| v.text_in(request))
    }

    /// Where to continue, in owned memory, `None` when it is the last listing.
    #[cfg(feature = "alloc")]
    pub fn cursor_owned(&self) -> Result<Option<alloc::string::String>, Error> {
        self.value.get("cursor")?.if_text(Value::text_owned)
    }

    /// Where to continue, `None` when it is the last listing.
    pub fn cursor<'b>(&self, buffer: &'b mut [u8]) -> Result<Option<&'b str>, Error> {
        self.value.get("cursor")?.if_text(|v| v.text(buffer))
    }

    /// The prefixes the delimiter grouped keys under (`delimitedPrefixes`).
    pub fn prefixes(&self) -> Result<Value, Error> {
        self.value.get("delimitedPrefixes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{BridgeAnswer, BRIDGE_ASKED, BRIDGE_VALUES};
    use std::vec::Vec;

    fn answers(list: &[(i32, BridgeAnswer)]) {
        BRIDGE_VALUES.with(|v| *v.borrow_mut() = list.to_vec());
        BRIDGE_ASKED.with(|a| a.borrow_mut().clear());
    }

    fn asked() -> Vec<std::string::String> {
        BRIDGE_ASKED.with(|a| a.borrow().clone())
    }

    #[test]
    fn a_put_sends_every_option_and_a_null_answer_is_none() {
        answers(&[(0, BridgeAnswer::Undefined), (1, BridgeAnswer::Null)]);
        let options = PutOptions {
            content_type: Some("text/plain"),
            content_language: Some("fr"),
            custom: &[("owner", "ann")],
            checksum: Some(Checksum::Sha256("ab")),
            storage_class: Some(StorageClass::InfrequentAccess),
            only_if: Some(Conditions {
                etag_matches: Some("e"),
                uploaded_after: Some(1000.0),
                ..Conditions::default()
            }),
            ..PutOptions::default()
        };
        let stored = Bucket::new("B").put("k", b"hi", &options).unwrap();
        assert!(stored.is_none(), "the condition did not hold: nothing stored");
        assert_eq!(
            asked(),
            [
                "global Date.(1000) flags 2",
                "env B.put(\"k\", bytes 6869, {httpMetadata: {contentType: \"text/plain\", contentLanguage: \"fr\"}, \
                 customMetadata: {owner: \"ann\"}, sha256: \"ab\", storageClass: \"InfrequentAccess\", \
                 onlyIf: {etagMatches: \"e\", uploadedAfter: value 0}}) flags 0",
            ]
        );
    }

    #[test]
    fn a_plain_put_sends_no_option_it_was_not_given() {
        answers(&[(0, BridgeAnswer::Object(0))]);
        let stored = Bucket::new("B").put("k", b"", &PutOptions::default()).unwrap();
        assert!(stored.is_some());
        assert_eq!(
            asked(),
            ["env B.put(\"k\", bytes , {httpMetadata: {}, customMetadata: {}}) flags 0"]
        );
    }

    #[test]
    fn a_get_asks_for_its_range_and_conditions() {
        answers(&[
            (0, BridgeAnswer::Object(0)),
            (1, BridgeAnswer::Object(1)),
            (2, BridgeAnswer::Null),
        ]);
        let bucket = Bucket::new("B");
        let suffix = GetOptions {
            range: Some(Range::Suffix(5)),
            only_if: Some(Conditions {
                etag_does_not_match: Some("e"),
                ..Conditions::default()
            }),
        };
        assert!(bucket.get_with("k", &suffix).unwrap().is_some());
        let from = GetOptions {
            range: Some(Range::From {
                offset: 2,
                length: None,
            }),
            only_if: None,
        };
        assert!(bucket.get_with("k", &from).unwrap().is_some());
        assert!(bucket.get("absent").unwrap().is_none());
        assert_eq!(
            asked(),
            [
                "env B.get(\"k\", {range: {suffix: 5}, onlyIf: {etagDoesNotMatch: \"e\"}}) flags 0",
                "env B.get(\"k\", {range: {offset: 2}}) flags 0",
                "env B.get(\"absent\", {}) flags 0",
            ]
        );
    }

    #[test]
    fn a_listing_includes_what_it_is_asked_to() {
        answers(&[(0, BridgeAnswer::Undefined)]);
        let options = ListOptions {
            start_after: Some("a"),
            include_custom_metadata: true,
            ..ListOptions::default()
        };
        Bucket::new("B").list(&options).unwrap();
        assert_eq!(
            asked(),
            ["env B.list({startAfter: \"a\", include: [\"customMetadata\"]}) flags 0"]
        );
    }
}
