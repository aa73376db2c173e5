//! TCP sockets from Rust (`cloudflare:sockets`' `connect`, over the bridge): open, write, read
//! chunks as they arrive, close, upgrade to TLS. The Worker's JavaScript entry hands `connect`
//! to the glue as a host function:
//!
//! ```js
//! import wasm from "./app.wasm";
//! import { connect } from "cloudflare:sockets";
//! import { createWorker } from "tinyworker";
//!
//! export default createWorker(wasm, { host: { connect } });
//! ```
//!
//! ```
//! use tinyworker::socket::{Options, Socket};
//! use tinyworker::{Error, Request, Response};
//!
//! // Sends a line to a server and answers its first reply.
//! fn handle<'a>(req: &Request<'a>) -> Result<Response<'a>, Error> {
//!     let socket = Socket::connect("db.internal:5432", &Options::default())?;
//!     socket.write(b"PING\r\n")?;
//!     let reply = socket.read_in(req)?.unwrap_or_default();
//!     socket.close()?;
//!     Ok(Response::bytes(200, reply))
//! }
//! # fn main() {}
//! ```
//!
//! Each call suspends the module while the platform works (JSPI), as any bridge call that
//! answers a Promise. A socket belongs to the request that opened it, as every value the bridge
//! holds: the platform closes it when the request ends.

use crate::bridge::{self, Arg, Error, Kind, Options as Fields, Target, Value};

/// How [`Socket::connect`] opens the connection (the platform's `SocketOptions`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// `secureTransport`: plain TCP (the default), TLS from the start, or plain TCP that
    /// [`Socket::start_tls`] upgrades later.
    pub transport: Transport,
    /// `allowHalfOpen`: the writable side stays open when the peer ends its side.
    pub allow_half_open: bool,
}

/// `secureTransport`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Transport {
    /// `"off"`: plain TCP.
    #[default]
    Off,
    /// `"on"`: TLS from the start.
    On,
    /// `"starttls"`: plain TCP, upgraded by [`Socket::start_tls`].
    StartTls,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Off => "off",
            Transport::On => "on",
            Transport::StartTls => "starttls",
        }
    }
}

/// An open TCP connection: its writer and reader, held by the bridge for this request.
#[derive(Debug)]
pub struct Socket {
    socket: Value,
    writer: Value,
    reader: Value,
}

impl Socket {
    /// Connects to `address` (`host:port`) through the Worker's `connect` host function and
    /// waits until the connection is open: `Err(NoTarget)` when the Worker's entry handed no
    /// `connect` to the glue, `Err(Failed)` when the platform refused or could not connect
    /// ([`bridge::last_error`] says why), `Err(InvalidArgument)` for an address it does not take.
    pub fn connect(address: &str, options: &Options) -> Result<Socket, Error> {
        let fields = Fields::of([
            ("secureTransport", Some(Arg::str(options.transport.name()))),
            ("allowHalfOpen", Some(Arg::bool(options.allow_half_open))),
        ]);
        let socket = bridge::call(Target::Host("connect"), "", &[Arg::str(address), fields.arg()])?;
        Self::opened(socket)
    }

    /// `socket`, once its `opened` promise settled, with its writer and reader.
    pub(crate) fn opened(socket: Value) -> Result<Socket, Error> {
        socket.get("opened")?; // (a Promise: the call waits for it, and fails with it)
        let writer = socket.get("writable")?.call("getWriter", &[])?;
        let reader = socket.get("readable")?.call("getReader", &[])?;
        Ok(Socket { socket, writer, reader })
    }

    /// Writes `bytes`, waiting until the platform took them.
    pub fn write(&self, bytes: &[u8]) -> Result<(), Error> {
        self.writer.call_unit("write", &[Arg::bytes(bytes)])
    }

    /// The next chunk the peer sent, as a value the bridge holds (`Uint8Array`), `None` when
    /// the peer closed its side: read it with [`Value::bytes`], or pass it on.
    pub fn read_value(&self) -> Result<Option<Value>, Error> {
        let chunk = self.reader.call("read", &[])?;
        if chunk.get_number("done")? != 0.0 {
            return Ok(None);
        }
        let value = chunk.get("value")?;
        match value.kind() {
            Kind::Bytes => Ok(Some(value)),
            found => Err(Error::WrongType { found }),
        }
    }

    /// The next chunk the peer sent, in the request's memory (sized by the host), `None` when
    /// the peer closed its side.
    pub fn read_in<'a>(&self, request: &crate::Request<'a>) -> Result<Option<&'a [u8]>, Error> {
        self.read_value()?.map(|chunk| chunk.bytes_in(request)).transpose()
    }

    /// The next chunk the peer sent, in `buffer` (`TooLarge` with the size when it does not
    /// fit), `None` when the peer closed its side.
    pub fn read<'b>(&self, buffer: &'b mut [u8]) -> Result<Option<&'b [u8]>, Error> {
        match self.read_value()? {
            Some(chunk) => chunk.bytes(buffer).map(Some),
            None => Ok(None),
        }
    }

    /// Closes both sides and waits until the socket is closed.
    pub fn close(self) -> Result<(), Error> {
        self.socket.call_unit("close", &[])
    }

    /// Upgrades a socket opened with [`Transport::StartTls`] to TLS: the new socket (the
    /// platform's `startTls()`; this one is no longer usable).
    pub fn start_tls(self) -> Result<Socket, Error> {
        // (The platform refuses while a reader or writer holds a side: they go first.)
        self.writer.call("releaseLock", &[])?.release();
        self.reader.call("releaseLock", &[])?.release();
        Self::opened(self.socket.call("startTls", &[])?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{BridgeAnswer, BRIDGE_ASKED, BRIDGE_VALUES};

    #[test]
    fn a_socket_is_the_platform_calls_in_order() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        BRIDGE_ASKED.with(|a| a.borrow_mut().clear());
        BRIDGE_VALUES.with(|v| {
            *v.borrow_mut() = [
                (0, BridgeAnswer::Undefined),      // connect(..): the socket
                (1, BridgeAnswer::Undefined),      // socket.opened
                (2, BridgeAnswer::Undefined),      // socket.writable
                (3, BridgeAnswer::Undefined),      // .getWriter()
                (4, BridgeAnswer::Undefined),      // socket.readable
                (5, BridgeAnswer::Undefined),      // .getReader()
                (6, BridgeAnswer::Undefined),      // writer.write(..)
                (7, BridgeAnswer::Undefined),      // reader.read()
                (8, BridgeAnswer::Number(0.0)),    // .done
                (9, BridgeAnswer::Bytes(vec![7])), // .value
                (10, BridgeAnswer::Undefined),     // reader.read()
                (11, BridgeAnswer::Boolean(true)), // .done
                (12, BridgeAnswer::Undefined),     // socket.close()
            ]
            .into_iter()
            .collect()
        });
        let socket = Socket::connect("127.0.0.1:7", &Options::default()).unwrap();
        socket.write(b"hi").unwrap();
        let mut buffer = [0u8; 4];
        assert_eq!(socket.read(&mut buffer), Ok(Some(&[7u8][..])));
        let mut buffer = [0u8; 4];
        assert_eq!(socket.read(&mut buffer), Ok(None));
        socket.close().unwrap();
        let asked = BRIDGE_ASKED.with(|a| a.borrow().clone());
        assert_eq!(
            asked[0],
            "host connect.(\"127.0.0.1:7\", {secureTransport: \"off\", allowHalfOpen: false}) flags 0"
        );
        assert_eq!(asked[1], "value .opened() flags 1");
        assert_eq!(asked[6], "value .write(bytes 6869) flags 32");
        assert_eq!(asked.last().map(String::as_str), Some("value .close() flags 32"));
    }
}
