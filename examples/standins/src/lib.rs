//! Where a Worker's `cargo test` stand-ins (`tinyworker::testing`) could answer otherwise than the
//! platform: repeated headers, objects of two classes with one name, a body past the I/O buffer, a
//! secret and a variable of one name, responses the platform refuses. `cases.json` lists each
//! case once; `cargo test -p standins` runs it on the stand-ins and test/e2e/standins.test.mjs
//! under wrangler dev, so the two cannot drift.
//!
//! | route | answer |
//! |---|---|
//! | `GET /auth` | 200 `welcome` when `authorization` is `Bearer good`, else 401 |
//! | `POST /count/<ALPHA\|BETA>/<name>` | object `<name>` of that class counts the call: the count, in decimal |
//! | `POST /echo` | how many bytes the body has, in decimal |
//! | `GET /name` | the variable (or secret) `NAME` |
//! | `GET /no-content` | a 204 with a body (which the platform refuses) |
//! | `GET /status/<n>` | an empty answer of status n |
#![no_std]

use tinyworker::object::Namespace;
use tinyworker::storage::Storage;
use tinyworker::{bridge, Request, Response};

fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    let path = request.path();
    if let Some(rest) = path.strip_prefix("/count/") {
        let (class, name) = rest.split_once('/').unwrap_or((rest, ""));
        let class = match class {
            "ALPHA" | "BETA" => class,
            _ => return Response::text(404, "no such class\n"),
        };
        return match Namespace::new(class).by_name(name).and_then(|o| o.forward()) {
            Ok(answer) => bridge::respond_with(&answer).unwrap_or(Response::text(502, "no answer\n")),
            Err(_) => Response::text(502, "the object failed\n"),
        };
    }
    if let Some(code) = path.strip_prefix("/status/") {
        return match code.parse() {
            Ok(status) => Response::bytes(status, b""),
            Err(_) => Response::text(400, "not a number\n"),
        };
    }
    match path {
        "/auth" => match request.header("authorization") {
            Some("Bearer good") => Response::text(200, "welcome\n"),
            _ => Response::text(401, "who are you?\n"),
        },
        "/echo" => Response::number(200, request.body().len() as u64),
        "/name" => Response::text(200, request.var("NAME").unwrap_or("none")),
        "/no-content" => Response::text(204, "a body the platform refuses\n"),
        _ => Response::text(404, "not found\n"),
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
