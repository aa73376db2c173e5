//! A cron trigger's event for a handler registered with `scheduled!`: its cron expression and
//! scheduled time, read over the bridge from the platform's `ScheduledController`.

use crate::bridge::{self, Error, Target};

/// The cron trigger being served (only inside a `scheduled!` handler).
#[derive(Debug)]
pub struct Scheduled(());

impl Scheduled {
    /// The event of the running `scheduled!` handler (used by the macro).
    #[doc(hidden)]
    pub const fn current() -> Self {
        Self(())
    }

    /// The cron expression that fired, in owned memory of its size (an event has no request
    /// memory; without an allocator, [`Scheduled::cron`] takes a buffer).
    #[cfg(feature = "alloc")]
    pub fn cron_owned(&self) -> Result<alloc::string::String, Error> {
        let cron = bridge::get(Target::Event, "cron")?;
        let text = cron.text_owned();
        cron.release();
        text
    }

    /// The cron expression that fired (e.g. `*/5 * * * *`), in `buffer`.
    pub fn cron<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        let cron = bridge::get(Target::Event, "cron")?;
        let text = cron.text(buffer);
        cron.release();
        text
    }

    /// When it was scheduled to run, in milliseconds since the Unix epoch.
    pub fn scheduled_time(&self) -> Result<f64, Error> {
        let time = bridge::get(Target::Event, "scheduledTime")?;
        let ms = time.number();
        time.release();
        ms
    }

    /// Asks the platform not to retry this event should it fail.
    pub fn no_retry(&self) -> Result<(), Error> {
        bridge::call_unit(Target::Event, "noRetry", &[])
    }
}

/// Registers `handler` (a `fn(&Scheduled) -> R`, where `R` is `()` or a `Result<(), E>`) for
/// the Worker's cron triggers (`[triggers] crons` in wrangler.toml). Exports `__tw_scheduled`;
/// the glue's `createWorker` then answers the platform's `scheduled` events. A fault or an
/// error is the platform's failed invocation; the next event runs on a healthy instance.
#[macro_export]
macro_rules! scheduled {
    ($handler:path) => {
        const _: () = {
            /// A cron trigger fired (docs/ABI.md, "Events").
            #[doc(hidden)]
            #[unsafe(no_mangle)]
            pub extern "C-unwind" fn __tw_scheduled() -> u32 {
                $crate::__private::event("scheduled", || $handler(&$crate::scheduled::Scheduled::current()))
            }
        };
    };
}
