//! Form bodies without an allocator: `application/x-www-form-urlencoded` fields by name
//! (decoded into the request's memory) and `multipart/form-data` parts, read in place.
//!
//! ```
//! use tinyworker::{form, Error, Request, Response};
//!
//! fn signup<'a>(request: &Request<'a>) -> Result<Response<'a>, Error> {
//!     // `name=Ada+L%C3%B6w&plan=pro`
//!     let name = form::field(request, "name").ok_or(Error::bad_request("no name"))??;
//!     Ok(Response::text(200, name))
//! }
//!
//! fn upload<'a>(request: &Request<'a>) -> Result<Response<'a>, Error> {
//!     for part in form::parts(request)? {
//!         let part = part?;
//!         if part.name == "file" {
//!             return Ok(Response::bytes(200, part.body));
//!         }
//!     }
//!     Err(Error::bad_request("no file"))
//! }
//! # fn main() {}
//! ```

use crate::router::{percent_decode, DecodeError};
use crate::Request;

/// Why a body is not the form asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormError {
    /// The request's content type is not that form's.
    NotForm,
    /// A multipart body without a usable `boundary` parameter (1 to 70 characters).
    NoBoundary,
    /// A multipart body that does not follow its boundary (a part without headers, a part
    /// without a `name`, no closing delimiter).
    Malformed,
}

/// Whether the request's content type is `mime` (compared without its parameters, ignoring case).
fn content_type_is(request: &Request<'_>, mime: &str) -> bool {
    request
        .header("content-type")
        .and_then(|value| value.split(';').next())
        .is_some_and(|kind| kind.trim().eq_ignore_ascii_case(mime))
}

/// Field `name` of an `application/x-www-form-urlencoded` body, decoded (`+` as a space) into the
/// request's memory: `None` when the body has no such field or is not such a form; the first
/// when it repeats. Names are compared decoded.
pub fn field<'a>(request: &Request<'a>, name: &str) -> Option<Result<&'a str, DecodeError>> {
    if !content_type_is(request, "application/x-www-form-urlencoded") {
        return None;
    }
    let body = crate::utf8::str_of(request.body())?;
    for pair in body.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if decoded_is(key, name) {
            return Some(match request.scratch(value.len()) {
                Some(buffer) => percent_decode(value, buffer, true),
                None => Err(DecodeError::TooLarge),
            });
        }
    }
    None
}

/// Whether the form-encoded `raw` decodes to `name`.
fn decoded_is(raw: &str, name: &str) -> bool {
    let mut buffer = [0u8; 128]; // (a name longer than this is compared as sent)
    match percent_decode(raw, &mut buffer, true) {
        Ok(decoded) => decoded == name,
        Err(_) => raw == name,
    }
}

/// One part of a `multipart/form-data` body, in place in the request's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part<'a> {
    /// Its field name (`Content-Disposition: form-data; name="..."`).
    pub name: &'a str,
    /// The file name it was sent with, if it is a file.
    pub filename: Option<&'a str>,
    /// Its `Content-Type`, if it has one.
    pub content_type: Option<&'a str>,
    /// Its bytes.
    pub body: &'a [u8],
}

/// The parts of a `multipart/form-data` body, in order; `Err(NotForm)` for another content
/// type, `Err(NoBoundary)` when it names no boundary.
pub fn parts<'a>(request: &Request<'a>) -> Result<Parts<'a>, FormError> {
    if !content_type_is(request, "multipart/form-data") {
        return Err(FormError::NotForm);
    }
    let boundary = request
        .header("content-type")
        .and_then(|value| {
            value
                .split(';')
                .skip(1)
                .find_map(|p| p.trim().strip_prefix("boundary="))
        })
        .map(|b| b.trim_matches('"'))
        .filter(|b| (1..=70).contains(&b.len()))
        .ok_or(FormError::NoBoundary)?;
    let body = request.body();
    // The body starts with `--boundary` (a preamble before it is skipped).
    let start = find(body, b"--", boundary.as_bytes(), 0).ok_or(FormError::Malformed);
    Ok(Parts {
        rest: start.map(|at| body.get(at + 2 + boundary.len()..).unwrap_or_default()),
        boundary,
    })
}

/// The position of `dashes` followed by `boundary` in `body`, from `from`.
fn find(body: &[u8], dashes: &[u8], boundary: &[u8], from: usize) -> Option<usize> {
    let len = dashes.len() + boundary.len();
    (from..body.len().checked_sub(len)? + 1).find(|&at| {
        body.get(at..at + dashes.len()) == Some(dashes) && body.get(at + dashes.len()..at + len) == Some(boundary)
    })
}

/// The parts of a multipart body ([`parts`]): each a `Result`, the first error ends them.
#[derive(Debug, Clone)]
pub struct Parts<'a> {
    /// What follows the last delimiter read (`Err` once the body proved malformed).
    rest: Result<&'a [u8], FormError>,
    boundary: &'a str,
}

impl<'a> Iterator for Parts<'a> {
    type Item = Result<Part<'a>, FormError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = match self.rest {
            Ok(rest) => rest,
            Err(error) => {
                self.rest = Ok(&[]);
                return Some(Err(error));
            }
        };
        // After a delimiter: `--` closes the body; `\r\n` starts a part.
        if rest.is_empty() || rest.starts_with(b"--") {
            self.rest = Ok(&[]);
            return None;
        }
        let part = self.part(rest);
        if part.is_err() {
            self.rest = Ok(&[]);
        }
        Some(part)
    }
}

impl<'a> Parts<'a> {
    /// The part that `rest` (what follows a delimiter) starts; moves past it.
    fn part(&mut self, rest: &'a [u8]) -> Result<Part<'a>, FormError> {
        let rest = rest.strip_prefix(b"\r\n").ok_or(FormError::Malformed)?;
        let head_end = find(rest, b"\r\n\r\n", b"", 0).ok_or(FormError::Malformed)?;
        let head = crate::utf8::str_of(rest.get(..head_end).unwrap_or_default()).ok_or(FormError::Malformed)?;
        let content = rest.get(head_end + 4..).unwrap_or_default();
        let end = find(content, b"\r\n--", self.boundary.as_bytes(), 0).ok_or(FormError::Malformed)?;
        self.rest = Ok(content.get(end + 4 + self.boundary.len()..).unwrap_or_default());
        let mut part = Part {
            name: "",
            filename: None,
            content_type: None,
            body: content.get(..end).unwrap_or_default(),
        };
        let mut named = false;
        for line in head.split("\r\n") {
            let (header, value) = line.split_once(':').ok_or(FormError::Malformed)?;
            if header.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(value.trim());
            } else if header.trim().eq_ignore_ascii_case("content-disposition") {
                for parameter in value.split(';').skip(1) {
                    let (key, text) = parameter.trim().split_once('=').unwrap_or(("", ""));
                    let text = text.trim_matches('"');
                    match key {
                        "name" => (part.name, named) = (text, true),
                        "filename" => part.filename = Some(text),
                        _ => {}
                    }
                }
            }
        }
        if !named {
            return Err(FormError::Malformed);
        }
        Ok(part)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` on a request with `content_type` and `body`.
    fn with<R>(content_type: &str, body: &[u8], f: impl FnOnce(&Request<'_>) -> R) -> R {
        let _guard = crate::tests::LOCK.lock().unwrap();
        let headers = std::format!("content-type:{content_type}\n");
        crate::sys::set_request("POST", "http://h/form", headers.as_bytes());
        let mut buffer = std::vec![0u8; 4096];
        buffer[..body.len()].copy_from_slice(body);
        let request = Request::in_buffer(&mut buffer, body.len()).unwrap();
        f(&request)
    }

    #[test]
    fn urlencoded_fields_decode_into_the_request() {
        let body = b"name=Ada+L%C3%B6w&empty=&flag&caf%C3%A9=yes&name=second&bad=%zz";
        with("application/x-www-form-urlencoded; charset=UTF-8", body, |r| {
            assert_eq!(field(r, "name"), Some(Ok("Ada Löw")), "the first, + as a space");
            assert_eq!(field(r, "empty"), Some(Ok("")));
            assert_eq!(field(r, "flag"), Some(Ok("")));
            assert_eq!(field(r, "café"), Some(Ok("yes")), "names compared decoded");
            assert_eq!(field(r, "bad"), Some(Err(DecodeError::BadEscape)));
            assert_eq!(field(r, "absent"), None);
        });
        with("text/plain", b"name=x", |r| {
            assert_eq!(field(r, "name"), None, "not a form")
        });
    }

    #[test]
    fn multipart_parts_in_place() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\r\n--X\xff\r\n--XyZ--\r\n";
        with("multipart/form-data; boundary=\"XyZ\"", body, |r| {
            let parts: Vec<_> = parts(r).unwrap().collect();
            assert_eq!(parts.len(), 2);
            let title = parts[0].unwrap();
            assert_eq!((title.name, title.filename, title.body), ("title", None, &b"hello"[..]));
            let file = parts[1].unwrap();
            assert_eq!((file.name, file.filename), ("file", Some("a.bin")));
            assert_eq!(file.content_type, Some("application/octet-stream"));
            assert_eq!(file.body, b"\x00\r\n--X\xff", "a near-delimiter stays in the body");
        });
    }

    #[test]
    fn malformed_multipart_is_an_error_never_a_misread() {
        with("multipart/form-data", b"x", |r| {
            assert_eq!(parts(r).err(), Some(FormError::NoBoundary))
        });
        with("application/json", b"{}", |r| {
            assert_eq!(parts(r).err(), Some(FormError::NotForm))
        });
        for body in [
            &b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno closing delimiter"[..],
            b"--b\r\nContent-Disposition: form-data\r\n\r\nunnamed\r\n--b--",
            b"no delimiter at all",
            b"--b\r\nno blank line\r\n--b--",
        ] {
            with("multipart/form-data; boundary=b", body, |r| {
                let mut parts = parts(r).unwrap();
                assert_eq!(
                    parts.next(),
                    Some(Err(FormError::Malformed)),
                    "{:?}",
                    std::str::from_utf8(body)
                );
                assert_eq!(parts.next(), None, "the first error ends them");
            });
        }
        with("multipart/form-data; boundary=b", b"--b--\r\n", |r| {
            assert_eq!(parts(r).unwrap().count(), 0)
        });
    }
}
