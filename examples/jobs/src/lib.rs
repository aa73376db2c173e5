//! Events beside fetch: a cron trigger and a queue consumer, both in Rust, under the local
//! simulators of `wrangler dev` (a queue, a KV namespace; `--test-scheduled` for the cron).
//!
//! | route | answer |
//! |---|---|
//! | `POST /enqueue` | sends the body to the queue as one text message, 202 |
//! | `POST /enqueue-batch` | sends each line of the body as a message of one batch, 202 |
//! | `GET /log` | every message the consumer handled, one per line, in the order they were sent |
//! | `GET /last-batch` | the last message the consumer saw: its queue, then its id, timestamp, attempts and body |
//! | `GET /ticks` | how many scheduled events ran |
//! | `GET /last-tick` | the cron expression and scheduled time of the last one |
//! | `GET /__scheduled?cron=<expression>` | (wrangler dev `--test-scheduled`) fires a scheduled event |
//!
//! The consumer takes one message at a time (`queue_message!`): it logs each in KV (one key per
//! delivery) and acknowledges it by returning. A message whose body is `panic`, `abort`, `oom` or
//! `trap` makes it fault that way on its first delivery, so the platform delivers again exactly
//! that message (logged as `<body> (attempt <n>)`), never its batch-mates; a message whose body
//! starts with `poison` faults on every delivery and is dropped after its retries, its batch-mates
//! each logged once; a message `retry` is retried explicitly on its first delivery, a second
//! later. A cron expression of `panic`, `abort`, `oom` or `trap` makes the scheduled handler
//! fault the same way.
#![no_std]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::hint::black_box;
use tinyworker::bridge::Error;
use tinyworker::consumer::Message;
use tinyworker::kv::{ListOptions, Namespace, PutOptions};
use tinyworker::queue::{Body, Queue};
use tinyworker::scheduled::Scheduled;
use tinyworker::text::zero_padded;
use tinyworker::{text, Request, Response};

const LOG: Namespace = Namespace::new("LOG");
const JOBS: Queue = Queue::new("JOBS");

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

const NOT_UTF8: &str = "the body is not UTF-8\n";

fn handle<'a>(request: &Request<'a>) -> Response<'a> {
    let answer = match (request.method(), request.path()) {
        ("POST", "/enqueue") => match request.body_text() {
            Ok(body) => JOBS.send(Body::Text(body), 0).map(|()| Response::text(202, "sent\n")),
            Err(_) => return Response::text(400, NOT_UTF8),
        },
        ("POST", "/enqueue-batch") => match request.body_text() {
            Ok(body) => {
                let bodies: Vec<Body> = body.lines().map(Body::Text).collect();
                JOBS.send_batch(&bodies, 0).map(|()| Response::text(202, "sent\n"))
            }
            Err(_) => return Response::text(400, NOT_UTF8),
        },
        ("GET", "/log") => log(),
        ("GET", "/last-batch") => stored("batch/last"),
        ("GET", "/last-tick") => stored("tick/last"),
        ("GET", "/ticks") => count().map(|n| Response::owned(200, text!(n, "\n").into_bytes())),
        ("GET", "/") => Ok(Response::text(200, "jobs: POST /enqueue, GET /log, GET /ticks\n")),
        _ => Ok(Response::text(404, "not found\n")),
    };
    answer.unwrap_or_else(|_| Response::text(502, "a binding failed\n"))
}

/// The log: the value of every `log/` key, in key order (the time each message was sent).
fn log<'a>() -> Result<Response<'a>, Error> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let listing = LOG.list(&ListOptions {
            prefix: Some("log/"),
            limit: None,
            cursor: cursor.as_deref(),
        })?;
        for i in 0..listing.len()? {
            if let Some(line) = LOG.get_owned(&listing.name_value(i)?.text_owned()?)? {
                out.extend_from_slice(&line);
                out.push(b'\n');
            }
        }
        if listing.complete()? {
            return Ok(Response::owned(200, out));
        }
        cursor = listing.cursor_owned()?;
    }
}

fn stored<'a>(key: &str) -> Result<Response<'a>, Error> {
    Ok(match LOG.get_owned(key)? {
        Some(value) => Response::owned(200, value),
        None => Response::text(404, "none yet\n"),
    })
}

fn count() -> Result<u64, Error> {
    let mut digits = [0u8; 20]; // (a u64 has at most 20 digits)
    Ok(LOG
        .get_text("ticks", &mut digits)?
        .and_then(|n| n.parse().ok())
        .unwrap_or(0))
}

/// A cron trigger: counts the run and keeps what it was told.
fn tick(event: &Scheduled) -> Result<(), Error> {
    let cron = event.cron_owned()?;
    fault(&cron);
    let time = event.scheduled_time()?;
    LOG.put(
        "tick/last",
        text!("cron=", cron, " time=", time as i64, "\n").as_bytes(),
        &PutOptions::default(),
    )?;
    let n = count()? + 1;
    LOG.put("ticks", text!(n).as_bytes(), &PutOptions::default())
}

/// The queue consumer, a message at a time: logs it and acknowledges it. A fault (or an error)
/// retries only this message; its batch-mates are not touched.
fn consume(message: &Message) -> Result<(), Error> {
    let (queue, id) = (message.queue_owned()?, message.id_owned()?);
    let body = message.body()?.text_owned()?;
    let (time, attempts) = (message.timestamp()?, message.attempts()?);
    let time = time as i64; // (milliseconds: integral, written without float formatting)
    let summary = text!(
        "queue=",
        queue,
        "\nid=",
        id,
        " timestamp=",
        time,
        " attempts=",
        attempts,
        " body=",
        body,
        "\n"
    );
    LOG.put("batch/last", summary.as_bytes(), &PutOptions::default())?;
    // A poison message faults on every delivery.
    if body.starts_with("poison") {
        panic!("a poison message");
    }
    // (Only on its first delivery: delivered again, it is logged with its attempt.)
    if attempts == 1 {
        fault(&body);
        if body == "retry" {
            // Retried explicitly, after a second: not logged now, not a failure.
            return message.retry(Some(1));
        }
    }
    let line = if attempts == 1 {
        body
    } else {
        text!(body, " (attempt ", attempts, ")")
    };
    // One key per delivery: a message delivered twice would be logged twice.
    LOG.put(
        &text!("log/", zero_padded(time as u64, 15), "/", id, "/", attempts),
        line.as_bytes(),
        &PutOptions::default(),
    )
    // (Acknowledged by returning.)
}

/// The Worker's entry, declared from a module of its own (any module of the crate may hold it).
mod serve {
    tinyworker::entry!(super::handle);
}
tinyworker::scheduled!(tick);
tinyworker::queue_message!(consume);
