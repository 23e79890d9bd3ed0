//! A call across the boundary with fixed-arity typed values allocates
//! nothing on the Rust heap, in either direction (issue 17: crossings as
//! cheap as mlua's). Lua's own memory goes through the state's allocator,
//! not Rust's, so the count below sees only what lua-core itself allocates.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use lua_core::{Function, Lua, StdLib};

struct Counting;

thread_local! {
    // Per thread: the test harness runs other tests (and allocates) on
    // other threads meanwhile. A const-initialised Cell has no destructor,
    // so the allocator may touch it at any time.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every request to the system allocator unchanged; the
// counter is a thread-local plain integer.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's layout, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` or `realloc` above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn rust_calling_a_lua_function_with_typed_values_allocates_nothing() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let add: Function = lua.exec("return function(a, b) return a + b end").unwrap();
    let scale: Function = lua.exec("return function(x, k) return x * k, k end").unwrap();
    // Warm up: the first calls may size Lua's call records, once.
    for i in 0..100 {
        add.call::<i64>((i, 1)).unwrap();
        scale.call::<(f64, i64)>((1.5, i)).unwrap();
    }
    let n = allocations_during(|| {
        for i in 0..10_000i64 {
            assert_eq!(add.call::<i64>((i, 1)).unwrap(), i + 1);
            assert_eq!(scale.call::<(f64, i64)>((0.5, i)).unwrap(), (0.5 * i as f64, i));
        }
    });
    assert_eq!(n, 0, "Rust heap allocations over 20000 calls");
}

#[test]
fn lua_calling_a_typed_rust_function_allocates_nothing() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let add = lua.create_function(|_, (a, b): (i64, i64)| Ok(a + b)).unwrap();
    let mix = lua.create_function(|_, (x, flag, k): (f64, bool, Option<i64>)| Ok(if flag { x } else { -x } + k.unwrap_or(0) as f64)).unwrap();
    lua.set_global("add", add).unwrap();
    lua.set_global("mix", mix).unwrap();
    let run: Function = lua
        .exec(
            "return function(n)
               local s, f = 0, 0.0
               for i = 1, n do s = add(s, i) f = mix(f, i % 2 == 0) + mix(1.0, true, i) end
               return s
             end",
        )
        .unwrap();
    run.call::<i64>(100).unwrap();
    let n = allocations_during(|| assert_eq!(run.call::<i64>(10_000).unwrap(), 50_005_000));
    assert_eq!(n, 0, "Rust heap allocations over 30000 calls from Lua");
}

#[test]
fn a_host_function_reading_numbers_and_pushing_a_converted_one_allocates_nothing() {
    // The addon's callback path for numbers (issue 18): `args_as_numbers`
    // and `push_converted_number`, no conversion set up.
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    lua.set_global_with(b"sum", |stack| {
        stack.push_function(|call| {
            let mut into = [0.0; 8];
            let total = call.args_as_numbers(0, &mut into)?.map_or(0.0, |n| n.iter().sum());
            call.push_converted_number(total)?;
            Ok(1)
        })
    })
    .unwrap();
    let run: Function = lua.exec("return function(n) local s = 0 for i = 1, n do s = sum(s, 0.5, i) - 0.5 end return s end").unwrap();
    run.call::<i64>(100).unwrap();
    let n = allocations_during(|| assert_eq!(run.call::<i64>(10_000).unwrap(), 50_005_000));
    assert_eq!(n, 0, "Rust heap allocations over 10000 calls from Lua");
}
