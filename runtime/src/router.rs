//! Routing without an allocator: method and path patterns with named parameters (`:id`) and a
//! wildcard tail (`*rest`), percent-decoding, query parameters by name, and 404/405 answers.
//!
//! ```
//! use tinyworker::router::{self, Params, Route};
//! use tinyworker::{Request, Response};
//!
//! fn user<'a>(_: &Request<'a>, params: &Params<'a>) -> Response<'a> {
//!     Response::text(200, params.get("id").unwrap_or(""))
//! }
//! fn create<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
//!     Response::text(201, "created\n")
//! }
//! static ROUTES: &[Route] = &[Route::get("/users/:id", user), Route::post("/users", create)];
//!
//! fn handle<'a>(request: &Request<'a>) -> Response<'a> {
//!     router::dispatch(request, ROUTES)
//! }
//! # fn main() {}
//! ```
//!
//! What a pattern matches, segment by segment (the path split at `/`, as the client sent it):
//!
//! - A literal segment matches a path segment equal to it once percent-decoded (`/caf%C3%A9`
//!   matches the pattern `/café`).
//! - `:name` matches one non-empty segment; [`Params::get`] gives it as sent (percent-encoded),
//!   [`Params::decoded`] decoded. An encoded slash (`%2F`) stays inside its segment:
//!   `/files/a%2Fb` matches `/files/:name` with `name` decoded to `a/b`.
//! - `*name`, last in a pattern, matches the rest of the path, slashes included, possibly empty:
//!   `/static/*path` matches `/static/` and `/static/css/a.css`, not `/static`.
//! - Empty segments count: `/a//b` does not match `/a/b`, and `:name` never matches an empty
//!   segment. A trailing slash counts: `/users/` does not match `/users`.
//! - The most specific pattern that matches answers, whatever the table's order: at the first
//!   segment where two matching patterns differ, a literal beats `:name`, which beats `*name`
//!   (`/users/new` before `/users/:id` before `/users/*rest`). Of two equally specific
//!   patterns, the one listed first.
//! - Of that pattern's routes, the one for the request's method answers (a `GET` route also
//!   answers `HEAD`: the platform sends no body for it), else its [`Route::any`] route.
//! - No pattern matches: `404 not found`, or the table's [`Route::not_found`]. One does, but
//!   none of its routes takes the method: `405 method not allowed`, or the table's
//!   [`Route::method_not_allowed`], with one `allow` header per method it takes.
//! - A handler may answer a `Result` (an `Err` is its status with a generic body, logged), and
//!   in a table of `Route<C>` take the context [`dispatch_with`] passes (a Durable Object's
//!   `&Storage`).

use crate::entry::{Fallible, Infallible};
use crate::{Error, Request, Response};
use core::marker::PhantomData;

/// At most this many parameters in one pattern (`:name` and `*name`).
pub const MAX_PARAMS: usize = 8;

/// A route handler in its plain form: the request and the parameters its pattern captured.
/// A route also takes one that answers a `Result`, and (in a table of `Route<C>`) one that also
/// takes the dispatch's context `&C` ([`RouteHandler`]).
pub type Handler = for<'a> fn(&Request<'a>, &Params<'a>) -> Response<'a>;

/// A route's handler as the table holds it: a function that makes the handler (a function
/// item, zero-sized) and calls it.
type Call<C> = for<'a> fn(&Request<'a>, &Params<'a>, &C) -> Response<'a>;

/// A handler a route accepts, in a table whose dispatch passes a context `&C` (`()` for a
/// Worker's [`dispatch`], the object's `&Storage` for [`dispatch_with`] in a Durable Object):
///
/// | form | `M` |
/// |---|---|
/// | `fn(&Request<'a>, &Params<'a>) -> Response<'a>` | [`Infallible`] |
/// | `fn(&Request<'a>, &Params<'a>) -> Result<Response<'a>, E>` | [`Fallible<E>`] |
/// | `fn(&Request<'a>, &Params<'a>, &C) -> Response<'a>` | [`WithContext<Infallible>`] |
/// | `fn(&Request<'a>, &Params<'a>, &C) -> Result<Response<'a>, E>` | [`WithContext<Fallible<E>>`] |
///
/// `E` is any error that converts into [`Error`]: an `Err` is answered with its status and a
/// generic body, and logged. A Worker never names `M`.
pub trait RouteHandler<M, C>: Copy {
    /// The handler's response.
    fn call<'a>(self, request: &Request<'a>, params: &Params<'a>, context: &C) -> Response<'a>;
}

/// [`RouteHandler`]'s `M` for a handler that takes the context.
pub struct WithContext<M>(PhantomData<M>);

impl<F, C> RouteHandler<Infallible, C> for F
where
    F: Copy + for<'a> Fn(&Request<'a>, &Params<'a>) -> Response<'a>,
{
    fn call<'a>(self, request: &Request<'a>, params: &Params<'a>, _: &C) -> Response<'a> {
        self(request, params)
    }
}

impl<F, C, E: Into<Error>> RouteHandler<Fallible<E>, C> for F
where
    F: Copy + for<'a> Fn(&Request<'a>, &Params<'a>) -> Result<Response<'a>, E>,
{
    fn call<'a>(self, request: &Request<'a>, params: &Params<'a>, _: &C) -> Response<'a> {
        crate::entry::answer_result(self(request, params))
    }
}

impl<F, C> RouteHandler<WithContext<Infallible>, C> for F
where
    F: Copy + for<'a> Fn(&Request<'a>, &Params<'a>, &C) -> Response<'a>,
{
    fn call<'a>(self, request: &Request<'a>, params: &Params<'a>, context: &C) -> Response<'a> {
        self(request, params, context)
    }
}

impl<F, C, E: Into<Error>> RouteHandler<WithContext<Fallible<E>>, C> for F
where
    F: Copy + for<'a> Fn(&Request<'a>, &Params<'a>, &C) -> Result<Response<'a>, E>,
{
    fn call<'a>(self, request: &Request<'a>, params: &Params<'a>, context: &C) -> Response<'a> {
        crate::entry::answer_result(self(request, params, context))
    }
}

/// `handler` as the table holds it. Handlers are function items (zero-sized, one value): the
/// function this answers makes the value again where it is called.
const fn call_of<H: RouteHandler<M, C>, M, C>(handler: H) -> Call<C> {
    const {
        assert!(
            size_of::<H>() == 0,
            "router: a route's handler is a function's name (a `fn` item)"
        )
    };
    fn call<'a, H: RouteHandler<M, C>, M, C>(request: &Request<'a>, params: &Params<'a>, context: &C) -> Response<'a> {
        // SAFETY: H is zero-sized (asserted in `call_of`), so the read from a dangling, aligned
        // pointer reads no memory; a zero-sized handler (a function item, or a closure that
        // captures nothing) has one value, which `call_of` was given and which is `Copy`: making
        // it again duplicates nothing that was not freely copyable.
        let handler: H = unsafe { core::ptr::NonNull::<H>::dangling().as_ptr().read() };
        handler.call(request, params, context)
    }
    let _ = handler;
    call::<H, M, C>
}

/// What a route is: a method and a pattern, the 404 or the 405 of its table.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `method` and `pattern`; the method `*` answers any.
    Path,
    /// The table's answer when no pattern matches.
    NotFound,
    /// The table's answer when a pattern matches but no route of it takes the method (the
    /// router adds the `allow` headers).
    NotAllowed,
}

/// One route: a method, a pattern and its handler. Made in a `static` table with
/// [`Route::get`], [`Route::post`], ..., [`Route::any`], or [`Route::new`] for any method, and
/// the table's own 404 and 405 with [`Route::not_found`] and [`Route::method_not_allowed`].
/// `C` is the context its dispatch passes (`()` for [`dispatch`]; a Durable Object's
/// `Storage` for [`dispatch_with`]).
pub struct Route<C: 'static = ()> {
    kind: Kind,
    method: &'static str,
    pattern: &'static str,
    call: Call<C>,
}

impl<C> Clone for Route<C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for Route<C> {}

impl<C> core::fmt::Debug for Route<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} {}", self.method, self.pattern)
    }
}

impl<C> Route<C> {
    /// A route for `method` (e.g. `"OPTIONS"`; `"*"` answers any method, as [`Route::any`]). A
    /// pattern starts with `/`; `*name` may only be its last segment; at most [`MAX_PARAMS`]
    /// parameters. A pattern that breaks these rules fails to compile when the route is made in
    /// a `static` or `const`.
    pub const fn new<M>(method: &'static str, pattern: &'static str, handler: impl RouteHandler<M, C>) -> Self {
        assert!(valid_pattern(pattern.as_bytes()), "router: a pattern starts with '/', has at most 8 parameters, `*name` only last, and no empty `:` or `*` names");
        Self {
            kind: Kind::Path,
            method,
            pattern,
            call: call_of(handler),
        }
    }
    /// A `GET` route (it also answers `HEAD`).
    pub const fn get<M>(pattern: &'static str, handler: impl RouteHandler<M, C>) -> Self {
        Self::new("GET", pattern, handler)
    }
    /// A `POST` route.
    pub const fn post<M>(pattern: &'static str, handler: impl RouteHandler<M, C>) -> Self {
        Self::new("POST", pattern, handler)
    }
    /// A `PUT` route.
    pub const fn put<M>(pattern: &'static str, handler: impl RouteHandler<M, C>) -> Self {
        Self::new("PUT", pattern, handler)
    }
    /// A `PATCH` route.
    pub const fn patch<M>(pattern: &'static str, handler: impl RouteHandler<M, C>) -> Self {
        Self::new("PATCH", pattern, handler)
    }
    /// A `DELETE` route.
    pub const fn delete<M>(pattern: &'static str, handler: impl RouteHandler<M, C>) -> Self {
        Self::new("DELETE", pattern, handler)
    }
    /// A route for every method (a route of the same pattern for the request's own method
    /// comes first).
    pub const fn any<M>(pattern: &'static str, handler: impl RouteHandler<M, C>) -> Self {
        Self::new("*", pattern, handler)
    }
    /// The table's answer when no route's pattern matches (instead of `404 not found`). Its
    /// handler gets no parameters.
    pub const fn not_found<M>(handler: impl RouteHandler<M, C>) -> Self {
        Self {
            kind: Kind::NotFound,
            method: "",
            pattern: "",
            call: call_of(handler),
        }
    }
    /// The table's answer when a pattern matches but none of its routes takes the request's
    /// method (instead of `405 method not allowed`); the router adds one `allow` header per
    /// method the pattern takes. Its handler gets the parameters of that pattern.
    pub const fn method_not_allowed<M>(handler: impl RouteHandler<M, C>) -> Self {
        Self {
            kind: Kind::NotAllowed,
            method: "",
            pattern: "",
            call: call_of(handler),
        }
    }

    /// Whether this route answers `method` exactly (a `GET` route also answers `HEAD`).
    fn takes(&self, method: &str) -> bool {
        self.method == method || (method == "HEAD" && self.method == "GET")
    }
}

/// Checks a pattern at compile time (see [`Route::new`]).
const fn valid_pattern(p: &[u8]) -> bool {
    if p.is_empty() || p[0] != b'/' {
        return false;
    }
    let (mut i, mut params) = (1, 0);
    while i <= p.len() {
        // A segment from i to the next '/' or the end.
        let mut end = i;
        while end < p.len() && p[end] != b'/' {
            end += 1;
        }
        if end > i && (p[i] == b':' || p[i] == b'*') {
            params += 1;
            if end == i + 1 || (p[i] == b'*' && end != p.len()) {
                return false;
            }
        }
        i = end + 1;
    }
    params <= MAX_PARAMS
}

/// The parameters a pattern captured, by name, as the client sent them (percent-encoded).
#[derive(Debug, Clone, Copy)]
pub struct Params<'r> {
    names: [&'static str; MAX_PARAMS],
    values: [&'r str; MAX_PARAMS],
    len: usize,
}

impl<'r> Params<'r> {
    const EMPTY: Self = Self {
        names: [""; MAX_PARAMS],
        values: [""; MAX_PARAMS],
        len: 0,
    };

    /// Parameter `name` as sent (percent-encoded), or `None` if the pattern has none of that name.
    pub fn get(&self, name: &str) -> Option<&'r str> {
        let at = self.names.iter().take(self.len).position(|n| *n == name)?;
        self.values.get(at).copied()
    }

    /// Parameter `name` percent-decoded into `buffer` (e.g. [`Request::scratch`]): `None` if
    /// the pattern has none of that name, else what [`percent_decode`] answers.
    pub fn decoded<'b>(&self, name: &str, buffer: &'b mut [u8]) -> Option<Result<&'b str, DecodeError>> {
        Some(percent_decode(self.get(name)?, buffer, false))
    }

    /// Parameter `name` percent-decoded into the request's memory, sized by it (decoded text
    /// is never longer than sent): `None` if the pattern has none of that name, else what
    /// [`percent_decode`] answers (`TooLarge` only when the request's memory is exhausted).
    pub fn decoded_in(&self, name: &str, request: &Request<'r>) -> Option<Result<&'r str, DecodeError>> {
        Some(decode_in(self.get(name)?, request, false))
    }

    /// The parameters in pattern order: (name, value as sent).
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'r str)> + '_ {
        self.names
            .iter()
            .copied()
            .zip(self.values.iter().copied())
            .take(self.len)
    }

    fn push(&mut self, name: &'static str, value: &'r str) {
        // (valid_pattern bounds the count, so every push has a slot.)
        if let (Some(n), Some(v)) = (self.names.get_mut(self.len), self.values.get_mut(self.len)) {
            (*n, *v) = (name, value);
            self.len += 1;
        }
    }
}

/// Why a percent-encoded text could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// A `%` not followed by two hex digits.
    BadEscape,
    /// The decoded bytes are not UTF-8.
    NotUtf8,
    /// The buffer is too small for the decoded text.
    TooLarge,
}

/// Percent-decodes `raw` into `buffer` (`plus_as_space`: a `+` is a space, as in a query or a
/// form body); the decoded text, a slice of `buffer`.
pub fn percent_decode<'b>(raw: &str, buffer: &'b mut [u8], plus_as_space: bool) -> Result<&'b str, DecodeError> {
    let mut len = 0;
    let mut decoded = Decoded::new(raw.as_bytes(), plus_as_space);
    for byte in &mut decoded {
        *buffer.get_mut(len).ok_or(DecodeError::TooLarge)? = byte;
        len += 1;
    }
    if decoded.bad {
        return Err(DecodeError::BadEscape);
    }
    crate::utf8::str_of(buffer.get(..len).unwrap_or_default()).ok_or(DecodeError::NotUtf8)
}

/// The bytes of a percent-encoded text, decoded as they are read; stops at a bad escape
/// (`bad` then says so).
struct Decoded<'s> {
    rest: &'s [u8],
    plus_as_space: bool,
    bad: bool,
}

impl<'s> Decoded<'s> {
    fn new(rest: &'s [u8], plus_as_space: bool) -> Self {
        Self {
            rest,
            plus_as_space,
            bad: false,
        }
    }
}

impl Iterator for Decoded<'_> {
    type Item = u8;
    fn next(&mut self) -> Option<u8> {
        let (&first, rest) = self.rest.split_first()?;
        self.rest = rest;
        match first {
            b'%' => {
                let pair = (rest.first().copied().and_then(hex), rest.get(1).copied().and_then(hex));
                if let (Some(high), Some(low)) = pair {
                    self.rest = rest.get(2..).unwrap_or_default();
                    Some(high << 4 | low)
                } else {
                    self.bad = true;
                    self.rest = &[];
                    None
                }
            }
            b'+' if self.plus_as_space => Some(b' '),
            byte => Some(byte),
        }
    }
}

fn hex(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|d| d as u8)
}

/// Whether the path segment `raw` (percent-encoded) is `literal` once decoded.
fn segment_is(raw: &str, literal: &str) -> bool {
    let mut decoded = Decoded::new(raw.as_bytes(), false);
    let equal = (&mut decoded).eq(literal.bytes());
    equal && !decoded.bad
}

/// The parameters `path` gives `pattern`, if it matches (the rules are in the module's docs).
pub fn match_path<'r>(pattern: &'static str, path: &'r str) -> Option<Params<'r>> {
    let mut params = Params::EMPTY;
    let (mut pattern_rest, mut path_rest) = (pattern.strip_prefix('/')?, path.strip_prefix('/')?);
    loop {
        let (segment, pattern_next) = split(pattern_rest);
        if let Some(name) = segment.strip_prefix('*') {
            params.push(name, path_rest);
            return Some(params);
        }
        let (value, path_next) = split(path_rest);
        match segment.strip_prefix(':') {
            Some(name) if !value.is_empty() => params.push(name, value),
            Some(_) => return None,
            None if segment_is(value, segment) => {}
            None => return None,
        }
        match (pattern_next, path_next) {
            (None, None) => return Some(params),
            (Some(p), Some(r)) => (pattern_rest, path_rest) = (p, r),
            _ => return None,
        }
    }
}

/// `s` up to its first `/`, and what follows that `/` (`None`: there was none).
fn split(s: &str) -> (&str, Option<&str>) {
    split_at_byte(s, b'/')
}

/// `s` up to its first `byte` (ASCII), and what follows it. (Bytes, not a char searcher: less
/// code in the module.)
fn split_at_byte(s: &str, byte: u8) -> (&str, Option<&str>) {
    match s.bytes().position(|b| b == byte) {
        Some(at) => (s.get(..at).unwrap_or_default(), s.get(at + 1..)),
        None => (s, None),
    }
}

/// The value of query parameter `name` in `query` (without `?`) as sent, the first if it
/// repeats; `Some("")` for `name` alone or `name=`. Names are compared as sent.
pub fn query_value<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    let mut rest = Some(query);
    while let Some(pairs) = rest {
        let (pair, next) = split_at_byte(pairs, b'&');
        match split_at_byte(pair, b'=') {
            (key, Some(value)) if key == name => return Some(value),
            (key, None) if key == name => return Some(""),
            _ => rest = next,
        }
    }
    None
}

/// Query parameter `name` of the request, as sent (see [`query_value`]); decode it with
/// [`percent_decode`] (`plus_as_space: true`).
pub fn query<'a>(request: &Request<'a>, name: &str) -> Option<&'a str> {
    query_value(request.query()?, name)
}

/// Query parameter `name` of the request percent-decoded (`+` as a space) into the request's
/// memory, sized by it (decoded text is never longer than sent): `None` when the query has no
/// such parameter, else what [`percent_decode`] answers (`TooLarge` only when the request's
/// memory is exhausted).
pub fn query_in<'a>(request: &Request<'a>, name: &str) -> Option<Result<&'a str, DecodeError>> {
    Some(decode_in(query(request, name)?, request, true))
}

/// `raw` percent-decoded into the request's memory (as long as `raw`, the most it can take).
fn decode_in<'a>(raw: &str, request: &Request<'a>, plus_as_space: bool) -> Result<&'a str, DecodeError> {
    match request.scratch(raw.len()) {
        Some(buffer) => percent_decode(raw, buffer, plus_as_space),
        None => Err(DecodeError::TooLarge),
    }
}

/// Whether `pattern` is more specific than `other` (both matched one path): at the first
/// segment where their kinds differ, a literal beats `:name`, which beats `*name`.
fn more_specific(pattern: &str, other: &str) -> bool {
    // (Byte by byte, not a split by a char searcher: less code in the module.)
    let (mut a, mut b) = (pattern.as_bytes(), other.as_bytes());
    loop {
        // Each is empty, or starts with the `/` of its next segment.
        match (a.is_empty(), b.is_empty()) {
            (false, true) => return true,
            (true, _) => return false,
            _ => {}
        }
        let (rank_a, rank_b) = (rank(a.get(1)), rank(b.get(1)));
        if rank_a != rank_b {
            return rank_a > rank_b;
        }
        (a, b) = (next_segment(a), next_segment(b));
    }
}

/// The rank of a segment that starts with `first`: a literal 2, `:name` 1, `*name` 0.
fn rank(first: Option<&u8>) -> u8 {
    match first {
        Some(b'*') => 0,
        Some(b':') => 1,
        _ => 2,
    }
}

/// `s` (a `/` and a segment, maybe more) from the `/` of its next segment; empty if none.
fn next_segment(s: &[u8]) -> &[u8] {
    let rest = s.get(1..).unwrap_or_default();
    match rest.iter().position(|b| *b == b'/') {
        Some(at) => rest.get(at..).unwrap_or_default(),
        None => &[],
    }
}

/// Answers `request` from the table `routes` (the rules are in the module's docs): the most
/// specific pattern that matches the path, then its route for the request's method; else the
/// table's 404 (`not found\n` unless it has a [`Route::not_found`]), or its 405 with one
/// `allow` header per method the pattern takes (`method not allowed\n` unless it has a
/// [`Route::method_not_allowed`]).
pub fn dispatch<'a>(request: &Request<'a>, routes: &[Route]) -> Response<'a> {
    dispatch_with(request, &(), routes)
}

/// [`dispatch`] with a context every handler that takes one gets (a Durable Object's
/// `&Storage`: `router::dispatch_with(request, storage, ROUTES)` with a `static ROUTES:
/// &[Route<Storage>]`).
pub fn dispatch_with<'a, C>(request: &Request<'a>, context: &C, routes: &[Route<C>]) -> Response<'a> {
    let (method, path) = (request.method(), request.path());
    // The most specific pattern that matches, and the table's 404 and 405. (Its parameters
    // are matched again once it is known: no copy of them per better match.)
    let mut best: Option<&'static str> = None;
    let (mut not_found, mut not_allowed) = (None, None);
    for route in routes {
        match route.kind {
            Kind::NotFound => not_found = Some(route.call),
            Kind::NotAllowed => not_allowed = Some(route.call),
            Kind::Path => {
                let better = best.is_none_or(|b| b != route.pattern && more_specific(route.pattern, b));
                if better && match_path(route.pattern, path).is_some() {
                    best = Some(route.pattern);
                }
            }
        }
    }
    let Some((pattern, params)) = best.and_then(|p| Some((p, match_path(p, path)?))) else {
        return match not_found {
            Some(call) => call(request, &Params::EMPTY, context),
            None => Response::text(404, "not found\n"),
        };
    };
    // That pattern's route for the method, else its any-method route, else a 405 naming the
    // methods it takes.
    let mut any = None;
    let mut allowed: [&'static str; crate::EXTRA_HEADERS] = [""; crate::EXTRA_HEADERS];
    let mut count = 0;
    for route in routes.iter().filter(|r| r.kind == Kind::Path && r.pattern == pattern) {
        if route.takes(method) {
            return (route.call)(request, &params, context);
        }
        if route.method == "*" {
            any = Some(route.call);
        }
        for m in [route.method, if route.method == "GET" { "HEAD" } else { "" }] {
            if !m.is_empty() && !allowed.iter().take(count).any(|a| *a == m) {
                if let Some(slot) = allowed.get_mut(count) {
                    *slot = m;
                    count += 1;
                }
            }
        }
    }
    if let Some(call) = any {
        return call(request, &params, context);
    }
    let answer = match not_allowed {
        Some(call) => call(request, &params, context),
        None => Response::text(405, "method not allowed\n"),
    };
    allowed
        .iter()
        .take(count)
        // (At most EXTRA_HEADERS methods are collected: every one fits a new response.)
        .fold(answer, |r, m| match r.try_header("allow", m) {
            Ok(r) | Err(crate::TooManyHeaders(r)) => r,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    fn params(pattern: &'static str, path: &str) -> Option<std::vec::Vec<(&'static str, std::string::String)>> {
        match_path(pattern, path).map(|p| p.iter().map(|(n, v)| (n, v.into())).collect())
    }

    #[test]
    fn literals_parameters_and_tails() {
        assert_eq!(params("/", "/"), Some(vec![]));
        assert_eq!(params("/users", "/users"), Some(vec![]));
        assert_eq!(params("/users/:id", "/users/42"), Some(vec![("id", "42".into())]));
        assert_eq!(
            params("/a/:x/b/:y", "/a/1/b/2"),
            Some(vec![("x", "1".into()), ("y", "2".into())])
        );
        assert_eq!(
            params("/static/*path", "/static/css/a.css"),
            Some(vec![("path", "css/a.css".into())])
        );
        assert_eq!(params("/static/*path", "/static/"), Some(vec![("path", "".into())]));
        assert_eq!(params("/static/*path", "/static"), None);
        assert_eq!(params("/users/:id", "/users/42/posts"), None);
        assert_eq!(params("/users/:id/posts", "/users/42"), None);
        assert_eq!(params("/users", "/user"), None);
    }

    #[test]
    fn edge_cases_of_slashes() {
        // Trailing slash and empty segments count.
        assert_eq!(params("/users", "/users/"), None);
        assert_eq!(params("/users/", "/users/"), Some(vec![]));
        assert_eq!(params("/a/b", "/a//b"), None);
        assert_eq!(params("/users/:id", "/users/"), None, "a parameter is never empty");
        assert_eq!(params("/a/:x/b", "/a//b"), None);
        // An encoded slash stays in its segment; literals compare decoded.
        assert_eq!(
            params("/files/:name", "/files/a%2Fb"),
            Some(vec![("name", "a%2Fb".into())])
        );
        assert_eq!(params("/café", "/caf%C3%A9"), Some(vec![]));
        assert_eq!(params("/a%2Fb", "/a/b"), None);
        assert_eq!(params("/x", "/%"), None, "a bad escape matches no literal");
    }

    #[test]
    fn patterns_are_checked() {
        assert!(valid_pattern(b"/"));
        assert!(valid_pattern(b"/a/:b/*c"));
        assert!(!valid_pattern(b"a"));
        assert!(!valid_pattern(b""));
        assert!(!valid_pattern(b"/*a/b"), "a tail only last");
        assert!(!valid_pattern(b"/:"), "a parameter has a name");
        assert!(!valid_pattern(b"/:a/:b/:c/:d/:e/:f/:g/:h/:i"), "at most 8 parameters");
    }

    #[test]
    fn percent_decoding() {
        let mut buffer = [0u8; 16];
        assert_eq!(percent_decode("a%2Fb", &mut buffer, false), Ok("a/b"));
        assert_eq!(percent_decode("caf%C3%A9", &mut buffer, false), Ok("café"));
        assert_eq!(percent_decode("a+b%20c", &mut buffer, true), Ok("a b c"));
        assert_eq!(percent_decode("a+b", &mut buffer, false), Ok("a+b"));
        assert_eq!(percent_decode("%zz", &mut buffer, false), Err(DecodeError::BadEscape));
        assert_eq!(percent_decode("%4", &mut buffer, false), Err(DecodeError::BadEscape));
        assert_eq!(percent_decode("%FF", &mut buffer, false), Err(DecodeError::NotUtf8));
        assert_eq!(
            percent_decode("0123456789abcdefg", &mut buffer, false),
            Err(DecodeError::TooLarge)
        );
        let p = match_path("/files/:name", "/files/a%2Fb").unwrap_or(Params::EMPTY);
        assert_eq!(p.decoded("name", &mut buffer), Some(Ok("a/b")));
        assert_eq!(p.decoded("other", &mut buffer), None);
    }

    /// `routes`' answer to `method path` with `context`: (status, body, allow headers).
    fn answer<C>(method: &str, path: &str, context: &C, routes: &[Route<C>]) -> (u16, String, Vec<String>) {
        crate::sys::set_request(method, &std::format!("http://h{path}"), b"");
        let mut buffer = [0u8; 512];
        let request = Request::in_buffer(&mut buffer, 0).unwrap();
        let response = dispatch_with(&request, context, routes);
        let allow = response
            .headers()
            .filter(|(n, _)| *n == "allow")
            .map(|(_, v)| v.into())
            .collect();
        (
            response.status(),
            String::from_utf8_lossy(response.body()).into(),
            allow,
        )
    }

    fn named<'a>(_: &Request<'a>, params: &Params<'a>) -> Response<'a> {
        Response::text(200, params.get("id").unwrap_or("static"))
    }
    fn tail<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
        Response::text(200, "tail")
    }
    fn new_user<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
        Response::text(200, "new")
    }
    fn anything<'a>(request: &Request<'a>, _: &Params<'a>) -> Response<'a> {
        Response::text(200, request.method())
    }
    fn fails<'a>(_: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
        match params.get("id") {
            Some("0") => Err(Error::not_found("no user 0")),
            _ => Err(crate::io::Error::Failed)?,
        }
    }
    fn my_404<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
        Response::json(404, r#"{"error":"Not Found"}"#)
    }
    fn my_405<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
        Response::text(405, "Method Not Allowed")
    }

    #[test]
    fn the_most_specific_pattern_answers_whatever_the_order() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        // Listed least specific first: static still beats a parameter, which beats a tail.
        static ROUTES: &[Route] = &[
            Route::get("/users/*rest", tail),
            Route::get("/users/:id", named),
            Route::get("/users/new", new_user),
            Route::post("/users/new", new_user),
        ];
        assert_eq!(answer("GET", "/users/new", &(), ROUTES).1, "new");
        assert_eq!(answer("GET", "/users/7", &(), ROUTES).1, "7");
        assert_eq!(answer("GET", "/users/7/posts", &(), ROUTES).1, "tail");
        // The static pattern matched: its methods decide (no fall-through to `:id`).
        let (status, _, allow) = answer("DELETE", "/users/new", &(), ROUTES);
        assert_eq!(
            (status, allow),
            (405, std::vec!["GET".into(), "HEAD".into(), "POST".into()])
        );
        assert_eq!(answer("HEAD", "/users/new", &(), ROUTES).0, 200);
    }

    #[test]
    fn specificity_compares_segment_kinds() {
        assert!(more_specific("/users/new", "/users/:id"));
        assert!(more_specific("/users/:id", "/users/*rest"));
        assert!(more_specific("/a/:x/c", "/a/*rest"));
        assert!(!more_specific("/users/:id", "/users/new"));
        assert!(
            !more_specific("/users/:id", "/users/:name"),
            "equally specific: the first listed"
        );
        assert!(more_specific("/", "/*all"));
    }

    #[test]
    fn any_method_routes_and_a_tables_own_404_and_405() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        static ROUTES: &[Route] = &[
            Route::any("/echo", anything),
            Route::get("/echo", named),
            Route::get("/only-get", named),
            Route::not_found(my_404),
            Route::method_not_allowed(my_405),
        ];
        // The route for the method first, then the any-method one.
        assert_eq!(answer("GET", "/echo", &(), ROUTES).1, "static");
        assert_eq!(answer("PATCH", "/echo", &(), ROUTES).1, "PATCH");
        assert_eq!(answer("GET", "/nowhere", &(), ROUTES).1, r#"{"error":"Not Found"}"#);
        let (status, body, allow) = answer("POST", "/only-get", &(), ROUTES);
        assert_eq!(
            (status, &body[..], allow),
            (405, "Method Not Allowed", std::vec!["GET".into(), "HEAD".into()])
        );
    }

    #[test]
    fn a_routes_err_is_its_status_and_a_generic_body() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        static ROUTES: &[Route] = &[Route::get("/users/:id", fails)];
        assert_eq!(answer("GET", "/users/0", &(), ROUTES).0, 404);
        assert_eq!(&answer("GET", "/users/1", &(), ROUTES).1[..], "bad gateway\n");
    }

    #[test]
    fn a_table_with_a_context() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        fn count<'a>(_: &Request<'a>, _: &Params<'a>, n: &u64) -> Response<'a> {
            Response::number(200, *n)
        }
        fn checked<'a>(_: &Request<'a>, _: &Params<'a>, n: &u64) -> Result<Response<'a>, Error> {
            if *n > 10 {
                return Err(Error::new(409, "too many"));
            }
            Ok(Response::number(200, n + 1))
        }
        static ROUTES: &[Route<u64>] = &[
            Route::get("/count", count),
            Route::get("/next", checked),
            Route::get("/plain", named),
        ];
        assert_eq!(answer("GET", "/count", &5, ROUTES).1, "5");
        assert_eq!(answer("GET", "/next", &5, ROUTES).1, "6");
        assert_eq!(answer("GET", "/next", &11, ROUTES).0, 409);
        assert_eq!(answer("GET", "/plain", &11, ROUTES).1, "static");
    }

    #[test]
    fn query_parameters() {
        assert_eq!(query_value("a=1&b=2", "b"), Some("2"));
        assert_eq!(query_value("a=1&a=2", "a"), Some("1"), "the first");
        assert_eq!(query_value("flag&x=", "flag"), Some(""));
        assert_eq!(query_value("flag&x=", "x"), Some(""));
        assert_eq!(query_value("ab=1", "a"), None);
        assert_eq!(query_value("", "a"), None);
        assert_eq!(query_value("q=a%20b+c", "q"), Some("a%20b+c"), "as sent");
    }
}
