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
//! | `GET /r2-list?prefix=<p>[&delimiter=][&limit=][&after=<key>][&include][&pages]` | the keys, one per line (with `include`, each one's content type and owner; with `pages`, every page by its cursor) |
//! | `PUT /r2-if/<key>` | stores the body with every `put` option the request names: `if-match`/`if-none-match` (412 when they do not hold), `x-sha256` (400 when it does not match), `x-storage-class`, `content-type`, `cache-control`, `content-language`, `content-disposition`; 201 with its etag |
//! | `GET /r2-if/<key>[?suffix=<n>]` | the object (its last n bytes) with its HTTP metadata and storage class; 304 without its body when `if-none-match` names its etag |
//! | `GET /d1/session[?start=primary\|?bookmark=<b>]` | the notes counted in a D1 session starting there; its bookmark in `x-bookmark` |
//! | `POST /d1/notes` | inserts the body as a note, answers its id |
//! | `GET /d1/notes/<id>` | the note (404 when absent) |
//! | `GET /d1/count` | how many notes |
//! | `POST /queue` | sends the body to the queue, 202 |
//! | `GET /random/<n>` | n random bytes (at most 65,536) |
//! | `POST /sha256` | the body's SHA-256, lowercase hex |
//! | `GET /time` | the wall clock, ms since the epoch |
//! | `GET /r2-then-panic/<key>`, `/d1-then-abort`, `/r2-then-oom/<key>` | a bridge call, then that fault: 500 |
//! | `DELETE /r2-many?keys=<a,b,...>` | deletes each, 204 |
//! | `POST /d1/batch` | inserts each line of the body in one batch, answers the new ids, one per line |
//! | `GET /d1/all` | every note as `<id> <text>`, one per line |
//! | `POST /d1/blob` | stores the body as a blob, answers its id; `GET /d1/blob/<id>` answers it with its column kind in `x-kind` |
//! | `POST /queue-batch` | sends each line of the body as a message of one batch, 202 |
//! | `GET/PUT/DELETE /kv/<key>` | KV: the value (404 when absent), store the body (`?ttl=<s>`, metadata from the `x-metadata` header, JSON), delete |
//! | `GET /kv-meta/<key>` | the key's metadata as JSON (404 when absent, `null` when it has none) |
//! | `GET /kv-list?prefix=<p>[&limit=][&cursor=][&pages]` | the key names, one per line ("more" when a cursor follows; with `pages`, every page) |
//! | `GET/PUT/DELETE /cache/<path>[?cache=<name>]` | the default cache (or the named one): the cached body (404 on a miss), cache the body for an hour, delete (`true`/`false`) |
//! | `GET /d1-bad` | a statement D1 refuses: the binding's own error, 502 (its message only in the log) |
//! | `GET /rpc/<name>` | `env.GREETER.hello(name)`: Workers RPC to a bound service |
//! | `GET /host/<key>` | `lookup(key)`, an async host function of the Worker's JavaScript entry |
//! | `GET /limit/<key>`, `POST /analytics`, `GET /secret-length`, `POST /ai/<model>`, `POST /vectors/query`, `POST /vectors/upsert` | rate limiting, Analytics Engine, the Secrets Store, Workers AI and Vectorize, typed (tested in Node 24 against stand-ins of the platform's documented shapes: no local simulator here) |
//! | `GET /static/<path>` | the static asset the request names (`public/static/<path>`, `tinyworker::assets`), as the platform answers it: a 304 for its etag, a 404 when there is no such file |
//! | `GET /asset/<name>` | the asset `/static/<name>` fetched by URL (`Assets::fetch`), answered untouched |
//! | `GET /hyperdrive` | the Hyperdrive configuration's user, database and port (`tinyworker::hyperdrive`; its password and connection string stay in the Worker), and whether the connection string names the user |
//! | `POST /hyperdrive` | a TCP connection to the database through Hyperdrive: the body sent, the first chunk back |
//! | `POST /tcp/<host:port>` | a TCP socket (`tinyworker::socket`): the body sent, the server's first chunk back; 502 when it cannot connect |
//! | `POST /tls/<host:port>` | the same over TLS from the start (`Transport::On`): 502 when the server's certificate is not trusted |
//! | `POST /starttls/<host:port>` | plain TCP upgraded (`Transport::StartTls`): `STARTTLS` and the server's go-ahead in the clear, then `Socket::start_tls` and the body over TLS; 502 when the upgrade fails |
//! | `POST /after/<key>` | answers 202 at once; stores the body in KV under `<key>` afterwards (`ctx.waitUntil`) |
//! | `GET /log` | logs one line at each level |
//! | `GET /cf` | the request's `cf` properties as JSON |
//! | `GET /kv-text/<key>` | the value read as text into the request's buffer (no allocator needed) |
//! | `GET /var-json/<name>` | the env variable `name` as JSON (`SETTINGS` holds an object in `[vars]`); 404 without one |
//! | `GET /sleep/<ms>` | waits `ms` (at most 5,000) with `platform::sleep`, then `slept` |
//! | `GET /error-name` | a call that throws (`JSON.parse("{")`): its error's name, read with `bridge::last_error_name_in` (`SyntaxError`) |
//! | `GET /d1/exec`, `/d1/first/<column>`, `/d1/raw[?columns]` | D1's other reads as JSON: `exec`'s statement count, `first(column)` of the notes (404 without a row), `raw()` (with the column names first) |
//! | `GET /d1/int/<n>` | `n` (an `i64`) stored and read back exactly; 400 when it is not an integer or lies past ±(2^53 − 1), which D1 would store rounded |
//! | `POST /d1/typed` | inserts a row of a real (1.5), a NULL and the body as text; its id |
//! | `GET /d1/typed/<id>` | that row as JSON (its columns' kinds kept) |
//! | `POST /d1/clear` | deletes every note; how many rows changed |
//! | `POST /queue-json?delay=<s>` | sends the body as a JSON message delivered after s seconds, 202 |
//! | `GET /monotonic` | two readings of the monotonic clock, in order: `ok` |
//! | `GET /r2-stream/<key>` | the object passed through (its body never enters wasm), its content type and etag; 404 when absent |
//! | `GET /queue-log` | every message the queue consumer (a batch at a time) handled, one per line |
//! | `GET /started` | how many times this instance's start hook (`start!`) ran: `1` (a new instance after a fault runs it again) |
//! | `GET /bridge-loop?n=<n>&kind=<sync\|held\|async>` | n bridge calls (`Date.now()` read in the call, or held and released, or the host function `tick`, which answers a Promise): `make bench` times them |
//!
//! Every route goes through `tinyworker::router`, and every error of a binding is the route's
//! `Err`: a 502 (400 for an argument the platform refuses, 500 for a binding that is not there)
//! with a generic body; its message, and the binding's own, go to the log, never to the client.
#![no_std]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::hint::black_box;
use tinyworker::ai::{Ai, Index};
use tinyworker::analytics::{DataPoint, Dataset};
use tinyworker::assets::Assets;
use tinyworker::bridge::{self, Arg, Error, Target};
use tinyworker::cache::Cache;
use tinyworker::consumer;
use tinyworker::d1::{self, Database, Param, SessionStart};
use tinyworker::hyperdrive::Hyperdrive;
use tinyworker::kv::{self, Namespace};
use tinyworker::platform::{self, Level};
use tinyworker::queue::{Body, Queue};
use tinyworker::r2::{Bucket, Checksum, Conditions, GetOptions, ListOptions, PutOptions, Range, StorageClass};
use tinyworker::ratelimit::RateLimiter;
use tinyworker::router::{self, Params, Route};
use tinyworker::secrets::Secret;
use tinyworker::service::Service;
use tinyworker::socket::{Options as SocketOptions, Socket, Transport};
use tinyworker::{stream, Header, Request, Response};

const BUCKET: Bucket<'static> = Bucket::new("BUCKET");
const DB: Database<'static> = Database::new("DB");
const QUEUE: Queue<'static> = Queue::new("QUEUE");
const KV: Namespace<'static> = Namespace::new("KV");
const GREETER: Service<'static> = Service::new("GREETER");

/// The value of query parameter `name`.
fn param<'a>(request: &Request<'a>, name: &str) -> Option<&'a str> {
    request
        .query()?
        .split('&')
        .find_map(|pair| match pair.strip_prefix(name)? {
            "" => Some(""), // `?pages` alone, as URLSearchParams reads it
            rest => rest.strip_prefix('='),
        })
}

fn r2<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let key = key(params);
    match request.method() {
        "PUT" => {
            let owner = request.header("x-owner");
            let custom = [("owner", owner.unwrap_or(""))];
            let options = PutOptions {
                content_type: request.header("content-type"),
                custom: if owner.is_some() { &custom } else { &[] },
                ..PutOptions::default()
            };
            // The body goes to the bucket as it arrives (worker.js streams PUT /r2/ bodies), never
            // into wasm: any size the platform takes. A stream needs a known length; a body sent
            // without `content-length` is gathered by the host first.
            let body = if request.header("content-length").is_some() {
                stream::request_body()?
            } else {
                bridge::call(Target::Request, "arrayBuffer", &[])?
            };
            BUCKET.put_value(key, &body, &options)?;
            Ok(Response::text(201, "stored\n"))
        }
        "GET" | "HEAD" => {
            let head = request.method() == "HEAD";
            let found = if head { BUCKET.head(key)? } else { BUCKET.get(key)? };
            let Some(object) = found else {
                return Ok(Response::text(404, "absent\n"));
            };
            // The headers are made on the host from the object's metadata (none of it copied into
            // wasm, whatever its length), the body passed on as a stream.
            let headers = object_headers(&object, None)?;
            if let Some(owner) = object.custom_value("owner")? {
                set_header(&headers, "x-owner", Arg::value(&owner))?;
            }
            if head {
                set_header(&headers, "x-size", Arg::number(object.size()? as f64))?;
                return bridge::respond_with_headers_of(200, &headers, Arg::NULL);
            }
            bridge::respond_with_headers_of(200, &headers, Arg::value(&object.body_stream()?))
        }
        "DELETE" => {
            BUCKET.delete(key)?;
            Ok(Response::bytes(204, b""))
        }
        _ => Ok(Response::text(405, "method not allowed: GET, HEAD, PUT or DELETE\n")),
    }
}

/// `headers.set(name, value)` on a `Headers` the bridge holds.
fn set_header(headers: &bridge::Value, name: &str, value: Arg<'_>) -> Result<(), Error> {
    headers.call_unit("set", &[Arg::str(name), value])
}

/// A `Headers` made on the host with an R2 object's `etag` and content type (`default` when it
/// has none): nothing of either is copied into wasm.
fn object_headers(object: &tinyworker::r2::Object, default: Option<&str>) -> Result<bridge::Value, Error> {
    let headers = bridge::construct(Target::Global("Headers"), "", &[])?;
    set_header(&headers, "etag", Arg::value(&object.http_etag_value()?))?;
    match (object.content_type_value()?, default) {
        (Some(content_type), _) => set_header(&headers, "content-type", Arg::value(&content_type))?,
        (None, Some(default)) => set_header(&headers, "content-type", Arg::str(default))?,
        (None, None) => {}
    }
    Ok(headers)
}

/// An etag as a condition takes it: without the quotes of an `If-Match` header.
fn unquoted(etag: &str) -> &str {
    etag.trim_start_matches("W/").trim_matches('"')
}

/// `PUT /r2-if/<key>`: every `put` option from the request: `if-match` / `if-none-match`
/// (`onlyIf`), `x-sha256` (a checksum), `x-storage-class`, and the HTTP metadata headers.
fn r2_put_if<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, tinyworker::Error> {
    let storage_class = match request.header("x-storage-class") {
        None => None,
        Some("Standard") => Some(StorageClass::Standard),
        Some("InfrequentAccess") => Some(StorageClass::InfrequentAccess),
        Some(_) => return Ok(Response::text(400, "Standard or InfrequentAccess\n")),
    };
    let checksum = request.header("x-sha256").map(Checksum::Sha256);
    let options = PutOptions {
        content_type: request.header("content-type"),
        cache_control: request.header("cache-control"),
        content_language: request.header("content-language"),
        content_disposition: request.header("content-disposition"),
        checksum,
        storage_class,
        only_if: conditions(request),
        ..PutOptions::default()
    };
    match BUCKET.put(key(params), request.body(), &options) {
        Ok(Some(object)) => Ok(Response::text(201, "stored\n").header("etag", object.http_etag_in(request)?)),
        Ok(None) => Ok(Response::text(412, "precondition failed\n")),
        // (R2 refuses bytes that do not match their checksum: the call fails.)
        Err(Error::Failed) if checksum.is_some() => Ok(Response::text(400, "checksum mismatch\n")),
        Err(e) => Err(e.into()),
    }
}

/// The conditions of a request's `if-match` and `if-none-match` headers, if it has either.
fn conditions<'a>(request: &Request<'a>) -> Option<Conditions<'a>> {
    let (matches, does_not_match) = (request.header("if-match"), request.header("if-none-match"));
    (matches.is_some() || does_not_match.is_some()).then(|| Conditions {
        etag_matches: matches.map(unquoted),
        etag_does_not_match: does_not_match.map(unquoted),
        ..Conditions::default()
    })
}

/// `GET /r2-if/<key>[?suffix=<n>]`: the object on the request's conditions (304 without its
/// body when `if-none-match` names its etag), its last n bytes, and what `put` stored beside it.
fn r2_get_if<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, tinyworker::Error> {
    let suffix = param(request, "suffix").map(|n| {
        n.parse::<u64>()
            .map_err(|_| tinyworker::Error::bad_request("a suffix is a number"))
    });
    let options = GetOptions {
        range: suffix.transpose()?.map(Range::Suffix),
        only_if: conditions(request),
    };
    let Some(object) = BUCKET.get_with(key(params), &options)? else {
        return Ok(Response::text(404, "absent\n"));
    };
    // (Its metadata in one crossing, where each property read on its own takes one or two.)
    let metadata = object.metadata_in(request)?;
    let etag = metadata.http_etag_in(request)?;
    if !object.has_body()? {
        return Ok(Response::bytes(304, b"").with_headers(&[]).header("etag", etag));
    }
    // (wrangler dev's simulator keeps no class: it names none, as the twin sees too.)
    let class = metadata.storage_class().map_or("", StorageClass::name);
    let content_type = metadata.content_type_in(request)?;
    let mut response = Response::owned(200, object.body_owned()?)
        .with_headers(&[])
        .header("content-type", content_type.unwrap_or("application/octet-stream"))
        .header("etag", etag)
        .header("x-storage-class", class);
    for (name, field) in [
        ("cache-control", "cacheControl"),
        ("content-language", "contentLanguage"),
        ("content-disposition", "contentDisposition"),
    ] {
        if let Some(value) = metadata.http_metadata_in(field, request)? {
            response = response.header(name, value);
        }
    }
    Ok(response)
}

fn r2_range<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let key = key(params);
    let number = |name| param(request, name).and_then(|v: &str| v.parse::<u64>().ok());
    let (Some(offset), Some(length)) = (number("offset"), number("length")) else {
        return Ok(Response::text(400, "offset and length, please\n"));
    };
    match BUCKET.get_range(key, offset, length)? {
        Some(object) => Ok(Response::owned(200, object.body_owned()?).with_headers(&[])),
        None => Ok(Response::text(404, "absent\n")),
    }
}

fn r2_list<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    // With `pages`, follows the listing's cursor to the end, a line "page" between pages.
    let every_page = param(request, "pages").is_some();
    let include = param(request, "include").is_some();
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let listing = BUCKET.list(&ListOptions {
            prefix: param(request, "prefix"),
            delimiter: param(request, "delimiter"),
            limit: param(request, "limit").and_then(|n| n.parse().ok()),
            cursor: next.as_deref(),
            start_after: param(request, "after"),
            include_http_metadata: include,
            include_custom_metadata: include,
        })?;
        for i in 0..listing.len()? {
            let object = listing.object(i)?;
            out.extend_from_slice(object.key_in(request)?.as_bytes());
            if include {
                // What `include` brought: the metadata a plain listing leaves out.
                for part in [
                    " type=",
                    object.content_type_in(request)?.unwrap_or("-"),
                    " owner=",
                    object.custom_in("owner", request)?.unwrap_or("-"),
                ] {
                    out.extend_from_slice(part.as_bytes());
                }
            }
            out.push(b'\n');
        }
        // The prefixes a delimiter grouped keys under, then whether more follow.
        let prefixes = listing.prefixes()?;
        for i in 0..prefixes.len()? {
            out.extend_from_slice(b"prefix ");
            out.extend_from_slice(&prefixes.index(i)?.bytes_owned()?);
            out.push(b'\n');
        }
        if !listing.truncated()? {
            break;
        }
        if !every_page {
            out.extend_from_slice(b"truncated\n");
            break;
        }
        next = listing.cursor_owned()?;
        out.extend_from_slice(b"page\n");
    }
    Ok(Response::owned(200, out))
}

/// The notes table, made on first use.
fn notes() -> Result<(), Error> {
    DB.exec("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL)")?;
    Ok(())
}

fn d1<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let path = request.path();
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

/// `GET /d1/int/<n>`: `n` stored and read back exactly, or a 400 (an integer past
/// ±(2^53 − 1) is refused: D1 would store it rounded).
fn d1_integer<'a>(_: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let raw = params.get("n").unwrap_or_default();
    let Ok(n) = raw.parse::<i64>() else {
        return Ok(Response::text(400, "an integer, please\n"));
    };
    DB.exec("CREATE TABLE IF NOT EXISTS ints (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL)")?;
    let insert = DB
        .prepare("INSERT INTO ints (n) VALUES (?) RETURNING n")?
        .bind(&[Param::Integer(n)])?;
    let n = insert.first()?.ok_or(Error::Failed)?.integer("n")?;
    let mut digits = [0u8; 20]; // (u64::MAX has 20 digits)
    let mut text = Vec::from(if n < 0 { "-" } else { "" });
    text.extend_from_slice(decimal(n.unsigned_abs(), &mut digits).as_bytes());
    Ok(Response::owned(200, text))
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

/// The lines of the request body (UTF-8), without empty ones.
fn lines<'a>(request: &Request<'a>) -> Option<Vec<&'a str>> {
    let text = core::str::from_utf8(request.body()).ok()?;
    Some(text.split('\n').filter(|l| !l.is_empty()).collect())
}

fn d1_more<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let path = request.path();
    notes()?;
    DB.exec("CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB)")?;
    match (request.method(), path) {
        ("POST", "/d1/batch") => {
            let Some(lines) = lines(request) else {
                return Ok(Response::text(400, "notes are UTF-8 lines\n"));
            };
            let insert = DB.prepare("INSERT INTO notes (text) VALUES (?) RETURNING id")?;
            let statements: Vec<_> = lines
                .iter()
                .map(|line| insert.bind(&[Param::Text(line)]))
                .collect::<Result<_, _>>()?;
            let refs: Vec<_> = statements.iter().collect();
            let batch = DB.batch(&refs)?;
            let mut out = Vec::new();
            for i in 0..statements.len() {
                let mut digits = [0u8; 20]; // (u64::MAX has 20 digits)
                let id = batch.result(i)?.row(0)?.integer("id")?;
                out.extend_from_slice(decimal(id as u64, &mut digits).as_bytes());
                out.push(b'\n');
            }
            Ok(Response::owned(201, out))
        }
        ("GET", "/d1/all") => {
            let rows = DB.prepare("SELECT id, text FROM notes ORDER BY id")?.all()?;
            let mut out = Vec::new();
            for i in 0..rows.len()? {
                let row = rows.row(i)?;
                let mut digits = [0u8; 20]; // (u64::MAX has 20 digits)
                out.extend_from_slice(decimal(row.integer("id")? as u64, &mut digits).as_bytes());
                out.push(b' ');
                out.extend_from_slice(&row.get("text")?.bytes_owned()?);
                out.push(b'\n');
            }
            Ok(Response::owned(200, out))
        }
        ("POST", "/d1/blob") => {
            let insert = DB
                .prepare("INSERT INTO blobs (data) VALUES (?)")?
                .bind(&[Param::Blob(request.body())])?;
            Ok(Response::number(201, insert.run()?.last_row_id()? as u64))
        }
        _ => {
            let Some(id) = path.strip_prefix("/d1/blob/").and_then(|id| id.parse::<i64>().ok()) else {
                return Ok(Response::text(404, "not found\n"));
            };
            let select = DB
                .prepare("SELECT data FROM blobs WHERE id = ?")?
                .bind(&[Param::Integer(id)])?;
            let Some(row) = select.first()? else {
                return Ok(Response::text(404, "no such blob\n"));
            };
            let kind = match row.kind("data")? {
                d1::Column::Blob => "blob",
                d1::Column::Text => "text",
                d1::Column::Number => "number",
                d1::Column::Null => "null",
            };
            let body = if kind == "null" {
                Vec::new()
            } else {
                row.get("data")?.bytes_owned()?
            };
            Ok(Response::owned(200, body).with_headers(OCTETS).header("x-kind", kind))
        }
    }
}

fn kv_route<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let key = key(params);
    match request.method() {
        // Both ways as streams (worker.js leaves PUT /kv/ bodies unread): a value of any size the
        // namespace takes, none of it in wasm.
        "GET" => match KV.get_stream(key)? {
            Some(value) => stream::respond(200, &[("content-type", "application/octet-stream")], &value),
            None => Ok(Response::text(404, "absent\n")),
        },
        "PUT" => {
            let options = kv::PutOptions {
                expiration: param(request, "expiration").and_then(|t| t.parse().ok()),
                expiration_ttl: param(request, "ttl").and_then(|t| t.parse().ok()),
                metadata_json: request.header("x-metadata"),
            };
            KV.put_value(key, &stream::request_body()?, &options)?;
            Ok(Response::text(201, "stored\n"))
        }
        "DELETE" => {
            KV.delete(key)?;
            Ok(Response::bytes(204, b""))
        }
        _ => Ok(Response::text(405, "method not allowed: GET, PUT or DELETE\n")),
    }
}

fn cache_route<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, tinyworker::Error> {
    let path = params.get("path").unwrap_or_default();
    let cache = match param(request, "cache") {
        Some(name) => Cache::open(name)?,
        None => Cache::default_cache()?,
    };
    // The cache's key: a URL of this Worker's own.
    let mut url = alloc::string::String::from("https://cache.tinyworker.test/");
    url.push_str(path);
    match request.method() {
        "GET" => match cache.get(&url)? {
            Some(cached) => Ok(Response::owned(200, cached.body_owned()?).with_headers(OCTETS)),
            None => Ok(Response::text(404, "miss\n")),
        },
        "PUT" => {
            cache.put(&url, 200, &[("cache-control", "max-age=3600")], request.body())?;
            Ok(Response::text(201, "cached\n"))
        }
        "DELETE" => Ok(Response::text(200, if cache.delete(&url)? { "true" } else { "false" })),
        _ => Ok(Response::text(405, "method not allowed: GET, PUT or DELETE\n")),
    }
}

/// The routes. A binding's error is the handler's `Err`: a 502 (400 for an argument the platform
/// refuses, 500 for a binding that is not there) with a generic body, its message (and the
/// binding's own) only in the log.
static ROUTES: &[Route] = &[
    Route::get("/", index),
    Route::any("/r2/*key", r2),
    Route::get("/r2-range/*key", r2_range),
    Route::put("/r2-if/*key", r2_put_if),
    Route::get("/r2-if/*key", r2_get_if),
    Route::get("/d1/session", d1_session),
    Route::get("/r2-stream/*key", r2_stream),
    Route::get("/r2-list", r2_list),
    Route::delete("/r2-many", r2_many),
    Route::get("/r2-then-panic/*key", r2_then_panic),
    Route::get("/r2-then-oom/*key", r2_then_oom),
    Route::get("/d1/int/*n", d1_integer),
    Route::post("/d1/typed", d1_typed),
    Route::get("/d1/typed/*id", d1_typed),
    Route::post("/d1/clear", d1_typed),
    Route::post("/d1/batch", d1_more),
    Route::get("/d1/all", d1_more),
    Route::post("/d1/blob", d1_more),
    Route::get("/d1/blob/*id", d1_more),
    Route::post("/d1/notes", d1),
    Route::get("/d1/count", d1),
    Route::get("/d1/notes/*id", d1),
    Route::get("/d1/exec", d1_read),
    Route::get("/d1/first/*column", d1_read),
    Route::get("/d1/raw", d1_read),
    Route::get("/d1-bad", d1_bad),
    Route::get("/d1-then-abort", d1_then_abort),
    Route::any("/kv/*key", kv_route),
    Route::get("/kv-meta/*key", kv_meta),
    Route::get("/kv-text/*key", kv_text),
    Route::get("/kv-list", kv_list),
    Route::any("/cache/*path", cache_route),
    Route::get("/rpc/*name", rpc),
    Route::get("/host/*key", host),
    Route::get("/static/*path", static_asset),
    Route::get("/asset/*name", asset_by_url),
    Route::get("/hyperdrive", hyperdrive_info),
    Route::post("/hyperdrive", hyperdrive_echo),
    Route::post("/tcp/*address", tcp),
    Route::post("/tls/*address", tls),
    Route::post("/starttls/*address", starttls),
    Route::get("/limit/*key", limit),
    Route::post("/analytics", analytics),
    Route::get("/secret-length", secret_length),
    Route::post("/ai/*model", ai_run),
    Route::post("/vectors/query", vectors_query),
    Route::post("/vectors/upsert", vectors_upsert),
    Route::post("/after/*key", after),
    Route::post("/queue", queue_send),
    Route::post("/queue-json", queue_json),
    Route::post("/queue-batch", queue_batch),
    Route::get("/queue-log", queue_log),
    Route::get("/random/*n", random),
    Route::get("/error-name", error_name),
    Route::get("/sleep/*ms", sleep),
    Route::get("/var-json/*name", var_json),
    Route::post("/sha256", sha256),
    Route::get("/time", time),
    Route::get("/monotonic", monotonic),
    Route::get("/started", started),
    Route::get("/bridge-loop", bridge_loop),
    Route::get("/log", log),
    Route::get("/cf", cf),
];

fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    router::dispatch(request, ROUTES)
}

/// How many times this instance's start hook ran (a static: every instance starts at 0).
static STARTS: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

/// The start hook: once per instance, before its first request or event.
fn start() {
    STARTS.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
}
tinyworker::start!(start);

fn started<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    Response::number(200, u64::from(STARTS.load(core::sync::atomic::Ordering::Relaxed)))
}

fn index<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    Response::text(200, "ok\n")
}

fn time<'a>(_: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    Ok(Response::number(200, platform::now_ms()? as u64))
}

fn cf<'a>(_: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let json = platform::cf()?.json_owned().unwrap_or_default();
    Ok(Response::owned(200, json.into_bytes()))
}

/// Parameter `key` (a tail: it may hold slashes), as sent.
fn key<'a>(params: &Params<'a>) -> &'a str {
    params.get("key").unwrap_or_default()
}

/// The object's body passed through: its bytes never enter wasm.
fn r2_stream<'a>(_: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let Some(object) = BUCKET.get(key(params))? else {
        return Ok(Response::text(404, "no such object\n"));
    };
    let headers = object_headers(&object, Some("application/octet-stream"))?;
    bridge::respond_with_headers_of(200, &headers, Arg::value(&object.body_stream()?))
}

fn r2_many<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let keys: Vec<&str> = param(request, "keys")
        .unwrap_or("")
        .split(',')
        .filter(|k| !k.is_empty())
        .collect();
    BUCKET.delete_many(&keys)?;
    Ok(Response::bytes(204, b""))
}

fn r2_then_panic<'a>(_: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    BUCKET.get(key(params))?;
    panic!("panicked after an R2 get");
}

fn r2_then_oom<'a>(_: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let object = BUCKET.get(key(params))?;
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    if let Some(object) = object {
        hoard.push(object.body_owned()?);
    }
    loop {
        hoard.push(Vec::with_capacity(black_box(1 << 20)));
    }
}

/// `GET /d1/session[?start=primary|?bookmark=<b>]`: the notes counted in a session that starts
/// there; its bookmark (where a next request goes on from) in `x-bookmark`.
fn d1_session<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, tinyworker::Error> {
    notes()?;
    let start = match (param(request, "start"), param(request, "bookmark")) {
        (_, Some(bookmark)) => SessionStart::Bookmark(bookmark),
        (Some("primary"), None) => SessionStart::Primary,
        _ => SessionStart::Unconstrained,
    };
    let session = DB.with_session(start)?;
    let count = session
        .prepare("SELECT COUNT(*) AS n FROM notes")?
        .first()?
        .map(|row| row.integer("n"));
    let response = Response::number(200, count.transpose()?.unwrap_or(0) as u64);
    Ok(match session.bookmark_in(request)? {
        Some(bookmark) => response.header("x-bookmark", bookmark),
        None => response,
    })
}

/// `POST /d1/typed`, `GET /d1/typed/<id>`, `POST /d1/clear`.
fn d1_typed<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    notes()?;
    DB.exec("CREATE TABLE IF NOT EXISTS typed (id INTEGER PRIMARY KEY AUTOINCREMENT, n REAL, z TEXT, t TEXT)")?;
    match request.path() {
        "/d1/typed" => {
            let Ok(text) = core::str::from_utf8(request.body()) else {
                return Ok(Response::text(400, "UTF-8, please\n"));
            };
            let insert = DB.prepare("INSERT INTO typed (n, z, t) VALUES (?, ?, ?)")?;
            let meta = insert
                .bind(&[Param::Real(1.5), Param::Null, Param::Text(text)])?
                .run()?;
            Ok(Response::number(201, meta.last_row_id()? as u64))
        }
        "/d1/clear" => Ok(Response::number(
            200,
            DB.prepare("DELETE FROM notes")?.run()?.changes()?,
        )),
        _ => {
            let id = params.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
            match DB
                .prepare("SELECT * FROM typed WHERE id = ?")?
                .bind(&[Param::Integer(id)])?
                .first()?
            {
                Some(row) => Ok(Response::owned(200, row.value().json_owned()?.into_bytes())),
                None => Ok(Response::text(404, "no such row\n")),
            }
        }
    }
}

/// D1's other reads: `exec`'s statement count, `first(column)`, `raw()` (`?columns`: with the
/// column names first), each answered as JSON (as `JSON.stringify` writes it).
fn d1_read<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    notes()?;
    let notes = DB.prepare("SELECT id, text FROM notes ORDER BY id")?;
    let answer = match request.path() {
        "/d1/exec" => {
            let schema = "CREATE TABLE IF NOT EXISTS tags (id INTEGER PRIMARY KEY, tag TEXT)\n\
                          CREATE INDEX IF NOT EXISTS tags_by_tag ON tags (tag)\n\
                          DELETE FROM tags";
            return Ok(Response::number(200, u64::from(DB.exec(schema)?.count()?)));
        }
        "/d1/raw" => notes.raw(request.query() == Some("columns"))?,
        _ => match notes.first_column(params.get("column").unwrap_or(""))? {
            Some(value) => value,
            None => return Ok(Response::text(404, "no rows\n")),
        },
    };
    Ok(Response::json(200, answer.json_in(request)?))
}

fn d1_bad<'a>(_: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    DB.exec("SELEKT nothing")?;
    Ok(Response::text(500, "D1 took it\n"))
}

fn d1_then_abort<'a>(_: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    notes()?;
    DB.prepare("INSERT INTO notes (text) VALUES ('written before an abort')")?
        .run()?;
    tinyworker::abort("aborted after a D1 write")
}

fn kv_meta<'a>(_: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    match KV.get_with_metadata(key(params))? {
        Some(entry) => {
            let json = if entry.metadata().is_nullish() {
                String::from("null")
            } else {
                entry.metadata().json_owned()?
            };
            Ok(Response::owned(200, json.into_bytes()))
        }
        None => Ok(Response::text(404, "absent\n")),
    }
}

/// The value read as text into the request's memory, sized by the platform; a text larger than
/// that memory is answered by the platform as a stream instead.
fn kv_text<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let key = key(params);
    match KV.get_text_in(key, request) {
        Ok(Some(text)) => Ok(Response::text(200, text)),
        Ok(None) => Ok(Response::text(404, "absent\n")),
        Err(Error::TooLarge { .. }) => match KV.get_stream(key)? {
            Some(body) => stream::respond(200, &[("content-type", "text/plain; charset=utf-8")], &body),
            None => Ok(Response::text(404, "absent\n")),
        },
        Err(error) => Err(error),
    }
}

/// With `pages`, follows the cursor to the end, a line "page" between pages.
fn kv_list<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let every_page = param(request, "pages").is_some();
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let listing = KV.list(&kv::ListOptions {
            prefix: param(request, "prefix"),
            limit: param(request, "limit").and_then(|n| n.parse().ok()),
            cursor: next.as_deref().or(param(request, "cursor")),
        })?;
        for i in 0..listing.len()? {
            out.extend_from_slice(&listing.name_value(i)?.bytes_owned()?);
            out.push(b'\n');
        }
        if listing.complete()? {
            break;
        }
        if !every_page {
            out.extend_from_slice(b"more\n");
            break;
        }
        next = listing.cursor_owned()?;
        out.extend_from_slice(b"page\n");
    }
    Ok(Response::owned(200, out))
}

fn rpc<'a>(_: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let answer = GREETER.call("hello", &[Arg::str(params.get("name").unwrap_or_default())])?;
    Ok(Response::owned(200, answer.bytes_owned()?))
}

/// The Worker's database through Hyperdrive (`[[hyperdrive]]`: the tests point it at a server
/// of their own).
const DATABASE: Hyperdrive = Hyperdrive::new("HYPERDRIVE");

/// `GET /hyperdrive`: `<user> <database> <port> <whether the connection string names the user>`.
fn hyperdrive_info<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, tinyworker::Error> {
    let (user, database, port) = (
        DATABASE.user_in(request)?,
        DATABASE.database_in(request)?,
        DATABASE.port()?,
    );
    // (Compared byte by byte: `str::contains` would link the two-way searcher, ~5 KB gzip.)
    let connection = DATABASE.connection_string_in(request)?.as_bytes();
    let named = connection
        .windows(user.len().max(1))
        .any(|window| window == user.as_bytes());
    let line = tinyworker::text_in!(
        request,
        user,
        " ",
        database,
        " ",
        u64::from(port),
        " ",
        if named { "named" } else { "unnamed" },
        "\n"
    )?;
    Ok(Response::text(200, line))
}

/// `POST /hyperdrive`: sends the body to the database through Hyperdrive, answers its first chunk.
fn hyperdrive_echo<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let socket = DATABASE.connect()?;
    socket.write(request.body())?;
    let reply = socket.read_in(request)?.unwrap_or_default();
    socket.close()?;
    Ok(Response::owned(200, reply.to_vec()))
}

/// The Worker's static assets (`[assets]` in wrangler.toml: public/).
const ASSETS: Assets = Assets::new("ASSETS");

/// `GET /static/<path>`: the asset the request names, as the platform answers it.
fn static_asset<'a>(_: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, tinyworker::Error> {
    Ok(ASSETS.serve()?.respond()?)
}

/// `GET /asset/<name>`: the asset `/static/<name>`, fetched by URL.
fn asset_by_url<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, tinyworker::Error> {
    let name = params.get("name").unwrap_or_default();
    let url = tinyworker::text_in!(request, "https://assets.local/static/", name)?;
    Ok(ASSETS.fetch(&tinyworker::io::Subrequest::get(url))?.respond()?)
}

fn host<'a>(_: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let answer = bridge::call(Target::Host("lookup"), "", &[Arg::str(key(params))])?;
    Ok(Response::owned(200, answer.bytes_owned()?))
}

/// `POST /tcp/<host:port>`: a TCP socket from Rust (`cloudflare:sockets`, handed over by
/// worker.js): connects, sends the body, answers the first chunk the server sends back, closes;
/// 502 when it cannot connect.
fn tcp<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    converse(request, params, Transport::Off)
}

/// `POST /tls/<host:port>`: as `/tcp/`, over TLS from the start.
fn tls<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    converse(request, params, Transport::On)
}

/// `POST /starttls/<host:port>`: as `/tcp/`, on plain TCP upgraded to TLS once the server
/// agreed (`STARTTLS`, its go-ahead in the clear).
fn starttls<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    converse(request, params, Transport::StartTls)
}

/// The body sent over a socket to the route's address with `transport`, the first chunk back;
/// 502 when it cannot connect or the exchange fails (a certificate not trusted, an upgrade
/// refused: the platform's message goes to the log, never to the client).
fn converse<'a>(request: &Request<'a>, params: &Params<'a>, transport: Transport) -> Result<Response<'a>, Error> {
    let address = params.get("address").unwrap_or_default();
    let Ok(socket) = Socket::connect(
        address,
        &SocketOptions {
            transport,
            ..SocketOptions::default()
        },
    ) else {
        return Ok(Response::text(502, "could not connect\n"));
    };
    match exchange(request, socket, transport) {
        Ok(reply) => Ok(Response::owned(200, reply.to_vec())),
        Err(_) => Ok(Response::text(502, "the exchange failed\n")),
    }
}

/// [`converse`]'s exchange on the open `socket`: the upgrade first for `StartTls`.
fn exchange<'a>(request: &Request<'a>, mut socket: Socket, transport: Transport) -> Result<&'a [u8], Error> {
    if transport == Transport::StartTls {
        socket.write(b"STARTTLS\r\n")?;
        if let Some(go_ahead) = socket.read_value()? {
            go_ahead.release();
        }
        socket = socket.start_tls()?;
    }
    socket.write(request.body())?;
    let reply = socket.read_in(request)?.unwrap_or_default();
    socket.close()?;
    Ok(reply)
}

/// `GET /limit/<key>`: the rate limiter `LIMITER` asked for `key`: 200, or 429 past the limit.
fn limit<'a>(_: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    Ok(match RateLimiter::new("LIMITER").limit(key(params))? {
        true => Response::text(200, "within the limit\n"),
        false => Response::text(429, "slow down\n"),
    })
}

/// `POST /analytics`: one data point into the dataset `EVENTS`: the body as a blob, its length
/// as a double, indexed by the request's method.
fn analytics<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, tinyworker::Error> {
    let point = DataPoint {
        blobs: &[request.body_text()?, "bindings"],
        doubles: &[request.body().len() as f64],
        index: Some(request.method()),
    };
    Dataset::new("EVENTS").write_data_point(&point)?;
    Ok(Response::text(202, "written\n"))
}

/// `GET /secret-length`: the length of the Secrets Store secret `API_KEY` (never the secret).
fn secret_length<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    Ok(Response::number(
        200,
        Secret::new("API_KEY").get_in(request)?.len() as u64,
    ))
}

/// `POST /ai/<model>`: the body (JSON inputs) run by Workers AI's `model`; its JSON answer.
fn ai_run<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, tinyworker::Error> {
    let answer = Ai::new("AI").run_in(params.get("model").unwrap_or_default(), request.body_text()?, request)?;
    Ok(Response::json(200, answer))
}

/// `POST /vectors/query`: the body (a vector, JSON) queried in the Vectorize index `VECTORS`, the
/// nearest two with their metadata; the platform's JSON answer.
fn vectors_query<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, tinyworker::Error> {
    let options = r#"{"topK":2,"returnMetadata":"all"}"#;
    Ok(Response::json(
        200,
        VECTORS.query_in(request.body_text()?, options, request)?,
    ))
}

/// `POST /vectors/upsert`: the body (vectors, JSON) upserted into `VECTORS`; the platform's answer.
fn vectors_upsert<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, tinyworker::Error> {
    Ok(Response::json(200, VECTORS.upsert_in(request.body_text()?, request)?))
}

const VECTORS: Index<'static> = Index::new("VECTORS");

fn after<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    bridge::detached(
        Target::Env("KV"),
        "put",
        &[Arg::str(key(params)), Arg::bytes(request.body())],
    )?;
    Ok(Response::text(202, "later\n"))
}

fn queue_send<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    QUEUE.send(Body::Bytes(request.body()), 0)?;
    Ok(Response::text(202, "sent\n"))
}

fn queue_json<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let Ok(json) = core::str::from_utf8(request.body()) else {
        return Ok(Response::text(400, "JSON is UTF-8\n"));
    };
    let delay = param(request, "delay").and_then(|d| d.parse().ok()).unwrap_or(0);
    QUEUE.send(Body::Json(json), delay)?;
    Ok(Response::text(202, "sent\n"))
}

fn queue_batch<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let Some(lines) = lines(request) else {
        return Ok(Response::text(400, "messages are UTF-8 lines\n"));
    };
    let bodies: Vec<Body<'_>> = lines.iter().map(|l| Body::Text(l)).collect();
    QUEUE.send_batch(&bodies, 0)?;
    Ok(Response::text(202, "sent\n"))
}

/// A call that throws (`JSON.parse("{")`): the name of the error it threw, read through the
/// bridge (`bridge::last_error_name_in`), as the twin's `catch (e) { e.name }`.
fn error_name<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    match bridge::call(Target::Global("JSON"), "parse", &[Arg::str("{")]) {
        Ok(_) => Ok(Response::text(500, "JSON took it\n")),
        Err(_) => Ok(Response::text(200, bridge::last_error_name_in(request))),
    }
}

/// The env variable `<name>` as JSON (`[vars]` may hold objects): 404 when there is none.
fn var_json<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    match platform::var_json_in(request, params.get("name").unwrap_or(""))? {
        Some(json) => Ok(Response::json(200, json)),
        None => Ok(Response::text(404, "no such variable\n")),
    }
}

/// Waits `<ms>` milliseconds (at most 5,000) through `platform::sleep`, then answers.
fn sleep<'a>(_: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    match params.get("ms").and_then(|ms| ms.parse::<u32>().ok()) {
        Some(ms) if ms <= 5000 => {
            platform::sleep(ms)?;
            Ok(Response::text(200, "slept\n"))
        }
        _ => Ok(Response::text(400, "milliseconds, at most 5000\n")),
    }
}

fn random<'a>(_: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let Some(n) = params
        .get("n")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n <= 65536)
    else {
        return Ok(Response::text(400, "at most 65536 bytes\n"));
    };
    let mut bytes = alloc::vec![0u8; n];
    platform::random_bytes(&mut bytes)?;
    Ok(Response::owned(200, bytes).with_headers(OCTETS))
}

fn sha256<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let digest = platform::sha256(request.body())?;
    let Some(out) = request.scratch(64) else {
        return Ok(Response::text(413, "no room\n"));
    };
    let hex = platform::hex(&digest, out).unwrap_or("");
    Ok(Response::text(200, hex))
}

fn monotonic<'a>(_: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let (first, second) = (platform::monotonic_ms()?, platform::monotonic_ms()?);
    let ordered = second >= first && first >= 0.0;
    Ok(Response::text(200, if ordered { "ok" } else { "backwards" }))
}

fn bridge_loop<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let n = param(request, "n").and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
    let kind = param(request, "kind");
    for _ in 0..n {
        match kind {
            Some("async") => bridge::call(Target::Host("tick"), "", &[])?.release(),
            // (A value held, then released: two crossings.)
            Some("held") => bridge::call(Target::Global("Date"), "now", &[])?.release(),
            // (`Date.now()` as a Worker reads it: one crossing, the number read in the call.)
            _ => {
                black_box(platform::now_ms()?);
            }
        }
    }
    Ok(Response::number(200, n))
}

fn log<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    for (level, line) in [
        (Level::Debug, "a debug line"),
        (Level::Info, "an info line"),
        (Level::Warn, "a warn line"),
        (Level::Error, "an error line"),
    ] {
        platform::log(level, line);
    }
    Response::text(200, "logged\n")
}

/// Where the queue consumer logs what it handled (a namespace of its own: the routes' KV listings
/// stay the twin's).
const QUEUE_LOG: Namespace<'static> = Namespace::new("QUEUE_LOG");

/// `GET /queue-log`: every message the consumer handled, one per line, in key order.
fn queue_log<'a>(_: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let listing = QUEUE_LOG.list(&kv::ListOptions::default())?;
    let mut out = Vec::new();
    for i in 0..listing.len()? {
        if let Some(line) = QUEUE_LOG.get_owned(&listing.name_value(i)?.text_owned()?)? {
            out.extend_from_slice(&line);
            out.push(b'\n');
        }
    }
    Ok(Response::owned(200, out))
}

/// The queue consumer, a batch at a time (`queue_consumer!`): logs and acknowledges each message
/// in turn. A message `panic`, `abort`, `oom` or `trap` faults that way on its first delivery,
/// after the ones before it were acknowledged: the platform delivers it and the ones after it
/// again (logged as `<body> (attempt <n>)`), never the acknowledged ones.
fn consume(batch: &consumer::Batch) -> Result<(), Error> {
    for i in 0..batch.len()? {
        let message = batch.message(i)?;
        let body = message.body()?;
        let text = if body.kind() == bridge::Kind::String {
            body.text_owned()?
        } else {
            body.json_owned()?
        };
        let attempts = message.attempts()?;
        if attempts == 1 {
            match text.as_str() {
                "panic" => panic!("asked to panic"),
                "abort" => tinyworker::abort("asked to abort"),
                "oom" => {
                    let mut hoard: Vec<Vec<u8>> = Vec::new();
                    loop {
                        hoard.push(Vec::with_capacity(black_box(1 << 20)));
                    }
                }
                "trap" => core::arch::wasm32::unreachable(),
                _ => {}
            }
        }
        // The key `<time, 15 digits>/<id>/<attempt>` and the line, without core::fmt (which
        // would more than double this example's formatting code).
        // (Digits of a u64: at most 20. An event has no request memory: a message id, which the
        // platform keeps short, in 128 bytes.)
        let (mut time, mut count, mut id) = ([0u8; 20], [0u8; 20], [0u8; 128]);
        let time = decimal(message.timestamp()? as u64, &mut time);
        let attempt = decimal(u64::from(attempts), &mut count);
        let mut key = String::new();
        (time.len()..15).for_each(|_| key.push('0'));
        for part in [time, "/", message.id(&mut id)?, "/", attempt] {
            key.push_str(part);
        }
        let mut line = text;
        if attempts > 1 {
            for part in [" (attempt ", attempt, ")"] {
                line.push_str(part);
            }
        }
        QUEUE_LOG.put(&key, line.as_bytes(), &kv::PutOptions::default())?;
        message.ack()?;
    }
    Ok(())
}

tinyworker::entry!(handle);
tinyworker::queue_consumer!(consume);
