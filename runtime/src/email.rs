//! Email Workers from Rust: the `email` handler (`email!`) with the message it receives (sender,
//! recipient, headers, the raw message; forward, reply, reject), and the `send_email` binding.
//!
//! ```
//! use tinyworker::email::Message;
//! use tinyworker::bridge::Error;
//!
//! // Mail to a list is forwarded to its members' inbox; anything else is refused.
//! fn receive(message: &Message) -> Result<(), Error> {
//!     let mut to = [0u8; 256];
//!     if message.to(&mut to)? == "list@example.com" {
//!         message.forward("inbox@example.com", &[("X-List", "list")])
//!     } else {
//!         message.set_reject("no such list")
//!     }
//! }
//! tinyworker::email!(receive);
//! # fn main() {}
//! ```
//!
//! Constructing a message (a reply, one sent through `send_email`) needs the platform's
//! `EmailMessage` class, which only the Worker's entry can import (`cloudflare:email`): hand it
//! over as a host function, `createWorker(wasm, { host: { EmailMessage } })`.

use crate::bridge::{self, Arg, Error, Field, Target, Value};

/// The message being received (only inside an `email!` handler). The glue reads its raw bytes
/// before the call (at most the platform's 25 MiB).
#[derive(Debug)]
pub struct Message(());

impl Message {
    /// The message of the running handler (used by the macro).
    #[doc(hidden)]
    pub const fn current() -> Self {
        Self(())
    }

    /// The envelope's sender (`MAIL FROM`), in `buffer`.
    pub fn from<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        text_of("from", buffer)
    }

    /// The envelope's recipient (`RCPT TO`), in `buffer`.
    pub fn to<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        text_of("to", buffer)
    }

    /// Header `name` of the message (`Subject`, `Message-ID`, ...), in `buffer`; `None` when it
    /// has none.
    pub fn header<'b>(&self, name: &str, buffer: &'b mut [u8]) -> Result<Option<&'b str>, Error> {
        let headers = bridge::get(Target::Event, "headers")?;
        let value = headers.call("get", &[Arg::str(name)]);
        headers.release();
        let value = value?;
        let text = match value.is_nullish() {
            true => Ok(None),
            false => value.text(buffer).map(Some),
        };
        value.release();
        text
    }

    /// The raw message's size in bytes.
    pub fn raw_size(&self) -> Result<usize, Error> {
        Ok(bridge::get_number(Target::Event, "rawSize")? as usize)
    }

    /// The raw message (headers and body, as the platform received it), in `buffer`.
    pub fn raw<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b [u8], Error> {
        let raw = bridge::get(Target::Event, "raw")?;
        let bytes = raw.bytes(buffer);
        raw.release();
        bytes
    }

    /// The raw message, in owned memory of its size.
    #[cfg(feature = "alloc")]
    pub fn raw_owned(&self) -> Result<alloc::vec::Vec<u8>, Error> {
        let raw = bridge::get(Target::Event, "raw")?;
        let bytes = raw.bytes_owned();
        raw.release();
        bytes
    }

    /// Refuses the message with `reason` (the sender gets a bounce with it).
    pub fn set_reject(&self, reason: &str) -> Result<(), Error> {
        bridge::call_unit(Target::Event, "setReject", &[Arg::str(reason)])
    }

    /// Forwards the message to `recipient` (an address verified on the account), adding
    /// `headers` (each name `X-` something, as the platform requires); waits until it is sent.
    pub fn forward(&self, recipient: &str, headers: &[(&str, &str)]) -> Result<(), Error> {
        let mut fields = [Field::EMPTY; 8];
        if headers.len() > fields.len() {
            return Err(Error::InvalidArgument);
        }
        for (field, (name, value)) in fields.iter_mut().zip(headers) {
            *field = Field::new(name, Arg::str(value));
        }
        let fields = Arg::object(&fields[..headers.len()]);
        bridge::call_unit(Target::Event, "forward", &[Arg::str(recipient), fields])
    }

    /// Replies to the sender with `raw`, a whole message (its `In-Reply-To` the received
    /// message's `Message-ID`) from `from`; waits until it is sent. Needs `EmailMessage` handed
    /// over by the entry (`Err(NoTarget)` without it).
    pub fn reply(&self, from: &str, raw: &[u8]) -> Result<(), Error> {
        let mut to = [0u8; 320];
        let to = self.from(&mut to)?;
        let message = new_message(from, to, raw)?;
        let sent = bridge::call_unit(Target::Event, "reply", &[Arg::value(&message)]);
        message.release();
        sent
    }
}

/// Property `name` of the event, as text in `buffer`.
fn text_of<'b>(name: &str, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
    let value = bridge::get(Target::Event, name)?;
    let text = value.text(buffer);
    value.release();
    text
}

/// `new EmailMessage(from, to, raw)`, the class the entry handed over.
fn new_message(from: &str, to: &str, raw: &[u8]) -> Result<Value, Error> {
    let args = [Arg::str(from), Arg::str(to), Arg::bytes(raw)];
    bridge::construct(Target::Host("EmailMessage"), "", &args)
}

/// A `send_email` binding (`[[send_email]] name = "..."`).
#[derive(Debug, Clone, Copy)]
pub struct Sender<'n> {
    binding: &'n str,
}

impl<'n> Sender<'n> {
    /// The binding named `binding`.
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    /// Sends `raw`, a whole message (headers and body), from `from` to `to`; waits until the
    /// platform took it. `Err(Failed)` when it refused (an address the binding does not allow;
    /// [`bridge::last_error`] says why); needs `EmailMessage` handed over by the entry.
    pub fn send(&self, from: &str, to: &str, raw: &[u8]) -> Result<(), Error> {
        let message = new_message(from, to, raw)?;
        let sent = bridge::call_unit(Target::Env(self.binding), "send", &[Arg::value(&message)]);
        message.release();
        sent
    }
}

/// Registers `handler` (a `fn(&Message) -> R`, `R` being `()` or a `Result<(), E>`) for the
/// Worker's incoming email (Email Routing). Exports `__tw_email`; the glue's `createWorker` then
/// answers the platform's `email` events. A fault or an error fails the delivery (the platform
/// tells the sender); the next message runs on a healthy instance.
#[macro_export]
macro_rules! email {
    ($handler:path) => {
        const _: () = {
            /// An email arrived (docs/ABI.md, "Events").
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub extern "C-unwind" fn __tw_email() -> u32 {
                $crate::__private::event("email", || $handler(&$crate::email::Message::current()))
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{BridgeAnswer, BRIDGE_ASKED, BRIDGE_VALUES};

    #[test]
    fn a_forward_passes_its_headers_and_a_send_builds_the_message() {
        BRIDGE_VALUES.with(|v| {
            *v.borrow_mut() = vec![
                (0, BridgeAnswer::Undefined),
                (1, BridgeAnswer::Object(0)),
                (2, BridgeAnswer::Undefined),
            ]
        });
        BRIDGE_ASKED.with(|a| a.borrow_mut().clear());
        Message::current()
            .forward("inbox@example.com", &[("X-List", "a")])
            .unwrap();
        Sender::new("MAIL")
            .send("a@example.com", "b@example.com", b"Subject: x\r\n\r\nhi")
            .unwrap();
        let too_many = [("X-A", ""); 9];
        assert_eq!(
            Message::current().forward("x@example.com", &too_many),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            BRIDGE_ASKED.with(|a| a.borrow().clone()),
            [
                "event .forward(\"inbox@example.com\", {X-List: \"a\"}) flags 32",
                "host EmailMessage.(\"a@example.com\", \"b@example.com\", bytes 5375626a6563743a20780d0a0d0a6869) flags 2",
                "env MAIL.send(value 1) flags 32",
            ]
        );
    }
}
