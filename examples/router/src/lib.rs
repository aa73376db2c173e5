//! A JSON API with routes, parameters and 404/405 answers: tinyworker's router and JSON, no
//! allocator. examples/router_serde answers the same routes with serde_json, for the size table.
#![no_std]

use tinyworker::json::{self, Kind};
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

/// Room for an answer: the request's scratch space (the I/O buffer after the request).
fn scratch<'a>(request: &Request<'a>) -> Option<&'a mut [u8]> {
    request.scratch(4096)
}

/// `json` as the answer, or a 500 when it did not fit (it always does here).
fn answer<'a>(status: u16, json: Result<&'a str, json::Error>) -> Response<'a> {
    match json {
        Ok(text) => Response::json(status, text),
        Err(_) => Response::text(500, "the answer did not fit\n"),
    }
}

fn user<'a>(request: &Request<'a>, params: &Params<'a>) -> Response<'a> {
    let (Some(out), Some(decoded)) = (scratch(request), request.scratch(256)) else {
        return Response::text(413, "no room\n");
    };
    let Some(Ok(id)) = params.decoded("id", decoded) else {
        return Response::text(400, "bad id\n");
    };
    let mut w = json::Writer::new(out);
    w.begin_object()
        .key("id")
        .string(id)
        .key("path")
        .string(request.path())
        .end_object();
    answer(200, w.finish())
}

fn rename<'a>(request: &Request<'a>, params: &Params<'a>) -> Response<'a> {
    let Ok(body) = core::str::from_utf8(request.body()) else {
        return Response::text(400, "not UTF-8\n");
    };
    let Ok(doc) = json::parse(body) else {
        return Response::text(400, "not JSON\n");
    };
    let (Some(out), Some(buffer)) = (scratch(request), request.scratch(1024)) else {
        return Response::text(413, "no room\n");
    };
    let Some(Ok(name)) = doc.get("name").map(|n| n.str(buffer)) else {
        return Response::text(422, "name: a string\n");
    };
    let mut w = json::Writer::new(out);
    w.begin_object()
        .key("id")
        .string(params.get("id").unwrap_or(""))
        .key("name")
        .string(name)
        .end_object();
    answer(200, w.finish())
}

fn echo<'a>(request: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    let Ok(body) = core::str::from_utf8(request.body()) else {
        return Response::text(400, "not UTF-8\n");
    };
    let doc = match json::parse(body) {
        Ok(doc) => doc,
        Err(_) => return Response::text(400, "not JSON\n"),
    };
    let Some(out) = scratch(request) else {
        return Response::text(413, "no room\n");
    };
    let mut w = json::Writer::new(out);
    w.begin_object().key("kind").string(match doc.kind() {
        Kind::Null => "null",
        Kind::Bool => "bool",
        Kind::Number => "number",
        Kind::String => "string",
        Kind::Array => "array",
        Kind::Object => "object",
    });
    w.key("members").u64(doc.items().count() as u64);
    w.key("value").raw(doc.text()).end_object();
    answer(200, w.finish())
}

fn search<'a>(request: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    let (Some(out), Some(buffer)) = (scratch(request), request.scratch(1024)) else {
        return Response::text(413, "no room\n");
    };
    let q = router::query(request, "q").map(|q| router::percent_decode(q, buffer, true));
    let mut w = json::Writer::new(out);
    w.begin_object().key("q");
    match q {
        Some(Ok(q)) => w.string(q),
        Some(Err(_)) => return Response::text(400, "bad query\n"),
        None => w.null(),
    };
    w.end_object();
    answer(200, w.finish())
}

fn file<'a>(_: &Request<'a>, params: &Params<'a>) -> Response<'a> {
    Response::text(200, params.get("path").unwrap_or(""))
}
