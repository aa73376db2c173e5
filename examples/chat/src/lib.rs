//! A chat room per Durable Object, the Worker and the object in one crate and one module:
//! WebSockets with hibernation, the history in SQL, an alarm that trims it; and a second class,
//! a ledger that waits for I/O (served with `io: true`).
//!
//! | route | answer |
//! |---|---|
//! | `GET /room/<name>` (WebSocket upgrade) | joins room `<name>`: every text message a client sends is sent to every socket of the room, the sender's too, as it was sent |
//! | `GET /room/<name>/history` | the room's stored messages, one per line, oldest first |
//! | `GET /room/<name>/errors` | the errors of the room's sockets (a frame the protocol refuses), one per line |
//! | `GET /room/<name>/alarms` | the runs of the room's alarm that kept their writes, one per line |
//! | `POST /ledger/<name>/add` | waits for the body's SHA-256 (a Promise), then stores it as the next entry and counts it; answers the count |
//! | `POST /ledger/<name>/add-then-<panic\|abort\|oom>` | the same, then that fault: 500, and nothing of it is stored |
//! | `GET /ledger/<name>/count`, `/entries` | the count; the entries, `<key> <sha-256>` per line |
//! | `GET /ledger/<name>/history?room=<room>` | waits for room `<room>`'s history (another object) and answers it |
//! | `GET /ledger/<name>/sql` | 409: an object that waits for I/O has no SQL |
//! | `GET /room/<name>/io` | 409: a subrequest through `tinyworker::io` from the room (served without `io: true`) is refused, not waited for; the room keeps SQL |
//! | `GET /room/<name>/instance` | a random number drawn when the room's current instance was made (it changes when the object was evicted, hibernated or replaced) |
//!
//! A message `/panic`, `/abort`, `/oom` or `/trap` makes the room's message handler fault that
//! way: that socket is closed with 1011 (the glue's choice for a message that faults), the
//! message is neither stored nor sent, and every other socket keeps working. A message
//! `/alarm-<fault>` (e.g. `/alarm-panic`) sets the alarm to fault on its first run after it
//! wrote; `/alarm-cancel` sets an alarm and deletes it. `ping` is answered `pong` by the platform without waking the object. The alarm runs a
//! second after a message is stored and trims the history to the newest 1,000.
#![no_std]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::hint::black_box;
use core::sync::atomic::{AtomicU32, Ordering};
use tinyworker::bridge::{self, Arg, Error};
use tinyworker::object::{self, Namespace, SocketClose, SocketError, SocketMessage};
use tinyworker::sql::{self, Param};
use tinyworker::storage::Storage;
use tinyworker::{stream, Request, Response};

/// How many messages a room keeps.
const HISTORY: u32 = 1000;

/// The tag of every socket of a room (what a broadcast reaches).
const MEMBERS: &str = "member";

/// Drawn by the restore hook of each new instance.
static INSTANCE: AtomicU32 = AtomicU32::new(0);

/// The Worker: a room's requests go to its object, a ledger's to its.
fn worker<'a>(request: &Request<'a>) -> Response<'a> {
    let path = request.path();
    let (namespace, rest) = match (path.strip_prefix("/room/"), path.strip_prefix("/ledger/")) {
        (Some(rest), _) => ("ROOMS", rest),
        (_, Some(rest)) => ("LEDGERS", rest),
        _ => return Response::text(200, "chat: GET /room/<name> (WebSocket), /room/<name>/history\n"),
    };
    let name = rest.split('/').next().unwrap_or_default();
    if name.is_empty() {
        return Response::text(404, "no such object\n");
    }
    let answer = Namespace::new(namespace)
        .by_name(name)
        .and_then(|object| object.forward());
    match answer.and_then(|response| bridge::respond_with(&response)) {
        Ok(response) => response,
        Err(_) => {
            // The object's own error, for the log only.
            let mut message = [0u8; 512];
            tinyworker::platform::log(tinyworker::platform::Level::Error, bridge::last_error(&mut message));
            Response::text(502, "the object failed\n")
        }
    }
}

/// A room's request: its history, its alarm's runs, or a WebSocket joining it.
fn room<'a>(request: &Request<'a>, _: &Storage) -> Response<'a> {
    let path = request.path();
    let answer = if path.ends_with("/history") {
        lines("SELECT text FROM messages ORDER BY id")
    } else if path.ends_with("/instance") {
        Ok(Response::owned(
            200,
            alloc::format!("{}", INSTANCE.load(Ordering::Relaxed)).into_bytes(),
        ))
    } else if path.ends_with("/alarms") {
        lines("SELECT text FROM alarm_runs ORDER BY id")
    } else if path.ends_with("/io") {
        // A subrequest through `tinyworker::io` from a class served without `io: true`: it
        // cannot wait, so it answers an error, and the class keeps SQL (the module imports the
        // I/O door, which once made every class of it refuse to start).
        let mut buffer = [0u8; 64]; // (nothing is read: the call is refused before it is made)
        match tinyworker::io::fetch(
            &tinyworker::io::Subrequest::new("GET", "https://example.com/"),
            &mut buffer,
        ) {
            Err(tinyworker::io::Error::WouldSuspend) => Ok(Response::text(409, "a room cannot wait for I/O\n")),
            _ => Ok(Response::text(500, "the subrequest was not refused\n")),
        }
    } else if path.ends_with("/errors") {
        lines("SELECT text FROM socket_errors ORDER BY id")
    } else if request.header("upgrade") == Some("websocket") {
        object::set_auto_response("ping", "pong").and_then(|()| object::accept_web_socket(&[MEMBERS]))
    } else {
        Ok(Response::text(426, "a WebSocket upgrade, or /history\n"))
    };
    answer.unwrap_or_else(|_| Response::text(500, "the room failed\n"))
}

/// Column `text` of every row of `query`, one per line: the body is made on the host from the
/// stored values (a binary message as its bytes), none of which enters wasm, so a history of
/// any size is answered (the twin's body, `text/plain;charset=UTF-8`).
fn lines<'a>(query: &str) -> Result<Response<'a>, Error> {
    let rows = sql::exec(query, &[])?.rows()?;
    let body = stream::Parts::new()?;
    for i in 0..rows.len() {
        let row = rows.row(i)?;
        let text = row.get("text")?;
        body.push(Arg::value(&text))?;
        body.push(Arg::str("\n"))?;
        text.release();
        row.release();
    }
    body.respond(200, &[("content-type", "text/plain;charset=UTF-8")])
}

/// A new instance of a room: its tables (in the restore hook's own transaction).
fn restore(_: &Storage) {
    let mut random = [0u8; 4];
    if tinyworker::platform::random_bytes(&mut random).is_ok() {
        INSTANCE.store(u32::from_le_bytes(random), Ordering::Relaxed);
    }
    let made = sql::exec(
        "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS alarm_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS socket_errors (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL);",
        &[],
    );
    if made.is_err() {
        tinyworker::abort("the room's tables could not be made");
    }
}

/// Faults the way `what` says, if it names a fault.
fn fault(what: &str) {
    match what {
        "panic" => panic!("asked to panic"),
        "abort" => tinyworker::abort("asked to abort"),
        "oom" => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(Vec::with_capacity(black_box(1 << 20)));
            }
        }
        "trap" => core::arch::wasm32::unreachable(),
        _ => {}
    }
}

/// A message on one of the room's sockets: stored, then sent to every socket of the room as it
/// came (a binary message as binary, stored as a blob), without entering wasm.
fn message(event: &SocketMessage, _: &Storage) -> Result<(), Error> {
    let data = event.data()?;
    // (A command is short: a longer text is a message, and is never copied into wasm.)
    let mut short = [0u8; 32];
    if !event.is_binary()? {
        if let Ok(text) = data.text(&mut short) {
            if command(text)? {
                return Ok(());
            }
        }
    }
    sql::exec("INSERT INTO messages (text) VALUES (?)", &[Param::Value(&data)])?;
    object::web_sockets(Some(MEMBERS))?.broadcast_value(&data)?;
    if object::alarm()?.is_none() {
        object::set_alarm(tinyworker::platform::now_ms()? + 1000.0)?;
    }
    Ok(())
}

/// A text message that asks for something of the room: an alarm (done: true), a fault.
fn command(text: &str) -> Result<bool, Error> {
    if text == "/alarm-cancel" {
        // Set, then deleted: the alarm never runs, and the call reads its own delete.
        object::set_alarm(tinyworker::platform::now_ms()? + 2000.0)?;
        object::delete_alarm()?;
        let note = if object::alarm()?.is_none() {
            "cancelled, none set"
        } else {
            "still set"
        };
        sql::exec("INSERT INTO alarm_runs (text) VALUES (?)", &[Param::Text(note)])?;
        return Ok(true);
    }
    if let Some(kind) = text.strip_prefix("/alarm-") {
        sql::exec(
            "INSERT OR REPLACE INTO settings VALUES ('alarm-fault', ?)",
            &[Param::Text(kind)],
        )?;
        object::set_alarm(tinyworker::platform::now_ms()?)?;
        return Ok(true);
    }
    if let Some(kind) = text.strip_prefix('/') {
        fault(kind);
    }
    Ok(false)
}

/// A socket closed: the room closes its side too.
fn close(event: &SocketClose, _: &Storage) -> Result<(), Error> {
    // (A socket already closing refuses: nothing is lost.)
    let _ = event.socket()?.close(1000, "bye");
    Ok(())
}

/// A socket failed (a frame the protocol refuses): noted; the platform closes that socket.
fn error(event: &SocketError, _: &Storage) -> Result<(), Error> {
    let mut message = [0u8; 512];
    let text = event.message(&mut message).unwrap_or("an error without a message");
    sql::exec("INSERT INTO socket_errors (text) VALUES (?)", &[Param::Text(text)]).map(|_| ())
}

/// The alarm: trims the history to the newest messages and notes its run; faults after writing
/// on its first run when a message asked it to.
fn alarm(_: &Storage) -> Result<(), Error> {
    sql::exec(
        "DELETE FROM messages WHERE id <= (SELECT MAX(id) FROM messages) - ?",
        &[Param::Integer(i64::from(HISTORY))],
    )?;
    let retry = object::alarm_retry_count()?;
    let mut text = String::from("run, retry ");
    text.push(char::from(b'0' + (retry.min(9) as u8)));
    sql::exec("INSERT INTO alarm_runs (text) VALUES (?)", &[Param::Text(&text)])?;
    let rows = sql::exec("SELECT value FROM settings WHERE name = 'alarm-fault'", &[])?.rows()?;
    if !rows.is_empty() {
        let kind = rows.row(0)?.get("value")?.text_owned()?;
        if retry == 0 {
            fault(&kind);
        }
        sql::exec("DELETE FROM settings WHERE name = 'alarm-fault'", &[])?;
    }
    Ok(())
}

/// A ledger: an object that waits for I/O in its calls (`io: true`); its writes commit when a
/// call answers.
fn ledger<'a>(request: &Request<'a>, storage: &Storage) -> Response<'a> {
    let action = request.path().rsplit('/').next().unwrap_or_default();
    let answer = if let Some(then) = action.strip_prefix("add") {
        add(request.body(), storage).map(|count| {
            fault(then.trim_start_matches("-then-"));
            Response::owned(200, alloc::format!("{count}\n").into_bytes())
        })
    } else if action == "count" {
        storage
            .get_u64("count")
            .map(|count| Response::owned(200, alloc::format!("{}\n", count.unwrap_or(0)).into_bytes()))
            .map_err(|_| Error::Failed)
    } else if action == "entries" {
        storage.list_owned("entry/").map_err(|_| Error::Failed).map(|entries| {
            let mut out = Vec::new();
            for (key, value) in entries {
                out.extend_from_slice(key.as_bytes());
                out.push(b' ');
                out.extend_from_slice(value.as_value().form());
                out.push(b'\n');
            }
            Response::owned(200, out)
        })
    } else if action == "history" {
        let room = request.query().and_then(|q| q.strip_prefix("room=")).unwrap_or("lobby");
        let url = alloc::format!("https://chat.internal/room/{room}/history");
        Namespace::new("ROOMS")
            .by_name(room)
            .and_then(|room| room.fetch("GET", &url, b""))
            .and_then(|response| bridge::respond_with(&response))
    } else if action == "sql" {
        Ok(match sql::exec("SELECT 1", &[]) {
            Ok(_) => Response::text(200, "SQL ran\n"),
            Err(_) => Response::text(409, "no SQL in an object that waits for I/O\n"),
        })
    } else {
        Ok(Response::text(404, "not found\n"))
    };
    answer.unwrap_or_else(|_| Response::text(500, "the ledger failed\n"))
}

/// Waits for the SHA-256 of `body`, then stores it as the next entry; the new count (read back:
/// the call sees its own writes before they commit).
fn add(body: &[u8], storage: &Storage) -> Result<u64, Error> {
    let digest = tinyworker::platform::sha256(body)?;
    let mut hex = [0u8; 64];
    let hex = tinyworker::platform::hex(&digest, &mut hex).ok_or(Error::Failed)?;
    let count = storage.get_u64("count").map_err(|_| Error::Failed)?.unwrap_or(0) + 1;
    storage
        .put(&alloc::format!("entry/{count:06}"), hex.as_bytes())
        .map_err(|_| Error::Failed)?;
    storage.put_u64("count", count).map_err(|_| Error::Failed)?;
    match storage.get_u64("count") {
        Ok(Some(read)) if read == count => Ok(count),
        _ => Err(Error::Failed),
    }
}

tinyworker::entry!(worker);

/// The ledger's class, named from a module of its own (any module of the crate may hold one).
mod ledger_class {
    tinyworker::durable_object!(class Ledger { fetch: super::ledger });
}
tinyworker::durable_object!(class Room {
    fetch: room,
    restore: restore,
    message: message,
    close: close,
    error: error,
    alarm: alarm,
});
