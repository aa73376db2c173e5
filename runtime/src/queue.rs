//! Queues (the producer side) through the bridge: send one message or a batch, as text, bytes or
//! JSON, with a delay.

use crate::bridge::{self, Arg, Error, Field, Target};

/// A queue bound to the Worker as `binding` (`[[queues.producers]]` in wrangler.toml).
#[derive(Debug, Clone, Copy)]
pub struct Queue<'n> {
    binding: &'n str,
}

/// A message's body.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    /// Text (`contentType: "text"`).
    Text(&'a str),
    /// Bytes (`contentType: "bytes"`).
    Bytes(&'a [u8]),
    /// JSON text, sent as the value it describes (`contentType: "json"`).
    Json(&'a str),
}

impl<'a> Body<'a> {
    fn arg(self) -> (Arg<'a>, &'static str) {
        match self {
            Body::Text(s) => (Arg::str(s), "text"),
            Body::Bytes(b) => (Arg::bytes(b), "bytes"),
            Body::Json(j) => (Arg::json(j), "json"),
        }
    }
}

/// One message of a batch with its own delay ([`Queue::send_each`]).
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// The body (its kind is its content type).
    pub body: Body<'a>,
    /// Seconds before it is delivered (0: at once).
    pub delay_seconds: u32,
}

/// The most messages a batch holds (the platform's limit is 100).
pub const MAX_BATCH: usize = 100;

impl<'n> Queue<'n> {
    /// The queue bound as `binding`.
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    /// Sends one message, delivered after `delay_seconds` (0: at once).
    pub fn send(&self, body: Body<'_>, delay_seconds: u32) -> Result<(), Error> {
        let (arg, content_type) = body.arg();
        let options = [
            Field::new("contentType", Arg::str(content_type)),
            Field::new("delaySeconds", Arg::number(f64::from(delay_seconds))),
        ];
        bridge::call_unit(Target::Env(self.binding), "send", &[arg, Arg::object(&options)])
    }

    /// Sends `bodies` as one batch, each delivered after `delay_seconds`.
    pub fn send_batch(&self, bodies: &[Body<'_>], delay_seconds: u32) -> Result<(), Error> {
        self.batch(bodies.len(), |i| Outgoing {
            body: bodies[i],
            delay_seconds,
        })
    }

    /// Sends `messages` as one batch, each with its own content type (its body's kind) and
    /// delay.
    pub fn send_each(&self, messages: &[Outgoing<'_>]) -> Result<(), Error> {
        self.batch(messages.len(), |i| messages[i])
    }

    /// Sends the `len` messages `message(i)` as one batch (at most [`MAX_BATCH`]).
    fn batch<'a>(&self, len: usize, message: impl Fn(usize) -> Outgoing<'a>) -> Result<(), Error> {
        if len > MAX_BATCH {
            return Err(Error::InvalidArgument);
        }
        let mut fields = [[Field::EMPTY; 3]; MAX_BATCH];
        for (i, slot) in fields.iter_mut().enumerate().take(len) {
            let Outgoing { body, delay_seconds } = message(i);
            let (arg, content_type) = body.arg();
            *slot = [
                Field::new("body", arg),
                Field::new("contentType", Arg::str(content_type)),
                Field::new("delaySeconds", Arg::number(f64::from(delay_seconds))),
            ];
        }
        let mut messages = [Arg::UNDEFINED; MAX_BATCH];
        for (slot, message) in messages.iter_mut().zip(fields.iter()) {
            *slot = Arg::object(message);
        }
        let list = [Arg::array(messages.get(..len).unwrap_or_default())];
        bridge::call_unit(Target::Env(self.binding), "sendBatch", &list)
    }
}
