//! Bodies that never cross into wasm whole: an answer that carries a stream the platform holds
//! (a subrequest's body, an R2 object's, the request's own), an answer the handler writes chunk
//! by chunk as the client takes them, and the request's body read in chunks. Over the bridge.
//!
//! ```
//! use tinyworker::{stream, Request, Response};
//!
//! // Server-sent events, each sent as soon as it is written.
//! fn handle<'a>(_: &Request<'a>) -> Response<'a> {
//!     let sent = stream::start(200, &[("content-type", "text/event-stream")]).and_then(|events| {
//!         for i in 0..3 {
//!             events.write_str(if i < 2 { "data: tick\n\n" } else { "data: done\n\n" })?;
//!         }
//!         events.finish()
//!     });
//!     sent.unwrap_or_else(|_| Response::text(500, "the stream failed\n"))
//! }
//! tinyworker::entry!(handle);
//! # fn main() {}
//! ```

use crate::bridge::{self, Arg, Error, Field, Target, Value};
use crate::Response;

/// The most headers [`respond`] and [`start`] set.
pub const MAX_HEADERS: usize = 32;

/// `{ status, headers: { name: value, ... } }` for a `Response`, built in `fields` and `names`.
fn init<'h>(
    status: u16,
    headers: &'h [(&'h str, &'h str)],
    names: &'h mut [Field<'h>; MAX_HEADERS],
    fields: &'h mut [Field<'h>; 2],
) -> Result<Arg<'h>, Error> {
    if headers.len() > MAX_HEADERS {
        return Err(Error::InvalidArgument);
    }
    for (slot, (name, value)) in names.iter_mut().zip(headers) {
        *slot = Field::new(name, Arg::str(value));
    }
    *fields = [
        Field::new("status", Arg::number(f64::from(status))),
        Field::new("headers", Arg::object(&names[..headers.len()])),
    ];
    Ok(Arg::object(fields))
}

/// Answers with `status`, `headers` and `body`, a stream (or any body the platform takes) the
/// bridge holds: a subrequest's `response.body`, an R2 object's `body`, [`request_body`]. The
/// bytes go from the platform to the client without entering wasm.
pub fn respond(status: u16, headers: &[(&str, &str)], body: &Value) -> Result<Response<'static>, Error> {
    let mut names = [Field::EMPTY; MAX_HEADERS];
    let mut fields = [Field::EMPTY; 2];
    let init = init(status, headers, &mut names, &mut fields)?;
    let response = bridge::construct(Target::Global("Response"), "", &[Arg::value(body), init])?;
    bridge::respond_with(&response)
}

/// A body made on the host side from parts (text, bytes, values the bridge holds: stored rows,
/// messages, objects' bodies as `Blob`s), answered as one `Blob`: what a Worker stored is
/// answered at any size, since none of it has to fit in wasm's memory at once.
///
/// ```
/// use tinyworker::bridge::{Arg, Error};
/// use tinyworker::{stream, Response};
///
/// fn lines(values: &[&str]) -> Result<Response<'static>, Error> {
///     let body = stream::Parts::new()?;
///     for value in values {
///         body.push(Arg::str(value))?;
///         body.push(Arg::str("\n"))?;
///     }
///     body.respond(200, &[("content-type", "text/plain;charset=UTF-8")])
/// }
/// # fn main() {}
/// ```
#[derive(Debug)]
pub struct Parts {
    list: Value,
}

impl Parts {
    /// No part yet.
    pub fn new() -> Result<Self, Error> {
        Ok(Self {
            list: bridge::construct(Target::Global("Array"), "", &[])?,
        })
    }

    /// Appends `part`: a string (as UTF-8), bytes, or a held value the platform's `Blob` takes
    /// (a string, an `ArrayBuffer` or a view, a `Blob`; anything else as its string form).
    pub fn push(&self, part: Arg<'_>) -> Result<(), Error> {
        self.list.call_unit("push", &[part])
    }

    /// Answers with `status`, `headers` and the parts, in order, as the body.
    pub fn respond(self, status: u16, headers: &[(&str, &str)]) -> Result<Response<'static>, Error> {
        let blob = bridge::construct(Target::Global("Blob"), "", &[Arg::value(&self.list)])?;
        respond(status, headers, &blob)
    }
}

/// The request's body as a stream, to pass on (a subrequest's body, an R2 put) without reading
/// it; null when it has none. (A body the glue read before the call is passed on from its copy.)
pub fn request_body() -> Result<Value, Error> {
    bridge::get(Target::Request, "body")
}

/// Starts a streamed answer: the client gets `status` and `headers` at once, then each chunk as
/// [`Writer::write`] sends it. Only in a Worker whose module suspends (a pooled one).
pub fn start(status: u16, headers: &[(&str, &str)]) -> Result<Writer, Error> {
    let mut names = [Field::EMPTY; MAX_HEADERS];
    let mut fields = [Field::EMPTY; 2];
    let init = init(status, headers, &mut names, &mut fields)?;
    Ok(Writer {
        writer: bridge::call(Target::Event, "stream", &[init])?,
    })
}

/// The writing end of a streamed answer. A fault before [`Writer::finish`] ends the stream so
/// that the client can tell it from a complete one (no clean end of the body).
#[derive(Debug)]
pub struct Writer {
    writer: Value,
}

impl Writer {
    /// Sends `chunk`; waits (suspending) while the client is not taking what was sent. An error
    /// when the client went away: stop writing.
    pub fn write(&self, chunk: &[u8]) -> Result<(), Error> {
        self.writer.call_unit("write", &[Arg::bytes(chunk)])
    }

    /// Sends `text` as UTF-8.
    pub fn write_str(&self, text: &str) -> Result<(), Error> {
        self.write(text.as_bytes())
    }

    /// Ends the body cleanly. The `Response` it returns is what the handler answers (the client
    /// already has the real one; the glue does not read this).
    pub fn finish(self) -> Result<Response<'static>, Error> {
        self.writer.call("close", &[])?.release();
        Ok(Response::text(200, ""))
    }
}

/// The request's body, read in chunks into a buffer the handler owns (suspending between
/// chunks): the buffer bounds a chunk, not the body. For a request whose body the glue did not
/// read before the call (`createWorker(wasm, { streamBodies })`); `None` for one without a body.
pub fn body_reader() -> Result<Option<BodyReader>, Error> {
    let body = request_body()?;
    if body.is_nullish() {
        return Ok(None);
    }
    let reader = body.call("getReader", &[]);
    body.release();
    Ok(Some(BodyReader {
        reader: reader?,
        chunk: None,
        offset: 0,
    }))
}

/// Reads `value` with `read`, then releases it (a body read in many chunks holds no handle per
/// chunk).
fn read_then_release<T>(value: Result<Value, Error>, read: fn(&Value) -> Result<T, Error>) -> Result<T, Error> {
    let value = value?;
    let answer = read(&value);
    value.release();
    answer
}

/// Reads a request body chunk by chunk ([`body_reader`]).
#[derive(Debug)]
pub struct BodyReader {
    reader: Value,
    /// The chunk being read (a `Uint8Array`), its length, and how much of it was read.
    chunk: Option<(Value, usize)>,
    offset: usize,
}

impl BodyReader {
    /// Reads the next bytes into `buffer`; how many (0: the body ended).
    pub fn read(&mut self, buffer: &mut [u8]) -> Result<usize, Error> {
        loop {
            if let Some((chunk, len)) = &self.chunk {
                let (len, offset) = (*len, self.offset);
                let take = (len - offset).min(buffer.len());
                let part = chunk.call(
                    "subarray",
                    &[Arg::number(offset as f64), Arg::number((offset + take) as f64)],
                )?;
                let read = part.bytes(buffer).map(<[u8]>::len);
                part.release();
                let read = read?;
                self.offset += read;
                if self.offset == len {
                    if let Some((chunk, _)) = self.chunk.take() {
                        chunk.release();
                    }
                }
                return Ok(read);
            }
            // The next chunk: `reader.read()` (a Promise) answers { done, value }.
            let next = self.reader.call("read", &[])?;
            let done = read_then_release(next.get("done"), Value::boolean);
            let value = next.get("value");
            next.release();
            if done? {
                return Ok(0);
            }
            let value = value?;
            let len = read_then_release(value.get("byteLength"), Value::number)? as usize;
            if len == 0 {
                value.release();
                continue;
            }
            self.chunk = Some((value, len));
            self.offset = 0;
        }
    }
}
