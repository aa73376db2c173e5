//! Every binding from a synchronous handler through the host bridge, under the local simulators
//! of `wrangler dev` (R2, D1, Queues, KV), and the platform's basics.
//!
//! | route | answer |
//! |---|---|
//! | `PUT /r2/<key>` | stores the body (content type from the request), 201 |
//! | `GET /r2/<key>` | the object byte for byte, its content type and etag; 404 when absent |
//! | `HEAD /r2/<key>` | the object's size and etag, no body; 404 when absent |
//! | `GET /r2-range/<key>?offset=<o>&length=<n>` | n bytes of the object from o |
//! | `DELETE /r2/<key>` | deletes it, 204 |
//! | `GET /r2-list?prefix=<p>` | the keys, one per line |
//! | `POST /d1/notes` | inserts the body as a note, answers its id |
//! | `GET /d1/notes/<id>` | the note (404 when absent) |
//! | `GET /d1/count` | how many notes |
//! | `POST /queue` | sends the body to the queue, 202 |
//! | `GET /random/<n>` | n random bytes (at most 65,536) |
//! | `POST /sha256` | the body's SHA-256, lowercase hex |
//! | `GET /time` | the wall clock, ms since the epoch |
//! | `GET /r2-then-panic/<key>`, `/d1-then-abort`, `/r2-then-oom/<key>` | a bridge call, then that fault: 500 |
//!
//! Every error of a binding is the handler's 502 (or 400 for an argument the platform refuses);
//! its message goes to the log, never to the client.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::hint::black_box;
use tinyworker::bridge::{self, Error};
use tinyworker::d1::{Database, Param};
use tinyworker::platform::{self, Level};
use tinyworker::queue::{Body, Queue};
use tinyworker::r2::{Bucket, ListOptions, PutOptions};
use tinyworker::{Header, Request, Response};

const BUCKET: Bucket<'static> = Bucket::new("BUCKET");
const DB: Database<'static> = Database::new("DB");
const QUEUE: Queue<'static> = Queue::new("QUEUE");

/// The answer to a bridge error: logged with the binding's message, never sent.
fn failed<'a>(error: Error) -> Response<'a> {
    let mut message = [0u8; 256];
    platform::log(Level::Error, bridge::last_error(&mut message));
    match error {
        Error::InvalidArgument => Response::text(400, "bad request: the platform refused an argument\n"),
        Error::NoTarget | Error::NoMethod => Response::text(500, "misconfigured: no such binding\n"),
        _ => Response::text(502, "bad gateway: the binding failed\n"),
    }
}

/// The value of query parameter `name`.
fn param<'a>(request: &Request<'a>, name: &str) -> Option<&'a str> {
    request
        .query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

fn r2<'a>(request: &Request<'a>, key: &'a str) -> Result<Response<'a>, Error> {
    match request.method() {
        "PUT" => {
            let options = PutOptions {
                content_type: request.header("content-type"),
                ..PutOptions::default()
            };
            BUCKET.put(key, request.body(), &options)?;
            Ok(Response::text(201, "stored\n"))
        }
        "GET" | "HEAD" => {
            let head = request.method() == "HEAD";
            let found = if head { BUCKET.head(key)? } else { BUCKET.get(key)? };
            let Some(object) = found else {
                return Ok(Response::text(404, "absent\n"));
            };
            let mut etag = [0u8; 64];
            let mut content_type = [0u8; 128];
            let etag = alloc::string::String::from(object.http_etag(&mut etag)?);
            let content_type = object.content_type(&mut content_type)?.map(alloc::string::String::from);
            let body = if head { Vec::new() } else { object.body_owned()? };
            let mut response = Response::owned(200, body).with_headers(&[]).header_owned("etag", etag);
            if let Some(content_type) = content_type {
                response = response.header_owned("content-type", content_type);
            }
            if head {
                let mut digits = [0u8; 20];
                let size = alloc::string::String::from(decimal(object.size()?, &mut digits));
                response = response.header_owned("x-size", size);
            }
            Ok(response)
        }
        "DELETE" => {
            BUCKET.delete(key)?;
            Ok(Response::bytes(204, b""))
        }
        _ => Ok(Response::text(405, "method not allowed: GET, HEAD, PUT or DELETE\n")),
    }
}

fn r2_range<'a>(request: &Request<'a>, key: &str) -> Result<Response<'a>, Error> {
    let number = |name| param(request, name).and_then(|v: &str| v.parse::<u64>().ok());
    let (Some(offset), Some(length)) = (number("offset"), number("length")) else {
        return Ok(Response::text(400, "offset and length, please\n"));
    };
    match BUCKET.get_range(key, offset, length)? {
        Some(object) => Ok(Response::owned(200, object.body_owned()?).with_headers(&[])),
        None => Ok(Response::text(404, "absent\n")),
    }
}

fn r2_list<'a>(request: &Request<'a>) -> Result<Response<'a>, Error> {
    let listing = BUCKET.list(&ListOptions {
        prefix: param(request, "prefix"),
        ..ListOptions::default()
    })?;
    let mut out = Vec::new();
    let mut key = [0u8; 1024];
    for i in 0..listing.len()? {
        out.extend_from_slice(listing.object(i)?.key(&mut key)?.as_bytes());
        out.push(b'\n');
    }
    Ok(Response::owned(200, out))
}

/// The notes table, made on first use.
fn notes() -> Result<(), Error> {
    DB.exec("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL)")
}

fn d1<'a>(request: &Request<'a>, path: &'a str) -> Result<Response<'a>, Error> {
    notes()?;
    if path == "/d1/notes" && request.method() == "POST" {
        let Ok(text) = core::str::from_utf8(request.body()) else {
            return Ok(Response::text(400, "a note is UTF-8 text\n"));
        };
        let insert = DB
            .prepare("INSERT INTO notes (text) VALUES (?)")?
            .bind(&[Param::Text(text)])?;
        let id = insert.run()?.last_row_id()?;
        return Ok(Response::number(201, id as u64));
    }
    if path == "/d1/count" {
        let row = DB.prepare("SELECT COUNT(*) AS n FROM notes")?.first()?;
        return Ok(Response::number(
            200,
            row.map(|r| r.integer("n")).transpose()?.unwrap_or(0) as u64,
        ));
    }
    if let Some(id) = path.strip_prefix("/d1/notes/") {
        let Ok(id) = id.parse::<i64>() else {
            return Ok(Response::text(400, "an id is a number\n"));
        };
        let select = DB
            .prepare("SELECT text FROM notes WHERE id = ?")?
            .bind(&[Param::Integer(id)])?;
        return match select.first()? {
            Some(row) => Ok(Response::owned(200, row.get("text")?.bytes_owned()?)),
            None => Ok(Response::text(404, "no such note\n")),
        };
    }
    Ok(Response::text(404, "not found\n"))
}

/// `n` in decimal into `digits`.
fn decimal(n: u64, digits: &mut [u8; 20]) -> &str {
    let mut rest = n;
    let mut start = digits.len();
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        start -= 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    core::str::from_utf8(digits.get(start..).unwrap_or_default()).unwrap_or("0")
}

const OCTETS: &[Header<'static>] = &[Header::new("content-type", "application/octet-stream")];

fn route<'a>(request: &Request<'a>) -> Result<Response<'a>, Error> {
    let path = request.path();
    if let Some(key) = path.strip_prefix("/r2/") {
        return r2(request, key);
    }
    if let Some(key) = path.strip_prefix("/r2-range/") {
        return r2_range(request, key);
    }
    if path.starts_with("/d1/") {
        return d1(request, path);
    }
    if let Some(n) = path.strip_prefix("/random/") {
        let Some(n) = n.parse::<usize>().ok().filter(|n| *n <= 65536) else {
            return Ok(Response::text(400, "at most 65536 bytes\n"));
        };
        let mut bytes = alloc::vec![0u8; n];
        platform::random_bytes(&mut bytes)?;
        return Ok(Response::owned(200, bytes).with_headers(OCTETS));
    }
    if let Some(key) = path.strip_prefix("/r2-then-panic/") {
        BUCKET.get(key)?;
        panic!("panicked after an R2 get");
    }
    if let Some(key) = path.strip_prefix("/r2-then-oom/") {
        let object = BUCKET.get(key)?;
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        if let Some(object) = object {
            hoard.push(object.body_owned()?);
        }
        loop {
            hoard.push(Vec::with_capacity(black_box(1 << 20)));
        }
    }
    match path {
        "/" => Ok(Response::text(200, "ok\n")),
        "/r2-list" => r2_list(request),
        "/queue" if request.method() == "POST" => {
            QUEUE.send(Body::Bytes(request.body()), 0)?;
            Ok(Response::text(202, "sent\n"))
        }
        "/sha256" if request.method() == "POST" => {
            let digest = platform::sha256(request.body())?;
            let Some(out) = request.scratch(64) else {
                return Ok(Response::text(413, "no room\n"));
            };
            let hex = platform::hex(&digest, out).unwrap_or("");
            Ok(Response::text(200, hex))
        }
        "/time" => Ok(Response::number(200, platform::now_ms()? as u64)),
        "/d1-then-abort" => {
            notes()?;
            DB.prepare("INSERT INTO notes (text) VALUES ('written before an abort')")?
                .run()?;
            tinyworker::abort("aborted after a D1 write")
        }
        _ => Ok(Response::text(404, "not found\n")),
    }
}

fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    route(request).unwrap_or_else(failed)
}

tinyworker::entry!(handle);
