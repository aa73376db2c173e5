//! Durable Objects from Rust: calling one from a Worker (a namespace's stub by name, by id or
//! unique), and inside one its alarm and its hibernating WebSockets, all over the bridge.
//!
//! ```
//! use tinyworker::object::Namespace;
//! use tinyworker::{bridge, Request, Response};
//!
//! // The Worker: every request to /room/<name> goes to the object of that name.
//! fn handle<'a>(req: &Request<'a>) -> Response<'a> {
//!     let name = req.path().trim_start_matches("/room/");
//!     let answer = Namespace::new("ROOMS").by_name(name).and_then(|room| room.forward());
//!     match answer.and_then(|response| bridge::respond_with(&response)) {
//!         Ok(response) => response,
//!         Err(_) => Response::text(502, "the room failed\n"),
//!     }
//! }
//! tinyworker::entry!(handle);
//! # fn main() {}
//! ```

use crate::bridge::{self, Arg, Error, Target, Value};
use crate::Response;
// (A Durable Object's WebSockets and their events are a Worker's too: `websocket`.)
pub use crate::websocket::{SocketClose, SocketError, SocketMessage, WebSocket};

/// A Durable Object namespace bound to the Worker as `binding` (`[[durable_objects.bindings]]`).
#[derive(Debug, Clone, Copy)]
pub struct Namespace<'n> {
    binding: &'n str,
}

impl<'n> Namespace<'n> {
    /// The namespace bound as `binding`.
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    fn stub(&self, id: Value, options: &[bridge::Field<'_>]) -> Result<Stub, Error> {
        let args = [Arg::value(&id), Arg::object(options)];
        // (No options: `get(id)` alone.)
        let stub = bridge::call(
            Target::Env(self.binding),
            "get",
            &args[..1 + usize::from(!options.is_empty())],
        );
        id.release();
        Ok(Stub { value: stub? })
    }

    /// The object named `name` (the same name always reaches the same object).
    pub fn by_name(&self, name: &str) -> Result<Stub, Error> {
        self.by_name_near(name, None)
    }

    /// The object named `name`, made (when it is new) near `hint` (`locationHint`; the platform
    /// takes it as a preference, and an object that exists stays where it is).
    pub fn by_name_near(&self, name: &str, hint: Option<LocationHint>) -> Result<Stub, Error> {
        let id = bridge::call(Target::Env(self.binding), "idFromName", &[Arg::str(name)])?;
        let options = hint.map(|hint| bridge::Field::new("locationHint", Arg::str(hint.name())));
        self.stub(id, options.as_slice())
    }

    /// The object whose id is `hex` (64 hex digits, as [`Stub::id`] writes it); an id of another
    /// namespace or not an id is [`Error::InvalidArgument`].
    pub fn by_id(&self, hex: &str) -> Result<Stub, Error> {
        self.stub(
            bridge::call(Target::Env(self.binding), "idFromString", &[Arg::str(hex)])?,
            &[],
        )
    }

    /// A new object with a unique id.
    pub fn unique(&self) -> Result<Stub, Error> {
        self.stub(bridge::call(Target::Env(self.binding), "newUniqueId", &[])?, &[])
    }
}

/// Where a new Durable Object should live (`locationHint`): a region of the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationHint {
    /// Western North America (`wnam`).
    Wnam,
    /// Eastern North America (`enam`).
    Enam,
    /// South America (`sam`).
    Sam,
    /// Western Europe (`weur`).
    Weur,
    /// Eastern Europe (`eeur`).
    Eeur,
    /// Asia-Pacific (`apac`).
    Apac,
    /// Oceania (`oc`).
    Oc,
    /// Africa (`afr`).
    Afr,
    /// The Middle East (`me`).
    Me,
}

impl LocationHint {
    /// The platform's name for it.
    pub const fn name(self) -> &'static str {
        match self {
            LocationHint::Wnam => "wnam",
            LocationHint::Enam => "enam",
            LocationHint::Sam => "sam",
            LocationHint::Weur => "weur",
            LocationHint::Eeur => "eeur",
            LocationHint::Apac => "apac",
            LocationHint::Oc => "oc",
            LocationHint::Afr => "afr",
            LocationHint::Me => "me",
        }
    }
}

/// A stub: how a Worker reaches one object.
#[derive(Debug)]
pub struct Stub {
    value: Value,
}

impl Stub {
    /// The object's id as 64 hex digits, in the request's memory.
    pub fn id_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        let id = self.value.get("id")?;
        let hex = id.call("toString", &[]).and_then(|hex| hex.text_in(request));
        id.release();
        hex
    }

    /// The name the object was reached by ([`Namespace::by_name`]: its id's `name`), in the
    /// request's memory; `None` for an object reached by id or made unique.
    pub fn name_in<'a>(&self, request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        let id = self.value.get("id")?;
        let name = id.get("name").and_then(|name| name.if_text(|n| n.text_in(request)));
        id.release();
        name
    }

    /// The object's id as 64 hex digits, in `buffer`.
    pub fn id<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        let id = self.value.get("id")?;
        let hex = id.call("toString", &[]).and_then(|hex| hex.text(buffer));
        id.release();
        hex
    }

    /// Sends the incoming request on to the object (a WebSocket upgrade too); its `Response`.
    pub fn forward(&self) -> Result<Value, Error> {
        let request = bridge::get(Target::Request, "")?;
        self.value.call("fetch", &[Arg::value(&request)])
    }

    /// Sends `method url` with `body` to the object; its `Response`.
    pub fn fetch(&self, method: &str, url: &str, body: &[u8]) -> Result<Value, Error> {
        let init = [
            bridge::Field::new("method", Arg::str(method)),
            bridge::Field::new("body", Arg::bytes(body)),
        ];
        let fields = if body.is_empty() { &init[..1] } else { &init[..] };
        self.value.call("fetch", &[Arg::str(url), Arg::object(fields)])
    }

    /// Sends `request` to the object, with its method, headers and body (an upgrade request
    /// with `upgrade: websocket`, a conditional request): the object's answer, read
    /// ([`crate::io::Fetched::status`], ...) or handed on untouched
    /// ([`crate::io::Fetched::respond`]: a 101 with its WebSocket). The request's URL is only
    /// what the object sees (`Subrequest::via` does not apply).
    pub fn send(&self, request: &crate::io::Subrequest<'_>) -> Result<crate::io::Fetched, crate::io::Error> {
        crate::io::send_to(Target::Value(&self.value), request)
    }

    /// The stub as a bridge value (to call its RPC methods).
    pub fn value(&self) -> &Value {
        &self.value
    }
}

/// The object's alarm, in milliseconds since the Unix epoch, if one is set. (The glue reads it
/// before each call into an object whose class has an alarm handler.)
pub fn alarm() -> Result<Option<f64>, Error> {
    let alarm = bridge::get(Target::Event, "alarm")?;
    let time = if alarm.is_nullish() {
        None
    } else {
        Some(alarm.number()?)
    };
    alarm.release();
    Ok(time)
}

/// Sets the object's alarm to `time` (ms since the Unix epoch), replacing any other; the
/// class's `alarm` handler runs then. The write is confirmed before the response leaves.
pub fn set_alarm(time: f64) -> Result<(), Error> {
    let storage = bridge::get(Target::Context, "storage")?;
    let set = bridge::detached(Target::Value(&storage), "setAlarm", &[Arg::number(time)]);
    storage.release();
    set?;
    bridge::set(Target::Event, "alarm", Arg::number(time))
}

/// Inside the `alarm` handler: how many times this alarm ran before and failed (0 on its
/// first run).
pub fn alarm_retry_count() -> Result<u32, Error> {
    let info = bridge::get(Target::Event, "alarmInfo")?;
    let count = if info.is_nullish() {
        Ok(0.0)
    } else {
        info.get("retryCount").and_then(|n| n.number())
    };
    info.release();
    Ok(count? as u32)
}

/// Deletes the object's alarm, if one is set.
pub fn delete_alarm() -> Result<(), Error> {
    let storage = bridge::get(Target::Context, "storage")?;
    let deleted = bridge::detached(Target::Value(&storage), "deleteAlarm", &[]);
    storage.release();
    deleted?;
    bridge::set(Target::Event, "alarm", Arg::NULL)
}

/// Accepts a WebSocket for the object with `tags` (at most 10, each at most 256 characters)
/// and hibernation: the object may be evicted while the socket stays open, and its `message`
/// and `close` handlers run on a new instance. Answer the upgrade request with the response
/// this returns (status 101).
pub fn accept_web_socket(tags: &[&str]) -> Result<Response<'static>, Error> {
    accept(tags, None)
}

/// [`accept_web_socket`], the socket keeping `attachment` across hibernation (as
/// [`WebSocket::serialize_attachment`] keeps it): who the peer is, read again in the `message`
/// and `close` handlers with [`WebSocket::deserialize_attachment`].
pub fn accept_web_socket_with(tags: &[&str], attachment: Arg<'_>) -> Result<Response<'static>, Error> {
    accept(tags, Some(attachment))
}

fn accept(tags: &[&str], attachment: Option<Arg<'_>>) -> Result<Response<'static>, Error> {
    if tags.len() > 10 {
        return Err(Error::InvalidArgument);
    }
    let pair = bridge::construct(Target::Global("WebSocketPair"), "", &[])?;
    let (client, server) = (pair.get("0")?, pair.get("1")?);
    pair.release();
    let mut list = [Arg::UNDEFINED; 10];
    for (slot, tag) in list.iter_mut().zip(tags) {
        *slot = Arg::str(tag);
    }
    let accepted = bridge::call(
        Target::Context,
        "acceptWebSocket",
        &[Arg::value(&server), Arg::array(&list[..tags.len()])],
    );
    let attached = match (&accepted, attachment) {
        (Ok(_), Some(attachment)) => server.call_unit("serializeAttachment", &[attachment]),
        _ => Ok(()),
    };
    server.release();
    accepted?.release();
    attached?;
    bridge::set(Target::Event, "webSocket", Arg::value(&client))?;
    Ok(Response::text(101, ""))
}

/// Answers every WebSocket message `request` with `response`, without waking the object (a
/// ping/pong that costs no call into the module).
pub fn set_auto_response(request: &str, response: &str) -> Result<(), Error> {
    let pair = bridge::construct(
        Target::Global("WebSocketRequestResponsePair"),
        "",
        &[Arg::str(request), Arg::str(response)],
    )?;
    bridge::call_unit(Target::Context, "setWebSocketAutoResponse", &[Arg::value(&pair)])
}

/// The object's open WebSockets (with tag `tag`, if given).
pub fn web_sockets(tag: Option<&str>) -> Result<WebSockets, Error> {
    let args = [tag.map_or(Arg::UNDEFINED, Arg::str)];
    let list = bridge::call(Target::Context, "getWebSockets", &args)?;
    let len = list.len()?;
    Ok(WebSockets { list, len })
}

/// A list of WebSockets (from [`web_sockets`]).
#[derive(Debug)]
pub struct WebSockets {
    list: Value,
    len: usize,
}

impl WebSockets {
    /// How many.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Socket `index`.
    pub fn get(&self, index: usize) -> Result<WebSocket, Error> {
        Ok(WebSocket::held(self.list.index(index)?))
    }

    /// Sends `text` to every socket; how many took it (a socket closing meanwhile refuses it).
    pub fn broadcast(&self, text: &str) -> Result<usize, Error> {
        self.broadcast_arg(Arg::str(text))
    }

    /// Sends `message`, a value the bridge holds (a message that arrived, [`SocketMessage::data`]),
    /// to every socket as it is: text stays text, binary stays binary, and it never enters wasm.
    /// How many took it.
    pub fn broadcast_value(&self, message: &Value) -> Result<usize, Error> {
        self.broadcast_arg(Arg::value(message))
    }

    fn broadcast_arg(&self, message: Arg<'_>) -> Result<usize, Error> {
        let mut sent = 0;
        for i in 0..self.len {
            let socket = self.get(i)?;
            sent += usize::from(socket.send(message).is_ok());
            socket.release();
        }
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{BridgeAnswer, BRIDGE_ASKED, BRIDGE_VALUES};

    #[test]
    fn a_location_hint_goes_with_the_get_only_when_given() {
        BRIDGE_VALUES.with(|v| *v.borrow_mut() = (0..4).map(|n| (n, BridgeAnswer::Object(0))).collect());
        BRIDGE_ASKED.with(|a| a.borrow_mut().clear());
        let rooms = Namespace::new("ROOMS");
        rooms.by_name_near("x", Some(LocationHint::Weur)).unwrap();
        rooms.by_name("x").unwrap();
        assert_eq!(
            BRIDGE_ASKED.with(|a| a.borrow().clone()),
            [
                "env ROOMS.idFromName(\"x\") flags 0",
                "env ROOMS.get(value 0, {locationHint: \"weur\"}) flags 0",
                "env ROOMS.idFromName(\"x\") flags 0",
                "env ROOMS.get(value 2) flags 0",
            ]
        );
    }
}
