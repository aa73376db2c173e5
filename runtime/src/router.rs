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
//! - Routes are tried in order; the first whose pattern and method match answers. A `GET` route
//!   also answers `HEAD` (the platform sends no body for it).
//! - No route's pattern matches: `404 not found`. Some do, none with the request's method:
//!   `405 method not allowed` with an `allow` header naming theirs.

use crate::{Request, Response};

/// At most this many parameters in one pattern (`:name` and `*name`).
pub const MAX_PARAMS: usize = 8;

/// A handler of a route: the request and the parameters its pattern captured.
pub type Handler = for<'a> fn(&Request<'a>, &Params<'a>) -> Response<'a>;

/// One route: a method, a pattern and its handler. Made in a `static` table with
/// [`Route::get`], [`Route::post`], ... or [`Route::new`] for any method.
#[derive(Clone, Copy)]
pub struct Route {
    method: &'static str,
    pattern: &'static str,
    handler: Handler,
}

impl core::fmt::Debug for Route {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} {}", self.method, self.pattern)
    }
}

impl Route {
    /// A route for `method` (e.g. `"OPTIONS"`). A pattern starts with `/`; `*name` may only be
    /// its last segment; at most [`MAX_PARAMS`] parameters. A pattern that breaks these rules
    /// fails to compile when the route is made in a `static` or `const`.
    pub const fn new(method: &'static str, pattern: &'static str, handler: Handler) -> Self {
        assert!(valid_pattern(pattern.as_bytes()), "router: a pattern starts with '/', has at most 8 parameters, `*name` only last, and no empty `:` or `*` names");
        Self {
            method,
            pattern,
            handler,
        }
    }
    /// A `GET` route (it also answers `HEAD`).
    pub const fn get(pattern: &'static str, handler: Handler) -> Self {
        Self::new("GET", pattern, handler)
    }
    /// A `POST` route.
    pub const fn post(pattern: &'static str, handler: Handler) -> Self {
        Self::new("POST", pattern, handler)
    }
    /// A `PUT` route.
    pub const fn put(pattern: &'static str, handler: Handler) -> Self {
        Self::new("PUT", pattern, handler)
    }
    /// A `PATCH` route.
    pub const fn patch(pattern: &'static str, handler: Handler) -> Self {
        Self::new("PATCH", pattern, handler)
    }
    /// A `DELETE` route.
    pub const fn delete(pattern: &'static str, handler: Handler) -> Self {
        Self::new("DELETE", pattern, handler)
    }

    /// Whether this route answers `method`.
    fn answers(&self, method: &str) -> bool {
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
    core::str::from_utf8(buffer.get(..len).unwrap_or_default()).map_err(|_| DecodeError::NotUtf8)
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

/// Answers `request` with the first route whose pattern and method match; else 404, or 405 with
/// `allow` when a pattern matched with other methods (one `allow` header per method; the
/// platform joins them: `GET, HEAD, POST`).
pub fn dispatch<'a>(request: &Request<'a>, routes: &[Route]) -> Response<'a> {
    let (method, path) = (request.method(), request.path());
    let mut allowed: [&'static str; crate::EXTRA_HEADERS] = [""; crate::EXTRA_HEADERS];
    let mut count = 0;
    for route in routes {
        let Some(params) = match_path(route.pattern, path) else {
            continue;
        };
        if route.answers(method) {
            return (route.handler)(request, &params);
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
    if count == 0 {
        return Response::text(404, "not found\n");
    }
    allowed
        .iter()
        .take(count)
        // (At most EXTRA_HEADERS methods are collected: every one fits.)
        .fold(Response::text(405, "method not allowed\n"), |r, m| {
            match r.try_header("allow", m) {
                Ok(r) | Err(crate::TooManyHeaders(r)) => r,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

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
