//! A per-state pool for Lua's small blocks (issue 18).
//!
//! Lua allocates hundreds of small blocks (strings, tables, closures,
//! upvalues, the parser's buffers) and always tells the allocator a block's
//! size again when it frees or resizes it. So the pool needs no header per
//! block: a block of `n <= MAX_SMALL` bytes lives in the size class
//! `ceil(n / GRAIN)`, carved from chunks the pool takes from `malloc`, and a
//! freed block goes on its class's free list, to be handed out again by the
//! next request of that class. Opening the standard libraries then costs a
//! handful of `malloc`s instead of ~260, closing the state frees a handful
//! instead of ~260, and each small block saves malloc's header and rounding.
//!
//! The pool only decides *where* a block lives. What a state is charged
//! (its `used` bytes, limit, work budget, injected faults) is decided before
//! it is asked, by `Allocator::reallocate`, exactly as for `malloc`.
//!
//! Memory held by the pool is bounded: at most `MAX_CHUNKS` chunks per state
//! (the freed blocks in them are reused by the same state, and go back to the
//! system when the state closes). Past that, small blocks come from `malloc`
//! like large ones; from then on (`mixed`) a small block's origin is looked
//! up among the chunks (addresses compared, never read) before it is freed.
//! Under AddressSanitizer (`lua_sys::ADDRESS_SANITIZER`) the pool steps
//! aside and every block is `malloc`'s, so that ASan keeps watching them.

use std::cell::{Cell, UnsafeCell};
use std::ffi::c_void;
use std::ptr;

extern "C" {
    fn malloc(n: usize) -> *mut c_void;
    fn realloc(p: *mut c_void, n: usize) -> *mut c_void;
    fn free(p: *mut c_void);
}

/// Size-class step; also the alignment of every pooled block (malloc's own,
/// so whatever Lua or a userdata stores keeps the alignment it had).
const GRAIN: usize = 16;
/// The largest block the pool serves.
pub(crate) const MAX_SMALL: usize = 512;
const CLASSES: usize = MAX_SMALL / GRAIN;
/// Bytes per chunk: a fresh state with every library fits in four.
const CHUNK: usize = 4096;
/// The most chunks one state keeps (128 KiB).
const MAX_CHUNKS: usize = 32;

/// Chunks kept on a thread for its next states (a state that closes gives
/// its chunks here): states made and closed one after another then reuse the
/// same memory instead of handing it back to `malloc`, which returns the top
/// of its heap to the system and takes page faults to get it back.
const SPARE_CHUNKS: usize = 32;

/// This thread's spare chunks (freed when the thread ends).
struct Spare(Vec<*mut u8>);

impl Drop for Spare {
    fn drop(&mut self) {
        for &c in &self.0 {
            // SAFETY: a chunk from malloc, owned by this list alone.
            unsafe { free(c as *mut c_void) };
        }
    }
}

thread_local! {
    static SPARE: std::cell::RefCell<Spare> = const { std::cell::RefCell::new(Spare(Vec::new())) };
}

/// A chunk of CHUNK bytes: a spare one, else from malloc (NULL if none).
fn take_chunk() -> *mut u8 {
    let spare = SPARE.try_with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.0.pop())).ok().flatten();
    // SAFETY: a plain allocation.
    spare.unwrap_or_else(|| unsafe { malloc(CHUNK) } as *mut u8)
}

/// Keeps `chunk` for this thread's next states, or frees it.
fn give_chunk(chunk: *mut u8) {
    let kept = SPARE
        .try_with(|s| match s.try_borrow_mut() {
            Ok(mut s) if s.0.len() < SPARE_CHUNKS => {
                let room = s.0.try_reserve(1).is_ok();
                if room {
                    s.0.push(chunk);
                }
                room
            }
            _ => false,
        })
        .unwrap_or(false);
    if !kept {
        // SAFETY: a chunk from malloc, no longer used by any pool.
        unsafe { free(chunk as *mut c_void) };
    }
}

/// The size class of a small block of `n` bytes (`1 <= n <= MAX_SMALL`).
#[inline]
fn class_of(n: usize) -> usize {
    n.div_ceil(GRAIN) - 1
}

/// A free block's first word: the next free block of its class.
struct FreeBlock {
    next: *mut FreeBlock,
}

pub(crate) struct Pool {
    /// Per class, the most recently freed block (a singly linked list
    /// threaded through the free blocks themselves).
    free: [Cell<*mut FreeBlock>; CLASSES],
    /// The unused rest of the newest chunk.
    bump: Cell<*mut u8>,
    end: Cell<*mut u8>,
    /// Every chunk's start, in address order (for `owns` and for `Drop`).
    chunks: UnsafeCell<Vec<*mut u8>>,
    /// Whether a block of a small size may come from `malloc` (the pool was
    /// full, or a chunk could not be had): then `owns` decides.
    mixed: Cell<bool>,
    /// Live blocks of this pool's state that `malloc` holds (large ones,
    /// and small ones when `mixed` or under ASan): what a close must free
    /// one by one, all of them (tests).
    malloced: Cell<usize>,
}

impl Default for Pool {
    fn default() -> Self {
        Pool {
            free: std::array::from_fn(|_| Cell::new(ptr::null_mut())),
            bump: Cell::new(ptr::null_mut()),
            end: Cell::new(ptr::null_mut()),
            chunks: UnsafeCell::new(Vec::new()),
            mixed: Cell::new(false),
            malloced: Cell::new(0),
        }
    }
}

impl Pool {
    /// How many chunks the pool holds (tests and `Debug`).
    pub(crate) fn chunk_count(&self) -> usize {
        // SAFETY: `chunks` is only touched by this pool's own methods, none
        // of which is running (the pool is not re-entrant and not shared).
        unsafe { (*self.chunks.get()).len() }
    }

    /// How many live blocks `malloc` holds (see `malloced`).
    #[cfg(test)]
    pub(crate) fn malloc_blocks(&self) -> usize {
        self.malloced.get()
    }

    /// `p`, a new block from `malloc` (or NULL), counted.
    #[inline]
    fn counted(&self, p: *mut c_void) -> *mut c_void {
        if !p.is_null() {
            self.malloced.set(self.malloced.get() + 1);
        }
        p
    }

    /// Frees `p`, a block from `malloc`, and counts it out.
    ///
    /// # Safety
    /// `p` is a live block from `malloc` of this pool's state.
    #[inline]
    unsafe fn free_counted(&self, p: *mut c_void) {
        self.malloced.set(self.malloced.get() - 1);
        // SAFETY: forwarded contract.
        unsafe { free(p) }
    }

    /// Whether some block of a small size may be `malloc`'s.
    pub(crate) fn is_mixed(&self) -> bool {
        self.mixed.get()
    }

    /// Whether a block of a small size at `p` is one of the pool's.
    #[inline]
    fn owns(&self, p: *mut c_void) -> bool {
        if !self.mixed.get() {
            return true;
        }
        let p = p as usize;
        // SAFETY: see `chunk_count`.
        let chunks = unsafe { &*self.chunks.get() };
        // The last chunk starting at or below `p`, if `p` is inside it.
        let i = chunks.partition_point(|&c| c as usize <= p);
        i > 0 && p < chunks[i - 1] as usize + CHUNK
    }

    /// A new block of `n` bytes (`1 <= n <= MAX_SMALL`), or NULL.
    ///
    /// # Safety
    /// Not re-entrant (Lua's allocator is never called from within itself).
    #[inline]
    pub(crate) unsafe fn alloc(&self, n: usize) -> *mut c_void {
        let c = class_of(n);
        let head = self.free[c].get();
        if !head.is_null() {
            // SAFETY: a free block of this class, written by `release`.
            self.free[c].set(unsafe { (*head).next });
            return head as *mut c_void;
        }
        let size = (c + 1) * GRAIN;
        let b = self.bump.get();
        if (self.end.get() as usize).wrapping_sub(b as usize) >= size {
            // SAFETY: `size` bytes remain in the current chunk.
            self.bump.set(unsafe { b.add(size) });
            return b as *mut c_void;
        }
        // SAFETY: forwarded contract.
        unsafe { self.alloc_slow(n, size) }
    }

    #[cold]
    #[inline(never)]
    unsafe fn alloc_slow(&self, n: usize, size: usize) -> *mut c_void {
        // SAFETY: see `chunk_count`.
        let chunks = unsafe { &mut *self.chunks.get() };
        if chunks.len() < MAX_CHUNKS && chunks.try_reserve(1).is_ok() {
            let chunk = take_chunk();
            if !chunk.is_null() {
                // The old chunk's rest becomes one free block of the largest
                // class it can hold.
                let rest = (self.end.get() as usize).wrapping_sub(self.bump.get() as usize);
                if !self.bump.get().is_null() && rest >= GRAIN {
                    // SAFETY: `rest` unused bytes at `bump`, GRAIN-aligned.
                    unsafe { self.release(self.bump.get() as *mut c_void, rest.min(MAX_SMALL)) };
                }
                let at = chunks.partition_point(|&c| (c as usize) < chunk as usize);
                chunks.insert(at, chunk);
                // SAFETY: `chunk` has CHUNK >= size bytes.
                unsafe {
                    self.bump.set(chunk.add(size));
                    self.end.set(chunk.add(CHUNK));
                }
                return chunk as *mut c_void;
            }
        }
        // Full, or no chunk to be had: this block comes from malloc.
        self.mixed.set(true);
        // SAFETY: a plain allocation.
        self.counted(unsafe { malloc(n) })
    }

    /// Gives back a block of `n` bytes (the size Lua says it has).
    ///
    /// # Safety
    /// `p` is a live block from this pool or (when `mixed`) from `malloc`,
    /// of `n <= MAX_SMALL` bytes as last requested.
    #[inline]
    pub(crate) unsafe fn release(&self, p: *mut c_void, n: usize) {
        if !self.owns(p) {
            // SAFETY: a small block the pool did not make came from malloc.
            return unsafe { self.free_counted(p) };
        }
        let c = class_of(n);
        let f = p as *mut FreeBlock;
        // SAFETY: the block is at least GRAIN bytes (class 0) and ours to reuse.
        unsafe { (*f).next = self.free[c].get() };
        self.free[c].set(f);
    }

    /// Resizes a block of `old` bytes (0 for a new one) to `new > 0` bytes;
    /// NULL if refused, with the old block unchanged.
    ///
    /// # Safety
    /// `p` is NULL or a live block of `old` bytes from this allocator.
    pub(crate) unsafe fn resize(&self, p: *mut c_void, old: usize, new: usize) -> *mut c_void {
        if lua_sys::ADDRESS_SANITIZER {
            // Under ASan every block is malloc's, with its redzones.
            // SAFETY: every block is malloc's then.
            let q = unsafe { realloc(p, new) };
            return if p.is_null() { self.counted(q) } else { q };
        }
        if p.is_null() {
            return if new <= MAX_SMALL {
                // SAFETY: not re-entrant.
                unsafe { self.alloc(new) }
            } else {
                // SAFETY: a plain allocation.
                self.counted(unsafe { malloc(new) })
            };
        }
        let old_small = old <= MAX_SMALL;
        if old_small && new <= MAX_SMALL && self.owns(p) {
            // Resized within its class: the block already fits.
            if class_of(new) == class_of(old) {
                return p;
            }
            if class_of(new) < class_of(old) {
                // Shrunk to a smaller class: moved there, so that the block
                // goes back to its own class (Lua's parser shrinks every
                // array it grew; left in place, those blocks would drift
                // into the small classes and the large ones would keep
                // taking new memory).
                // SAFETY: not re-entrant.
                let q = unsafe { self.alloc(new) };
                if q.is_null() {
                    // Shrinking must not fail: it stays (a freed block of
                    // a larger class in a smaller class's list is sound).
                    return p;
                }
                // SAFETY: distinct blocks of at least `new` bytes each;
                // `p` is a pooled block of `old` bytes.
                unsafe {
                    ptr::copy_nonoverlapping(p as *const u8, q as *mut u8, new);
                    self.release(p, old);
                }
                return q;
            }
        }
        if !old_small && new > MAX_SMALL {
            // SAFETY: a large block always comes from malloc.
            return unsafe { realloc(p, new) };
        }
        if old_small && !self.owns(p) && new <= MAX_SMALL {
            // A malloc'd small block stays with malloc.
            // SAFETY: as above.
            return unsafe { realloc(p, new) };
        }
        // Moving between the pool and malloc (or between classes).
        // SAFETY: as above.
        let q = unsafe { if new <= MAX_SMALL { self.alloc(new) } else { self.counted(malloc(new)) } };
        if q.is_null() {
            if new < old {
                // Shrinking must not fail (Lua's contract): keep the block
                // where it is; being a malloc block of small size now makes
                // the pool mixed.
                // SAFETY: as above.
                let r = unsafe { realloc(p, new) };
                if !r.is_null() {
                    self.mixed.set(true);
                }
                return r;
            }
            return ptr::null_mut();
        }
        // SAFETY: both blocks hold at least min(old, new) bytes and differ.
        unsafe { ptr::copy_nonoverlapping(p as *const u8, q as *mut u8, old.min(new)) };
        if old_small {
            // SAFETY: `p` is a small block of `old` bytes.
            unsafe { self.release(p, old) };
        } else {
            // SAFETY: a large block came from malloc.
            unsafe { self.free_counted(p) };
        }
        q
    }

    /// Frees a block of `old` bytes.
    ///
    /// # Safety
    /// `p` is a live block of `old` bytes from this allocator.
    #[inline]
    pub(crate) unsafe fn dealloc(&self, p: *mut c_void, old: usize) {
        if old <= MAX_SMALL && !lua_sys::ADDRESS_SANITIZER {
            // SAFETY: forwarded contract.
            unsafe { self.release(p, old) }
        } else {
            // SAFETY: a large block came from malloc.
            unsafe { self.free_counted(p) }
        }
    }
}

impl Pool {
    /// Gives every chunk up (to this thread's spares) once the state is
    /// closed: a closed state's `Lua` handle can outlive it for long (JS
    /// keeps a disposed context until it collects it), its memory should not.
    ///
    /// # Safety
    /// No block from this pool is live (`lua_close` has freed them all).
    pub(crate) unsafe fn clear(&self) {
        // SAFETY: see `chunk_count`.
        for c in unsafe { (*self.chunks.get()).drain(..) } {
            give_chunk(c);
        }
        for head in &self.free {
            head.set(ptr::null_mut());
        }
        self.bump.set(ptr::null_mut());
        self.end.set(ptr::null_mut());
        self.mixed.set(false);
    }
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("chunks", &self.chunk_count()).field("mixed", &self.mixed.get()).finish()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        for &c in self.chunks.get_mut().iter() {
            give_chunk(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_freed_blocks_by_class_and_moves_across_the_boundary() {
        if lua_sys::ADDRESS_SANITIZER {
            return; // the pool steps aside under ASan: nothing of it to check
        }
        let pool = Pool::default();
        // SAFETY: every block passed back came from this pool with its size.
        unsafe {
            let a = pool.resize(ptr::null_mut(), 0, 24);
            let b = pool.resize(ptr::null_mut(), 0, 30);
            assert_ne!(a, b);
            assert_eq!(a as usize % GRAIN, 0);
            pool.dealloc(a, 24);
            // Same class (17..=32): the freed block comes back.
            assert_eq!(pool.resize(ptr::null_mut(), 0, 17), a);
            // Growing within the class keeps the block; past it, moves.
            *(b as *mut u8) = 7;
            assert_eq!(pool.resize(b, 30, 32), b);
            let big = pool.resize(b, 32, 2000);
            assert_eq!(*(big as *mut u8), 7);
            // Back into the pool when shrunk to a small size.
            let small = pool.resize(big, 2000, 40);
            assert_eq!(*(small as *mut u8), 7);
            assert!(pool.owns(small));
            pool.dealloc(small, 40);
            pool.dealloc(a, 17);
            assert_eq!(pool.chunk_count(), 1);
        }
    }

    #[test]
    fn past_its_chunks_small_blocks_come_from_malloc_and_are_told_apart() {
        if lua_sys::ADDRESS_SANITIZER {
            return; // the pool steps aside under ASan: nothing of it to check
        }
        let pool = Pool::default();
        let mut blocks = Vec::new();
        // SAFETY: as above.
        unsafe {
            for _ in 0..(MAX_CHUNKS * CHUNK / MAX_SMALL + 50) {
                let p = pool.resize(ptr::null_mut(), 0, MAX_SMALL);
                assert!(!p.is_null());
                blocks.push(p);
            }
            assert_eq!(pool.chunk_count(), MAX_CHUNKS);
            assert!(pool.mixed.get());
            let outside = blocks.iter().filter(|&&p| !pool.owns(p)).count();
            assert_eq!(outside, 50);
            for p in blocks {
                pool.dealloc(p, MAX_SMALL);
            }
        }
    }
}
#[cfg(test)]
mod in_a_state {
    /// Compiling a chunk grows arrays and shrinks them to size; a state
    /// compiling and running chunks in a loop must settle on a few chunks
    /// (each shrunk block goes back to its own class), far from the cap.
    #[test]
    fn a_state_compiling_in_a_loop_settles_on_a_few_chunks() {
        if lua_sys::ADDRESS_SANITIZER {
            return; // the pool steps aside under ASan: nothing of it to check
        }
        let lua = crate::Lua::builder().preset(crate::Preset::All).build().unwrap();
        let pool = &lua.allocator().pool;
        for _ in 0..10_000 {
            let _: i64 = lua.exec("local t = { 1, 2, 'three' } return #t").unwrap();
        }
        let settled = pool.chunk_count();
        for _ in 0..10_000 {
            let _: i64 = lua.exec("local t = { 1, 2, 'three' } return #t").unwrap();
        }
        assert!(!pool.mixed.get());
        assert_eq!(pool.chunk_count(), settled);
        assert!(settled <= 16, "{settled} chunks");
    }
}
