//! The stand-in of an R2 bucket: objects in memory with their metadata and an MD5 etag (as R2
//! makes it), conditions, ranges, checksums and listings answered as the platform answers them.

use super::value::Js;
use std::collections::BTreeMap;
use std::string::String;
use std::vec::Vec;

/// One stored object.
#[derive(Debug, Clone)]
struct Stored {
    body: Vec<u8>,
    http: Js,
    custom: Js,
    etag: String,
    uploaded: f64,
    version: u64,
    storage_class: String,
}

/// A bucket: its objects by key, and how many puts it has seen (each a new version).
#[derive(Debug, Default)]
pub(crate) struct Bucket {
    objects: BTreeMap<String, Stored>,
    puts: u64,
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| std::format!("{b:02x}")).collect()
}

/// Whether `stored` (or no object) meets the conditions of an `onlyIf`: R2's rules (an etag
/// condition decides before a date one; `*` is any etag).
fn meets(conditions: &Js, stored: Option<&Stored>) -> bool {
    let text = |name| match conditions.get(name) {
        Js::Text(t) => Some(t),
        _ => None,
    };
    let date = |name| match conditions.get(name) {
        Js::Date(ms) => Some(ms),
        _ => None,
    };
    let (matches, does_not_match) = (text("etagMatches"), text("etagDoesNotMatch"));
    let Some(stored) = stored else {
        return matches.is_none() && date("uploadedAfter").is_none();
    };
    let is = |etag: &String| etag == "*" || *etag == stored.etag;
    if matches.as_ref().is_some_and(|e| !is(e)) || does_not_match.as_ref().is_some_and(is) {
        return false;
    }
    let before_fails = matches.is_none() && date("uploadedBefore").is_some_and(|ms| stored.uploaded > ms);
    let after_fails = does_not_match.is_none() && date("uploadedAfter").is_some_and(|ms| stored.uploaded <= ms);
    !(before_fails || after_fails)
}

impl Stored {
    /// The `R2Object` it is under `key` (with `body` when the answer has one, `range` for part
    /// of it).
    fn object(&self, key: &str, body: Option<Vec<u8>>, range: Option<(usize, usize)>) -> Js {
        let mut fields = std::vec![
            ("key", Js::text(key)),
            ("version", Js::Text(std::format!("{:032x}", self.version))),
            ("size", Js::Number(self.body.len() as f64)),
            ("etag", Js::text(self.etag.clone())),
            ("httpEtag", Js::Text(std::format!("\"{}\"", self.etag))),
            ("uploaded", Js::Date(self.uploaded)),
            ("httpMetadata", self.http.clone()),
            ("customMetadata", self.custom.clone()),
            ("storageClass", Js::text(self.storage_class.clone())),
            ("checksums", Js::object([("md5", Js::text(self.etag.clone()))])),
        ];
        if let Some((offset, length)) = range {
            let range = Js::object([
                ("offset", Js::Number(offset as f64)),
                ("length", Js::Number(length as f64)),
            ]);
            fields.push(("range", range));
        }
        if let Some(body) = body {
            fields.push(("body", Js::Bytes(body)));
        }
        Js::Object(fields.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

/// The bytes a `get`'s `range` asks for: (offset, length) within `size`.
fn range_of(range: &Js, size: usize) -> Result<(usize, usize), String> {
    let number = |name| match range.get(name) {
        Js::Number(n) if n >= 0.0 => Ok(Some(n as usize)),
        Js::Undefined => Ok(None),
        other => Err(std::format!("get: the range's {name} {other:?} is not a number")),
    };
    let (offset, length, suffix) = (number("offset")?, number("length")?, number("suffix")?);
    let (offset, length) = match suffix {
        Some(n) => (size.saturating_sub(n), n.min(size)),
        None => {
            let offset = offset.unwrap_or(0);
            (offset, length.unwrap_or(size.saturating_sub(offset)))
        }
    };
    if offset > size || offset + length > size {
        return Err("get: The requested range is not satisfiable (10039)".into());
    }
    Ok((offset, length))
}

impl Bucket {
    /// `member(args)` on the bucket, as R2 answers it; `Err` with the message R2 would throw.
    pub(crate) fn call(&mut self, member: &str, args: &[Js], now: f64) -> Result<Js, String> {
        let options = args.get(1).cloned().unwrap_or(Js::Undefined);
        Ok(match (member, args.first()) {
            ("head", Some(Js::Text(key))) => self.objects.get(key).map_or(Js::Null, |s| s.object(key, None, None)),
            ("get", Some(Js::Text(key))) => {
                let Some(stored) = self.objects.get(key) else {
                    return Ok(Js::Null);
                };
                if !meets(&options.get("onlyIf"), Some(stored)) {
                    return Ok(stored.object(key, None, None));
                }
                match options.get("range") {
                    Js::Undefined => stored.object(key, Some(stored.body.clone()), None),
                    range => {
                        let (offset, length) = range_of(&range, stored.body.len())?;
                        let part = stored.body[offset..offset + length].to_vec();
                        stored.object(key, Some(part), Some((offset, length)))
                    }
                }
            }
            ("put", Some(Js::Text(key))) => {
                let body = match args.get(1) {
                    Some(Js::Bytes(b)) => b.clone(),
                    Some(Js::Text(t)) => t.clone().into_bytes(),
                    Some(Js::Null) => Vec::new(),
                    other => panic!("tinyworker::testing: an R2 put of {other:?} is not stood in"),
                };
                let options = args.get(2).cloned().unwrap_or(Js::Undefined);
                self.put(key, body, &options, now)?
            }
            ("delete", Some(Js::Text(key))) => {
                self.objects.remove(key);
                Js::Undefined
            }
            ("delete", Some(Js::Array(keys))) => {
                for key in keys {
                    if let Js::Text(key) = key {
                        self.objects.remove(key);
                    }
                }
                Js::Undefined
            }
            ("list", _) => self.list(args.first().unwrap_or(&Js::Undefined)),
            (member, _) => panic!("tinyworker::testing: R2 {member}({args:?}) is not stood in"),
        })
    }

    fn put(&mut self, key: &str, body: Vec<u8>, options: &Js, now: f64) -> Result<Js, String> {
        if !meets(&options.get("onlyIf"), self.objects.get(key)) {
            return Ok(Js::Null);
        }
        use md5::Digest as _;
        let etag = hex(&md5::Md5::digest(&body));
        for (name, label, digest) in [
            ("md5", "MD5", etag.clone()),
            ("sha256", "SHA-256", hex(&sha2::Sha256::digest(&body))),
            ("sha384", "SHA-384", hex(&sha2::Sha384::digest(&body))),
            ("sha512", "SHA-512", hex(&sha2::Sha512::digest(&body))),
        ] {
            if let Js::Text(given) = options.get(name) {
                if !given.eq_ignore_ascii_case(&digest) {
                    return Err(std::format!(
                        "put: The {label} checksum you specified did not match what we received. (10037)"
                    ));
                }
            }
        }
        if options.get("sha1") != Js::Undefined {
            panic!("tinyworker::testing: an R2 put with a SHA-1 checksum is not stood in");
        }
        let storage_class = match options.get("storageClass") {
            Js::Text(class) if class == "Standard" || class == "InfrequentAccess" => class,
            Js::Undefined => "Standard".into(),
            other => return Err(std::format!("put: Unsupported storage class {other:?} (10040)")),
        };
        let or_empty = |value: Js| {
            if value == Js::Undefined {
                Js::Object(Vec::new())
            } else {
                value
            }
        };
        self.puts += 1;
        let stored = Stored {
            body,
            http: or_empty(options.get("httpMetadata")),
            custom: or_empty(options.get("customMetadata")),
            etag,
            uploaded: now,
            version: self.puts,
            storage_class,
        };
        let object = stored.object(key, None, None);
        self.objects.insert(key.into(), stored);
        Ok(object)
    }

    /// `list(options)`: keys in order from `startAfter` or the cursor (the last key a page
    /// held), grouped by the delimiter, at most `limit` (1,000) a page.
    fn list(&self, options: &Js) -> Js {
        let text = |name| match options.get(name) {
            Js::Text(t) => Some(t),
            _ => None,
        };
        let prefix = text("prefix").unwrap_or_default();
        let after = text("cursor").or(text("startAfter"));
        let limit = match options.get("limit") {
            Js::Number(n) if n >= 1.0 => (n as usize).min(1000),
            _ => 1000,
        };
        let include = |what: &str| match options.get("include") {
            Js::Array(items) => items.contains(&Js::text(what)),
            _ => false,
        };
        let (mut objects, mut prefixes, mut last) = (Vec::new(), Vec::<String>::new(), None::<String>);
        let mut truncated = false;
        let keys = self
            .objects
            .iter()
            .filter(|(key, _)| key.starts_with(&prefix) && after.as_ref().is_none_or(|after| *key > after));
        for (key, stored) in keys {
            let grouped = text("delimiter").and_then(|d| {
                let rest = &key[prefix.len()..];
                rest.find(&d)
                    .map(|at| std::format!("{prefix}{}", &rest[..at + d.len()]))
            });
            if grouped.as_ref().is_some_and(|g| prefixes.contains(g)) {
                continue;
            }
            if objects.len() + prefixes.len() == limit {
                truncated = true;
                break;
            }
            last = Some(key.clone());
            match grouped {
                Some(group) => prefixes.push(group),
                None => {
                    let mut listed = stored.object(key, None, None);
                    if let Js::Object(fields) = &mut listed {
                        for (name, what) in [("httpMetadata", "httpMetadata"), ("customMetadata", "customMetadata")] {
                            if !include(what) {
                                let field = fields.iter_mut().find(|(k, _)| k == name);
                                if let Some((_, value)) = field {
                                    *value = Js::Object(Vec::new());
                                }
                            }
                        }
                    }
                    objects.push(listed);
                }
            }
        }
        let cursor = match (truncated, last) {
            (true, Some(last)) => Js::Text(last),
            _ => Js::Undefined,
        };
        Js::object([
            ("objects", Js::Array(objects)),
            ("truncated", Js::Bool(truncated)),
            ("cursor", cursor),
            (
                "delimitedPrefixes",
                Js::Array(prefixes.into_iter().map(Js::Text).collect()),
            ),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(bucket: &mut Bucket, key: &str, body: &str, options: Js) -> Result<Js, String> {
        bucket.call("put", &[Js::text(key), Js::text(body), options], 1000.0)
    }

    #[test]
    fn conditions_checksums_and_ranges_as_r2_answers_them() {
        let mut bucket = Bucket::default();
        let stored = put(&mut bucket, "k", "hello", Js::Undefined).unwrap();
        assert_eq!(
            stored.get("etag"),
            Js::text("5d41402abc4b2a76b9719d911017c592"),
            "MD5, as R2's etag"
        );
        let only_if = |field: &str, etag: &str| Js::object([("onlyIf", Js::object([(field, Js::text(etag))]))]);
        assert_eq!(put(&mut bucket, "k", "x", only_if("etagMatches", "0")), Ok(Js::Null));
        let got = bucket.call(
            "get",
            &[
                Js::text("k"),
                only_if("etagDoesNotMatch", "5d41402abc4b2a76b9719d911017c592"),
            ],
            0.0,
        );
        assert_eq!(
            got.unwrap().get("body"),
            Js::Undefined,
            "a 304: the object without its body"
        );
        let wrong = Js::object([("sha256", Js::text("00"))]);
        assert!(put(&mut bucket, "k", "x", wrong).unwrap_err().contains("SHA-256"));
        let suffix = Js::object([("range", Js::object([("suffix", Js::Number(3.0))]))]);
        let got = bucket.call("get", &[Js::text("k"), suffix], 0.0).unwrap();
        assert_eq!(got.get("body"), Js::Bytes(b"llo".to_vec()));
    }

    #[test]
    fn listings_group_page_and_include() {
        let mut bucket = Bucket::default();
        for key in ["a/1", "a/2", "b", "c"] {
            put(&mut bucket, key, key, Js::Undefined).unwrap();
        }
        let keys = |listing: &Js| match listing.get("objects") {
            Js::Array(items) => items.iter().map(|o| o.get("key")).collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let grouped = bucket.call(
            "list",
            &[Js::object([("delimiter", Js::text("/")), ("limit", Js::Number(2.0))])],
            0.0,
        );
        let grouped = grouped.unwrap();
        assert_eq!(grouped.get("delimitedPrefixes"), Js::Array(std::vec![Js::text("a/")]));
        assert_eq!(
            (keys(&grouped), grouped.get("truncated")),
            (std::vec![Js::text("b")], Js::Bool(true))
        );
        let next = Js::object([("cursor", grouped.get("cursor")), ("delimiter", Js::text("/"))]);
        assert_eq!(keys(&bucket.call("list", &[next], 0.0).unwrap()), [Js::text("c")]);
        let after = Js::object([("startAfter", Js::text("b"))]);
        assert_eq!(keys(&bucket.call("list", &[after], 0.0).unwrap()), [Js::text("c")]);
    }
}
