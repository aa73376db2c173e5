//! examples/router's routes with serde-json-core (no allocator) for the JSON: the size table's
//! second comparison. It reads and writes typed structs, so `/echo` (any document) has no
//! counterpart: it answers 501.
#![no_std]

use serde::{Deserialize, Serialize};
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

fn answer<'a>(request: &Request<'a>, value: &impl Serialize) -> Response<'a> {
    let Some(out) = request.scratch(4096) else {
        return Response::text(413, "no room\n");
    };
    match serde_json_core::to_slice(value, out) {
        Ok(len) => match core::str::from_utf8(out.get(..len).unwrap_or_default()) {
            Ok(text) => Response::json(200, text),
            Err(_) => Response::text(500, "not UTF-8\n"),
        },
        Err(_) => Response::text(500, "the answer did not fit\n"),
    }
}

#[derive(Serialize)]
struct User<'a> {
    id: &'a str,
    path: &'a str,
}

fn user<'a>(request: &Request<'a>, params: &Params<'a>) -> Response<'a> {
    let Some(room) = request.scratch(256) else {
        return Response::text(413, "no room\n");
    };
    let Some(Ok(id)) = params.decoded("id", room) else {
        return Response::text(400, "bad id\n");
    };
    answer(
        request,
        &User {
            id,
            path: request.path(),
        },
    )
}

#[derive(Deserialize)]
struct Rename<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Renamed<'a> {
    id: &'a str,
    name: &'a str,
}

fn rename<'a>(request: &Request<'a>, params: &Params<'a>) -> Response<'a> {
    match serde_json_core::from_slice::<Rename<'a>>(request.body()) {
        Ok((body, _)) => answer(
            request,
            &Renamed {
                id: params.get("id").unwrap_or(""),
                name: body.name,
            },
        ),
        Err(_) => Response::text(400, "not JSON\n"),
    }
}

fn echo<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    Response::text(501, "serde-json-core reads typed structs, not any document\n")
}

#[derive(Serialize)]
struct Search<'a> {
    q: Option<&'a str>,
}

fn search<'a>(request: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    let Some(buffer) = request.scratch(1024) else {
        return Response::text(413, "no room\n");
    };
    let q = match router::query(request, "q").map(|q| router::percent_decode(q, buffer, true)) {
        Some(Ok(q)) => Some(q),
        Some(Err(_)) => return Response::text(400, "bad query\n"),
        None => None,
    };
    answer(request, &Search { q })
}

fn file<'a>(_: &Request<'a>, params: &Params<'a>) -> Response<'a> {
    Response::text(200, params.get("path").unwrap_or(""))
}
