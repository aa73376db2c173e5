//! examples/router's routes with serde_json for the JSON (and so an allocator, talc): the size
//! table's comparison for tinyworker::json.
#![no_std]

extern crate alloc;

use alloc::string::String;
use serde_json::{json, Value};
use tinyworker::router::{self, Params, Route};
use tinyworker::{Request, Response};

static ROUTES: &[Route] = &[
    Route::get("/", index),
    Route::get("/users/:id", user),
    Route::put("/users/:id", rename),
    Route::post("/echo", echo),
    Route::get("/search", search),
    Route::get("/files/*path", file),
];

fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    router::dispatch(request, ROUTES)
}
tinyworker::entry!(handle);

fn index<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    Response::text(200, "a JSON API: /users/:id, /echo, /search?q=, /files/*path\n")
}

fn answer<'a>(status: u16, value: &Value) -> Response<'a> {
    match serde_json::to_vec(value) {
        Ok(body) => Response::owned_json(status, body),
        Err(_) => Response::text(500, "the answer could not be written\n"),
    }
}

fn decoded(raw: &str, plus_as_space: bool) -> Option<String> {
    let mut buffer = alloc::vec![0u8; raw.len()];
    router::percent_decode(raw, &mut buffer, plus_as_space)
        .ok()
        .map(String::from)
}

fn user<'a>(request: &Request<'a>, params: &Params<'a>) -> Response<'a> {
    let Some(id) = params.get("id").and_then(|id| decoded(id, false)) else {
        return Response::text(400, "bad id\n");
    };
    answer(200, &json!({ "id": id, "path": request.path() }))
}

fn rename<'a>(request: &Request<'a>, params: &Params<'a>) -> Response<'a> {
    let Ok(doc) = serde_json::from_slice::<Value>(request.body()) else {
        return Response::text(400, "not JSON\n");
    };
    let Some(name) = doc.get("name").and_then(Value::as_str) else {
        return Response::text(422, "name: a string\n");
    };
    answer(200, &json!({ "id": params.get("id").unwrap_or(""), "name": name }))
}

fn echo<'a>(request: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    let Ok(doc) = serde_json::from_slice::<Value>(request.body()) else {
        return Response::text(400, "not JSON\n");
    };
    let (kind, members) = match &doc {
        Value::Null => ("null", 0),
        Value::Bool(_) => ("bool", 0),
        Value::Number(_) => ("number", 0),
        Value::String(_) => ("string", 0),
        Value::Array(items) => ("array", items.len()),
        Value::Object(map) => ("object", map.len()),
    };
    answer(200, &json!({ "kind": kind, "members": members, "value": doc }))
}

fn search<'a>(request: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    let q = match router::query(request, "q").map(|q| decoded(q, true)) {
        Some(Some(q)) => Value::String(q),
        Some(None) => return Response::text(400, "bad query\n"),
        None => Value::Null,
    };
    answer(200, &json!({ "q": q }))
}

fn file<'a>(_: &Request<'a>, params: &Params<'a>) -> Response<'a> {
    Response::text(200, params.get("path").unwrap_or(""))
}
