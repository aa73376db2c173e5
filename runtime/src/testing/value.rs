//! The stand-in platform's JavaScript values: what a binding answers (an R2 object, a D1 row or
//! result), held for the Worker and read as the glue reads them: a property, an item, a length.

use crate::sys::BridgeAnswer;
use std::string::String;
use std::vec::Vec;

/// A JavaScript value of the stand-in platform.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Js {
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    Text(String),
    /// An `ArrayBuffer` (or a body, read with `arrayBuffer()`).
    Bytes(Vec<u8>),
    /// An array.
    Array(Vec<Js>),
    /// A plain object: its properties in order.
    Object(Vec<(String, Js)>),
    /// A `Date`, in ms since the epoch.
    Date(f64),
}

impl Js {
    /// An object of `fields`.
    pub(crate) fn object<const N: usize>(fields: [(&str, Js); N]) -> Js {
        Js::Object(fields.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Text.
    pub(crate) fn text(text: impl Into<String>) -> Js {
        Js::Text(text.into())
    }

    /// Property `name` (of an object; an array's item by its decimal index), `undefined` when
    /// it has none.
    pub(crate) fn get(&self, name: &str) -> Js {
        match self {
            Js::Object(fields) => fields
                .iter()
                .find(|(k, _)| k == name)
                .map_or(Js::Undefined, |(_, v)| v.clone()),
            Js::Array(items) => name
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i).cloned())
                .unwrap_or(Js::Undefined),
            _ => Js::Undefined,
        }
    }

    /// The answer the bridge gives for it: a primitive as itself, `None` for a value the world
    /// must hold (an object, an array, a date).
    pub(crate) fn primitive(&self) -> Option<BridgeAnswer> {
        Some(match self {
            Js::Undefined => BridgeAnswer::Undefined,
            Js::Null => BridgeAnswer::Null,
            Js::Bool(b) => BridgeAnswer::Boolean(*b),
            Js::Number(n) => BridgeAnswer::Number(*n),
            Js::Text(t) => BridgeAnswer::Text(t.clone()),
            Js::Bytes(b) => BridgeAnswer::Bytes(b.clone()),
            Js::Array(_) | Js::Object(_) | Js::Date(_) => return None,
        })
    }

    /// `JSON.stringify` of it, appended to `out` (`undefined` properties left out, bytes as
    /// `{}`, a date as its ISO text is not stood in: its ms).
    pub(crate) fn json(&self, out: &mut String) {
        match self {
            Js::Undefined | Js::Null => out.push_str("null"),
            Js::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Js::Number(n) if n.is_finite() => out.push_str(&std::format!("{n}")),
            Js::Number(_) => out.push_str("null"),
            Js::Text(t) => json_string(t, out),
            Js::Bytes(_) => out.push_str("{}"),
            Js::Date(ms) => out.push_str(&std::format!("{ms}")),
            Js::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.json(out);
                }
                out.push(']');
            }
            Js::Object(fields) => {
                out.push('{');
                let mut first = true;
                for (name, value) in fields.iter().filter(|(_, v)| *v != Js::Undefined) {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    json_string(name, out);
                    out.push(':');
                    value.json(out);
                }
                out.push('}');
            }
        }
    }
}

/// `text` as a JSON string, as `JSON.stringify` writes it.
fn json_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&std::format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_what_javascript_writes() {
        let row = Js::object([
            ("id", Js::Number(1.0)),
            ("n", Js::Number(1.5)),
            ("z", Js::Null),
            ("gone", Js::Undefined),
            ("t", Js::text("a \"q\"\n\u{1}é")),
            ("list", Js::Array(std::vec![Js::Bool(true), Js::Number(-0.25)])),
        ]);
        let mut out = String::new();
        row.json(&mut out);
        assert_eq!(
            out,
            r#"{"id":1,"n":1.5,"z":null,"t":"a \"q\"\n\u0001é","list":[true,-0.25]}"#
        );
        assert_eq!(row.get("n"), Js::Number(1.5));
        assert_eq!(row.get("nope"), Js::Undefined);
        assert_eq!(row.get("list").get("1"), Js::Number(-0.25));
    }
}
