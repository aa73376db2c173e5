//! Where a Worker's `cargo test` stand-ins (`tinyworker::testing`) could answer otherwise than the
//! platform: repeated headers, objects of two classes with one name, a body past the I/O buffer, a
//! secret and a variable of one name, responses the platform refuses, and every typed binding the
//! stand-ins serve (R2, D1, the Cache API, a stub's name, a subrequest). `cases.json` lists each case once;
//! `cargo test -p standins` runs it on the stand-ins and test/e2e/standins.test.mjs under
//! wrangler dev (its local simulators), so the two cannot drift.
//!
//! | route | answer |
//! |---|---|
//! | `GET /auth` | 200 `welcome` when `authorization` is `Bearer good`, else 401 |
//! | `POST /count/<ALPHA\|BETA>/<name>` | object `<name>` of that class counts the call: the count, in decimal |
//! | `GET /where/<ALPHA\|BETA>/<name>?hint=<region>` | the name the object was reached by (with a location hint) |
//! | `POST /echo` | how many bytes the body has, in decimal |
//! | `GET /name` | the variable (or secret) `NAME` |
//! | `GET /no-content` | a 204 with a body (which the platform refuses) |
//! | `GET /status/<n>` | an empty answer of status n |
//! | `PUT /r2/<key>` | stores the body (its content type; `if-match` a condition): 201 with its etag, 412 when the condition fails |
//! | `GET /r2/<key>` | the object (its etag and content type in headers), 404 when absent |
//! | `GET /r2-list?prefix=<p>` | the keys, one per line, then `truncated` when more follow a page of 2 |
//! | `POST /d1/notes` | inserts the body as a note: its id |
//! | `GET /d1/notes/<id>` | the note as JSON (404 when absent) |
//! | `GET /d1/int/<n>` | n stored and read back exactly (400 past ±(2^53 − 1)) |
//! | `PUT /cache/<path>` | caches the body (`cache-control` from the request): 201 |
//! | `GET /cache/<path>` | the cached response as it was put (404 on a miss) |
//! | `DELETE /cache/<path>` | `true` or `false`: whether there was one |
//! | `ANY /relay/<path>` | a subrequest to `ORIGIN` (a variable) `/<path>` with the method, the body and `x-relay`: `<status> <x-origin> <body>` of its answer |
#![no_std]

use tinyworker::cache::Cache;
use tinyworker::d1::{Database, Param};
use tinyworker::io::{self, Subrequest};
use tinyworker::object::{LocationHint, Namespace};
use tinyworker::r2::{Bucket, Conditions, ListOptions, PutOptions};
use tinyworker::router::{self, Params, Route};
use tinyworker::storage::Storage;
use tinyworker::{bridge, Error, Header, Request, Response};

const BUCKET: Bucket<'static> = Bucket::new("BUCKET");
const DB: Database<'static> = Database::new("DB");

const ROUTES: &[Route] = &[
    Route::get("/auth", auth),
    Route::post("/count/:class/:name", count_in),
    Route::get("/where/:class/:name", where_is),
    Route::post("/echo", echo),
    Route::get("/name", name),
    Route::get("/no-content", no_content),
    Route::get("/status/:n", status),
    Route::put("/r2/*key", r2_put),
    Route::get("/r2/*key", r2_get),
    Route::get("/r2-list", r2_list),
    Route::post("/d1/notes", d1_insert),
    Route::get("/d1/notes/:id", d1_note),
    Route::get("/d1/int/:n", d1_integer),
    Route::any("/cache/*path", cache),
    Route::any("/relay/*path", relay),
];

fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    router::dispatch(request, ROUTES)
}

fn auth<'a>(request: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    match request.header("authorization") {
        Some("Bearer good") => Response::text(200, "welcome\n"),
        _ => Response::text(401, "who are you?\n"),
    }
}

/// The class bound as `class`, if it is one of the two.
fn class<'a>(params: &Params<'a>) -> Result<Namespace<'a>, Error> {
    match params.get("class") {
        Some(class @ ("ALPHA" | "BETA")) => Ok(Namespace::new(class)),
        _ => Err(Error::not_found("no such class")),
    }
}

fn count_in<'a>(_: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let stub = class(params)?.by_name(params.get("name").unwrap_or_default())?;
    Ok(bridge::respond_with(&stub.forward()?)?)
}

fn where_is<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let hint = match router::query(request, "hint") {
        None => None,
        Some("weur") => Some(LocationHint::Weur),
        Some("enam") => Some(LocationHint::Enam),
        Some(_) => return Err(Error::bad_request("a hint this example knows: weur or enam")),
    };
    let stub = class(params)?.by_name_near(params.get("name").unwrap_or_default(), hint)?;
    Ok(Response::text(200, stub.name_in(request)?.unwrap_or("(no name)")))
}

fn echo<'a>(request: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    Response::number(200, request.body().len() as u64)
}

fn name<'a>(request: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    Response::text(200, request.var("NAME").unwrap_or("none"))
}

/// A subrequest to the origin: what its answer was, in one line.
fn relay<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let origin = request.var("ORIGIN").ok_or(Error::internal("no ORIGIN variable"))?;
    let url = request.format(format_args!("{origin}/{}", params.get("path").unwrap_or_default()))?;
    let headers = [Header::new("x-relay", request.header("x-relay").unwrap_or("-"))];
    let body = match request.method() {
        "GET" | "HEAD" => &[][..],
        _ => request.body(),
    };
    let answer = io::send(&Subrequest::new(request.method(), url).headers(&headers).body(body))?;
    let status = answer.status()?;
    let from = answer.header_in("x-origin", request)?.unwrap_or("-");
    let text = core::str::from_utf8(answer.body_in(request)?).map_err(|_| Error::internal("not text"))?;
    let line = request.format(format_args!("{status} {from} {text}"))?;
    Ok(Response::text(200, line))
}

fn no_content<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    Response::text(204, "a body the platform refuses\n")
}

fn status<'a>(_: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let status = params.get("n").and_then(|n| n.parse().ok());
    let status = status.ok_or(Error::bad_request("not a number"))?;
    Ok(Response::bytes(status, b""))
}

fn r2_put<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let options = PutOptions {
        content_type: request.header("content-type"),
        only_if: request.header("if-match").map(|etag| Conditions {
            etag_matches: Some(etag.trim_matches('"')),
            ..Conditions::default()
        }),
        ..PutOptions::default()
    };
    match BUCKET.put(params.get("key").unwrap_or_default(), request.body(), &options)? {
        Some(object) => Ok(Response::text(201, "stored\n").header("etag", object.http_etag_in(request)?)),
        None => Ok(Response::text(412, "precondition failed\n")),
    }
}

fn r2_get<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let Some(object) = BUCKET.get(params.get("key").unwrap_or_default())? else {
        return Err(Error::not_found("no such object"));
    };
    let content_type = object.content_type_in(request)?.unwrap_or("application/octet-stream");
    Ok(Response::bytes(200, object.body_in(request)?)
        .with_headers(&[])
        .header("content-type", content_type)
        .header("etag", object.http_etag_in(request)?))
}

fn r2_list<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let listing = BUCKET.list(&ListOptions {
        prefix: router::query(request, "prefix"),
        limit: Some(2),
        ..ListOptions::default()
    })?;
    // (A page holds at most 2 keys: a line each, then whether more follow.)
    let mut keys = ["", ""];
    for (i, key) in keys.iter_mut().enumerate().take(listing.len()?) {
        *key = listing.object(i)?.key_in(request)?;
    }
    let lines = request.format(format_args!(
        "{}{}{}{}{}",
        keys[0],
        if keys[0].is_empty() { "" } else { "\n" },
        keys[1],
        if keys[1].is_empty() { "" } else { "\n" },
        if listing.truncated()? { "truncated\n" } else { "" },
    ))?;
    Ok(Response::text(200, lines))
}

/// The notes table, made on first use.
fn notes() -> Result<(), Error> {
    DB.exec("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL)")?;
    Ok(())
}

fn d1_insert<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    notes()?;
    let text = core::str::from_utf8(request.body())?;
    let meta = DB
        .prepare("INSERT INTO notes (text) VALUES (?)")?
        .bind(&[Param::Text(text)])?
        .run()?;
    Ok(Response::number(201, meta.last_row_id()? as u64))
}

fn d1_note<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    notes()?;
    let id = params.get("id").and_then(|id| id.parse::<i64>().ok());
    let id = id.ok_or(Error::bad_request("an id is a number"))?;
    let statement = DB
        .prepare("SELECT id, text FROM notes WHERE id = ?")?
        .bind(&[Param::Integer(id)])?;
    match statement.first()? {
        Some(row) => Ok(Response::json(200, row.value().json_in(request)?)),
        None => Err(Error::not_found("no such note")),
    }
}

fn d1_integer<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let n = params.get("n").and_then(|n| n.parse::<i64>().ok());
    let n = n.ok_or(Error::bad_request("an integer, please"))?;
    DB.exec("CREATE TABLE IF NOT EXISTS ints (n INTEGER NOT NULL)")?;
    let insert = DB.prepare("INSERT INTO ints (n) VALUES (?) RETURNING n")?;
    let row = insert.bind(&[Param::Integer(n)])?.first()?;
    let stored = row.ok_or(Error::internal("RETURNING gave no row"))?.integer("n")?;
    Ok(Response::text(200, request.format(format_args!("{stored}"))?))
}

fn cache<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let cache = Cache::default_cache()?;
    // The cache's key: a URL of this Worker's own.
    let url = request.format(format_args!(
        "https://cache.standins.test/{}",
        params.get("path").unwrap_or_default()
    ))?;
    match request.method() {
        "PUT" => {
            let control = request.header("cache-control").unwrap_or("max-age=3600");
            let headers = [("cache-control", control), ("content-type", "text/plain")];
            cache.put(url, 200, &headers, request.body())?;
            Ok(Response::text(201, "cached\n"))
        }
        "GET" => match cache.get(url)? {
            Some(cached) => Ok(cached.respond()?),
            None => Err(Error::not_found("a miss")),
        },
        "DELETE" => Ok(Response::text(200, if cache.delete(url)? { "true" } else { "false" })),
        _ => Err(Error::new(405, "GET, PUT or DELETE")),
    }
}

/// An object of either class: counts its calls in its storage.
fn count<'a>(_: &Request<'a>, storage: &Storage) -> Response<'a> {
    let n = storage.get_u64("count").ok().flatten().unwrap_or(0) + 1;
    if storage.put_u64("count", n).is_err() {
        return Response::text(500, "storage failed\n");
    }
    Response::number(200, n)
}

/// Class Beta: the same counter, another class.
fn count_beta<'a>(request: &Request<'a>, storage: &Storage) -> Response<'a> {
    count(request, storage)
}

tinyworker::entry!(handle);
tinyworker::durable_object!(class Alpha { fetch: count });
tinyworker::durable_object!(class Beta { fetch: count_beta });

#[cfg(test)]
mod tests;
