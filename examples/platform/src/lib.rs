//! The rest of the platform in Rust, a route or a handler each, under wrangler dev: a Worker's
//! own WebSockets (no Durable Object), and Workers RPC served by Rust, from an entrypoint and
//! from a Durable Object class. worker.js adds a JavaScript caller of those methods (`/js/..`);
//! twin.js is the same Worker in plain JavaScript, whose answers the tests compare with these.
//!
//! | route or method | answer |
//! |---|---|
//! | `GET /` | this list, in short |
//! | `GET /ws` (WebSocket upgrade; else 426) | a socket the Worker serves itself: each message is sent back as it came (text as text, binary as binary); `fault:<panic\|abort\|oom\|trap>` faults the message handler (the socket is closed with 1011, no other socket is touched); `close` closes it with 1000 `bye` |
//! | `Calc.add(a, b)` | `a + b` |
//! | `Calc.greet(name)` | `hello <name>` |
//! | `Calc.reverse(bytes)` | the bytes, reversed |
//! | `Calc.echo(value)` | the value, through its JSON |
//! | `Calc.fault(kind)`, `Calc.fail()` | a fault of that kind; an `Err`: the call rejects, naming a fault id and nothing else |
//! | `Counter.increment(n)` | the object's count, `n` added and stored (`n` a whole number, else the call's error) |
//! | `Counter.increment_then(n, kind)` | the same, then a fault of that kind: rejected, and nothing of it is stored |
//! | `Counter.count()`; `GET /counter/<name>` (the object's fetch) | the count of object `<name>` |
//! | `POST /send?from=<a>&to=<b>` (a raw message) | 202 when the `send_email` binding took it |
//! | an email to `reject@..` | refused: `no such mailbox` |
//! | an email to `forward@..` | forwarded to `inbox@example.com` with `X-Seen-By: tinyworker` and `X-Subject: <its subject>` |
//! | an email to `reply@..` | answered: `Re: <its subject>`, in reply to its `Message-ID` |
//! | an email to `fault-<kind>@..` | the handler faults that way: the delivery fails |
//! | any other email | accepted |
//! | traces of the Worker it tails (services/producer.js) | kept in KV `TAILS` as their JSON, under `tail:<the first's eventTimestamp>`; a trace whose log says `fault-tail` faults the handler (those traces are lost, the next are kept) |
//! | `GET /tails` | every kept trace list, one JSON array per line, oldest first |
//! | `POST /workflows/<id>` (body: the parameters, JSON) | 201: an instance of the Workflow `Order` created: it sleeps `sleep` ms if asked, then runs steps `first`, `second`, `third` (each given the parameters; `fault: "<step>"` faults that step on its first attempt, retried 50 ms later), and outputs their results |
//! | `GET /workflows/<id>` | the instance's status, as JSON |
//! | `POST /workflows/<id>/<pause\|resume\|terminate>` | 204 |
//! | `GET /steps/<id>` | the attempts the instance's steps ran, `<step> <attempt>` per line |
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::hint::black_box;
use tinyworker::bridge::{self, Arg, Error};
use tinyworker::email::{self, Message};
use tinyworker::kv;
use tinyworker::object::Namespace;
use tinyworker::rpc::Call;
use tinyworker::storage::Storage;
use tinyworker::tail::Traces;
use tinyworker::websocket::{self, SocketClose, SocketMessage};
use tinyworker::workflow::{Retries, Run, StepOptions, Workflow};
use tinyworker::{router, text, text_in, Request, Response};

fn handle<'a>(request: &Request<'a>) -> Result<Response<'a>, tinyworker::Error> {
    match request.path() {
        "/" => Ok(Response::text(200, "GET /ws (a WebSocket echo); RPC: Calc, Counter\n")),
        "/ws"
            if request
                .header("upgrade")
                .is_some_and(|u| u.eq_ignore_ascii_case("websocket")) =>
        {
            let (_socket, response) = websocket::accept()?;
            Ok(response)
        }
        "/ws" => Ok(Response::text(426, "a WebSocket upgrade, please\n")),
        "/send" if request.method() == "POST" => {
            let param = |name| router::query(request, name).unwrap_or("");
            let (from, to) = (param("from"), param("to"));
            email::Sender::new("MAIL").send(from, to, request.body())?;
            Ok(Response::text(202, "sent\n"))
        }
        "/tails" => {
            let tails = kv::Namespace::new("TAILS");
            let listing = tails.list(&kv::ListOptions {
                prefix: Some("tail:"),
                ..Default::default()
            })?;
            let mut body = Vec::new();
            for i in 0..listing.len()? {
                if let Some(value) = tails.get_owned(listing.name_in(i, request)?)? {
                    body.extend_from_slice(&value);
                    body.push(b'\n');
                }
            }
            Ok(Response::owned(200, body))
        }
        path if path.starts_with("/workflows/") => workflows(request, &path["/workflows/".len()..]),
        path if path.starts_with("/steps/") => {
            let steps = kv::Namespace::new("STEPS");
            let prefix = text_in!(request, &path["/steps/".len()..], ":")?;
            let listing = steps.list(&kv::ListOptions {
                prefix: Some(prefix),
                ..Default::default()
            })?;
            let mut body = Vec::new();
            for i in 0..listing.len()? {
                let name = listing.name_in(i, request)?;
                body.extend_from_slice(name.strip_prefix(prefix).unwrap_or(name).as_bytes());
                body.push(b'\n');
            }
            Ok(Response::owned(200, body))
        }
        path if path.starts_with("/counter/") => {
            let counter = Namespace::new("COUNTERS").by_name(&path["/counter/".len()..])?;
            Ok(bridge::respond_with(&counter.forward()?)?)
        }
        _ => Ok(Response::text(404, "not found\n")),
    }
}

/// `/workflows/<id>[/<action>]`: the Workflow binding.
fn workflows<'a>(request: &Request<'a>, rest: &'a str) -> Result<Response<'a>, tinyworker::Error> {
    let orders = Workflow::new("ORDERS");
    let (id, action) = rest.split_once('/').unwrap_or((rest, ""));
    match (request.method(), action) {
        ("POST", "") => {
            orders.create(id, request.body_text()?)?.release();
            Ok(Response::text(201, "created\n"))
        }
        ("GET", "") => {
            let status = orders.get(id)?.status()?;
            Ok(Response::json(200, status.json_in(request)?))
        }
        ("POST", "pause" | "resume" | "terminate") => {
            let instance = orders.get(id)?;
            match action {
                "pause" => instance.pause()?,
                "resume" => instance.resume()?,
                _ => instance.terminate()?,
            }
            Ok(Response::text(204, ""))
        }
        _ => Ok(Response::text(404, "not found\n")),
    }
}

/// Faults the way `kind` says, if it names a fault.
fn fault(kind: &str) {
    match kind {
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

/// A message on a socket of `/ws`: sent back as it came, unless it is a command.
fn on_message(message: &SocketMessage) -> Result<(), Error> {
    let socket = message.socket()?;
    let data = message.data()?;
    let mut short = [0u8; 16];
    if !message.is_binary()? {
        if let Ok(text) = data.text(&mut short) {
            if let Some(kind) = text.strip_prefix("fault:") {
                fault(kind);
            }
            if text == "close" {
                return socket.close(1000, "bye");
            }
        }
    }
    socket.send_value(&data)
}

/// The client closed its socket: the Worker closes its end too.
fn on_close(close: &SocketClose) -> Result<(), Error> {
    let code = match close.code()? {
        // (1005, 1006 and 1015 are never sent in a close frame.)
        1005 | 1006 | 1015 => 1000,
        code => code,
    };
    close.socket()?.close(code, "")
}

fn add(call: &Call) -> Result<(), Error> {
    call.reply(Arg::number(call.number(0)? + call.number(1)?))
}

fn greet(call: &Call) -> Result<(), Error> {
    let name = call.text_owned(0)?;
    call.reply(Arg::str(&text!("hello ", name.as_str())))
}

fn reverse(call: &Call) -> Result<(), Error> {
    let arg = call.arg(0)?;
    let mut bytes = arg.bytes_owned()?;
    arg.release();
    bytes.reverse();
    call.reply(Arg::bytes(&bytes))
}

fn echo(call: &Call) -> Result<(), Error> {
    call.reply(Arg::json(&call.json_owned(0)?))
}

fn calc_fault(call: &Call) {
    fault(&call.text_owned(0).unwrap_or_default());
}

fn fail(_: &Call) -> Result<(), Error> {
    Err(Error::InvalidArgument)
}

/// An email: what happens to it is its recipient's local part.
fn receive(message: &Message) -> Result<(), Error> {
    let mut to = [0u8; 320];
    let to = message.to(&mut to)?;
    let local = to.split('@').next().unwrap_or("");
    let mut subject = [0u8; 256];
    let subject = message.header("subject", &mut subject)?.unwrap_or("");
    match local {
        "reject" => message.set_reject("no such mailbox"),
        "forward" => message.forward(
            "inbox@example.com",
            &[("X-Seen-By", "tinyworker"), ("X-Subject", subject)],
        ),
        "reply" => {
            let mut id = [0u8; 256];
            let id = message.header("message-id", &mut id)?.ok_or(Error::InvalidArgument)?;
            let mut from = [0u8; 320];
            let from = message.from(&mut from)?;
            let reply = text!(
                "From: ",
                to,
                "\r\nTo: ",
                from,
                "\r\nSubject: Re: ",
                subject,
                "\r\nMessage-ID: <re-",
                id.trim_matches(['<', '>']),
                ">\r\nIn-Reply-To: ",
                id,
                "\r\nContent-Type: text/plain\r\n\r\nreceived ",
                message.raw_size()?,
                " bytes\r\n"
            );
            message.reply(to, reply.as_bytes())
        }
        _ => {
            fault(local.strip_prefix("fault-").unwrap_or(""));
            Ok(())
        }
    }
}

/// Traces of the Worker this one tails: kept as their JSON (a trace that logged `fault-tail`
/// faults the handler instead).
fn tail(traces: &Traces) -> Result<(), Error> {
    let json = traces.json_owned()?;
    if json.contains("fault-tail") {
        fault("panic");
    }
    let first = traces.get(0)?;
    let time = first.get_number("eventTimestamp");
    first.release();
    let key = text!("tail:", tinyworker::text::zero_padded(time? as u64, 16));
    kv::Namespace::new("TAILS").put(&key, json.as_bytes(), &kv::PutOptions::default())
}

/// The Workflow `Order`'s run: an optional sleep, then three steps, each given the parameters.
fn order_run(run: &Run) -> Result<(), Error> {
    let params = run.params()?;
    let sleep = params.get("sleep")?;
    if sleep.kind() == bridge::Kind::Number {
        run.sleep("wait", sleep.number()? as u32)?;
    }
    let retries = StepOptions {
        retries: Some(Retries { limit: 2, delay_ms: 50 }),
    };
    let mut results = [const { alloc::string::String::new() }; 3];
    for (result, name) in results.iter_mut().zip(["first", "second", "third"]) {
        *result = run.step(name, Arg::value(&params), &retries)?.text_owned()?;
    }
    let [a, b, c] = &results;
    run.output(Arg::json(&text!(
        "[\"",
        a.as_str(),
        "\",\"",
        b.as_str(),
        "\",\"",
        c.as_str(),
        "\"]"
    )))
}

/// Step `name` of an `Order` run: notes its attempt (KV `STEPS`, `<id>:<step> <attempt>`), faults
/// on its first attempt if the parameters say `fault: "<name>"`, and answers `<name> done`.
fn order_step(call: &Call, name: &str) -> Result<(), Error> {
    let params = call.arg(0)?;
    let attempt = call.number(1)? as u32;
    let id = params.get("id")?.text_owned()?;
    let key = text!(id.as_str(), ":", name, " ", attempt);
    kv::Namespace::new("STEPS").put(&key, b"", &kv::PutOptions::default())?;
    let fault_here = params.get("fault")?.text_owned().is_ok_and(|f| f == name);
    if fault_here && attempt == 1 {
        fault("panic");
    }
    call.reply(Arg::str(&text!(name, " done")))
}

fn first(call: &Call) -> Result<(), Error> {
    order_step(call, "first")
}

fn second(call: &Call) -> Result<(), Error> {
    order_step(call, "second")
}

fn third(call: &Call) -> Result<(), Error> {
    order_step(call, "third")
}

tinyworker::entry!(handle);
tinyworker::workflow!(class Order { run: order_run, steps: { first: first, second: second, third: third } });
tinyworker::email!(receive);
tinyworker::tail!(tail);
tinyworker::web_socket!(message: on_message, close: on_close);
tinyworker::rpc!(class Calc { add: add, greet: greet, reverse: reverse, echo: echo, fault: calc_fault, fail: fail });

/// The object's count, as stored (0 before the first increment).
fn count_of(storage: &Storage) -> Result<f64, Error> {
    let mut buffer = [0u8; 24];
    Ok(match storage.get("count", &mut buffer).map_err(|_| Error::Failed)? {
        Some(bytes) => core::str::from_utf8(bytes)
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0.0),
        None => 0.0,
    })
}

fn store(storage: &Storage, count: f64) -> Result<(), Error> {
    storage
        .put("count", text!(count as i64).as_bytes())
        .map_err(|_| Error::Failed)
}

fn counter_fetch<'a>(_: &Request<'a>, storage: &Storage) -> Result<Response<'a>, Error> {
    Ok(Response::owned(
        200,
        text!(count_of(storage)? as i64, "\n").into_bytes(),
    ))
}

/// Argument `i` of `call`, a whole number (a count stores whole numbers: anything else is the
/// caller's error, never truncated).
fn whole(call: &Call, i: usize) -> Result<f64, Error> {
    let n = call.number(i)?;
    const LIMIT: f64 = 9_007_199_254_740_991.0; // 2^53 - 1, JavaScript's safe integers
                                                // (NaN is in no range; within it, a whole number survives the round trip through i64.)
    if (-LIMIT..=LIMIT).contains(&n) && n as i64 as f64 == n {
        Ok(n)
    } else {
        Err(Error::InvalidArgument)
    }
}

fn increment(call: &Call, storage: &Storage) -> Result<(), Error> {
    let count = count_of(storage)? + whole(call, 0)?;
    store(storage, count)?;
    call.reply(Arg::number(count))
}

fn increment_then(call: &Call, storage: &Storage) -> Result<(), Error> {
    store(storage, count_of(storage)? + whole(call, 0)?)?;
    fault(&call.text_owned(1)?);
    Err(Error::InvalidArgument) // (not a fault kind: the call's error, its write rolled back too)
}

fn count(call: &Call, storage: &Storage) -> Result<(), Error> {
    call.reply(Arg::number(count_of(storage)?))
}

tinyworker::durable_object!(class Counter { fetch: counter_fetch });
tinyworker::rpc!(object Counter { increment: increment, increment_then: increment_then, count: count });
