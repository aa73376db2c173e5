//! Bindings and I/O from a synchronous handler: the env variable `GREETING`, subrequests to
//! the origin whose base URL is the env variable `ORIGIN`, and the KV namespace bound as `CACHE`.
//! Each I/O call suspends this instance (JSPI) until the host answers; other requests run on
//! other instances meanwhile.
//!
//! | route | answer |
//! |---|---|
//! | `GET /env` | 200, the value of `GREETING` |
//! | `GET/POST /origin/<path>` | the origin's status, headers and body for `<path>` (POST forwards the body), plus `x-tinyworker: proxied` |
//! | `GET/PUT/DELETE /kv/<key>`, `/kv?key=<key>` | the value (404 when absent); store the request body; delete (the key percent-decoded) |
//! | `GET /slow?ms=<n>[&timeout=<t>]` | fetches the origin's `/slow?ms=<n>` (abandoned after t ms: 504), then 200 `slow <n>` |
//! | `GET /race?ms=<n>&timer=<t>` | the origin's `/slow?ms=<n>` raced against a timer of t ms: the origin's status when it answered first, else `timer first; the subrequest aborted` (it is aborted) |
//! | `GET /origin-then-panic`, `-abort`, `-oom` | a subrequest that completes, then that fault |
//! | `GET /unreachable-origin` | a subrequest to a closed port: the `Err` becomes this handler's 502 |
//! | `GET /scratch/<path>` | the origin's body for `<path>`, read into the request's I/O buffer (no allocator needed) |
//! | `GET /stream/<path>` | the origin's answer for `<path>` passed through: its status and content type, the body never in wasm |
//! | `GET /headers-of/<path>` | the origin's answer for `<path>`: its status, every header of it passed on without entering wasm, plus `x-tinyworker: forwarded`, and its body streamed |
//! | `POST /upload/<path>` | the request's own body passed on to the origin's `<path>` as it arrives; the origin's answer passed back |
//! | `POST /sha256` | the request body read in chunks and hashed in Rust: its SHA-256 in lowercase hex (no size limit but the platform's) |
//! | `GET /generated-upload/<path>?kib=<n>` | a subrequest to the origin's `<path>` whose body the handler writes as it goes (n KiB of the `/big` pattern); the origin's answer |
//! | `GET /sse?n=<n>` | `text/event-stream`: n events `data: <i>` (i from 1), each sent as soon as it is written |
//! | `GET /stream-then-panic?mib=<n>` | streams n MiB, then panics: the body ends uncleanly |
//! | `GET /memory` | the instance's linear memory, in 64 KiB pages |
//!
//! Every route goes through `tinyworker::router` and answers its errors with `?`: a KV key the
//! platform refuses (empty, `.`, `..`, over 512 bytes), a key that does not decode or a request
//! it refuses to forward (a GET with a body) is the client's mistake, a 400; an origin that
//! fails is a 502, one past its timeout a 504; an answer larger than the heap limit (32 MiB by
//! default) is a 500 that logs the bytes it needed, and the instance goes on. The bodies are
//! generic; the log has what went wrong.
#![no_std]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::hint::black_box;
use tinyworker::io::{self, Subrequest};
use tinyworker::kv::{Namespace, PutOptions};
use tinyworker::pending::{self, AbortController};
use tinyworker::router::{self, Params, Route};
use tinyworker::{Error, Header, Request, Response};

mod streams;

const CACHE: Namespace<'static> = Namespace::new("CACHE");
/// The answer when `ORIGIN` is not set: the deployment's mistake.
const NO_ORIGIN: Error = Error::internal("misconfigured: no ORIGIN variable");

const ROUTES: &[Route] = &[
    Route::get("/", index),
    Route::get("/env", env),
    Route::any("/origin/*path", origin),
    Route::any("/kv/*key", kv_by_path),
    Route::any("/kv", kv_by_query),
    Route::get("/slow", slow),
    Route::get("/race", race),
    Route::get("/origin-then-panic", origin_then_fault),
    Route::get("/origin-then-abort", origin_then_fault),
    Route::get("/origin-then-oom", origin_then_fault),
    Route::get("/unreachable-origin", unreachable_origin),
    Route::get("/scratch/*path", scratch),
    Route::get("/stream/*path", stream),
    Route::get("/headers-of/*path", headers_of),
    Route::post("/upload/*path", upload),
    Route::post("/sha256", sha256),
    Route::get("/generated-upload/*path", generated_upload),
    Route::get("/sse", sse),
    Route::get("/stream-then-panic", stream_then_panic),
    Route::get("/memory", memory),
];

fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    router::dispatch(request, ROUTES)
}

/// The origin's URL for parameter `path` of the route, with the request's query: the base URL
/// (`ORIGIN`), then `/<path>?<query>`.
fn origin_url(request: &Request<'_>, params: &Params<'_>) -> Result<String, Error> {
    let mut rest = String::from("/");
    rest.push_str(params.get("path").unwrap_or_default());
    if let Some(query) = request.query() {
        rest.push('?');
        rest.push_str(query);
    }
    origin_url_of(request, &rest)
}

/// The origin's URL for `rest` (a path and query of its own).
fn origin_url_of(request: &Request<'_>, rest: &str) -> Result<String, Error> {
    let base = request.var("ORIGIN").ok_or(NO_ORIGIN)?;
    let mut url = String::from(base.trim_end_matches('/'));
    url.push_str(rest);
    Ok(url)
}

/// Query parameter `name` as a number (0 when absent or not one).
fn number(request: &Request<'_>, name: &str) -> u64 {
    router::query(request, name).and_then(|n| n.parse().ok()).unwrap_or(0)
}

fn index<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    Response::text(200, "ok")
}

fn env<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let greeting = request.var("GREETING");
    Ok(Response::text(
        200,
        greeting.ok_or(Error::internal("misconfigured: no GREETING variable"))?,
    ))
}

/// The request headers a proxy forwards (hop-by-hop ones and `host` stay behind).
fn forwarded<'a>(request: &Request<'a>) -> Vec<Header<'a>> {
    request
        .headers()
        .filter(|(name, _)| {
            !matches!(
                *name,
                "host" | "connection" | "content-length" | "transfer-encoding" | "keep-alive"
            )
        })
        .map(|(name, value)| Header::new(name, value))
        .collect()
}

/// `/origin/<path>`: the request passed on to the origin's `/<path>`, its answer passed back.
fn origin<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let url = origin_url(request, params)?;
    let headers = forwarded(request);
    let sub = Subrequest::new(request.method(), &url)
        .headers(&headers)
        .body(request.body());
    let answer = io::fetch_owned(&sub)?;
    let status = answer.status();
    let headers: Vec<(String, String)> = answer
        .headers()
        .filter(|(name, _)| *name != "content-length")
        .map(|(name, value)| (String::from(name), String::from(value)))
        .collect();
    let mut response = Response::owned(status, answer.into_body()).with_headers(&[]);
    for (name, value) in headers {
        response = response.header_owned(name, value);
    }
    Ok(response.header("x-tinyworker", "proxied"))
}

/// `/kv/<key>`: the key percent-decoded.
fn kv_by_path<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let key = params.decoded_in("key", request).unwrap_or(Ok(""))?;
    kv(request, key)
}

/// `/kv?key=<key>`: a key a URL path cannot say (`.`, `..`), percent-decoded.
fn kv_by_query<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let raw = router::query(request, "key").unwrap_or("");
    let buffer = request
        .scratch(raw.len())
        .ok_or(Error::too_large("the key", raw.len()))?;
    let key = router::percent_decode(raw, buffer, false)?;
    kv(request, key)
}

fn kv<'a>(request: &Request<'a>, key: &str) -> Result<Response<'a>, Error> {
    match request.method() {
        "GET" => match CACHE.get_owned(key)? {
            Some(value) => Ok(Response::owned(200, value).with_headers(&[])),
            None => Err(Error::not_found("no such key")),
        },
        "PUT" => {
            CACHE.put(key, request.body(), &PutOptions::default())?;
            Ok(Response::text(201, "stored\n"))
        }
        "DELETE" => {
            CACHE.delete(key)?;
            Ok(Response::text(200, "deleted\n"))
        }
        _ => Err(Error::new(405, "GET, PUT or DELETE")),
    }
}

fn slow<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let ms = router::query(request, "ms").unwrap_or("0");
    let timeout = number(request, "timeout") as u32;
    let mut rest = String::from("/slow?ms=");
    rest.push_str(ms);
    let url = origin_url_of(request, &rest)?;
    let answer = io::fetch_owned(&Subrequest::get(&url).timeout(timeout))?;
    if answer.status() != 200 {
        return Err(Error::new(502, "the origin's slow route failed"));
    }
    let mut body = String::from("slow ");
    body.push_str(ms);
    Ok(Response::owned(200, body.into_bytes()))
}

/// The origin's `/slow?ms=<n>` raced against a timer of `timer` ms: the first to settle wins;
/// a subrequest that lost is aborted, and says so.
fn race<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let mut rest = String::from("/slow?ms=");
    rest.push_str(router::query(request, "ms").unwrap_or("0"));
    let url = origin_url_of(request, &rest)?;
    let controller = AbortController::new()?;
    let fetch = io::start(&Subrequest::get(&url).signal(&controller))?;
    let timer = pending::timer(number(request, "timer") as u32)?;
    if pending::race(&[fetch.pending(), &timer])? == 0 {
        let status = fetch.wait()?.status()?;
        return Ok(Response::number(200, u64::from(status)));
    }
    controller.abort()?;
    match fetch.wait() {
        Err(io::Error::Aborted) => Ok(Response::text(200, "timer first; the subrequest aborted\n")),
        Ok(_) => Ok(Response::text(
            200,
            "timer first; the subrequest answered before its abort\n",
        )),
        Err(e) => Err(e.into()),
    }
}

/// A subrequest that completes, then the fault the path names.
fn origin_then_fault<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    io::fetch_owned(&Subrequest::get(&origin_url_of(request, "/x")?))?;
    match request.path() {
        "/origin-then-panic" => panic!("panicked after a subrequest"),
        "/origin-then-abort" => tinyworker::abort("aborted after a subrequest"),
        _ => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(Vec::with_capacity(black_box(1 << 20)));
            }
        }
    }
}

/// A closed port on loopback: connection refused, an `Err` for the handler (a 502). (Which
/// error the host gives varies: workerd's is a failure, a fetch by the Fetch standard's letter
/// rejects with a `TypeError`, which reads as a refused argument; either way it is the origin's.)
fn unreachable_origin<'a>(_: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    match io::fetch_owned(&Subrequest::get("http://127.0.0.1:9/")) {
        Ok(_) => Err(Error::internal("the closed port answered")),
        Err(_) => Err(Error::new(502, "the origin is unreachable")),
    }
}

/// Without an allocator: the answer lands in the request's own I/O buffer.
fn scratch<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let url = origin_url(request, params)?;
    let buffer = request
        .scratch(16 * 1024)
        .ok_or(Error::too_large("no room", 16 * 1024))?;
    let answer = io::fetch(&Subrequest::get(&url), buffer)?;
    Ok(Response::bytes(answer.status(), answer.body()))
}

fn stream<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    Ok(streams::pass_through(request, &origin_url(request, params)?)?)
}

fn headers_of<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    Ok(streams::headers_of(&origin_url(request, params)?)?)
}

fn upload<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    Ok(streams::upload(&origin_url(request, params)?)?)
}

fn sha256<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    Ok(streams::sha256(request)?)
}

/// The origin's `<path>` without the request's query (`kib` is this route's).
fn generated_upload<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let mut rest = String::from("/");
    rest.push_str(params.get("path").unwrap_or_default());
    let url = origin_url_of(request, &rest)?;
    Ok(streams::generated_upload(&url, number(request, "kib"))?)
}

fn sse<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    Ok(streams::sse(number(request, "n"))?)
}

fn stream_then_panic<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    Ok(streams::stream_then_panic(number(request, "mib"))?)
}

fn memory<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    streams::memory()
}

tinyworker::entry!(handle, 32 * 1024);
