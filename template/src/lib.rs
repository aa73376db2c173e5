//! {{name}}: a Cloudflare Worker in Rust, served by tinyworker.
// no_std in the module; the host's std for `cargo test` (src/tests.rs).
#![cfg_attr(not(test), no_std)]

use tinyworker::{Request, Response};

#[cfg(test)]
mod tests;

fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    match (request.method(), request.path()) {
        ("GET", "/") => Response::text(200, "hello from {{name}}\n"),
        // The query string, borrowed from the request: no allocator needed.
        ("GET", "/echo") => Response::text(200, request.query().unwrap_or("")),
        // A header computed per request (here: borrowed from the query).
        ("GET", "/go") => {
            let to = request.query().and_then(|q| q.strip_prefix("to=")).unwrap_or("/");
            Response::text(302, "redirecting\n").header("location", to)
        }
        // A fault on purpose: this request gets a 500 (its text stays in the log, not in
        // the response), and the next request is served by a fresh instance.
        ("GET", "/panic") => panic!("panicked on purpose"),
        _ => Response::text(404, "not found\n"),
    }
}

tinyworker::entry!(handle);
