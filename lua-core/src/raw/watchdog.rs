//! Tells a run that its deadline has passed without ever touching its state:
//! a watchdog thread sleeps until the earliest deadline and then only sets
//! the `EXPIRED` bit of that run's attention flag (an atomic). The thread
//! running Lua reads the flag after every C function returns and where it
//! already stops to count (the VM's step counter, pattern-matching steps,
//! memory growth).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Instant;

struct Watch {
    id: u64,
    deadline: Instant,
    /// The run's attention flag (in its `LimitState`), as an address.
    flag: usize,
}

struct Watchdog {
    watches: Mutex<(u64, Vec<Watch>)>,
    wake: Condvar,
}

fn watchdog() -> &'static Watchdog {
    static WATCHDOG: OnceLock<&'static Watchdog> = OnceLock::new();
    WATCHDOG.get_or_init(|| {
        let w: &'static Watchdog = Box::leak(Box::new(Watchdog { watches: Mutex::new((0, Vec::new())), wake: Condvar::new() }));
        std::thread::Builder::new().name("lua-core-watchdog".into()).spawn(move || run(w)).expect("spawning the watchdog thread");
        w
    })
}

fn run(w: &'static Watchdog) {
    let mut guard = w.watches.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let now = Instant::now();
        guard.1.retain(|watch| {
            if watch.deadline > now {
                return true;
            }
            // SAFETY: a watch is removed (under this lock) before its
            // run ends, and the flag lives as long as the runtime, which
            // outlives the run; an atomic may be written from any thread.
            unsafe { (*(watch.flag as *const AtomicU8)).fetch_or(crate::raw::attention::EXPIRED, Ordering::Release) };
            false
        });
        let next = guard.1.iter().map(|w| w.deadline).min();
        guard = match next {
            Some(deadline) => w.wake.wait_timeout(guard, deadline.saturating_duration_since(Instant::now())).unwrap_or_else(|e| e.into_inner()).0,
            None => w.wake.wait(guard).unwrap_or_else(|e| e.into_inner()),
        };
    }
}

/// Watches a run until `deadline`, when the `EXPIRED` bit of `flag` is set;
/// returns the watch's id.
pub(crate) fn watch(flag: &AtomicU8, deadline: Instant) -> u64 {
    flag.fetch_and(!crate::raw::attention::EXPIRED, Ordering::Release);
    let w = watchdog();
    let mut guard = w.watches.lock().unwrap_or_else(|e| e.into_inner());
    guard.0 += 1;
    let id = guard.0;
    guard.1.push(Watch { id, deadline, flag: flag as *const AtomicU8 as usize });
    drop(guard);
    w.wake.notify_one();
    id
}

/// Stops watching (before the run ends).
pub(crate) fn unwatch(id: u64) {
    let w = watchdog();
    let mut guard = w.watches.lock().unwrap_or_else(|e| e.into_inner());
    guard.1.retain(|watch| watch.id != id);
}

