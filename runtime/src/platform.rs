//! The platform's basics through the bridge: the wall clock and a monotonic clock, a timer
//! (`scheduler.wait`), random bytes (`crypto.getRandomValues`), SHA-256 (`crypto.subtle.digest`),
//! logging at levels (`__tw_log`), the incoming request's `cf` properties.

use crate::bridge::{self, Arg, Error, Target, Value};

/// Milliseconds since the Unix epoch (`Date.now()`; in Workers it advances only with I/O).
pub fn now_ms() -> Result<f64, Error> {
    bridge::call_number(Target::Global("Date"), "now", &[])
}

/// A monotonic clock in milliseconds (`performance.now()`).
pub fn monotonic_ms() -> Result<f64, Error> {
    bridge::call_number(Target::Global("performance"), "now", &[])
}

/// The variable `name` of the Worker's env as JSON, in the request's memory (sized by the
/// host): what `[vars]` holds that is not text (an object, an array, a number), or a text one
/// as a JSON string. `None` when the env has no such variable.
pub fn var_json_in<'a>(request: &crate::Request<'a>, name: &str) -> Result<Option<&'a str>, Error> {
    let value = bridge::get(Target::Env(name), "");
    match value {
        Ok(value) if !value.is_nullish() => value.json_in(request).map(Some),
        Ok(_) | Err(Error::NoTarget) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Waits `ms` milliseconds (`scheduler.wait`): the instance is suspended meanwhile, as for any
/// I/O, and other requests run on other instances. A Durable Object served without `io: true`
/// cannot wait: [`Error::WouldSuspend`].
pub fn sleep(ms: u32) -> Result<(), Error> {
    bridge::call_unit(Target::Global("scheduler"), "wait", &[Arg::number(f64::from(ms))])
}

/// Fills `buffer` with cryptographically strong random bytes (`crypto.getRandomValues`, in
/// pieces of at most 65,536 bytes, its limit per call).
pub fn random_bytes(buffer: &mut [u8]) -> Result<(), Error> {
    let crypto = bridge::get(Target::Global("crypto"), "")?;
    for piece in buffer.chunks_mut(65536) {
        // The argument is a fresh zeroed array the call fills and answers.
        let filled = crypto.call("getRandomValues", &[Arg::bytes(piece)])?;
        filled.bytes(piece)?;
        filled.release();
    }
    Ok(())
}

/// The SHA-256 digest of `data` (`crypto.subtle.digest`; the call suspends the module).
pub fn sha256(data: &[u8]) -> Result<[u8; 32], Error> {
    let subtle = bridge::get(Target::Global("crypto"), "subtle")?;
    let digest = subtle.call("digest", &[Arg::str("SHA-256"), Arg::bytes(data)])?;
    let mut out = [0u8; 32];
    digest.bytes(&mut out)?;
    Ok(out)
}

/// A level of [`log`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `console.debug`.
    Debug,
    /// `console.info`.
    Info,
    /// `console.warn`.
    Warn,
    /// `console.error`.
    Error,
}

/// Logs `message` at `level` (`console.<level>`, through `__tw_log`: no bridge call): what the
/// platform's logs and `wrangler tail` show.
pub fn log(level: Level, message: &str) {
    let level = match level {
        Level::Debug => crate::abi::LOG_DEBUG,
        Level::Info => crate::abi::LOG_INFO,
        Level::Warn => crate::abi::LOG_WARN,
        Level::Error => crate::abi::LOG_ERROR,
    };
    crate::sys::log(level, 0, 0, 0, message, "");
}

/// The incoming request's `cf` properties (`request.cf`: country, colo, TLS version...), as a
/// value to read properties of; `undefined` where the platform gives none.
pub fn cf() -> Result<Value, Error> {
    bridge::get(Target::Request, "cf")
}

/// Lowercase hex of `bytes` into `out` (twice their length); the hex text.
pub fn hex<'o>(bytes: &[u8], out: &'o mut [u8]) -> Option<&'o str> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let out = out.get_mut(..bytes.len() * 2)?;
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        for (slot, nibble) in pair.iter_mut().zip([byte >> 4, byte & 15]) {
            *slot = DIGITS[usize::from(nibble)];
        }
    }
    // The digits are ASCII.
    Some(crate::headers::text(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_and_checks_room() {
        let mut out = [0u8; 8];
        assert_eq!(hex(&[0x00, 0xab, 0xff], &mut out), Some("00abff"));
        assert_eq!(hex(&[1; 5], &mut out), None);
    }
}
