//! Response headers computed per request. Without an allocator they borrow the request or
//! static data; with one (`--features talc`) they may also be owned strings.
//!
//! | route | answer |
//! |---|---|
//! | `GET /redirect?to=<target>` | 302, `location: <target>` (borrowed from the query) |
//! | `GET /cors` | 200, `access-control-allow-origin` echoing the request's `origin`, `vary: origin` |
//! | `GET /login?user=<name>` (allocator) | 303, `location: /users/<name>`, two `set-cookie`s, an `etag` (owned) |
//! | `GET /headers` (allocator) | 200, every request header as `name: value` lines |
//! | `GET /many?n=<count>` | 200 with computed headers `x-1` .. `x-<count>` (at most 12); without an allocator more than 8 is refused: a 500, logged, the instance kept |
#![no_std]

#[cfg(feature = "alloc")]
extern crate alloc;

use tinyworker::{Request, Response};

fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    match request.path() {
        "/redirect" => {
            let to = request.query().and_then(|q| q.strip_prefix("to=")).unwrap_or("/");
            Response::text(302, "redirecting").header("location", to)
        }
        "/cors" => {
            let response = Response::text(200, "cors");
            match request.header("origin") {
                Some(origin) => response
                    .header("access-control-allow-origin", origin)
                    .header("vary", "origin"),
                None => response,
            }
        }
        "/many" => {
            let n = request
                .query()
                .and_then(|q| q.strip_prefix("n="))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            MANY.iter()
                .take(n)
                .fold(Response::text(200, "many"), |response, name| response.header(name, "1"))
        }
        _ => owned::routes(request),
    }
}

/// The names `/many` adds.
const MANY: [&str; 12] = [
    "x-1", "x-2", "x-3", "x-4", "x-5", "x-6", "x-7", "x-8", "x-9", "x-10", "x-11", "x-12",
];

/// The routes whose headers or body are built on the heap.
#[cfg(feature = "alloc")]
mod owned {
    use alloc::string::String;
    use tinyworker::{Request, Response};

    pub fn routes<'a>(request: &Request<'a>) -> Response<'a> {
        match request.path() {
            "/login" => {
                let user = request
                    .query()
                    .and_then(|q| q.strip_prefix("user="))
                    .unwrap_or("anonymous");
                let mut location = String::from("/users/");
                location.push_str(user);
                let mut cookie = String::from("user=");
                cookie.push_str(user);
                cookie.push_str("; Path=/; HttpOnly");
                let mut etag = String::from("\"");
                etag.push_str(user);
                etag.push('"');
                Response::text(303, "logged in")
                    .header_owned("location", location)
                    .header_owned("set-cookie", cookie)
                    .header("set-cookie", "seen=1; Path=/")
                    .header_owned(String::from("etag"), etag)
            }
            "/headers" => {
                let mut body = String::new();
                for (name, value) in request.headers() {
                    body.push_str(name);
                    body.push_str(": ");
                    body.push_str(value);
                    body.push('\n');
                }
                Response::owned(200, body.into_bytes())
            }
            _ => Response::text(404, "not found"),
        }
    }
}

#[cfg(not(feature = "alloc"))]
mod owned {
    use tinyworker::{Request, Response};

    pub fn routes<'a>(_request: &Request<'a>) -> Response<'a> {
        Response::text(404, "not found (the owned-header routes need an allocator feature)")
    }
}

tinyworker::entry!(handle);
