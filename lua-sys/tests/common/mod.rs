//! What the raw-FFI tests share: the plainest allocator a state can have.

use std::ffi::c_void;
use std::ptr;

/// `lua_Alloc` over the C library's `realloc` and `free`.
pub unsafe extern "C" fn plain_alloc(_ud: *mut c_void, p: *mut c_void, _osize: usize, nsize: usize) -> *mut c_void {
    // SAFETY: `p` is null or a block this function returned (Lua's contract).
    unsafe {
        if nsize == 0 {
            libc_free(p);
            ptr::null_mut()
        } else {
            libc_realloc(p, nsize)
        }
    }
}

extern "C" {
    #[link_name = "free"]
    fn libc_free(p: *mut c_void);
    #[link_name = "realloc"]
    fn libc_realloc(p: *mut c_void, n: usize) -> *mut c_void;
}
