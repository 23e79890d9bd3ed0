//! The counting allocator every state is created with.
//!
//! It is always installed, limit or not, so that `used()` is exact from the
//! first byte and a limit can be set at any time. Lua turns a refused request
//! (NULL) into an ordinary "not enough memory" error.

use std::cell::Cell;
use std::ffi::c_void;
use std::ptr;

use lua_sys::{lua_State, lua_setallocf};

use crate::raw::pool::Pool;

/// Bytes in use and the ceiling, shared by a state's allocation function and
/// its owner. Lives in a `Box` owned by the runtime so its address is stable,
/// and is dropped only after `lua_close`, which still frees through it.
#[derive(Debug, Default)]
pub(crate) struct Allocator {
    used: Cell<usize>,
    limit: Cell<usize>,
    peak: Cell<usize>,
    /// The state's limits (set once the runtime exists): growth is also
    /// where a timeout is noticed during long C calls (see `LimitState::refuses_growth`).
    limits: Cell<*const crate::raw::limits::LimitState>,
    /// Injected faults (testing only, see `fault`): 0 when off; otherwise
    /// the growth request that many requests from now is the first refused.
    fault_countdown: Cell<u64>,
    /// How many requests are refused once the countdown arrives, counting
    /// the first (`u64::MAX`: every one until disarmed).
    fault_refusals: Cell<u64>,
    /// Requests refused by injection since the fault was last set.
    fault_fired: Cell<u64>,
    /// Where the blocks live (small ones pooled per state, see `pool`).
    pub(crate) pool: Pool,
}

impl Allocator {
    pub fn new(limit: usize) -> Self {
        let a = Allocator {
            used: Cell::new(0),
            limit: Cell::new(limit),
            peak: Cell::new(0),
            limits: Cell::new(ptr::null()),
            fault_countdown: Cell::new(0),
            fault_refusals: Cell::new(0),
            fault_fired: Cell::new(0),
            pool: Pool::default(),
        };
        // A fault armed for the next state made on this thread (testing only).
        a.set_fault(crate::raw::fault::take_next_state_fault());
        a
    }

    /// How many of the state's live blocks `malloc` holds (tests).
    #[cfg(test)]
    pub(crate) fn malloc_blocks(&self) -> usize {
        self.pool.malloc_blocks()
    }

    /// Whether some small block may be `malloc`'s (tests).
    #[cfg(test)]
    pub(crate) fn pool_is_mixed(&self) -> bool {
        self.pool.is_mixed()
    }

    /// Bytes currently held by the state.
    pub fn used(&self) -> usize {
        self.used.get()
    }

    /// The most bytes ever held at once.
    pub fn peak(&self) -> usize {
        self.peak.get()
    }

    /// The ceiling in bytes; 0 means none.
    pub fn limit(&self) -> usize {
        self.limit.get()
    }

    pub fn set_limit(&self, limit: usize) {
        self.limit.set(limit)
    }

    /// Points the allocator at the state's limits (they live in the same
    /// runtime, so the pointer stays valid as long as the allocator is used).
    pub fn watch(&self, limits: *const crate::raw::limits::LimitState) {
        self.limits.set(limits)
    }

    /// Whether an allocation can be refused, so that every allocating API
    /// call must run protected: under a memory limit, while an injected
    /// fault is armed (testing only, see `fault`), and under any limit that
    /// can trip (a tripped budget refuses all growth, and a passed deadline
    /// is noticed on growth). Without any, only the system can refuse, and
    /// then the process is lost anyway (as with any Rust allocation).
    #[inline]
    pub fn may_refuse(&self) -> bool {
        // SAFETY: see `reallocate`: the limits outlive every use of the allocator.
        self.limit.get() != 0 || self.fault_countdown.get() != 0 || unsafe { self.limits.get().as_ref() }.is_some_and(|l| l.may_refuse_growth())
    }

    /// Arms (or, with `None`, disarms) an injected fault and restarts the
    /// count of injected refusals.
    pub fn set_fault(&self, fault: Option<crate::raw::fault::AllocationFault>) {
        self.fault_fired.set(0);
        match fault {
            Some(f) if f.nth > 0 && f.refusals > 0 => {
                self.fault_countdown.set(f.nth);
                self.fault_refusals.set(f.refusals);
            }
            _ => {
                self.fault_countdown.set(0);
                self.fault_refusals.set(0);
            }
        }
    }

    /// Growth requests refused by injection since the fault was last set.
    #[cfg_attr(not(feature = "host-binding"), allow(dead_code))]
    pub fn faults_fired(&self) -> u64 {
        self.fault_fired.get()
    }

    /// Whether an injected fault is still pending or refusing.
    #[cfg_attr(not(feature = "host-binding"), allow(dead_code))]
    pub fn fault_armed(&self) -> bool {
        self.fault_countdown.get() != 0
    }

    /// One growth request under an armed fault: whether to refuse it.
    #[cold]
    #[inline(never)]
    fn injected_refusal(&self) -> bool {
        let countdown = self.fault_countdown.get();
        if countdown > 1 {
            self.fault_countdown.set(countdown - 1);
            return false;
        }
        // The countdown has arrived: this request is refused, and the fault
        // stays at 1 until its refusals are used up.
        self.fault_fired.set(self.fault_fired.get() + 1);
        crate::raw::fault::count_injected();
        let left = self.fault_refusals.get();
        if left != u64::MAX {
            if left <= 1 {
                self.fault_countdown.set(0);
                self.fault_refusals.set(0);
            } else {
                self.fault_refusals.set(left - 1);
            }
        }
        true
    }

    /// Lets the state's memory go once `lua_close` has returned (the
    /// allocator itself stays as long as the runtime).
    ///
    /// # Safety
    /// The state was closed: no block from this allocator is live.
    pub unsafe fn state_closed(&self) {
        // SAFETY: forwarded contract.
        unsafe { self.pool.clear() }
        self.used.set(0);
    }

    /// Called by `lua_close` once its last finalizer has run (issue 18):
    /// from then on Lua only frees, and the pool's blocks go with their
    /// chunks in `state_closed`, so `l` gets an allocator that lets them
    /// be (`lua_alloc_closing`), and lua-sys skips the short strings. Not
    /// when some small block is `malloc`'s (a `mixed` pool, or every block
    /// under AddressSanitizer, which is to see each one freed).
    ///
    /// # Safety
    /// `l` is the main thread of the closing state this allocator serves,
    /// past its last finalizer.
    pub(crate) unsafe fn free_whole_from_now(&self, l: *mut lua_State) {
        if lua_sys::ADDRESS_SANITIZER || self.pool.is_mixed() {
            return;
        }
        // SAFETY: `self` is the state's allocator (its `ud`), which outlives
        // the state; only the function changes.
        unsafe { lua_setallocf(l, Some(lua_alloc_closing), self as *const Allocator as *mut c_void) };
    }

    /// The `lua_Alloc` contract: `nsize == 0` frees; a NULL `ptr` means a new
    /// block (then `osize` is a type tag, not a size); otherwise resize.
    ///
    /// Frees, and new small blocks when nothing can refuse them (no injected
    /// fault, no memory limit, no limit that can trip), take the short way
    /// here (issue 18: most of the ~600 requests of a new state with every
    /// library); everything else is `reallocate_checked`. Both charge the
    /// same bytes in the same order.
    ///
    /// # Safety
    /// `ptr` must be NULL or a block of `osize` bytes from this allocator.
    #[inline]
    pub unsafe fn reallocate(&self, ptr: *mut c_void, osize: usize, nsize: usize) -> *mut c_void {
        if nsize == 0 {
            if !ptr.is_null() {
                // SAFETY: ptr is a live block of `osize` bytes from the pool
                // below (caller's contract).
                unsafe { self.pool.dealloc(ptr, osize) };
                self.used.set(self.used.get() - osize);
            }
            return ptr::null_mut();
        }
        if ptr.is_null()
            && nsize <= crate::raw::pool::MAX_SMALL
            && !lua_sys::ADDRESS_SANITIZER
            && self.fault_countdown.get() == 0
            && self.limit.get() == 0
            // SAFETY: see `reallocate_checked`.
            && !unsafe { self.limits.get().as_ref() }.is_some_and(|l| l.may_refuse_growth_now())
        {
            // What `reallocate_checked` does for it: nothing refuses, the
            // pool serves it.
            // SAFETY: not re-entrant (Lua never calls its allocator from within it).
            let block = unsafe { self.pool.alloc(nsize) };
            if block.is_null() {
                return ptr::null_mut();
            }
            let next = self.used.get() + nsize;
            self.used.set(next);
            if next > self.peak.get() {
                self.peak.set(next);
            }
            return block;
        }
        // SAFETY: forwarded contract.
        unsafe { self.reallocate_checked(ptr, osize, nsize) }
    }

    /// `reallocate` for a growth that may be refused, or any resize.
    ///
    /// # Safety
    /// As `reallocate`, with `nsize > 0`.
    #[inline(never)]
    unsafe fn reallocate_checked(&self, ptr: *mut c_void, osize: usize, nsize: usize) -> *mut c_void {
        let old = if ptr.is_null() { 0 } else { osize };
        if self.fault_countdown.get() != 0 && nsize > old && self.injected_refusal() {
            return ptr::null_mut();
        }
        let limit = self.limit.get();
        let next = self.used.get() - old + nsize;
        if limit != 0 && nsize > old && next > limit {
            return ptr::null_mut();
        }
        if nsize > old {
            // SAFETY: set by the runtime to its own limits, which outlive
            // every allocation the state makes (the runtime closes the state
            // before it is dropped).
            if let Some(limits) = unsafe { self.limits.get().as_ref() } {
                if limits.refuses_growth(nsize - old) {
                    return ptr::null_mut();
                }
            }
        }
        // SAFETY: ptr is NULL or a live block of `old` bytes from this allocator.
        let block = unsafe { self.pool.resize(ptr, old, nsize) };
        if block.is_null() {
            return ptr::null_mut();
        }
        self.used.set(next);
        if next > self.peak.get() {
            self.peak.set(next);
        }
        block
    }
}

/// The function handed to `lua_newstate`; `ud` is the runtime's `Allocator`.
pub(crate) unsafe extern "C" fn lua_alloc(ud: *mut c_void, ptr: *mut c_void, osize: usize, nsize: usize) -> *mut c_void {
    // SAFETY: ud is the Box<Allocator> the runtime created the state with; it
    // outlives the state (dropped after lua_close). Lua upholds the ptr/osize contract.
    unsafe { (*(ud as *const Allocator)).reallocate(ptr, osize, nsize) }
}

/// `lua_alloc` for the end of `lua_close` (see `free_whole_from_now`): a
/// small block is the pool's and stays in its chunk until `state_closed`
/// lets the chunks go; anything else is `lua_alloc`'s.
unsafe extern "C" fn lua_alloc_closing(ud: *mut c_void, ptr: *mut c_void, osize: usize, nsize: usize) -> *mut c_void {
    if nsize == 0 && osize <= crate::raw::pool::MAX_SMALL {
        return ptr::null_mut();
    }
    // SAFETY: forwarded (the same allocator and contract).
    unsafe { lua_alloc(ud, ptr, osize, nsize) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_alloc_realloc_and_free() {
        let a = Allocator::new(0);
        // SAFETY: every block passed back is one this allocator returned, with its size.
        unsafe {
            let p = a.reallocate(ptr::null_mut(), 5 /* a type tag */, 100);
            assert!(!p.is_null());
            assert_eq!(a.used(), 100);
            let q = a.reallocate(p, 100, 250);
            assert_eq!(a.used(), 250);
            let q = a.reallocate(q, 250, 40);
            assert_eq!(a.used(), 40);
            assert_eq!(a.peak(), 250);
            assert!(a.reallocate(q, 40, 0).is_null());
            assert_eq!(a.used(), 0);
        }
    }

    #[test]
    fn injected_faults_refuse_growth_only_from_the_nth_request() {
        use crate::raw::fault::AllocationFault;
        let a = Allocator::new(0);
        assert!(!a.may_refuse());
        // SAFETY: every block passed back is one this allocator returned, with its size.
        unsafe {
            a.set_fault(Some(AllocationFault::times(2, 2)));
            assert!(a.may_refuse(), "armed: pushes must run protected");
            let p = a.reallocate(ptr::null_mut(), 0, 10);
            assert!(!p.is_null(), "the 1st request passes");
            // Shrinks and frees never count and never fail.
            let p = a.reallocate(p, 10, 5);
            assert!(!p.is_null());
            assert!(a.reallocate(p, 5, 50).is_null(), "the 2nd is refused");
            assert!(a.reallocate(ptr::null_mut(), 0, 8).is_null(), "and the 3rd");
            let q = a.reallocate(ptr::null_mut(), 0, 8);
            assert!(!q.is_null(), "then it is over");
            assert_eq!(a.faults_fired(), 2);
            assert!(!a.fault_armed() && !a.may_refuse());
            a.set_fault(Some(AllocationFault::persistent(1)));
            for _ in 0..3 {
                assert!(a.reallocate(ptr::null_mut(), 0, 1).is_null());
            }
            assert!(a.fault_armed());
            a.set_fault(None);
            assert!(!a.may_refuse());
            assert_eq!(a.used(), 13);
            a.reallocate(p, 5, 0);
            a.reallocate(q, 8, 0);
            assert_eq!(a.used(), 0);
        }
    }

    #[test]
    fn refuses_growth_past_the_limit_but_allows_shrinking() {
        let a = Allocator::new(1000);
        // SAFETY: as above.
        unsafe {
            let p = a.reallocate(ptr::null_mut(), 0, 800);
            assert!(a.reallocate(ptr::null_mut(), 0, 300).is_null(), "800 + 300 > 1000");
            assert_eq!(a.used(), 800);
            let p2 = a.reallocate(p, 800, 900);
            assert!(!p2.is_null());
            assert!(a.reallocate(p2, 900, 1001).is_null());
            assert_eq!(a.used(), 900);
            // Shrinking never fails, even above a lowered limit.
            a.set_limit(100);
            let p3 = a.reallocate(p2, 900, 500);
            assert!(!p3.is_null());
            assert_eq!(a.used(), 500);
            a.reallocate(p3, 500, 0);
            assert_eq!(a.used(), 0);
        }
    }

    /// What a script leaves for `close()` to free: large tables, long
    /// strings, short ones, a suspended coroutine, closures, and finalizers
    /// that run at close and make more of each.
    const LEFT_FOR_CLOSE: &str = r#"
        keep = {}
        for i = 1, 40 do keep[i] = {i, tostring(i), string.rep('x', 600 + i)} end
        big = {} for i = 1, 300 do big[i] = i; big['k' .. i] = i end
        co = coroutine.create(function(a) local t = {a} coroutine.yield(t) return a end)
        coroutine.resume(co, 1)
        f = (function() local u = {} return function() return u end end)()
        for i = 1, 3 do
          setmetatable({}, {__gc = function()
            local made = {}
            for k = 1, 60 do made[k] = {('late-' .. k):rep(k % 30 + 1)} end
            late = made
          end})
        end
    "#;

    /// `lua_close` with the closing allocator (issue 18) frees every block
    /// `malloc` holds, one by one: none is taken for a pool block, and the
    /// pool's are the only ones let go whole. With the pool serving every
    /// small block, and with a pool made mixed (past its chunks, small
    /// blocks come from `malloc`, and close must free them all). Widening
    /// either shortcut (a larger size let go, or a mixed pool let go) fails.
    #[test]
    fn close_frees_every_malloc_block() {
        for mixed in [false, true] {
            let lua = crate::Lua::with_libraries(crate::StdLib::ALL).unwrap();
            lua.exec::<()>(LEFT_FOR_CLOSE).unwrap();
            if mixed {
                // Far more small blocks than the pool's chunks hold.
                lua.exec::<()>("hold = {} for i = 1, 20000 do hold[i] = {i} end").unwrap();
            }
            let alloc = lua.rt.alloc();
            if !lua_sys::ADDRESS_SANITIZER {
                assert_eq!(alloc.pool_is_mixed(), mixed, "the case is what it says");
            }
            assert!(alloc.malloc_blocks() > 0, "large blocks live before close");
            lua.close().unwrap();
            assert_eq!(alloc.malloc_blocks(), 0, "mixed: {mixed}");
            assert_eq!(alloc.used(), 0);
            assert!(lua.exec::<()>("return 1").is_err());
        }
    }
}
