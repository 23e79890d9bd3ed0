//! Who is inside a state: the one record that every way into the state
//! takes, and that everything able to retire the state asks.
//!
//! A state is *inside* from the moment the host enters it (to run code,
//! compile, resume a coroutine, collect, or push and read values) until it
//! returns, however deep the nesting: Lua code, the parser, a finalizer run
//! by a collection step, a hook and a host callback all happen within some
//! entry. It is *away* while lent to a worker thread, and *closing* while
//! `lua_close` runs its finalizers. Closing the state, handing it to a worker
//! and (in the addon) replacing it are refused unless none of the three
//! holds: anything else would pull the state from under a running frame.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};
use crate::raw::runtime::Runtime;

/// The text of every refusal to enter a state lent to another thread.
pub(crate) const AWAY_MESSAGE: &str = "the Lua state is running on another thread";

#[derive(Default)]
pub(crate) struct Occupancy {
    /// Open entries from the host, nested ones included.
    depth: Cell<u32>,
    /// Open entries that run in a C frame of their own (a call, a resume):
    /// stack indices taken outside one mean other slots inside it, so every
    /// stack view records this number and refuses to work under another.
    frames: Cell<u32>,
    /// Set while the state is lent to a worker thread (see `detach`); the
    /// only field another thread reads.
    away: AtomicBool,
    /// Set while the state closes: host functions and finalizers do nothing.
    closing: Cell<bool>,
    /// Coroutines (by address) the host is resuming now: preparing the
    /// arguments, running, or reading the results. Resuming one of them
    /// again from inside (a callback, a conversion's host code) would run
    /// it on values the outer resume still owns.
    resuming: std::cell::RefCell<Vec<usize>>,
    /// Coroutines (by address) a [`Driver`](crate::Driver) is resuming now,
    /// innermost last: the only threads whose host calls may await.
    driven: std::cell::RefCell<Vec<usize>>,
    /// Driver runs in flight (made and not yet dropped), whether running or
    /// suspended at an await: the state is busy with them (EVOLUTION B11's
    /// `AsyncInFlight`, with the lending above).
    in_flight: Cell<u32>,
}

/// Why the state cannot be retired (closed, replaced, lent) right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occupied {
    /// Code is running in it: this call comes from inside a host callback,
    /// a metamethod, a hook or a finalizer (at any depth), or from inside a
    /// compile, a resume or a collection.
    Inside,
    /// It is lent to another thread.
    Away,
    /// It is closing right now (this call comes from a finalizer).
    Closing,
    /// A [`Driver`](crate::Driver) run is in flight: suspended at an await
    /// of host work, or running.
    Driving,
}

impl Occupancy {
    pub(crate) fn is_inside(&self) -> bool {
        self.depth.get() > 0
    }

    /// Nobody inside, not lent, no driver run in flight (`Lua::is_idle`).
    #[inline]
    pub(crate) fn is_idle(&self) -> bool {
        self.depth.get() == 0 && self.in_flight.get() == 0 && !self.is_away()
    }

    /// Whether this entry is nested inside another: a call that code
    /// running in the state made.
    #[inline]
    pub(crate) fn is_nested(&self) -> bool {
        self.depth.get() > 1
    }

    /// The frame stack indices refer to now (see `frames`).
    #[inline]
    pub(crate) fn frame(&self) -> u32 {
        self.frames.get()
    }

    #[inline]
    pub(crate) fn is_away(&self) -> bool {
        self.away.load(Ordering::Acquire)
    }

    #[inline]
    pub(crate) fn is_closing(&self) -> bool {
        self.closing.get()
    }

    /// What keeps the state from being retired now, if anything.
    pub(crate) fn occupied(&self) -> Option<Occupied> {
        if self.is_away() {
            Some(Occupied::Away)
        } else if self.in_flight.get() > 0 {
            // Before the lower claims: the spec's messages put async first.
            Some(Occupied::Driving)
        } else if self.closing.get() {
            Some(Occupied::Closing)
        } else if self.is_inside() {
            Some(Occupied::Inside)
        } else {
            None
        }
    }

    /// Marks the state lent (`true`) or back (`false`).
    #[cfg_attr(not(feature = "host-binding"), allow(dead_code))]
    pub(crate) fn set_away(&self, away: bool) {
        self.away.store(away, Ordering::Release);
    }

    pub(crate) fn set_closing(&self, closing: bool) {
        self.closing.set(closing)
    }

    /// Whether a driver run is in flight (see `in_flight`).
    pub(crate) fn is_driving(&self) -> bool {
        self.in_flight.get() > 0
    }

    /// Counts a driver run in flight (`true`) or over (`false`).
    pub(crate) fn set_driving(&self, on: bool) {
        let n = self.in_flight.get();
        self.in_flight.set(if on { n + 1 } else { n.saturating_sub(1) });
    }

    /// The coroutine a driver is resuming now, innermost (see `driven`).
    pub(crate) fn driven_now(&self) -> Option<usize> {
        self.driven.borrow().last().copied()
    }

    /// Whether any driver is resuming a coroutine now.
    pub(crate) fn in_driven_resume(&self) -> bool {
        !self.driven.borrow().is_empty()
    }

    /// Records that a driver resumes the coroutine at `co` until the guard goes.
    pub(crate) fn drive(&self, co: usize) -> Driven<'_> {
        self.driven.borrow_mut().push(co);
        Driven { occupancy: self }
    }

    /// Whether the host is resuming the coroutine at `co` now.
    pub(crate) fn is_resuming(&self, co: usize) -> bool {
        self.resuming.borrow().contains(&co)
    }

    /// Records that the host resumes the coroutine at `co` until the guard
    /// goes.
    pub(crate) fn resume(&self, co: usize) -> Resuming<'_> {
        self.resuming.borrow_mut().push(co);
        Resuming { occupancy: self, co }
    }
}

/// A resume from the host in progress (see `Occupancy::resume`).
pub(crate) struct Resuming<'a> {
    occupancy: &'a Occupancy,
    co: usize,
}

impl Drop for Resuming<'_> {
    fn drop(&mut self) {
        let mut resuming = self.occupancy.resuming.borrow_mut();
        if let Some(i) = resuming.iter().rposition(|&c| c == self.co) {
            resuming.swap_remove(i);
        }
    }
}

/// A driver's resume in progress (see `Occupancy::drive`).
pub(crate) struct Driven<'a> {
    occupancy: &'a Occupancy,
}

impl Drop for Driven<'_> {
    fn drop(&mut self) {
        self.occupancy.driven.borrow_mut().pop();
    }
}

/// One open entry into the state; the outermost one opens the limits'
/// budget and closes it again when it ends.
pub(crate) struct Entry<'a> {
    rt: &'a Runtime,
    /// Whether this entry runs in a frame of its own (see `Entry::framed`).
    framed: bool,
}

impl<'a> Entry<'a> {
    /// Enters the state from its owner's thread: refused if it is closed or
    /// lent to another thread.
    #[inline]
    pub(crate) fn new(rt: &'a Runtime) -> Result<Entry<'a>> {
        if rt.is_closed() || rt.occupancy().is_away() {
            return Err(refusal(rt));
        }
        Ok(Entry::enter(rt))
    }

    /// Enters the state to run code in a C frame of its own (a call from
    /// the host, a resume): stack views made before it refuse to work until
    /// it ends.
    #[inline]
    pub(crate) fn framed(rt: &'a Runtime) -> Result<Entry<'a>> {
        let mut entry = Entry::new(rt)?;
        let frames = &rt.occupancy().frames;
        frames.set(frames.get().wrapping_add(1));
        entry.framed = true;
        Ok(entry)
    }

    /// Enters the state from the worker it is lent to (see `detach`).
    #[cfg_attr(not(feature = "host-binding"), allow(dead_code))]
    pub(crate) fn lent(rt: &'a Runtime) -> Result<Entry<'a>> {
        rt.check_open()?;
        Ok(Entry::enter(rt))
    }

    #[inline]
    fn enter(rt: &'a Runtime) -> Entry<'a> {
        let o = rt.occupancy();
        let depth = o.depth.get();
        if depth == 0 {
            crate::raw::limits::open_budget(rt);
            // After the budget: opening it may clear the flag a cancel wrote.
            rt.limits().cancel().arm();
        }
        o.depth.set(depth + 1);
        Entry { rt, framed: false }
    }
}

/// Why a closed or lent state refuses an entry (kept out of the entry's
/// own path, which every call from the host takes).
#[cold]
#[inline(never)]
fn refusal(rt: &Runtime) -> Error {
    match rt.check_open() {
        Err(e) => e,
        Ok(()) => Error::Busy { message: AWAY_MESSAGE.into() },
    }
}

impl Drop for Entry<'_> {
    #[inline]
    fn drop(&mut self) {
        let o = self.rt.occupancy();
        if self.framed {
            o.frames.set(o.frames.get().wrapping_sub(1));
        }
        let depth = o.depth.get().saturating_sub(1);
        o.depth.set(depth);
        if depth == 0 {
            crate::raw::limits::close_budget(self.rt);
            // A lent state's run lasts until it is taken back (`reattach`).
            if !o.is_away() {
                self.rt.limits().cancel().disarm();
            }
        }
    }
}

impl Occupied {
    /// The refusal of `op` (for example `"dispose()"`) in the spec's words.
    pub fn message(self, op: &str) -> String {
        match self {
            Occupied::Inside => format!("{op} cannot be called while Lua is executing (from inside a host callback, metamethod, or __gc finalizer)"),
            Occupied::Closing => format!("{op} cannot be called re-entrantly (from inside a __gc finalizer of the state being retired)"),
            Occupied::Away | Occupied::Driving => "Lua context is busy with an async operation".to_string(),
        }
    }
}
