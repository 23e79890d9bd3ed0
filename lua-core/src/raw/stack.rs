//! Values crossing directly on the Lua stack.
//!
//! A host (the Node addon, or the `Value` conversions in this crate) never
//! builds an intermediate tree: it pushes its values straight onto the stack
//! through [`Stack`], and reads Lua values straight off it through
//! [`StackValue::visit`], which walks tables and hands each piece to a
//! [`Visitor`] that builds the host's own representation as it goes. All the
//! Lua-side rules (array detection, key text, depth limit, integer/float
//! choice) live here, once, for every host.

use std::cell::Cell;
use std::ffi::{c_int, c_void};

use lua_sys::*;

use crate::error::{Error, Result, MAX_DEPTH};
use crate::raw::lua::Lua;
use crate::raw::protect::protect;
use crate::raw::runtime::Runtime;
use crate::raw::stack_value::StackValue;
use crate::raw::value::RegRef;
use crate::raw::visit::SLOTS_PER_LEVEL;

// Building tables on the stack: a child module, so it shares the private
// helpers (`slot`, `operands`, `guarded`, `pushed`, `resync`).
#[path = "stack_table.rs"]
mod table;

/// Somewhere to push values: the top of one Lua thread's stack.
///
/// Every method either cannot raise, or runs protected whenever the state can
/// refuse an allocation (`Allocator::may_refuse`: a memory limit, a limit that
/// can trip, an injected fault); either way a failure comes back as an `Err`,
/// never as a `longjmp` through the caller.
///
/// A `Stack` owns the values pushed on it after it was made, and nothing
/// below: [`Stack::pop`] and the consuming writes stop at that floor, and
/// refuse (panic) when other code has pushed values above this stack's since
/// it last worked, so no safe code can remove a value that another view, an
/// outer call or the crate itself still reads. Every push checks for room.
/// Using a `Stack`
/// inside a nested call into the state that runs in a frame of its own (a
/// call's `read` closure, say) panics, because its indices would name
/// another frame's slots.
///
/// ```
/// use lua_core::Lua;
/// let lua = Lua::new();
/// let len = lua.with_stack(|s| {
///     s.push_bytes(b"text")?;
///     let n = s.value(-1).as_bytes().map_or(0, <[u8]>::len);
///     s.pop(1);
///     Ok(n)
/// })?;
/// assert_eq!(len, 4);
/// # Ok::<(), lua_core::Error>(())
/// ```
///
/// A view borrows its stack, so what it reads cannot be popped (and
/// collected) while it is in use:
///
/// ```compile_fail
/// use lua_core::Lua;
/// let lua = Lua::new();
/// lua.with_stack(|s| {
///     s.push_bytes(b"text")?;
///     let bytes = s.value(-1).as_bytes().unwrap();
///     s.pop(1);
///     assert_eq!(bytes, b"text");
///     Ok(())
/// })?;
/// # Ok::<(), lua_core::Error>(())
/// ```
///
/// and a stack cannot be copied to get a second owner of its values:
///
/// ```compile_fail
/// use lua_core::Lua;
/// let lua = Lua::new();
/// lua.with_stack(|s| {
///     let mut copy = *s;
///     copy.pop(1);
///     Ok(())
/// })?;
/// # Ok::<(), lua_core::Error>(())
/// ```
pub struct Stack<'a> {
    l: *mut lua_State,
    pub(crate) lua: &'a Lua,
    /// The top when the stack was made.
    floor: c_int,
    /// The top as this stack last left it, or `UNSYNCED` after crate code
    /// worked on the thread directly.
    mine: Cell<c_int>,
    /// The frame the indices refer to (see `Occupancy::frame`).
    frame: u32,
}

impl<'a> Stack<'a> {
    pub(crate) fn new(l: *mut lua_State, lua: &'a Lua) -> Stack<'a> {
        Stack::in_frame(l, lua, lua.rt.occupancy().frame())
    }

    /// A stack on `l` whose top is known to be `top` (spares reading it).
    pub(crate) fn at(l: *mut lua_State, lua: &'a Lua, top: c_int) -> Stack<'a> {
        Stack::at_in_frame(l, lua, top, lua.rt.occupancy().frame())
    }

    /// `at`, in the frame `frame`.
    pub(crate) fn at_in_frame(l: *mut lua_State, lua: &'a Lua, top: c_int, frame: u32) -> Stack<'a> {
        Stack { l, lua, floor: top, mine: Cell::new(top), frame }
    }

    /// How many values this stack pushed, when it knows without asking Lua
    /// (no crate code worked on the thread directly since it last synced).
    /// Every entry into the state restores the top it found, so nothing
    /// else can have left values above this stack's.
    pub(crate) fn pushed_count(&self) -> Option<c_int> {
        let mine = self.mine.get();
        (mine != UNSYNCED).then(|| mine - self.floor)
    }

    /// A stack on `l` whose indices refer to the frame `frame`.
    pub(crate) fn in_frame(l: *mut lua_State, lua: &'a Lua, frame: u32) -> Stack<'a> {
        // SAFETY: reading the top never fails.
        let floor = unsafe { lua_native_fast_gettop(l) };
        Stack { l, lua, floor, mine: Cell::new(floor), frame }
    }

    #[inline]
    fn rt(&self) -> &Runtime {
        &self.lua.rt
    }

    #[inline]
    fn guarded(&self) -> bool {
        self.rt().alloc().may_refuse()
    }

    /// Panics unless the state is still in the frame this stack was made
    /// for: its indices mean nothing in another.
    #[inline]
    fn check_frame(&self) {
        if self.rt().occupancy().frame() != self.frame {
            wrong_frame("Stack")
        }
    }

    /// The thread, for crate code that works on it directly; call
    /// [`Stack::resync`] when done, before user code sees this stack again.
    #[inline]
    pub(crate) fn raw(&self) -> *mut lua_State {
        self.check_frame();
        self.mine.set(UNSYNCED);
        self.l
    }

    /// Takes the top as this stack's own again, after crate code pushed or
    /// popped on it through [`Stack::raw`].
    pub(crate) fn resync(&self) {
        // SAFETY: reading the top never fails.
        self.mine.set(unsafe { lua_native_fast_gettop(self.l) });
    }

    /// Runs crate code that works on the thread directly, then takes the top
    /// as this stack's own again (whether the code succeeded or not).
    pub(crate) fn with_raw<R>(&self, f: impl FnOnce(*mut lua_State) -> R) -> R {
        let result = f(self.raw());
        self.resync();
        result
    }

    /// Makes room for one more value.
    #[inline]
    fn slot(&self) -> Result<()> {
        self.check_frame();
        // SAFETY: reading the frame's bounds never fails; lua_checkstack
        // reports failure instead of raising (and is asked only when the
        // frame has no free slot: otherwise it would change nothing).
        if unsafe { !lua_native_fast_has_room(self.l, 1) && lua_checkstack(self.l, 1) == 0 } {
            return Err(stack_overflow());
        }
        Ok(())
    }

    /// Counts a value that was just pushed as this stack's (a failed push
    /// leaves the stack as it was and counts nothing).
    #[inline]
    fn pushed(&self, result: Result<()>) -> Result<()> {
        let mine = self.mine.get();
        if result.is_ok() && mine != UNSYNCED {
            self.mine.set(mine + 1);
        }
        result
    }

    /// The top, checked to be where this stack left it: values someone else
    /// pushed above this stack's are not this stack's to remove.
    fn own_top(&self) -> c_int {
        self.check_frame();
        // SAFETY: reading the top never fails.
        let top = unsafe { lua_native_fast_gettop(self.l) };
        let mine = self.mine.get();
        if mine != UNSYNCED && mine != top {
            panic!("lua_core::Stack: other code pushed or removed values above this stack's ({} now, {mine} left); only the values a stack pushed itself are its to remove", top);
        }
        top
    }

    /// The number of values on this stack frame (the ones below this
    /// stack's floor included).
    pub fn top(&self) -> i32 {
        self.check_frame();
        // SAFETY: reading the top never fails.
        unsafe { lua_native_fast_gettop(self.l) }
    }

    /// How many values this stack may still remove: the ones pushed since it
    /// was made.
    pub fn len(&self) -> usize {
        (self.top() - self.floor).max(0) as usize
    }

    /// Whether nothing has been pushed on this stack (or all of it was popped).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes room for `n` more values.
    pub fn reserve(&self, n: usize) -> Result<()> {
        self.check_frame();
        if n > i32::MAX as usize {
            return Err(stack_overflow());
        }
        // SAFETY: reading the frame's bounds never fails. Room already
        // there is the common case (a call's frame has LUA_MINSTACK slots):
        // then lua_checkstack, a call into C per converted value, would
        // change nothing.
        if unsafe { lua_native_fast_has_room(self.l, n as c_int) } {
            return Ok(());
        }
        // SAFETY: lua_checkstack reports failure instead of raising.
        if unsafe { lua_checkstack(self.l, n as c_int) } == 0 {
            return Err(stack_overflow());
        }
        Ok(())
    }

    /// Checks the depth limit for a value at `depth` and reserves room for one
    /// more table level: call it before converting each value.
    #[inline]
    pub fn enter(&self, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(Error::depth());
        }
        crate::raw::limits::charge_host(&self.lua.rt, 1)?;
        self.reserve(SLOTS_PER_LEVEL as usize)
    }

    /// [`Stack::enter`] then [`Stack::push_number_normalized`], for a
    /// converted number: the depth limit and the work budget are checked as
    /// `enter` checks them, but no room is reserved for a table level (a
    /// number needs only its own slot, which the push makes).
    ///
    /// ```
    /// # use lua_core::{Lua, StdLib};
    /// let lua = Lua::with_libraries(StdLib::ALL)?;
    /// // A host number with no integer/float distinction, at depth 0 (a top-level value).
    /// lua.set_global_with(b"n", |s| s.push_converted_number(0, 3.0))?;
    /// lua.set_global_with(b"z", |s| s.push_converted_number(0, -0.0))?;
    /// assert_eq!(lua.exec::<String>("return math.type(n) .. ' ' .. math.type(z)")?, "integer float");
    /// // Past the depth limit nothing is pushed.
    /// assert!(lua.set_global_with(b"d", |s| s.push_converted_number(lua_core::MAX_DEPTH + 1, 1.0)).is_err());
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    #[inline]
    pub fn push_converted_number(&self, depth: usize, n: f64) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(Error::depth());
        }
        crate::raw::limits::charge_host(&self.lua.rt, 1)?;
        self.push_number_normalized(n)
    }

    /// Removes the top `n` values, never more than this stack pushed (a
    /// negative `n` removes nothing).
    pub fn pop(&mut self, n: i32) {
        let n = n.clamp(0, (self.own_top() - self.floor).max(0));
        // SAFETY: the top only goes down, to the floor at lowest; lowering
        // the top never raises (no to-be-closed slots here).
        unsafe { lua_settop(self.l, -n - 1) };
        self.resync();
    }

    /// Fails unless this stack pushed at least `n` values (the operands of a
    /// write that consumes them).
    fn operands(&self, n: usize) -> Result<()> {
        let len = (self.own_top() - self.floor).max(0) as usize;
        if len < n {
            return Err(Error::api(format!("the stack holds {len} of the {n} values this write needs")));
        }
        Ok(())
    }

    /// Fails unless this stack holds exactly `n` values: what the crate
    /// passes on to Lua after a caller's closure pushed them (taking a slot
    /// below would hand Lua a value that is not the caller's).
    pub(crate) fn expect_len(&self, n: usize, what: &str) -> Result<()> {
        let len = self.len();
        if len != n {
            return Err(Error::api(format!("{what} pushed {len} values where {n} belong")));
        }
        Ok(())
    }

    /// Pushes nil.
    pub fn push_nil(&self) -> Result<()> {
        self.slot()?;
        // SAFETY: a slot is free (`slot`); pushing nil never allocates.
        unsafe { lua_pushnil(self.l) };
        self.pushed(Ok(()))
    }

    /// Pushes a boolean.
    pub fn push_boolean(&self, b: bool) -> Result<()> {
        self.slot()?;
        // SAFETY: as push_nil.
        unsafe { lua_pushboolean(self.l, b as c_int) };
        self.pushed(Ok(()))
    }

    /// Pushes an integer.
    #[inline]
    pub fn push_integer(&self, i: i64) -> Result<()> {
        self.check_frame();
        // SAFETY: makes room first (as `slot`), pushes nothing without it;
        // pushing a number never allocates.
        if unsafe { lua_native_fast_push_integer(self.l, i) } == 0 {
            return Err(stack_overflow());
        }
        self.pushed(Ok(()))
    }

    /// Pushes a float.
    #[inline]
    pub fn push_number(&self, n: f64) -> Result<()> {
        self.check_frame();
        // SAFETY: as push_integer.
        if unsafe { lua_native_fast_push_number(self.l, n) } == 0 {
            return Err(stack_overflow());
        }
        self.pushed(Ok(()))
    }

    /// Pushes a number that carries no integer/float distinction (a
    /// JavaScript number): finite integral values in [-2^63, 2^63) become
    /// integers, everything else a float. `-0` stays the float `-0.0`: as an
    /// integer it would lose its sign (`1/x` would give `inf`, not `-inf`).
    #[inline]
    pub fn push_number_normalized(&self, n: f64) -> Result<()> {
        match crate::raw::number::normalized_integer(n) {
            Some(i) => self.push_integer(i),
            None => self.push_number(n),
        }
    }

    /// Pushes a light userdata: the pointer is stored as a value and never
    /// dereferenced by Lua or by this crate.
    #[allow(clippy::not_unsafe_ptr_arg_deref)]
    pub fn push_light_userdata(&self, p: *mut c_void) -> Result<()> {
        self.slot()?;
        // SAFETY: as push_nil; Lua only stores the address.
        unsafe { lua_pushlightuserdata(self.l, p) };
        self.pushed(Ok(()))
    }

    /// Pushes a string (any bytes, NULs included).
    pub fn push_bytes(&self, s: &[u8]) -> Result<()> {
        self.slot()?;
        let (p, len) = (s.as_ptr() as *const std::ffi::c_char, s.len());
        // SAFETY: the bytes outlive the call; the closure captures two Copy values.
        let result = unsafe {
            if self.guarded() {
                protect(self.l, 0, 1, move |l| {
                    lua_pushlstring(l, p, len);
                    1
                })
            } else {
                lua_pushlstring(self.l, p, len);
                Ok(())
            }
        };
        self.pushed(result)
    }

    /// Pushes the value a handle refers to. Fails if the handle belongs to
    /// another state, or refers to nothing (a copy that could not be
    /// anchored: pushing it as nil would let a raw table access or a resume
    /// work on a value of the wrong type).
    pub fn push_ref(&self, r: &RegRef) -> Result<()> {
        r.check_pushable(self.lua)?;
        self.check_frame();
        // SAFETY: makes room first, pushes nothing without it; a registry
        // read never allocates.
        if unsafe { lua_native_push_ref(self.l, r.id()) } == 0 {
            return Err(stack_overflow());
        }
        self.pushed(Ok(()))
    }

    /// Pushes a function that calls `f` (a host function: it reads its
    /// arguments from the [`CallContext`](crate::CallContext), pushes its
    /// results and returns how many).
    pub fn push_function<F>(&self, f: F) -> Result<()>
    where
        F: Fn(&crate::raw::callback::CallContext<'_>) -> Result<i32> + 'static,
    {
        // The closure need not be `Send`: the state may not move to another
        // thread from now on (see `SendLua`).
        self.rt().thread_bound.set(true);
        crate::raw::callback::push_host_function(self, Box::new(f))
    }

    /// A view of the value at `idx`: 1 to [`Stack::top`], or -1 down to
    /// `-top` counting from the top. The view borrows this stack, so nothing
    /// it reads can be popped while it is in use.
    ///
    /// # Panics
    /// If `idx` names no value on this frame.
    pub fn value(&self, idx: i32) -> StackValue<'_> {
        let top = self.top();
        let abs = if idx < 0 { top.saturating_add(idx).saturating_add(1) } else { idx };
        if abs < 1 || abs > top {
            panic!("lua_core::Stack::value: index {idx} is not on the stack (top {top})");
        }
        StackValue::at(self.l, abs, self.lua, self.frame)
    }
}

/// The error of a raw write or read into something that is not a table.
pub(crate) const NOT_A_TABLE: &str = "the target of a raw table access is not a table";

/// `Stack::mine` when crate code has worked on the thread directly.
const UNSYNCED: c_int = -1;

/// The error of a stack that cannot grow (Lua's limit is a million slots).
#[cold]
#[inline(never)]
pub(crate) fn stack_overflow() -> Error {
    Error::runtime("stack overflow (cannot grow the Lua stack)")
}

/// The panic of a stack or stack value used in a frame it does not belong to.
#[cold]
#[inline(never)]
pub(crate) fn wrong_frame(what: &str) -> ! {
    panic!("lua_core::{what} used inside a nested call into the state: its indices belong to the frame that made it (read or push before the call, or use the values the nested call hands you)")
}

