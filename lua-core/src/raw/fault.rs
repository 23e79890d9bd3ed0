//! Allocation-failure injection, **for tests only** (SQLite's malloc tests):
//! the counting allocator can be told to refuse the n-th growth request from
//! now (frees and shrinks never fail), once, a few times in a row, or for
//! good. A test runs an operation with the fault at n = 1, 2, 3, ... until
//! the operation completes without the fault firing, and checks each time
//! that the outcome is clean (success or an [`Error`](crate::Error)) and that
//! the state is usable afterwards.
//!
//! Nothing here is part of the supported API; it costs one `Cell` check per
//! growth request while no fault is armed. While one is armed, the allocator
//! reports that it may refuse, so every allocating push runs protected (as
//! under a memory limit).
//! (The example is in [`crate::host`]'s documentation.)

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};


/// Which growth requests to refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocationFault {
    /// The first refused request, counted from now: 1 is the very next one.
    pub nth: u64,
    /// How many requests in a row are refused from there, the first
    /// included ([`AllocationFault::PERSISTENT`]: every one until disarmed).
    /// Lua answers a refusal with an emergency collection and one retry, so
    /// a single refusal is mostly absorbed; two in a row are a real failure
    /// of one allocation.
    pub refusals: u64,
}

#[cfg_attr(not(feature = "host-binding"), allow(dead_code))]
impl AllocationFault {
    /// `refusals` meaning "every request from the n-th on, until disarmed".
    pub const PERSISTENT: u64 = u64::MAX;

    /// Refuses only the `nth` request from now.
    pub fn once(nth: u64) -> AllocationFault {
        AllocationFault { nth, refusals: 1 }
    }

    /// Refuses the `nth` request from now and the `refusals - 1` after it.
    pub fn times(nth: u64, refusals: u64) -> AllocationFault {
        AllocationFault { nth, refusals }
    }

    /// Refuses the `nth` request from now and every later one, until disarmed.
    pub fn persistent(nth: u64) -> AllocationFault {
        AllocationFault { nth, refusals: Self::PERSISTENT }
    }
}

thread_local! {
    static NEXT_STATE: Cell<Option<AllocationFault>> = const { Cell::new(None) };
}

/// Total of growth requests refused by injection in this process, across
/// every state and thread.
static INJECTED: AtomicU64 = AtomicU64::new(0);

/// Arms `fault` for the next state created on this thread (it is armed from
/// the state's very first allocation, so creation itself can be swept); the
/// state takes it, so it applies once. `None` disarms. Testing only.
#[doc(hidden)]
#[cfg_attr(not(feature = "host-binding"), allow(dead_code))]
pub fn fail_next_state(fault: Option<AllocationFault>) {
    NEXT_STATE.with(|c| c.set(fault))
}

/// Growth requests refused by injection so far in this process (every state,
/// every thread): compare before and after an operation that creates states.
/// Testing only.
#[doc(hidden)]
#[cfg_attr(not(feature = "host-binding"), allow(dead_code))]
pub fn injected_total() -> u64 {
    INJECTED.load(Ordering::Relaxed)
}

pub(crate) fn take_next_state_fault() -> Option<AllocationFault> {
    NEXT_STATE.with(|c| c.take())
}

pub(crate) fn count_injected() {
    INJECTED.fetch_add(1, Ordering::Relaxed);
}
