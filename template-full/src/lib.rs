//! {{name}}: a Cloudflare Worker in Rust, served by tinyworker: JSON routes, a variable and a
//! secret, notes in a KV namespace, and a counter per name in a Durable Object.
//!
//! | route | answer |
//! |---|---|
//! | `GET /` | the routes, as text |
//! | `GET /hello/:name` | `{"greeting": "<GREETING>, <name>!"}` (`GREETING`: a `[vars]` variable) |
//! | `GET /me` | `{"authorized": true}` with `authorization: Bearer <API_TOKEN>` (a secret), else 401 |
//! | `PUT /notes/:key` | stores the JSON body's `text` (`{"text": "..."}`) in KV `NOTES`: 201 |
//! | `GET /notes/:key` | `{"key": ..., "text": ...}`, or 404 |
//! | `DELETE /notes/:key` | 204 |
//! | `POST /counters/:name` | counts one more in the Durable Object `<name>`: `{"count": n}` |
//! | `GET /counters/:name` | that object's count: `{"count": n}` |
//! | `GET /fault` | a panic on purpose: a 500 without its text; the next request is served |
//!
//! No allocator: every answer is written into the request's memory (the I/O buffer after the
//! request) at its exact size, and lives as long as the request. src/tests.rs tests the handlers on the host
//! (`cargo test`), test/worker.test.mjs the built Worker over HTTP (`npm test`).
#![cfg_attr(not(test), no_std)]

use tinyworker::json;
use tinyworker::kv::{Namespace, PutOptions};
use tinyworker::router::{self, Params, Route};
use tinyworker::storage::Storage;
use tinyworker::{bridge, object, Error, Request, Response};

#[cfg(test)]
mod tests;

/// The notes (`[[kv_namespaces]]` in wrangler.toml).
const NOTES: Namespace = Namespace::new("NOTES");
/// The counters (`[[durable_objects.bindings]]`): one object of class `Counter` per name.
const COUNTERS: object::Namespace = object::Namespace::new("COUNTERS");
/// The longest note a `PUT` stores, in bytes (a KV value may be 25 MiB; a note is read into the
/// request's memory, 64 KiB less the request, and so is its answer).
const NOTE_LIMIT: usize = 4096;

/// The client's mistakes, answered as JSON. Any other error (a binding that failed) is a
/// generic 5xx for the client and a log line with its message (`wrangler tail`).
const NOT_JSON: Error = Error::new(400, r#"{"error":"the body is not JSON"}"#).public_json();
const UNAUTHORIZED: Error = Error::new(401, r#"{"error":"unauthorized"}"#).public_json();
const NOT_FOUND: Error = Error::new(404, r#"{"error":"not found"}"#).public_json();
const TOO_LARGE: Error = Error::new(413, r#"{"error":"too large"}"#).public_json();
const NO_TEXT: Error = Error::new(422, r#"{"error":"the body needs a \"text\" string"}"#).public_json();

static ROUTES: &[Route] = &[
    Route::get("/", index),
    Route::get("/hello/:name", hello),
    Route::get("/me", me),
    Route::get("/notes/:key", get_note),
    Route::put("/notes/:key", put_note),
    Route::delete("/notes/:key", delete_note),
    Route::get("/counters/:name", counter),
    Route::post("/counters/:name", counter),
    Route::get("/fault", fault),
    Route::not_found(not_found),
];

/// The Worker: routes by method and path; a JSON 404 for an unknown path, 405 (with `allow`)
/// for a known path and another method.
pub fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    router::dispatch(request, ROUTES)
}
tinyworker::entry!(handle);
tinyworker::durable_object!(class Counter { fetch: count });

fn index<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    Response::text(
        200,
        "{{name}}: GET /hello/:name, GET /me, GET|PUT|DELETE /notes/:key, GET|POST /counters/:name\n",
    )
}

fn not_found<'a>(_: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    Err(NOT_FOUND)
}

/// A JSON response that `write` writes into the request's memory, at its exact size.
fn json_answer<'a>(request: &Request<'a>, status: u16, write: impl Fn(&mut json::Writer<'_>)) -> Result<Response<'a>, Error> {
    Ok(Response::json(status, json::write_in(request, write)?))
}

fn hello<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let greeting = request.var("GREETING").unwrap_or("Hello");
    let name = params.decoded_in("name", request).ok_or(NOT_FOUND)??;
    json_answer(request, 200, |w| {
        // Two strings, one JSON string: the writer escapes each.
        w.begin_object().key("greeting").string_of(&[greeting, ", ", name, "!"]).end_object();
    })
}

fn me<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let token = request.var("API_TOKEN").filter(|token| !token.is_empty()).ok_or(UNAUTHORIZED)?;
    let sent = request.header("authorization").and_then(|h| h.strip_prefix("Bearer ")).ok_or(UNAUTHORIZED)?;
    if !constant_time_eq(token.as_bytes(), sent.as_bytes()) {
        return Err(UNAUTHORIZED);
    }
    Ok(Response::json(200, r#"{"authorized":true}"#))
}

/// Whether `a == b`, in a time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn get_note<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let key = params.get("key").unwrap_or_default();
    let buffer = request.scratch(NOTE_LIMIT).ok_or(TOO_LARGE)?;
    let text = NOTES.get_text(key, buffer)?.ok_or(NOT_FOUND)?;
    json_answer(request, 200, |w| {
        w.begin_object().key("key").string(key).key("text").string(text).end_object();
    })
}

fn put_note<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let key = params.get("key").unwrap_or_default();
    let body = request.body_text().map_err(|_| NOT_JSON)?;
    let doc = json::parse(body).map_err(|_| NOT_JSON)?;
    let buffer = request.scratch(NOTE_LIMIT).ok_or(TOO_LARGE)?;
    let text = match doc.get("text").map(|text| text.str(buffer)) {
        Some(Ok(text)) => text,
        Some(Err(json::Error::Full)) => return Err(TOO_LARGE),
        _ => return Err(NO_TEXT),
    };
    NOTES.put(key, text.as_bytes(), &PutOptions::default())?;
    json_answer(request, 201, |w| {
        w.begin_object().key("key").string(key).key("stored").bool(true).end_object();
    })
}

fn delete_note<'a>(_: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    NOTES.delete(params.get("key").unwrap_or_default())?;
    Ok(Response::bytes(204, b""))
}

/// The Worker's side of a counter: the request goes on to the object named in the path, whose
/// answer is the Worker's.
fn counter<'a>(_: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let object = COUNTERS.by_name(params.get("name").unwrap_or_default())?;
    Ok(bridge::respond_with(&object.forward()?)?)
}

/// The Durable Object `Counter`: `POST` counts one more, `GET` answers the count. Each request
/// runs in a storage transaction: one that faults or answers an `Err` writes nothing.
fn count<'a>(request: &Request<'a>, storage: &Storage) -> Result<Response<'a>, Error> {
    let mut count = storage.get_u64("count")?.unwrap_or(0);
    if request.method() == "POST" {
        count += 1;
        storage.put_u64("count", count)?;
    }
    json_answer(request, 200, |w| {
        w.begin_object().key("count").u64(count).end_object();
    })
}

/// A fault on purpose: this request gets a 500 (its text stays in the log, not in the
/// response), and the next request is served by a fresh instance.
fn fault<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    panic!("a fault on purpose")
}
