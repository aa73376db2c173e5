//! Bindings and I/O from a synchronous handler: the env variable `GREETING`, subrequests to
//! the origin whose base URL is the env variable `ORIGIN`, and the KV namespace bound as `CACHE`.
//! Each I/O call suspends this instance (JSPI) until the host answers; other requests run on
//! other instances meanwhile.
//!
//! | route | answer |
//! |---|---|
//! | `GET /env` | 200, the value of `GREETING` |
//! | `GET/POST /origin/<path>` | the origin's status, headers and body for `<path>` (POST forwards the body), plus `x-tinyworker: proxied` |
//! | `GET/PUT/DELETE /kv/<key>`, `/kv?key=<key>` | the value (404 when absent); store the request body; delete (the key percent-decoded) |
//! | `GET /slow?ms=<n>[&timeout=<t>]` | fetches the origin's `/slow?ms=<n>` (abandoned after t ms: 504), then 200 `slow <n>` |
//! | `GET /origin-then-panic`, `-abort`, `-oom` | a subrequest that completes, then that fault |
//! | `GET /unreachable-origin` | a subrequest to a closed port: the `Err` becomes this handler's 502 |
//! | `GET /scratch/<path>` | the origin's body for `<path>`, read into the request's I/O buffer (no allocator needed) |
//! | `GET /stream/<path>` | the origin's answer for `<path>` passed through: its status and content type, the body never in wasm |
//! | `GET /headers-of/<path>` | the origin's answer for `<path>`: its status, every header of it passed on without entering wasm, plus `x-tinyworker: forwarded`, and its body streamed |
//! | `POST /upload/<path>` | the request's own body passed on to the origin's `<path>` as it arrives; the origin's answer passed back |
//! | `POST /sha256` | the request body read in chunks and hashed in Rust: its SHA-256 in lowercase hex (no size limit but the platform's) |
//! | `GET /generated-upload/<path>?kib=<n>` | a subrequest to the origin's `<path>` whose body the handler writes as it goes (n KiB of the `/big` pattern); the origin's answer |
//! | `GET /sse?n=<n>` | `text/event-stream`: n events `data: <i>` (i from 1), each sent as soon as it is written |
//! | `GET /stream-then-panic?mib=<n>` | streams n MiB, then panics: the body ends uncleanly |
//! | `GET /memory` | the instance's linear memory, in 64 KiB pages |
//!
//! A KV key the platform refuses (empty, `.`, `..`, over 512 bytes) or a request it refuses to
//! forward (a GET with a body) is the client's mistake: 400. An answer larger than the heap
//! limit (32 MiB by default) is the handler's 502, and the instance goes on.
#![no_std]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::hint::black_box;
use tinyworker::io::{self, Error, Subrequest};
use tinyworker::kv::{Namespace, PutOptions};
use tinyworker::router;

mod streams;
use tinyworker::{Header, Request, Response};

/// The base URL of the origin (`ORIGIN`), then `rest`.
fn origin_url(request: &Request<'_>, rest: &str) -> Option<String> {
    let base = request.var("ORIGIN")?;
    let mut url = String::with_capacity(base.len() + rest.len());
    url.push_str(base.trim_end_matches('/'));
    url.push_str(rest);
    Some(url)
}

/// The routes whose bodies stream (streams.rs), if `path` is one.
fn streamed<'a>(request: &Request<'a>, path: &str) -> Option<Result<Response<'a>, tinyworker::bridge::Error>> {
    let number = |name: &str| -> u64 {
        let query = request.query().unwrap_or_default();
        query
            .split('&')
            .find_map(|p| p.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
            .unwrap_or(0)
    };
    let origin =
        |rest: &str| origin_url(request, &path_and_query(request, rest)).ok_or(tinyworker::bridge::Error::NoTarget);
    Some(match path {
        "/sha256" => streams::sha256(request),
        "/sse" => streams::sse(number("n")),
        "/stream-then-panic" => streams::stream_then_panic(number("mib")),
        "/memory" => Ok(streams::memory()),
        _ => {
            let (route, _) = path.get(1..)?.split_once('/')?;
            let rest = path.get(route.len() + 1..)?; // "/<path>"
            match route {
                "stream" => origin(rest).and_then(|url| streams::pass_through(request, &url)),
                "headers-of" => origin(rest).and_then(|url| streams::headers_of(&url)),
                "upload" => origin(rest).and_then(|url| streams::upload(&url)),
                "generated-upload" => origin_url(request, rest)
                    .ok_or(tinyworker::bridge::Error::NoTarget)
                    .and_then(|url| streams::generated_upload(&url, number("kib"))),
                _ => return None,
            }
        }
    })
}

/// The answer to an I/O error: the client's mistakes are 4xx, the origin's 502.
fn bad_gateway(error: Error) -> Response<'static> {
    match error {
        Error::InvalidArgument => Response::text(400, "bad request: the platform refuses this key or request\n"),
        Error::Failed => Response::text(502, "bad gateway: the origin did not answer\n"),
        Error::InvalidUrl => Response::text(502, "bad gateway: invalid origin URL\n"),
        Error::NoBinding => Response::text(500, "misconfigured: no such binding\n"),
        Error::TooLarge { .. } => Response::text(502, "bad gateway: the answer is too large\n"),
        Error::TimedOut => Response::text(504, "gateway timeout: the origin took too long\n"),
        _ => Response::text(502, "bad gateway\n"),
    }
}

/// The request headers a proxy forwards (hop-by-hop ones and `host` stay behind).
fn forwarded<'a>(request: &Request<'a>) -> Vec<Header<'a>> {
    request
        .headers()
        .filter(|(name, _)| {
            !matches!(
                *name,
                "host" | "connection" | "content-length" | "transfer-encoding" | "keep-alive"
            )
        })
        .map(|(name, value)| Header::new(name, value))
        .collect()
}

fn proxy<'a>(request: &Request<'a>, rest: &str) -> Response<'a> {
    let Some(url) = origin_url(request, rest) else {
        return Response::text(500, "misconfigured: no ORIGIN variable\n");
    };
    let headers = forwarded(request);
    let sub = Subrequest::new(request.method(), &url)
        .headers(&headers)
        .body(request.body());
    match io::fetch_owned(&sub) {
        Ok(answer) => {
            let status = answer.status();
            let headers: Vec<(String, String)> = answer
                .headers()
                .filter(|(name, _)| *name != "content-length")
                .map(|(name, value)| (String::from(name), String::from(value)))
                .collect();
            let mut response = Response::owned(status, answer.into_body()).with_headers(&[]);
            for (name, value) in headers {
                response = response.header_owned(name, value);
            }
            response.header("x-tinyworker", "proxied")
        }
        Err(error) => bad_gateway(error),
    }
}

fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    let path = request.path();
    if path.starts_with("/origin/") {
        // "/origin/<path>" -> the origin's "/<path>"
        return proxy(
            request,
            &path_and_query(request, path.get("/origin".len()..).unwrap_or("/")),
        );
    }
    // The key: the rest of the path, or `?key=` (which can say `.` and `..`, which a URL path
    // cannot), percent-decoded.
    let key = match (path.strip_prefix("/kv/"), path == "/kv") {
        (Some(key), _) => Some(key),
        (None, true) => Some(request.query().and_then(|q| q.strip_prefix("key=")).unwrap_or("")),
        _ => None,
    };
    if let Some(key) = key {
        return match percent_decoded(key) {
            Some(key) => kv(request, &key),
            None => Response::text(400, "bad request: the key is not valid percent-encoded UTF-8\n"),
        };
    }
    if let Some(rest) = path.strip_prefix("/scratch/").and(path.get("/scratch".len()..)) {
        // Without an allocator: the answer lands in the request's own I/O buffer.
        let Some(url) = origin_url(request, rest) else {
            return Response::text(500, "no ORIGIN\n");
        };
        let Some(buffer) = request.scratch(16 * 1024) else {
            return Response::text(413, "no room\n");
        };
        return match io::fetch(&Subrequest::get(&url), buffer) {
            Ok(answer) => Response::bytes(answer.status(), answer.body()),
            Err(error) => bad_gateway(error),
        };
    }
    if let Some(answer) = streamed(request, path) {
        return answer.unwrap_or_else(|_| Response::text(502, "bad gateway: the stream failed\n"));
    }
    match path {
        "/" => Response::text(200, "ok"),
        "/env" => match request.var("GREETING") {
            Some(greeting) => Response::text(200, greeting),
            None => Response::text(500, "misconfigured: no GREETING variable\n"),
        },
        "/slow" => {
            let ms = router::query(request, "ms").unwrap_or("0");
            let timeout = router::query(request, "timeout")
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            let mut rest = String::from("/slow?ms=");
            rest.push_str(ms);
            let Some(url) = origin_url(request, &rest) else {
                return Response::text(500, "no ORIGIN\n");
            };
            match io::fetch_owned(&Subrequest::get(&url).timeout(timeout)) {
                Ok(answer) if answer.status() == 200 => {
                    let mut body = String::from("slow ");
                    body.push_str(ms);
                    Response::owned(200, body.into_bytes())
                }
                Ok(_) => Response::text(502, "the origin's slow route failed\n"),
                Err(error) => bad_gateway(error),
            }
        }
        "/origin-then-panic" | "/origin-then-abort" | "/origin-then-oom" => {
            let Some(url) = origin_url(request, "/x") else {
                return Response::text(500, "no ORIGIN\n");
            };
            if io::fetch_owned(&Subrequest::get(&url)).is_err() {
                return Response::text(502, "the origin did not answer\n");
            }
            match path {
                "/origin-then-panic" => panic!("panicked after a subrequest"),
                "/origin-then-abort" => tinyworker::abort("aborted after a subrequest"),
                _ => {
                    let mut hoard: Vec<Vec<u8>> = Vec::new();
                    loop {
                        hoard.push(Vec::with_capacity(black_box(1 << 20)));
                    }
                }
            }
        }
        // A closed port on loopback: connection refused, an Err for the handler.
        "/unreachable-origin" => match io::fetch_owned(&Subrequest::get("http://127.0.0.1:9/")) {
            Ok(_) => Response::text(500, "the closed port answered\n"),
            Err(_) => Response::text(502, "bad gateway: the origin is unreachable\n"),
        },
        _ => Response::text(404, "not found\n"),
    }
}

/// `text` with every `%XX` replaced by its byte; `None` when that is not UTF-8 or a `%` is not
/// followed by two hex digits.
fn percent_decoded(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let [first, tail @ ..] = rest {
        if *first == b'%' {
            let [high, low, after @ ..] = tail else { return None };
            let digit = |d: &u8| (*d as char).to_digit(16);
            bytes.push((digit(high)? * 16 + digit(low)?) as u8);
            rest = after;
        } else {
            bytes.push(*first);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// `rest` with the request's query string, if any.
fn path_and_query(request: &Request<'_>, rest: &str) -> String {
    let mut out = String::from(rest);
    if let Some(query) = request.query() {
        out.push('?');
        out.push_str(query);
    }
    out
}

fn kv<'a>(request: &Request<'a>, key: &str) -> Response<'a> {
    let cache = Namespace::new("CACHE");
    match request.method() {
        "GET" => match cache.get_owned(key) {
            Ok(Some(value)) => Response::owned(200, value).with_headers(&[]),
            Ok(None) => Response::text(404, "not found\n"),
            Err(error) => bad_gateway(error.into()),
        },
        "PUT" => match cache.put(key, request.body(), &PutOptions::default()) {
            Ok(()) => Response::text(201, "stored\n"),
            Err(error) => bad_gateway(error.into()),
        },
        "DELETE" => match cache.delete(key) {
            Ok(()) => Response::text(200, "deleted\n"),
            Err(error) => bad_gateway(error.into()),
        },
        _ => Response::text(405, "method not allowed: GET, PUT or DELETE\n"),
    }
}

tinyworker::entry!(handle, 32 * 1024);
