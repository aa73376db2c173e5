//! A chat room per Durable Object, the Worker and the object in one crate and one module:
//! WebSockets with hibernation, the history in SQL, an alarm that trims it; and a second class,
//! a ledger that waits for I/O (served with `io: true`).
//!
//! | route | answer |
//! |---|---|
//! | `GET /room/<name>[?as=<nick>]` (WebSocket upgrade) | joins room `<name>` (as `<nick>`, kept with the socket across hibernation): every text message a client sends is sent to every socket of the room, the sender's too, as it was sent |
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
//! `/whoami` is answered to its sender alone, with its `<nick>` (`anonymous` without one), and
//! `/name <nick>` changes it (the socket's attachment). A message
//! `/alarm-<fault>` (e.g. `/alarm-panic`) sets the alarm to fault on its first run after it
//! wrote; `/alarm-cancel` sets an alarm and deletes it. `ping` is answered `pong` by the platform without waking the object. The alarm runs a
//! second after a message is stored and trims the history to the newest 1,000.
#![no_std]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::hint::black_box;
use core::sync::atomic::{AtomicU32, Ordering};
use tinyworker::bridge::{self, Arg};
use tinyworker::object::{self, Namespace, SocketClose, SocketError, SocketMessage};
use tinyworker::router::{self, Params, Route};
use tinyworker::sql::{self, Param};
use tinyworker::storage::Storage;
use tinyworker::{stream, text, text_in, Error, Request, Response};

/// How many messages a room keeps.
const HISTORY: u32 = 1000;

/// The tag of every socket of a room (what a broadcast reaches).
const MEMBERS: &str = "member";

/// Drawn by the restore hook of each new instance.
static INSTANCE: AtomicU32 = AtomicU32::new(0);

/// The Worker's routes: a room's requests go to its object, a ledger's to its.
static WORKER: &[Route] = &[
    Route::get("/", index),
    Route::any("/room/:name", to_object),
    Route::any("/room/:name/*rest", to_object),
    Route::any("/ledger/:name/*rest", to_object),
];

fn worker<'a>(request: &Request<'a>) -> Response<'a> {
    router::dispatch(request, WORKER)
}

fn index<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    Response::text(200, "chat: GET /room/<name> (WebSocket), /room/<name>/history\n")
}

/// The request goes on to the object named in the path; the object's answer is the Worker's
/// (an object that failed is a 502, its own error only in the log).
fn to_object<'a>(request: &Request<'a>, params: &Params<'a>) -> Result<Response<'a>, Error> {
    let namespace = if request.path().starts_with("/room/") {
        "ROOMS"
    } else {
        "LEDGERS"
    };
    let object = Namespace::new(namespace).by_name(params.get("name").unwrap_or_default())?;
    Ok(bridge::respond_with(&object.forward()?)?)
}

/// A room's routes: its history, its alarm's runs, its sockets' errors, or a WebSocket joining it.
static ROOM: &[Route<Storage>] = &[
    Route::get("/room/:name", join),
    Route::get("/room/:name/history", history),
    Route::get("/room/:name/alarms", alarm_runs),
    Route::get("/room/:name/errors", socket_errors),
    Route::get("/room/:name/instance", instance),
    Route::get("/room/:name/io", io_refused),
];

fn room<'a>(request: &Request<'a>, storage: &Storage) -> Response<'a> {
    router::dispatch_with(request, storage, ROOM)
}

/// A WebSocket joining the room (`ping` answered `pong` by the platform).
fn join<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    if request.header("upgrade") != Some("websocket") {
        return Err(Error::new(426, "a WebSocket upgrade, or /history\n").public());
    }
    object::set_auto_response("ping", "pong")?;
    match router::query(request, "as") {
        // (Kept with the socket across hibernation: `/whoami` reads it.)
        Some(name) => Ok(object::accept_web_socket_with(&[MEMBERS], Arg::str(name))?),
        None => Ok(object::accept_web_socket(&[MEMBERS])?),
    }
}

fn history<'a>(_: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    lines("SELECT text FROM messages ORDER BY id")
}

fn alarm_runs<'a>(_: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    lines("SELECT text FROM alarm_runs ORDER BY id")
}

fn socket_errors<'a>(_: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    lines("SELECT text FROM socket_errors ORDER BY id")
}

/// The number the current instance drew (it changes when the object was evicted or replaced).
fn instance<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    Response::number(200, u64::from(INSTANCE.load(Ordering::Relaxed)))
}

/// A subrequest through `tinyworker::io` from a class served without `io: true`: it cannot
/// wait, so it answers an error, and the class keeps SQL (a module whose Worker made
/// subrequests once made every class of it refuse to start).
fn io_refused<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    // (A closed port on loopback: the call answers a Promise, which this class drops.)
    let subrequest = tinyworker::io::Subrequest::new("GET", "http://127.0.0.1:9/");
    match tinyworker::io::send(&subrequest) {
        Err(tinyworker::io::Error::WouldSuspend) => Response::text(409, "a room cannot wait for I/O\n"),
        _ => Response::text(500, "the subrequest was not refused\n"),
    }
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
    Ok(body.respond(200, &[("content-type", "text/plain;charset=UTF-8")])?)
}

/// A new instance of a room: its tables (in the restore hook's own transaction).
fn restore(_: &Storage) {
    let mut random = [0u8; 4]; // (a u32's bytes)
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
    let mut short = [0u8; 32]; // (every command fits, `/name` with a nick of up to 26 bytes; a longer text is no command)
    if !event.is_binary()? {
        if let Ok(text) = data.text(&mut short) {
            if command(text, event)? {
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

/// A text message that asks for something of the room: the sender's name (done: true), an
/// alarm (done: true), a fault.
fn command(text: &str, event: &SocketMessage) -> Result<bool, Error> {
    if text == "/whoami" {
        // (The name goes back as it was kept: it never enters wasm.)
        let socket = event.socket()?;
        match socket.deserialize_attachment()?.present() {
            Some(name) => socket.send_value(&name)?,
            None => socket.send_text("anonymous")?,
        }
        return Ok(true);
    }
    if let Some(name) = text.strip_prefix("/name ") {
        event.socket()?.serialize_attachment(Arg::str(name))?;
        return Ok(true);
    }
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
    let mut message = [0u8; 512]; // (an event has no request memory: the platform's message, cut to 512 B)
    let text = event.message(&mut message).unwrap_or("an error without a message");
    sql::exec("INSERT INTO socket_errors (text) VALUES (?)", &[Param::Text(text)])?;
    Ok(())
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

/// A ledger's routes: an object that waits for I/O in its calls (`io: true`); its writes commit
/// when a call answers (an `Err` or a fault writes nothing).
static LEDGER: &[Route<Storage>] = &[
    Route::post("/ledger/:name/:add", add_entry),
    Route::get("/ledger/:name/count", count),
    Route::get("/ledger/:name/entries", entries),
    Route::get("/ledger/:name/history", room_history),
    Route::get("/ledger/:name/sql", no_sql),
];

fn ledger<'a>(request: &Request<'a>, storage: &Storage) -> Response<'a> {
    router::dispatch_with(request, storage, LEDGER)
}

/// `POST .../add`, or `.../add-then-<panic|abort|oom>`: the entry, then that fault.
fn add_entry<'a>(request: &Request<'a>, params: &Params<'a>, storage: &Storage) -> Result<Response<'a>, Error> {
    let then = params
        .get("add")
        .unwrap_or_default()
        .strip_prefix("add")
        .ok_or(Error::not_found("no such action"))?;
    let count = add(request.body(), storage)?;
    fault(then.trim_start_matches("-then-"));
    Ok(Response::text(200, text_in!(request, count, "\n")?))
}

fn count<'a>(request: &Request<'a>, _: &Params<'a>, storage: &Storage) -> Result<Response<'a>, Error> {
    let count = storage.get_u64("count")?.unwrap_or(0);
    Ok(Response::text(200, text_in!(request, count, "\n")?))
}

fn entries<'a>(_: &Request<'a>, _: &Params<'a>, storage: &Storage) -> Result<Response<'a>, Error> {
    let mut out = Vec::new();
    for (key, value) in storage.list_owned("entry/")? {
        out.extend_from_slice(key.as_bytes());
        out.push(b' ');
        out.extend_from_slice(value.as_value().form());
        out.push(b'\n');
    }
    Ok(Response::owned(200, out))
}

/// Waits for room `?room=<room>`'s history (another object) and answers it.
fn room_history<'a>(request: &Request<'a>, _: &Params<'a>) -> Result<Response<'a>, Error> {
    let room = router::query(request, "room").unwrap_or("lobby");
    let url = text_in!(request, "https://chat.internal/room/", room, "/history")?;
    let response = Namespace::new("ROOMS").by_name(room)?.fetch("GET", url, b"")?;
    Ok(bridge::respond_with(&response)?)
}

fn no_sql<'a>(_: &Request<'a>, _: &Params<'a>) -> Response<'a> {
    match sql::exec("SELECT 1", &[]) {
        Ok(_) => Response::text(200, "SQL ran\n"),
        Err(_) => Response::text(409, "no SQL in an object that waits for I/O\n"),
    }
}

/// Waits for the SHA-256 of `body`, then stores it as the next entry; the new count (read back:
/// the call sees its own writes before they commit).
fn add(body: &[u8], storage: &Storage) -> Result<u64, Error> {
    let digest = tinyworker::platform::sha256(body)?;
    let mut hex = [0u8; 64]; // (a SHA-256 is 32 bytes: 64 hex digits)
    let hex = tinyworker::platform::hex(&digest, &mut hex).ok_or("64 hex digits")?;
    let count = storage.get_u64("count")?.unwrap_or(0) + 1;
    let mut key = [0u8; 26]; // ("entry/" and a u64's 20 digits at most)
    let key = text::in_buffer(&mut key, &("entry/", text::zero_padded(count, 6))).ok_or("an entry key")?;
    storage.put(key, hex.as_bytes())?;
    storage.put_u64("count", count)?;
    match storage.get_u64("count")? {
        Some(read) if read == count => Ok(count),
        _ => Err(Error::internal("the count read back differs")),
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
