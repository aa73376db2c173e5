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
//! No allocator: every answer is written into the request's scratch space (the I/O buffer after
//! the request), and lives as long as the request. src/tests.rs tests the handlers on the host
//! (`cargo test`), test/worker.test.mjs the built Worker over HTTP (`npm test`).
#![cfg_attr(not(test), no_std)]

use tinyworker::json;
use tinyworker::kv::{Namespace, PutOptions};
use tinyworker::router::{self, Params, Route};
use tinyworker::storage::Storage;
use tinyworker::{bridge, object, Request, Response};

#[cfg(test)]
mod tests;

/// The notes (`[[kv_namespaces]]` in wrangler.toml).
const NOTES: Namespace = Namespace::new("NOTES");
/// The counters (`[[durable_objects.bindings]]`): one object of class `Counter` per name.
const COUNTERS: object::Namespace = object::Namespace::new("COUNTERS");
/// The longest note a `PUT` stores, in bytes (a KV value may be 25 MiB; the answer is written
/// into the request's scratch space, 64 KiB less the request).
const NOTE_LIMIT: usize = 4096;

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
];

/// The Worker: routes by method and path; 404 for an unknown path, 405 (with `allow`) for a
/// known path and another method.
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

/// A JSON error `{"error": message}` (static text: no room needed).
fn error<'a>(status: u16, message: &'static str) -> Response<'a> {
    let body = match status {
        400 => r#"{"error":"the body is not JSON"}"#,
        401 => r#"{"error":"unauthorized"}"#,
        404 => r#"{"error":"not found"}"#,
        413 => r#"{"error":"too large"}"#,
        422 => r#"{"error":"the body needs a \"text\" string"}"#,
        _ => r#"{"error":"a binding failed"}"#,
    };
    // The message is for the log (`wrangler tail`), not for the client.
    tinyworker::platform::log(tinyworker::platform::Level::Warn, message);
    Response::json(status, body)
}

/// Writes an answer with `write` into 4 KiB of the request's scratch space: a JSON response, or
/// a 500 when it did not fit.
fn json_answer<'a>(request: &Request<'a>, status: u16, write: impl FnOnce(&mut json::Writer<'_>)) -> Response<'a> {
    let Some(out) = request.scratch(NOTE_LIMIT * 2 + 256) else {
        return error(413, "no scratch space left for the answer");
    };
    let mut writer = json::Writer::new(out);
    write(&mut writer);
    match writer.finish() {
        Ok(text) => Response::json(status, text),
        Err(_) => error(500, "the answer did not fit"),
    }
}

fn hello<'a>(request: &Request<'a>, params: &Params<'a>) -> Response<'a> {
    let greeting = request.var("GREETING").unwrap_or("Hello");
    let Some(Ok(name)) = request.scratch(256).and_then(|buffer| params.decoded("name", buffer)) else {
        return error(400, "a name that does not decode");
    };
    json_answer(request, 200, |w| {
        // Two strings, one JSON string: the writer escapes each.
        w.begin_object().key("greeting").string_of(&[greeting, ", ", name, "!"]).end_object();
    })
}

fn me<'a>(request: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    let token = request.var("API_TOKEN");
    let sent = request.header("authorization").and_then(|h| h.strip_prefix("Bearer "));
    match (token, sent) {
        (Some(token), Some(sent)) if !token.is_empty() && constant_time_eq(token.as_bytes(), sent.as_bytes()) => {
            Response::json(200, r#"{"authorized":true}"#)
        }
        _ => error(401, "a request without the API token"),
    }
}

/// Whether `a == b`, in a time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn get_note<'a>(request: &Request<'a>, params: &Params<'a>) -> Response<'a> {
    let key = params.get("key").unwrap_or_default();
    let Some(buffer) = request.scratch(NOTE_LIMIT) else {
        return error(413, "no scratch space left for the note");
    };
    match NOTES.get_text(key, buffer) {
        Ok(Some(text)) => json_answer(request, 200, |w| {
            w.begin_object().key("key").string(key).key("text").string(text).end_object();
        }),
        Ok(None) => error(404, "no such note"),
        Err(_) => error(502, "KV get failed"),
    }
}

fn put_note<'a>(request: &Request<'a>, params: &Params<'a>) -> Response<'a> {
    let key = params.get("key").unwrap_or_default();
    let Some(doc) = core::str::from_utf8(request.body()).ok().and_then(|body| json::parse(body).ok()) else {
        return error(400, "a note that is not JSON");
    };
    let Some(buffer) = request.scratch(NOTE_LIMIT) else {
        return error(413, "no scratch space left for the note");
    };
    let text = match doc.get("text").map(|text| text.str(buffer)) {
        Some(Ok(text)) => text,
        Some(Err(json::Error::Full)) => return error(413, "a note over NOTE_LIMIT"),
        _ => return error(422, "a note without a text string"),
    };
    match NOTES.put(key, text.as_bytes(), &PutOptions::default()) {
        Ok(()) => json_answer(request, 201, |w| {
            w.begin_object().key("key").string(key).key("stored").bool(true).end_object();
        }),
        Err(_) => error(502, "KV put failed"),
    }
}

fn delete_note<'a>(_: &Request<'a>, params: &Params<'a>) -> Response<'a> {
    match NOTES.delete(params.get("key").unwrap_or_default()) {
        Ok(()) => Response::bytes(204, b""),
        Err(_) => error(502, "KV delete failed"),
    }
}

/// The Worker's side of a counter: the request goes on to the object named in the path, whose
/// answer is the Worker's.
fn counter<'a>(_: &Request<'a>, params: &Params<'a>) -> Response<'a> {
    let answer = COUNTERS
        .by_name(params.get("name").unwrap_or_default())
        .and_then(|object| object.forward())
        .and_then(|response| bridge::respond_with(&response));
    answer.unwrap_or_else(|_| error(502, "the counter failed"))
}

/// The Durable Object `Counter`: `POST` counts one more, `GET` answers the count. Each request
/// runs in a storage transaction: one that faults writes nothing.
fn count<'a>(request: &Request<'a>, storage: &Storage) -> Response<'a> {
    let Ok(count) = storage.get_u64("count") else {
        return error(503, "storage get failed");
    };
    let mut count = count.unwrap_or(0);
    if request.method() == "POST" {
        count += 1;
        if storage.put_u64("count", count).is_err() {
            return error(503, "storage put failed");
        }
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
