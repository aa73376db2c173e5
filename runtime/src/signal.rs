//! The platform's signals to an instance: workerd writes SIGXCPU (24) to the word exported as
//! `__instance_signal` when the request nears its CPU limit, and 1 to `__instance_terminated`
//! when it killed the isolate's execution (docs/ABI.md, "Signals"). The glue reads the second.

use core::sync::atomic::{AtomicU32, Ordering};

/// What workerd writes to `__instance_signal` when CPU time is nearly exhausted (SIGXCPU).
pub const SIGXCPU: u32 = 24;

/// The word workerd writes a signal to; exported (as a global holding its address) under the
/// name workerd looks for. Cleared when a call begins: a signal is about the call it came in.
#[unsafe(no_mangle)]
static __instance_signal: AtomicU32 = AtomicU32::new(0);

/// The word workerd writes 1 to after it killed the isolate's execution (for CPU): the glue
/// then knows a call of this instance may have been cut off mid-way, and clears it.
#[unsafe(no_mangle)]
static __instance_terminated: AtomicU32 = AtomicU32::new(0);

/// Whether the platform said that this request is near its CPU limit: a handler doing long work
/// can stop early and answer (e.g. a partial result or a 503) before the platform kills it.
pub fn near_cpu_limit() -> bool {
    __instance_signal.load(Ordering::Relaxed) != 0
}

/// The signal the platform wrote during this call (0: none).
pub fn cpu_signal() -> u32 {
    __instance_signal.load(Ordering::Relaxed)
}

/// What every call starts with: no signal from an earlier call.
pub(crate) fn begin_call() {
    __instance_signal.store(0, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_lasts_until_the_next_call() {
        let _lock = crate::tests::LOCK.lock();
        begin_call();
        assert!(!near_cpu_limit());
        // What workerd does when the request nears its limit.
        __instance_signal.store(SIGXCPU, Ordering::Relaxed);
        assert!(near_cpu_limit());
        assert_eq!(cpu_signal(), SIGXCPU);
        begin_call();
        assert!(!near_cpu_limit());
        assert_eq!(
            __instance_terminated.load(Ordering::Relaxed),
            0,
            "the glue's word alone"
        );
    }
}
