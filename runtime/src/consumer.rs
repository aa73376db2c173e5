//! A queue consumer: a batch at a time (`queue_consumer!`: the batch the platform delivers, its
//! queue's name and each message's id, timestamp, attempts and body, acknowledged or retried per
//! message or whole), or a message at a time (`queue_message!`: a fault retries only that one).

use crate::bridge::{self, Arg, Error, Field, Target, Value};

/// The batch being delivered (only inside a `queue_consumer!` handler). A message neither
/// acknowledged nor retried is acknowledged when the handler succeeds, and delivered again when
/// it fails (an error or a fault), as for a JavaScript consumer that throws.
#[derive(Debug)]
pub struct Batch(());

/// The options of a retry: a delay before the message is delivered again.
fn delay(seconds: Option<u32>) -> [Field<'static>; 1] {
    [Field::new(
        "delaySeconds",
        seconds.map_or(Arg::UNDEFINED, |s| Arg::number(f64::from(s))),
    )]
}

impl Batch {
    /// The batch of the running `queue_consumer!` handler (used by the macro).
    #[doc(hidden)]
    pub const fn current() -> Self {
        Self(())
    }

    /// The name of the queue the batch came from, in `buffer`.
    pub fn queue<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        let name = bridge::get(Target::Event, "queue")?;
        let text = name.text(buffer);
        name.release();
        text
    }

    /// How many messages the batch has.
    pub fn len(&self) -> Result<usize, Error> {
        let messages = bridge::get(Target::Event, "messages")?;
        let len = messages.len();
        messages.release();
        len
    }

    /// Whether the batch has no message.
    pub fn is_empty(&self) -> Result<bool, Error> {
        Ok(self.len()? == 0)
    }

    /// Message `index`.
    pub fn message(&self, index: usize) -> Result<Message, Error> {
        let messages = bridge::get(Target::Event, "messages")?;
        let message = messages.index(index);
        messages.release();
        Ok(Message { value: message? })
    }

    /// Acknowledges every message: none is delivered again, whatever happens next.
    pub fn ack_all(&self) -> Result<(), Error> {
        bridge::call_unit(Target::Event, "ackAll", &[])
    }

    /// Delivers every message again (after `delay_seconds`, if given).
    pub fn retry_all(&self, delay_seconds: Option<u32>) -> Result<(), Error> {
        let options = delay(delay_seconds);
        bridge::call_unit(Target::Event, "retryAll", &[Arg::object(&options)])
    }
}

/// One message of a batch.
#[derive(Debug)]
pub struct Message {
    value: Value,
}

impl Message {
    /// The message of the running `queue_message!` handler (used by the macro).
    #[doc(hidden)]
    pub fn current() -> Result<Self, Error> {
        Ok(Self {
            value: bridge::get(Target::Event, "message")?,
        })
    }

    /// The name of the queue it came from, in owned memory of its size (only inside a
    /// `queue_message!` handler).
    #[cfg(feature = "alloc")]
    pub fn queue_owned(&self) -> Result<alloc::string::String, Error> {
        let name = bridge::get(Target::Event, "queue")?;
        let text = name.text_owned();
        name.release();
        text
    }

    /// Its id, in owned memory of its size.
    #[cfg(feature = "alloc")]
    pub fn id_owned(&self) -> Result<alloc::string::String, Error> {
        let id = self.value.get("id")?;
        let text = id.text_owned();
        id.release();
        text
    }

    /// The name of the queue it came from, in `buffer` (only inside a `queue_message!`
    /// handler; a batch's is [`Batch::queue`]).
    pub fn queue<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        let name = bridge::get(Target::Event, "queue")?;
        let text = name.text(buffer);
        name.release();
        text
    }

    /// Its id, in `buffer`.
    pub fn id<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        let id = self.value.get("id")?;
        let text = id.text(buffer);
        id.release();
        text
    }

    /// When it was sent, in milliseconds since the Unix epoch.
    pub fn timestamp(&self) -> Result<f64, Error> {
        let date = self.value.get("timestamp")?;
        let ms = date.call("getTime", &[]).and_then(|t| t.number());
        date.release();
        ms
    }

    /// How many times it has been delivered, this one included (1 the first time).
    pub fn attempts(&self) -> Result<u32, Error> {
        Ok(self.value.get_number("attempts")? as u32)
    }

    /// Its body as the producer sent it: text, bytes, or a structured value (read it with
    /// `json`).
    pub fn body(&self) -> Result<Value, Error> {
        self.value.get("body")
    }

    /// Acknowledges it: it is not delivered again, even if the handler then fails.
    pub fn ack(&self) -> Result<(), Error> {
        self.value.call_unit("ack", &[])
    }

    /// Delivers it again (after `delay_seconds`, if given), even if the handler succeeds.
    pub fn retry(&self, delay_seconds: Option<u32>) -> Result<(), Error> {
        let options = delay(delay_seconds);
        self.value.call_unit("retry", &[Arg::object(&options)])
    }
}

/// Registers `handler` (a `fn(&Batch) -> R`, where `R` is `()` or a `Result<(), E>`) as the
/// Worker's queue consumer (`[[queues.consumers]]` in wrangler.toml). Exports `__tw_queue`; the
/// glue's `createWorker` then answers the platform's `queue` events. A fault or an error fails
/// the delivery: the platform delivers again every message not acknowledged, and never one
/// that was.
#[macro_export]
macro_rules! queue_consumer {
    ($handler:path) => {
        const _: () = {
            /// A batch of queue messages arrived (docs/ABI.md, "Events").
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub extern "C-unwind" fn __tw_queue() -> u32 {
                $crate::__private::event("queue", || $handler(&$crate::consumer::Batch::current()))
            }
            /// A module has one queue consumer.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub static __tw_one_queue_consumer: u8 = 0;
        };
    };
}

/// Registers `handler` (a `fn(&Message) -> R`, where `R` is `()` or a `Result<(), E>`) as the
/// Worker's queue consumer, one message at a time (`[[queues.consumers]]` in wrangler.toml).
/// Exports `__tw_queue_message`; the glue's `createWorker` calls it once per message of each
/// batch, in order, each call on a healthy instance: a message the handler returns from is
/// acknowledged (unless it retried it), and one whose handler faults or returns an error is
/// retried alone, so a message that faults on every delivery never takes its batch-mates with
/// it. A module has one queue consumer: this or [`queue_consumer!`](crate::queue_consumer).
///
/// ```
/// use tinyworker::consumer::Message;
///
/// fn handle(message: &Message) -> Result<(), tinyworker::bridge::Error> {
///     let _body = message.body()?;
///     Ok(()) // acknowledged
/// }
/// tinyworker::queue_message!(handle);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! queue_message {
    ($handler:path) => {
        const _: () = {
            /// One message of a queue batch arrived (docs/ABI.md, "Events").
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub extern "C-unwind" fn __tw_queue_message() -> u32 {
                $crate::__private::event("queue message", || -> Result<(), $crate::Error> {
                    let message = $crate::consumer::Message::current()?;
                    match $crate::__private::EventResult::into_error($handler(&message)) {
                        Some(error) => Err(error),
                        None => Ok(()),
                    }
                })
            }
            /// A module has one queue consumer.
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub static __tw_one_queue_consumer: u8 = 0;
        };
    };
}
