//! One error type for every handler: a kind, the HTTP status it answers by default, a static
//! message for the log, and `From` for every module's error, so `?` works anywhere.
//!
//! What a handler's `Err` becomes: its status with a generic body (the message only when the
//! Worker opted in with [`Error::public`]), and one log line with the message.
//!
//! | kind | default status | from |
//! |---|---:|---|
//! | [`Kind::BadRequest`] | 400 | JSON that is not valid or nests too deep, a path or query that does not decode, a malformed form, an argument the platform refused (`InvalidArgument`, `InvalidUrl`) |
//! | [`Kind::NotFound`] | 404 | [`Error::not_found`] |
//! | [`Kind::PayloadTooLarge`] | 413 | [`Error::new`] with 413 |
//! | [`Kind::Failed`] | 502 (504 for `io::Error::TimedOut`) | a host operation that failed: a subrequest, KV, R2, D1, a service (`Failed`), a subrequest past its timeout or aborted (`Aborted`) |
//! | [`Kind::TooLarge`] | 500 | an answer larger than the request's memory or the heap (`TooLarge`, with the figure) |
//! | [`Kind::Internal`] | 500 | the Worker's own mistake: no such binding or method, a value of another kind, a released value, a call that would suspend, storage that threw, a `&'static str` |
//! | [`Kind::Status`] | its own | [`Error::new`] with any other status |

use crate::{bridge, io, json, router, storage};
use core::fmt;

/// [`Error`]'s body: the generic text of its status.
const GENERIC: u8 = 0;
/// [`Error`]'s body: its message, as text.
const PUBLIC_TEXT: u8 = 1;
/// [`Error`]'s body: its message, as JSON.
const PUBLIC_JSON: u8 = 2;

/// `needed` as [`Error`] keeps it: one more than the figure, 0 for none (a figure past
/// `u32::MAX - 1`, which no wasm32 memory holds, is kept as that).
const fn figure(needed: Option<usize>) -> u32 {
    match needed {
        Some(n) if n >= u32::MAX as usize => u32::MAX,
        Some(n) => n as u32 + 1,
        None => 0,
    }
}

/// What went wrong, by who can fix it; each has a default HTTP status (the module's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// The client's input is not what the Worker takes (400).
    BadRequest,
    /// What the request names is not there (404).
    NotFound,
    /// The request's body is larger than the Worker takes (413).
    PayloadTooLarge,
    /// A host operation failed: the network, an origin, a binding's service (502).
    Failed,
    /// An answer is larger than the request's memory or the heap can hold (500).
    TooLarge,
    /// The Worker's own mistake or configuration (500).
    Internal,
    /// A status the Worker chose ([`Error::new`]).
    Status,
}

impl Kind {
    /// The status an error of this kind answers unless the Worker chose one.
    pub const fn status(self) -> u16 {
        match self {
            Kind::BadRequest => 400,
            Kind::NotFound => 404,
            Kind::PayloadTooLarge => 413,
            Kind::Failed => 502,
            Kind::TooLarge | Kind::Internal | Kind::Status => 500,
        }
    }
}

/// The one error of a handler: a [`Kind`], the HTTP status it answers, a message for the log
/// (sent to the client only after [`Error::public`]) and, for [`Kind::TooLarge`], the bytes
/// the answer needed. Every error of the crate converts into it, so `?` works in any handler.
///
/// ```
/// use tinyworker::{Error, Request, Response};
///
/// fn handle<'a>(request: &Request<'a>) -> Result<Response<'a>, Error> {
///     let id = request.path().strip_prefix("/items/").ok_or(Error::not_found("no such route"))?;
///     if id.is_empty() {
///         return Err(Error::new(422, "an empty id").public());
///     }
///     Ok(Response::text(200, "found\n"))
/// }
/// # fn main() {}
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Error {
    message: &'static str,
    /// The bytes an answer needed (0: no figure); 16 bytes in all, cheap to pass by value.
    needed: u32,
    status: u16,
    kind: Kind,
    /// What the body is: [`GENERIC`], [`PUBLIC_TEXT`] or [`PUBLIC_JSON`].
    body: u8,
    /// Whether the log line ends with the platform's own message (the bridge's last error:
    /// the glue has it).
    cause: bool,
}

impl Error {
    /// An error that answers `status` (200–599, what the platform sends; any other is answered as 500) and logs
    /// `message`. 400, 404 and 413 take their kinds; any other status is [`Kind::Status`].
    pub const fn new(status: u16, message: &'static str) -> Self {
        let kind = match status {
            400 => Kind::BadRequest,
            404 => Kind::NotFound,
            413 => Kind::PayloadTooLarge,
            _ => Kind::Status,
        };
        Self::of(kind, message).with_status(status)
    }

    /// An error of `kind`, answering its default status.
    pub const fn of(kind: Kind, message: &'static str) -> Self {
        Self {
            kind,
            status: kind.status(),
            body: GENERIC,
            cause: false,
            message,
            needed: 0,
        }
    }

    /// An error of `kind` with `message` and the bytes an answer `needed` (the conversions').
    #[inline(never)]
    fn made(kind: Kind, message: &'static str, needed: Option<usize>) -> Self {
        let mut error = Self::of(kind, message);
        error.needed = figure(needed);
        error
    }

    /// A 400: the client's input is not what the Worker takes.
    pub const fn bad_request(message: &'static str) -> Self {
        Self::of(Kind::BadRequest, message)
    }

    /// A 404: what the request names is not there.
    pub const fn not_found(message: &'static str) -> Self {
        Self::of(Kind::NotFound, message)
    }

    /// A 500: the Worker's own mistake.
    pub const fn internal(message: &'static str) -> Self {
        Self::of(Kind::Internal, message)
    }

    /// An answer that needed `needed` bytes, more than the request's memory or heap holds.
    pub const fn too_large(message: &'static str, needed: usize) -> Self {
        let mut error = Self::of(Kind::TooLarge, message);
        error.needed = figure(Some(needed));
        error
    }

    /// The same error answering `status` instead (200–599, what the platform sends; any other is answered as 500).
    pub const fn with_status(mut self, status: u16) -> Self {
        self.status = if 200 <= status && status <= 599 { status } else { 500 };
        self
    }

    /// The same error with its message as the answer's body (by default the client gets a
    /// generic body, and only the log the message).
    pub const fn public(mut self) -> Self {
        self.body = PUBLIC_TEXT;
        self
    }

    /// The same error with its message, a JSON text, as the answer's body (`application/json`):
    /// `Error::new(404, r#"{"error":"no such note"}"#).public_json()`.
    pub const fn public_json(mut self) -> Self {
        self.body = PUBLIC_JSON;
        self
    }

    /// Its kind.
    pub const fn kind(&self) -> Kind {
        self.kind
    }

    /// The status it answers.
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// Its message (what the log shows).
    pub const fn message(&self) -> &'static str {
        self.message
    }

    /// The bytes an answer needed ([`Kind::TooLarge`]).
    pub const fn needed(&self) -> Option<usize> {
        match self.needed {
            0 => None,
            n => Some(n as usize - 1),
        }
    }

    /// Whether its message is the answer's body ([`Error::public`]).
    pub const fn is_public(&self) -> bool {
        self.body != GENERIC
    }

    /// The body the client gets: the message when public, else the generic text of its status.
    pub fn body(&self) -> &'static str {
        if self.is_public() {
            return self.message;
        }
        match self.status {
            400 => "bad request\n",
            401 => "unauthorized\n",
            403 => "forbidden\n",
            404 => "not found\n",
            405 => "method not allowed\n",
            409 => "conflict\n",
            413 => "payload too large\n",
            415 => "unsupported media type\n",
            422 => "unprocessable content\n",
            429 => "too many requests\n",
            502 => "bad gateway\n",
            503 => "service unavailable\n",
            504 => "gateway timeout\n",
            500..=599 => "internal error\n",
            _ => "",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)?;
        match self.needed() {
            Some(needed) => write!(f, " ({needed} bytes needed)"),
            None => Ok(()),
        }
    }
}

impl core::error::Error for Error {}

/// `Err("...")?`: the Worker's own mistake (500), with that message.
impl From<&'static str> for Error {
    #[cold]
    #[inline(never)]
    fn from(message: &'static str) -> Self {
        Self::internal(message)
    }
}

// (Each conversion picks a kind, a message and a figure, then makes one `Error`: the optimiser
// turns the match into lookup tables, not one struct written per arm.)

impl From<bridge::Error> for Error {
    #[cold]
    #[inline(never)]
    fn from(e: bridge::Error) -> Self {
        use bridge::Error as E;
        let (kind, message, needed) = match e {
            E::NoTarget => (Kind::Internal, "the env has no such binding", None),
            E::NoMethod => (Kind::Internal, "the binding has no such method", None),
            E::InvalidArgument => (Kind::BadRequest, "the platform refused an argument", None),
            E::Failed => (Kind::Failed, "a binding failed", None),
            E::WouldSuspend => (Kind::Internal, "a call would suspend where it cannot", None),
            E::WrongType { .. } => (Kind::Internal, "a value of another kind", None),
            E::NoValue => (Kind::Internal, "a released value", None),
            E::TooLarge { needed } => (Kind::TooLarge, "an answer too large", Some(needed)),
        };
        let mut error = Self::made(kind, message, needed);
        // (The binding's own message, for the log: it is the platform's, never sent.)
        if e == E::Failed {
            error.cause = true;
        }
        error
    }
}

impl From<io::Error> for Error {
    #[cold]
    #[inline(never)]
    fn from(e: io::Error) -> Self {
        use io::Error as E;
        let (kind, message, needed) = match e {
            E::Failed => (Kind::Failed, "a subrequest or KV operation failed", None),
            E::InvalidUrl => (Kind::BadRequest, "the URL is not valid", None),
            E::NoBinding => (Kind::Internal, "the env has no such binding", None),
            E::InvalidArgument => (Kind::BadRequest, "the platform refused an argument", None),
            E::WouldSuspend => (Kind::Internal, "a call would suspend where it cannot", None),
            E::TooLarge { needed } => (Kind::TooLarge, "an answer too large", Some(needed)),
            E::TimedOut => return Self::made(Kind::Failed, "a subrequest timed out", None).with_status(504),
            E::Aborted => (Kind::Failed, "a subrequest was aborted", None),
        };
        Self::made(kind, message, needed)
    }
}

impl From<storage::Error> for Error {
    #[cold]
    #[inline(never)]
    fn from(e: storage::Error) -> Self {
        use storage::Error as E;
        let (kind, message, needed) = match e {
            E::Failed => (Kind::Internal, "the storage failed", None),
            E::WouldSuspend => (
                Kind::Internal,
                "the storage is not SQLite-backed (new_classes): it has no synchronous API",
                None,
            ),
            E::InvalidArgument => (Kind::BadRequest, "the storage refused an argument", None),
            E::TooLarge { needed } => (Kind::TooLarge, "a stored value too large", Some(needed)),
            E::WrongType { .. } => (Kind::Internal, "a stored value of another kind", None),
        };
        Self::made(kind, message, needed)
    }
}

impl From<json::Error> for Error {
    #[cold]
    #[inline(never)]
    fn from(e: json::Error) -> Self {
        let (kind, message) = match e {
            json::Error::Invalid(_) => (Kind::BadRequest, "not JSON"),
            json::Error::TooDeep => (Kind::BadRequest, "JSON nested too deep"),
            json::Error::Full => (Kind::Internal, "JSON larger than its buffer"),
        };
        Self::made(kind, message, None)
    }
}

impl From<router::DecodeError> for Error {
    #[cold]
    #[inline(never)]
    fn from(e: router::DecodeError) -> Self {
        let (kind, message) = match e {
            router::DecodeError::BadEscape => (Kind::BadRequest, "a bad percent escape"),
            router::DecodeError::NotUtf8 => (Kind::BadRequest, "percent escapes that are not UTF-8"),
            router::DecodeError::TooLarge => (Kind::Internal, "a decoded text larger than its buffer"),
        };
        Self::made(kind, message, None)
    }
}

impl From<crate::form::FormError> for Error {
    #[cold]
    #[inline(never)]
    fn from(e: crate::form::FormError) -> Self {
        match e {
            crate::form::FormError::NotForm => Self::new(415, "the body is not that form"),
            crate::form::FormError::NoBoundary => Self::bad_request("a multipart body without a boundary"),
            crate::form::FormError::Malformed => {
                Self::bad_request("a multipart body that does not follow its boundary")
            }
        }
    }
}

impl From<core::str::Utf8Error> for Error {
    #[cold]
    #[inline(never)]
    fn from(_: core::str::Utf8Error) -> Self {
        Self::bad_request("text that is not UTF-8")
    }
}

impl<'a> From<crate::response::TooManyHeaders<'a>> for Error {
    #[cold]
    #[inline(never)]
    fn from(_: crate::response::TooManyHeaders<'a>) -> Self {
        Self::internal(crate::response::TOO_MANY_HEADERS)
    }
}

/// Two errors are equal when they answer and log the same (the platform's own message aside).
impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        (self.kind, self.status, self.body, self.message, self.needed)
            == (other.kind, other.status, other.body, other.message, other.needed)
    }
}

impl Eq for Error {}

/// An error's answer: its status, and its generic body (or its message, when public).
impl<'a> From<Error> for crate::Response<'a> {
    fn from(error: Error) -> Self {
        if error.body == PUBLIC_JSON {
            return crate::Response::json(error.status(), error.message);
        }
        crate::Response::text(error.status(), error.body())
    }
}

/// Logs `error` at the error level: `<context>: <status> <message>[ (<needed> bytes
/// needed)][: <the binding's own message>]`, composed by the glue (`context` empty: the
/// request's method and path). No formatting in wasm.
#[cold]
#[inline(never)]
pub(crate) fn log(context: &str, error: &Error) {
    use crate::abi::{LOG_CAUSE, LOG_ERROR, LOG_NEEDED};
    let needed = error.needed();
    let flags = if needed.is_some() { LOG_NEEDED } else { 0 } | if error.cause { LOG_CAUSE } else { 0 };
    let needed = needed.map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX));
    crate::sys::log(
        LOG_ERROR,
        u32::from(error.status),
        needed,
        flags,
        error.message,
        context,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_answers_its_documented_status() {
        for (kind, status) in [
            (Kind::BadRequest, 400),
            (Kind::NotFound, 404),
            (Kind::PayloadTooLarge, 413),
            (Kind::Failed, 502),
            (Kind::TooLarge, 500),
            (Kind::Internal, 500),
        ] {
            assert_eq!(Error::of(kind, "x").status(), status, "{kind:?}");
        }
        assert_eq!(Error::new(404, "x").kind(), Kind::NotFound);
        assert_eq!(Error::new(418, "x").kind(), Kind::Status);
        assert_eq!(Error::new(418, "x").status(), 418);
        // A status no response can have is answered as 500.
        assert_eq!(Error::new(99, "x").status(), 500);
        assert_eq!(Error::new(101, "x").status(), 500);
        assert_eq!(Error::new(600, "x").status(), 500);
    }

    #[test]
    fn the_body_is_generic_unless_public() {
        let e = Error::new(422, "the body needs a name");
        assert_eq!(e.body(), "unprocessable content\n");
        assert_eq!(e.public().body(), "the body needs a name");
        assert_eq!(Error::from(io::Error::Failed).body(), "bad gateway\n");
        assert_eq!(Error::new(503, "x").body(), "service unavailable\n");
        assert_eq!(Error::new(599, "x").body(), "internal error\n");
    }

    #[test]
    fn every_module_error_converts() {
        assert_eq!(Error::from(io::Error::InvalidArgument).status(), 400);
        assert_eq!(Error::from(io::Error::NoBinding).status(), 500);
        assert_eq!(Error::from(bridge::Error::Failed).kind(), Kind::Failed);
        assert_eq!(Error::from(bridge::Error::TooLarge { needed: 9 }).needed(), Some(9));
        assert_eq!(
            Error::too_large("x", 0).needed(),
            Some(0),
            "a figure of 0 is kept, not 1"
        );
        assert_eq!(Error::internal("x").needed(), None);
        assert_eq!(Error::from(storage::Error::InvalidArgument).status(), 400);
        let no_sqlite = Error::from(storage::Error::WouldSuspend);
        assert_eq!(
            (no_sqlite.status(), no_sqlite.to_string().contains("new_classes")),
            (500, true)
        );
        assert_eq!(Error::from(json::Error::Invalid(3)).status(), 400);
        assert_eq!(Error::from(router::DecodeError::BadEscape).status(), 400);
        assert_eq!(Error::from("oops").status(), 500);
    }

    #[test]
    fn display_and_the_log_line_carry_the_figure() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        let e = Error::from(io::Error::TooLarge { needed: 70000 });
        assert_eq!(e.to_string(), "an answer too large (70000 bytes needed)");
        crate::sys::set_request("GET", "http://h/a?q=1", b"");
        crate::sys::LOGGED.with(|l| l.borrow_mut().clear());
        log("", &e);
        log("cron", &Error::internal("no"));
        let lines: Vec<String> = crate::sys::LOGGED.with(|l| l.borrow().iter().map(|(_, t)| t.clone()).collect());
        assert_eq!(
            lines,
            ["GET /a: 500 an answer too large (70000 bytes needed)", "cron: 500 no"]
        );
    }
}
