//! Dynamic Workers: a Worker that keeps tinyworker modules per tenant and runs each tenant's
//! requests in an isolate of its own, started through the Worker Loader with the tinyworker glue.
//!
//! | route | answer |
//! |---|---|
//! | `POST /tenants/<id>` (body: a tinyworker module's wasm) | `201 <id>:<version>`: the module, metered, kept as the tenant's current code (`<version>`: a hash of it); 400 for a body that is not wasm or that the meter cannot read, 413 past the I/O buffer, 400 for an id other than 1-64 of `a-z 0-9 -` |
//! | `POST /tenants/<id>/js` (body: a JavaScript module whose default export has `fetch`) | the same for a plain JavaScript tenant (the baseline of `make bench`'s loader figures) |
//! | `ANY /t/<id>/<path>` | the request, on `/<path>`, as the tenant's Worker answers it: started (or still warm) through the Worker Loader, one isolate per tenant and version; 404 for no such tenant |
//!
//! A tenant's fault (a panic, an abort, out of memory, a trap) is its own glue's 500, and so is a
//! request that loops past its fuel (its module is kept metered: `tinyworker/meter`); a tenant
//! that passes its CPU limit, or whose isolate fails, is this Worker's 500 for that request
//! alone. No tenant's request ever touches another tenant's isolate.
#![no_std]

use tinyworker::bridge::{self, Arg, Target};
use tinyworker::kv;
use tinyworker::router::{self, Params, Route};
use tinyworker::{text_in, Error, Request, Response};

static ROUTES: &[Route] = &[
    Route::post("/tenants/:id", store),
    Route::post("/tenants/:id/js", store_js),
    Route::any("/t/:id/*path", run),
];

fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    router::dispatch(request, ROUTES)
}

/// A tenant id: 1-64 of `a-z`, `0-9`, `-`.
fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// FNV-1a, 64 bits: the version of a module (a new one for any change of its bytes).
fn version_of(code: &[u8]) -> u64 {
    code.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `POST /tenants/<id>`: keeps the body, a module, as the tenant's code, under its version:
/// metered (the host's `meter`: each loop spends fuel, so a request that loops forever ends as
/// that tenant's trap on any host); a module the meter cannot read is a 400 that says why.
fn store<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    if !request.body().starts_with(b"\0asm") {
        return Ok(Response::text(400, "the body is not a WebAssembly module\n"));
    }
    let metered = match bridge::call(Target::Host("meter"), "", &[Arg::bytes(request.body())]) {
        Ok(metered) => metered,
        Err(bridge::Error::Failed) => {
            let why = bridge::last_error_in(request);
            return Ok(Response::text(
                400,
                text_in!(request, "the module cannot be metered: ", why, "\n")?,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    keep(request, params, "wasm", Arg::value(&metered))
}

/// `POST /tenants/<id>/js`: keeps the body, a JavaScript module, as the tenant's code.
fn store_js<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    keep(request, params, "js", Arg::bytes(request.body()))
}

/// Keeps `code` as tenant `id`'s code of `kind` (`wasm`, `js`), under the version of the body.
fn keep<'a>(request: &Request<'a>, params: &Params<'a>, kind: &str, code: Arg<'_>) -> Result<Response<'a>, Error> {
    let id = params.get("id").unwrap_or("");
    if !valid_id(id) {
        return Ok(Response::text(400, "a tenant id is 1-64 of a-z, 0-9, -\n"));
    }
    let version = text_in!(
        request,
        kind,
        "-",
        tinyworker::text::zero_padded(version_of(request.body()), 20)
    )?;
    let tenants = kv::Namespace::new("TENANTS");
    let options = kv::PutOptions::default();
    let key = text_in!(request, "code:", id, ":", version)?;
    bridge::call_unit(Target::Env("TENANTS"), "put", &[Arg::str(key), code])?;
    let current = text_in!(request, id, ":", version)?;
    tenants.put(text_in!(request, "tenant:", id)?, current.as_bytes(), &options)?;
    Ok(Response::text(201, text_in!(request, current, "\n")?))
}

/// `ANY /t/<id>/<path>`: the request, as the tenant's Worker answers it.
fn run<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let id = params.get("id").unwrap_or("");
    let tenants = kv::Namespace::new("TENANTS");
    let Some(current) = tenants.get_text_in(text_in!(request, "tenant:", id)?, request)? else {
        return Ok(Response::text(404, "no such tenant\n"));
    };
    let version = current.rsplit(':').next().unwrap_or("");
    let path = text_in!(request, "/", params.get("path").unwrap_or(""))?;
    let loader = bridge::get(Target::Env("LOADER"), "")?;
    let modules = bridge::get(Target::Env("TENANTS"), "")?;
    let incoming = bridge::get(Target::Request, "")?;
    let args = [
        Arg::value(&loader),
        Arg::value(&modules),
        Arg::str(id),
        Arg::str(version),
        Arg::str(path),
        Arg::value(&incoming),
    ];
    let answer = bridge::call(Target::Host("tenant"), "", &args)?;
    Ok(bridge::respond_with(&answer)?)
}

tinyworker::entry!(handle);
