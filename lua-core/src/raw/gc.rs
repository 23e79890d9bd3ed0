//! Garbage-collector control (`collectgarbage` from the host), with Lua 5.5's
//! argument rules for `lua_gc`.

use std::ffi::c_int;

use lua_sys::*;

use crate::error::{Error, Result};
use crate::raw::lua::Lua;
use crate::raw::protect::protect;

/// A collector command.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GcCommand {
    /// A full collection (`collectgarbage("collect")`).
    Collect,
    /// Stops the collector (a memory limit still holds).
    Stop,
    /// Restarts a stopped collector.
    Restart,
    /// Memory in use, in KB with a fraction (Lua's own accounting).
    Count,
    /// Whether the collector runs.
    IsRunning,
    /// One step; the size in KB (0: one basic step).
    Step(usize),
    /// Switches to incremental mode; answers the previous mode.
    Incremental,
    /// Switches to generational mode; answers the previous mode.
    Generational,
    /// Reads (`None`) or sets a tuning parameter, returning its previous value.
    Param(GcParam, Option<u32>),
}

/// Lua 5.5's tuning parameters (`LUA_GCP*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GcParam {
    /// `LUA_GCPMINORMUL`: how often minor collections run.
    MinorMul,
    /// `LUA_GCPMAJORMINOR`: the shift from major back to minor collections.
    MajorMinor,
    /// `LUA_GCPMINORMAJOR`: the shift from minor to major collections.
    MinorMajor,
    /// `LUA_GCPPAUSE`: the pause between incremental cycles.
    Pause,
    /// `LUA_GCPSTEPMUL`: the incremental collector's speed.
    StepMul,
    /// `LUA_GCPSTEPSIZE`: the size of an incremental step.
    StepSize,
}

impl GcParam {
    /// The parameters by their names (`"pause"`, `"stepmul"`, ...).
    pub const NAMES: [(&'static str, GcParam); 6] = [
        ("minormul", GcParam::MinorMul),
        ("majorminor", GcParam::MajorMinor),
        ("minormajor", GcParam::MinorMajor),
        ("pause", GcParam::Pause),
        ("stepmul", GcParam::StepMul),
        ("stepsize", GcParam::StepSize),
    ];

    /// The parameter called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<GcParam> {
        GcParam::NAMES.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }

    fn code(self) -> c_int {
        (match self {
            GcParam::MinorMul => LUA_GCPMINORMUL,
            GcParam::MajorMinor => LUA_GCPMAJORMINOR,
            GcParam::MinorMajor => LUA_GCPMINORMAJOR,
            GcParam::Pause => LUA_GCPPAUSE,
            GcParam::StepMul => LUA_GCPSTEPMUL,
            GcParam::StepSize => LUA_GCPSTEPSIZE,
        }) as c_int
    }
}

/// The largest value `GcCommand::Param` accepts.
pub const MAX_GC_PARAM: u32 = 100_000;

/// What a collector command answers.
#[derive(Debug, Clone, PartialEq)]
pub enum GcResult {
    /// The command answers nothing.
    None,
    /// Memory in use in KB, with a fraction.
    Count(f64),
    /// A yes/no answer (`isrunning`; `step`: whether it finished a cycle).
    Bool(bool),
    /// A collector mode: `"incremental"` or `"generational"`.
    Mode(&'static str),
    /// A parameter's previous value.
    Number(i64),
}

fn mode_name(code: c_int) -> &'static str {
    if code == LUA_GCGEN as c_int {
        "generational"
    } else {
        "incremental"
    }
}

impl Lua {
    /// Runs a collector command. Commands that can run finalizers (collect,
    /// step, mode switches) count as running Lua for limits and hooks.
///
/// ```
/// use lua_core::{GcCommand, GcResult, Lua};
/// let lua = Lua::new();
/// lua.gc(GcCommand::Collect)?;
/// assert!(matches!(lua.gc(GcCommand::Count)?, GcResult::Count(kb) if kb > 0.0));
/// assert_eq!(lua.gc(GcCommand::Generational)?, GcResult::Mode("incremental"));
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn gc(&self, command: GcCommand) -> Result<GcResult> {
        if let GcCommand::Param(_, Some(v)) = command {
            if v > MAX_GC_PARAM {
                return Err(Error::api(format!("GC parameter must be at most {MAX_GC_PARAM}")));
            }
        }
        self.with_stack(|stack| {
            let out = std::cell::Cell::new((0 as c_int, 0 as c_int));
            let slot = &out;
            // SAFETY: lua_gc with the exact argument list Lua 5.5 expects for
            // each option (LUA_GCSTEP takes a size_t, LUA_GCPARAM two ints).
            // A finalizer's error never leaves lua_gc (Lua runs each one in
            // its own protected call and turns a failure into a warning), so
            // nothing here is expected to raise; it runs protected anyway, a
            // cheap guard. The closure captures Copy values only.
            unsafe {
                protect(stack.raw(), 0, 0, move |l| {
                    let r = match command {
                        GcCommand::Collect => lua_gc(l, LUA_GCCOLLECT as c_int),
                        GcCommand::Stop => lua_gc(l, LUA_GCSTOP as c_int),
                        GcCommand::Restart => lua_gc(l, LUA_GCRESTART as c_int),
                        GcCommand::Count => {
                            let kb = lua_gc(l, LUA_GCCOUNT as c_int);
                            slot.set((kb, lua_gc(l, LUA_GCCOUNTB as c_int)));
                            return 0;
                        }
                        GcCommand::IsRunning => lua_gc(l, LUA_GCISRUNNING as c_int),
                        GcCommand::Step(kb) => lua_gc(l, LUA_GCSTEP as c_int, kb),
                        GcCommand::Incremental => lua_gc(l, LUA_GCINC as c_int),
                        GcCommand::Generational => lua_gc(l, LUA_GCGEN as c_int),
                        GcCommand::Param(p, v) => lua_gc(l, LUA_GCPARAM as c_int, p.code(), v.map_or(-1, |v| v as c_int)),
                    };
                    slot.set((r, 0));
                    0
                })?;
            }
            let (r, extra) = out.get();
            if r < 0 {
                return Err(Error::api("the collector is not available while a collection is in progress"));
            }
            Ok(match command {
                GcCommand::Collect | GcCommand::Stop | GcCommand::Restart => GcResult::None,
                GcCommand::Count => GcResult::Count(r as f64 + extra as f64 / 1024.0),
                GcCommand::IsRunning | GcCommand::Step(_) => GcResult::Bool(r != 0),
                GcCommand::Incremental | GcCommand::Generational => GcResult::Mode(mode_name(r)),
                GcCommand::Param(..) => GcResult::Number(r as i64),
            })
        })
    }
}
