//! The routes whose bodies stream: an origin's answer passed through, a request body hashed in
//! chunks, server-sent events and a stream that faults midway, the upload passed on.

use sha2::{Digest, Sha256};
use tinyworker::bridge::{self, Arg, Error, Target, Value};
use tinyworker::{stream, Request, Response};

/// `fetch(url)` from the platform, with `body` (a stream the bridge holds) when given.
fn platform_fetch(url: &str, method: &str, body: Option<&Value>) -> Result<Value, Error> {
    let fields = [
        bridge::Field::new("method", Arg::str(method)),
        bridge::Field::new("body", body.map_or(Arg::UNDEFINED, Arg::value)),
        bridge::Field::new("duplex", Arg::str("half")),
    ];
    bridge::call(
        Target::Global("globalThis"),
        "fetch",
        &[Arg::str(url), Arg::object(&fields)],
    )
}

/// `GET /stream/<path>`: the origin's answer for `<path>` passed through: its status, its
/// content type and its body, which never enters wasm.
pub fn pass_through<'a>(request: &Request<'a>, url: &str) -> Result<Response<'a>, Error> {
    let response = platform_fetch(url, "GET", None)?;
    let status = response.get("status")?.number()? as u16;
    let headers = response.get("headers")?;
    // (In the request's memory, sized by the platform: a content type of any length.)
    let content_type = match headers.call("get", &[Arg::str("content-type")])? {
        value if value.is_nullish() => "application/octet-stream",
        value => value.text_in(request)?,
    };
    let body = response.get("body")?;
    stream::respond(
        status,
        &[("content-type", content_type), ("x-tinyworker", "streamed")],
        &body,
    )
}

/// `GET /headers-of/<path>`: the origin's answer for `<path>` with every one of its headers
/// passed on as the platform holds them (none copied into wasm, however many), plus
/// `x-tinyworker: forwarded`; its status, and its body as a stream.
pub fn headers_of(url: &str) -> Result<Response<'static>, Error> {
    let response = platform_fetch(url, "GET", None)?;
    let status = response.get("status")?.number()? as u16;
    // A subrequest's headers are immutable: a copy the platform makes, to add one.
    let headers = bridge::construct(Target::Global("Headers"), "", &[Arg::value(&response.get("headers")?)])?;
    headers
        .call("set", &[Arg::str("x-tinyworker"), Arg::str("forwarded")])?
        .release();
    bridge::respond_with_headers_of(status, &headers, Arg::value(&response.get("body")?))
}

/// `POST /upload/<path>`: the request's own body passed on to the origin as it arrives (an
/// upload proxy); the origin's answer passed back.
pub fn upload(url: &str) -> Result<Response<'static>, Error> {
    let body = stream::request_body()?;
    let response = platform_fetch(url, "POST", (!body.is_nullish()).then_some(&body))?;
    bridge::respond_with(&response)
}

/// `GET /generated-upload/<path>?kib=<n>`: a subrequest to the origin whose body the handler
/// writes after starting it (n KiB of the `/big` pattern, in 16 KiB chunks), through a pipe;
/// the origin's answer passed back.
pub fn generated_upload(url: &str, kib: u64) -> Result<Response<'static>, Error> {
    let pipe = bridge::construct(Target::Global("TransformStream"), "", &[])?;
    let (readable, writable) = (pipe.get("readable")?, pipe.get("writable")?);
    let writer = writable.call("getWriter", &[])?;
    let fields = [
        bridge::Field::new("method", Arg::str("POST")),
        bridge::Field::new("body", Arg::value(&readable)),
        bridge::Field::new("duplex", Arg::str("half")),
    ];
    // Started, not awaited: the origin reads the body while the handler writes it.
    let answer = bridge::start(
        Target::Global("globalThis"),
        "fetch",
        &[Arg::str(url), Arg::object(&fields)],
    )?;
    let mut chunk = [0u8; 16 * 1024]; // (the upload is generated 16 KiB at a time)
    for (k, byte) in chunk.iter_mut().enumerate() {
        *byte = (7 * k as u32 + 3) as u8;
    }
    for i in 0..kib.div_ceil(16) {
        let len = if (i + 1) * 16 > kib {
            (kib % 16) as usize * 1024
        } else {
            chunk.len()
        };
        writer.call("write", &[Arg::bytes(&chunk[..len])])?.release();
    }
    writer.call("close", &[])?.release();
    bridge::respond_with(&bridge::settle(&answer)?)
}

/// `POST /sha256`: the request body read in chunks into the request's I/O buffer and hashed in
/// Rust; its SHA-256 in lowercase hex.
pub fn sha256<'a>(request: &Request<'a>) -> Result<Response<'a>, Error> {
    let Some(chunk) = request.scratch(16 * 1024) else {
        return Ok(Response::text(413, "no room for a chunk\n"));
    };
    let mut hasher = Sha256::new();
    if let Some(mut body) = stream::body_reader()? {
        loop {
            match body.read(chunk)? {
                0 => break,
                n => hasher.update(&chunk[..n]),
            }
        }
    }
    let mut hex = [0u8; 65]; // (a SHA-256's 64 hex digits and a newline)
    let digest: [u8; 32] = hasher.finalize().into();
    let text = tinyworker::platform::hex(&digest, &mut hex[..64]).ok_or(Error::Failed)?;
    let len = text.len();
    hex[len] = b'\n';
    Ok(Response::owned(200, hex[..=len].to_vec()))
}

/// `n` in decimal into the end of `digits`.
fn decimal(mut n: u64, digits: &mut [u8; 20]) -> &[u8] {
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &digits[at..];
        }
    }
}

/// `GET /memory`: the instance's linear memory, in 64 KiB pages.
pub fn memory() -> Response<'static> {
    let mut digits = [0u8; 20]; // (a u64 has at most 20 digits)
    let pages = decimal(core::arch::wasm32::memory_size(0) as u64, &mut digits);
    Response::owned(200, pages.to_vec())
}

/// `GET /sse?n=<n>`: `text/event-stream` with n events `data: <i>` (i from 1), each sent as
/// soon as it is written.
pub fn sse(n: u64) -> Result<Response<'static>, Error> {
    let events = stream::start(
        200,
        &[("content-type", "text/event-stream"), ("cache-control", "no-cache")],
    )?;
    // (An event is `data: <n>\n\n`: a u64's 20 digits and 8 bytes fit in 32.)
    let mut event = [0u8; 32];
    let mut digits = [0u8; 20];
    for i in 1..=n {
        let number = decimal(i, &mut digits);
        let len = number.len() + 8;
        event[..6].copy_from_slice(b"data: ");
        event[6..len - 2].copy_from_slice(number);
        event[len - 2..len].copy_from_slice(b"\n\n");
        // A client that went away: the write fails, and the handler stops (not a fault).
        events.write(&event[..len])?;
    }
    events.finish()
}

/// `GET /stream-then-panic?mib=<n>`: streams n MiB (the origin's `/big` pattern: byte k is
/// (7k + 3) mod 256), then panics: the client sees the body end uncleanly.
pub fn stream_then_panic(mib: u64) -> Result<Response<'static>, Error> {
    let body = stream::start(200, &[("content-type", "application/octet-stream")])?;
    let mut chunk = [0u8; 16 * 1024]; // (the stream is written 16 KiB at a time)
    for (k, byte) in chunk.iter_mut().enumerate() {
        *byte = (7 * k as u32 + 3) as u8;
    }
    for _ in 0..mib * 64 {
        body.write(&chunk)?;
    }
    panic!("panicked after streaming");
}
