//! examples/router's routes written the way the API now reads: handlers that return `Result`
//! and answer their errors with `?`, every read sized by the request (no buffer guessed), JSON
//! written into the request's memory at its exact size. The size table's row beside
//! examples/router, which answers the same routes with guessed buffers and each error mapped by
//! hand (its own texts; here the status's generic body, the message in the log).
#![no_std]

use tinyworker::json::{self, Kind};
use tinyworker::router::{self, Params, Route};
use tinyworker::{Error, Request, Response};

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

/// The answer when `name` is not a string.
const NAME_NOT_A_STRING: Error = Error::new(422, "name: a string");

fn index<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    Response::text(200, "a JSON API: /users/:id, /echo, /search?q=, /files/*path\n")
}

fn user<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let id = params.decoded_in("id", request).unwrap_or(Ok(""))?;
    let path = request.path();
    let body = json::write_in(request, |w| {
        w.begin_object()
            .key("id")
            .string(id)
            .key("path")
            .string(path)
            .end_object();
    })?;
    Ok(Response::json(200, body))
}

fn rename<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let doc = json::parse(request.body_text()?)?;
    let name = doc.get("name").ok_or(NAME_NOT_A_STRING)?;
    if name.kind() != Kind::String {
        return Err(NAME_NOT_A_STRING);
    }
    let name = name.str_in(request)?;
    let id = params.get("id").unwrap_or_default();
    let body = json::write_in(request, |w| {
        w.begin_object()
            .key("id")
            .string(id)
            .key("name")
            .string(name)
            .end_object();
    })?;
    Ok(Response::json(200, body))
}

fn echo<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let doc = json::parse(request.body_text()?)?;
    let kind = match doc.kind() {
        Kind::Null => "null",
        Kind::Bool => "bool",
        Kind::Number => "number",
        Kind::String => "string",
        Kind::Array => "array",
        Kind::Object => "object",
    };
    let members = doc.items().count() as u64;
    let body = json::write_in(request, |w| {
        w.begin_object().key("kind").string(kind);
        w.key("members").u64(members).key("value").raw(doc.text()).end_object();
    })?;
    Ok(Response::json(200, body))
}

fn search<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let q = router::query_in(request, "q").transpose()?;
    let body = json::write_in(request, |w| {
        w.begin_object().key("q");
        match q {
            Some(q) => w.string(q),
            None => w.null(),
        };
        w.end_object();
    })?;
    Ok(Response::json(200, body))
}

fn file<'a>(_: &Request<'a>, params: &Params<'a>) -> Response<'a> {
    Response::text(200, params.get("path").unwrap_or(""))
}
