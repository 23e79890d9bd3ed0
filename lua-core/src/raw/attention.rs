//! The bits of the attention flag: the byte the thread running Lua reads
//! after every C function returns (lua-sys's VM patch; nonzero: it calls the
//! limits' `on_steps_out`). Three writers, one bit each, all atomic.

/// The watchdog's: the run's deadline has passed.
pub(crate) const EXPIRED: u8 = 1;
/// A limit has tripped: every thread stops at its next step.
pub(crate) const TRIPPED: u8 = 2;
/// A cancel (see `cancel`): set and cleared only by `CancelState`.
pub(crate) const CANCELLED: u8 = 4;
