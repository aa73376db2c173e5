//! WebSockets: a Worker's own (`accept` in a fetch handler, its events in `web_socket!`) and
//! the sockets, messages and closes a Durable Object's hibernating WebSockets share with it.
//!
//! ```
//! use tinyworker::websocket::{self, SocketMessage};
//! use tinyworker::{Error, Request, Response};
//!
//! // GET /ws upgrades to a WebSocket this Worker serves itself: it greets, then echoes.
//! fn handle<'a>(req: &Request<'a>) -> Result<Response<'a>, Error> {
//!     let (socket, response) = websocket::accept()?;
//!     socket.send_text("hello")?;
//!     Ok(response)
//! }
//! fn echo(message: &SocketMessage) -> Result<(), Error> {
//!     message.socket()?.send_value(&message.data()?)?;
//!     Ok(())
//! }
//! tinyworker::entry!(handle);
//! tinyworker::web_socket!(message: echo);
//! # fn main() {}
//! ```

use crate::bridge::{self, Arg, Error, Target, Value};
use crate::Response;

/// Accepts a WebSocket served by this Worker (no Durable Object): answer the upgrade request
/// with the response (status 101), and send on the socket now or from its events. Its messages,
/// its close and its error reach the handlers of [`crate::web_socket!`], one at a time and in
/// order, each run as a request is (a fault closes that socket with 1011 and touches no other;
/// the next event runs on a healthy instance). The socket lives as long as the connection: the
/// platform keeps the invocation open until it closes. `Err(NoTarget)` when the module has no
/// `web_socket!` (nothing would hear the socket).
pub fn accept() -> Result<(WebSocket, Response<'static>), Error> {
    let pair = bridge::construct(Target::Global("WebSocketPair"), "", &[])?;
    let ends = (pair.get("0"), pair.get("1"));
    pair.release();
    let (client, server) = (ends.0?, ends.1?);
    // The glue listens to the server end before it accepts it (so no message is missed), and
    // answers the request's 101 with the client end.
    let accepted = bridge::call(Target::Event, "accept", &[Arg::value(&server)]);
    let answered = bridge::set(Target::Event, "webSocket", Arg::value(&client));
    client.release();
    accepted?.release();
    answered?;
    Ok((WebSocket::held(server), Response::text(101, "")))
}

/// Registers the handlers of the WebSockets a Worker accepts ([`accept`]): `message` (a
/// `fn(&SocketMessage) -> R`), and optionally `close` (`fn(&SocketClose) -> R`) and `error`
/// (`fn(&SocketError) -> R`), `R` being `()` or a `Result<(), E>`. Exports `__tw_ws_message`,
/// `__tw_ws_close`, `__tw_ws_error` (docs/ABI.md, "Events"). (A Durable Object's hibernating
/// WebSockets have handlers of their class: `durable_object!`.)
///
/// ```compile_fail
/// // error: web_socket!: no member `open` (message, close, error)
/// fn on_open(_: &tinyworker::websocket::SocketMessage) {}
/// tinyworker::web_socket!(open: on_open);
/// ```
#[macro_export]
macro_rules! web_socket {
    ($($member:ident : $handler:path),+ $(,)?) => {
        $( $crate::web_socket!(@member $member $handler); )+
    };
    (@member message $handler:path) => {
        const _: () = {
            /// A message arrived on a WebSocket the Worker accepted.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub extern "C-unwind" fn __tw_ws_message() -> u32 {
                $crate::__private::event("websocket message", || $handler(&$crate::websocket::SocketMessage::current()))
            }
        };
    };
    (@member close $handler:path) => {
        const _: () = {
            /// A WebSocket the Worker accepted closed.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub extern "C-unwind" fn __tw_ws_close() -> u32 {
                $crate::__private::event("websocket close", || $handler(&$crate::websocket::SocketClose::current()))
            }
        };
    };
    (@member error $handler:path) => {
        const _: () = {
            /// A WebSocket the Worker accepted failed.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub extern "C-unwind" fn __tw_ws_error() -> u32 {
                $crate::__private::event("websocket error", || $handler(&$crate::websocket::SocketError::current()))
            }
        };
    };
    (@member $other:ident $handler:path) => {
        compile_error!(concat!("web_socket!: no member `", stringify!($other), "` (message, close, error)"));
    };
}

/// One WebSocket: a Durable Object's (`object::web_sockets`, an event's socket) or the server
/// end a Worker accepted ([`accept`]).
#[derive(Debug)]
pub struct WebSocket {
    value: Value,
}

impl WebSocket {
    /// The socket `value` holds (a `WebSocket` of the platform).
    pub(crate) const fn held(value: Value) -> Self {
        Self { value }
    }

    /// Sends a text message.
    pub fn send_text(&self, text: &str) -> Result<(), Error> {
        self.send(Arg::str(text))
    }

    /// Sends a binary message.
    pub fn send_bytes(&self, bytes: &[u8]) -> Result<(), Error> {
        self.send(Arg::bytes(bytes))
    }

    /// Sends `message`, a value the bridge holds, as it is: a string as text, bytes as binary.
    pub fn send_value(&self, message: &Value) -> Result<(), Error> {
        self.send(Arg::value(message))
    }

    pub(crate) fn send(&self, message: Arg<'_>) -> Result<(), Error> {
        self.value.call_unit("send", &[message])
    }

    /// Closes it with `code` (1000 normal, 3000-4999 the application's) and `reason`.
    pub fn close(&self, code: u16, reason: &str) -> Result<(), Error> {
        self.value
            .call_unit("close", &[Arg::number(f64::from(code)), Arg::str(reason)])
    }

    /// Keeps `value` with the socket across hibernation (`serializeAttachment`: any value the
    /// structured clone copies, at most 2,048 bytes serialized; a larger one is the platform's
    /// error, `Failed`). It replaces the one kept before.
    pub fn serialize_attachment(&self, value: Arg<'_>) -> Result<(), Error> {
        self.value.call_unit("serializeAttachment", &[value])
    }

    /// What [`WebSocket::serialize_attachment`] (or [`crate::object::accept_web_socket_with`]) kept: null
    /// when nothing was (`deserializeAttachment`).
    pub fn deserialize_attachment(&self) -> Result<Value, Error> {
        self.value.call("deserializeAttachment", &[])
    }

    /// Its tags (an array of strings).
    pub fn tags(&self) -> Result<Value, Error> {
        bridge::call(Target::Context, "getTags", &[Arg::value(&self.value)])
    }

    /// Releases it now instead of when the call ends.
    pub fn release(self) {
        self.value.release()
    }
}

/// The socket of the WebSocket event being served.
fn event_socket() -> Result<WebSocket, Error> {
    Ok(WebSocket {
        value: bridge::get(Target::Event, "webSocket")?,
    })
}

/// A message that arrived on a WebSocket (only inside a `message` handler: a Durable Object's,
/// or a Worker's [`crate::web_socket!`]).
#[derive(Debug)]
pub struct SocketMessage(());

impl SocketMessage {
    /// The message of the running handler (used by the macro).
    #[doc(hidden)]
    pub const fn current() -> Self {
        Self(())
    }

    /// The socket it arrived on.
    pub fn socket(&self) -> Result<WebSocket, Error> {
        event_socket()
    }

    /// The message: text (a string) or binary (bytes). Pass it on as it is with
    /// [`WebSocket::send_value`] or [`crate::object::WebSockets::broadcast_value`].
    pub fn data(&self) -> Result<Value, Error> {
        bridge::get(Target::Event, "message")
    }

    /// Whether it is a binary message (else text).
    pub fn is_binary(&self) -> Result<bool, Error> {
        let data = self.data()?;
        let binary = data.kind() == bridge::Kind::Bytes;
        data.release();
        Ok(binary)
    }

    /// A text message, in `buffer` ([`Error::WrongType`] for a binary one).
    pub fn text<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        let data = self.data()?;
        let text = match data.kind() {
            bridge::Kind::String => data.text(buffer),
            found => Err(Error::WrongType { found }),
        };
        data.release();
        text
    }
}

/// A WebSocket closed (only inside a `close` handler).
#[derive(Debug)]
pub struct SocketClose(());

impl SocketClose {
    /// The close of the running handler (used by the macro).
    #[doc(hidden)]
    pub const fn current() -> Self {
        Self(())
    }

    /// The socket that closed.
    pub fn socket(&self) -> Result<WebSocket, Error> {
        event_socket()
    }

    /// The close code the peer sent.
    pub fn code(&self) -> Result<u16, Error> {
        Ok(bridge::get_number(Target::Event, "code")? as u16)
    }

    /// Whether the connection closed cleanly.
    pub fn was_clean(&self) -> Result<bool, Error> {
        bridge::get(Target::Event, "wasClean")?.boolean()
    }
}

/// A WebSocket failed (only inside an `error` handler): the platform closes it; the handler
/// may tell the others.
#[derive(Debug)]
pub struct SocketError(());

impl SocketError {
    /// The error of the running handler (used by the macro).
    #[doc(hidden)]
    pub const fn current() -> Self {
        Self(())
    }

    /// The socket that failed.
    pub fn socket(&self) -> Result<WebSocket, Error> {
        event_socket()
    }

    /// What failed, in `buffer` (for the log).
    pub fn message<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        let error = bridge::get(Target::Event, "error")?;
        let text = error.call("toString", &[]).and_then(|t| t.text(buffer));
        error.release();
        text
    }
}
