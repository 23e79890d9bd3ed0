//! The counting allocator every state is created with.
//!
//! It is always installed, limit or not, so that `used()` is exact from the
//! first byte and a limit can be set at any time. Lua turns a refused request
//! (NULL) into an ordinary "not enough memory" error.

use std::cell::Cell;
use std::ffi::c_void;
use std::ptr;

extern "C" {
    fn realloc(p: *mut c_void, n: usize) -> *mut c_void;
    fn free(p: *mut c_void);
}

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
    limits: Cell<*const crate::limits::LimitState>,
}

impl Allocator {
    pub fn new(limit: usize) -> Self {
        Allocator { used: Cell::new(0), limit: Cell::new(limit), peak: Cell::new(0), limits: Cell::new(ptr::null()) }
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
    pub fn watch(&self, limits: *const crate::limits::LimitState) {
        self.limits.set(limits)
    }

    /// Whether an allocation can be refused, so that every allocating API
    /// call must run protected: under a memory limit, and under any limit
    /// that can trip (a tripped budget refuses all growth, and a passed
    /// deadline is noticed on growth). Without any, only the system can
    /// refuse, and then the process is lost anyway (as with any Rust
    /// allocation).
    #[inline]
    pub fn may_refuse(&self) -> bool {
        // SAFETY: see `reallocate`: the limits outlive every use of the allocator.
        self.limit.get() != 0 || unsafe { self.limits.get().as_ref() }.is_some_and(|l| l.may_refuse_growth())
    }

    /// The `lua_Alloc` contract: `nsize == 0` frees; a NULL `ptr` means a new
    /// block (then `osize` is a type tag, not a size); otherwise resize.
    ///
    /// # Safety
    /// `ptr` must be NULL or a block of `osize` bytes from this allocator.
    pub unsafe fn reallocate(&self, ptr: *mut c_void, osize: usize, nsize: usize) -> *mut c_void {
        let old = if ptr.is_null() { 0 } else { osize };
        if nsize == 0 {
            if !ptr.is_null() {
                // SAFETY: ptr came from realloc below (caller's contract).
                unsafe { free(ptr) };
                self.used.set(self.used.get() - old);
            }
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
        // SAFETY: ptr is NULL or a live block from this allocator.
        let block = unsafe { realloc(ptr, nsize) };
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
}
