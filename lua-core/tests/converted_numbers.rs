//! `Stack::push_converted_number` (issue 18): a number converted from a host
//! value goes in as `push_number_normalized` puts it, under the same depth
//! limit and work budget as `Stack::enter` applies to every converted value.

use lua_core::{Error, Lua, StdLib, MAX_DEPTH};

#[test]
fn numbers_go_in_as_push_number_normalized_puts_them() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let cases = [0.0, -0.0, 1.0, -1.0, 0.5, 2f64.powi(53), 2f64.powi(63), -(2f64.powi(63)), f64::NAN, f64::INFINITY, -1e300, 123456789.0];
    for n in cases {
        lua.set_global_with(b"a", |s| s.push_converted_number(0, n)).unwrap();
        lua.set_global_with(b"b", |s| s.push_number_normalized(n)).unwrap();
        let same: bool = lua.exec("return math.type(a) == math.type(b) and tostring(a) == tostring(b)").unwrap();
        assert!(same, "{n}");
    }
    let kinds: String = lua.exec("return math.type(a)").unwrap();
    assert_eq!(kinds, "integer");
}

#[test]
fn the_depth_limit_holds_as_for_any_converted_value() {
    let lua = Lua::new();
    lua.set_global_with(b"deep", |s| s.push_converted_number(MAX_DEPTH, 7.0)).unwrap();
    assert_eq!(lua.get_global::<i64>("deep").unwrap(), 7);
    let e = lua.set_global_with(b"too_deep", |s| s.push_converted_number(MAX_DEPTH + 1, 7.0)).unwrap_err();
    assert_eq!(e.message(), lua_core::DEPTH_MESSAGE);
    assert!(lua.get_global::<Option<i64>>("too_deep").unwrap().is_none(), "nothing was written");
}

#[test]
fn work_done_for_running_code_is_charged() {
    // A host function that converts numbers into the state while it runs
    // (a nested entry) pays one unit per number: a million of them stop at
    // the limit, as a million converted values of any kind would.
    let lua = Lua::builder().libraries(StdLib::ALL).instruction_limit(50_000).build().unwrap();
    let f = lua
        .create_function(|lua, _args: lua_core::MultiValue| -> Result<i64, Error> {
            let mut done = 0;
            for i in 0..1_000_000 {
                lua.set_global_with(b"x", |s| s.push_converted_number(0, i as f64))?;
                done += 1;
            }
            Ok(done)
        })
        .unwrap();
    lua.set_global("fill", f).unwrap();
    let e = lua.exec::<()>("fill()").unwrap_err();
    assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT", "{}", e.message());
    let x: i64 = lua.get_global("x").unwrap();
    assert!(x < 100_000, "stopped after {x} numbers");
    // Without a limit the same work completes.
    let free = Lua::with_libraries(StdLib::ALL).unwrap();
    let g = free
        .create_function(|lua, _args: lua_core::MultiValue| -> Result<i64, Error> {
            for i in 0..100_000 {
                lua.set_global_with(b"x", |s| s.push_converted_number(0, i as f64))?;
            }
            Ok(1)
        })
        .unwrap();
    free.set_global("fill", g).unwrap();
    assert_eq!(free.exec::<i64>("return fill()").unwrap(), 1);
    assert_eq!(free.get_global::<i64>("x").unwrap(), 99_999);
}

/// What Lua saw of each argument: its type and its text.
const SEEN: &str = "return function(...) local t = {} for i = 1, select('#', ...) do local v = select(i, ...) t[i] = math.type(v) .. ':' .. tostring(v) end return table.concat(t, ' ') end";

/// The first result's bytes of `f(args...)`, called by `call_numbers`
/// (`fast`) or by `call_with` pushing each with `push_number_normalized`.
fn first_text(lua: &Lua, f: &lua_core::Function, args: &[f64], fast: bool) -> Option<Vec<u8>> {
    let read = |r: lua_core::Results<'_>| r.get(0).as_bytes().map(<[u8]>::to_vec);
    if fast {
        return lua.call_numbers(f, args, read).unwrap();
    }
    let push = |s: &mut lua_core::Stack<'_>| {
        for &x in args {
            s.push_number_normalized(x)?;
        }
        Ok(args.len())
    };
    lua.call_with(f, push, read).unwrap()
}

#[test]
fn call_numbers_passes_what_call_with_passes() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let seen: lua_core::Function = lua.exec(SEEN).unwrap();
    let awkward = [0.0, -0.0, 1.0, -1.5, f64::NAN, f64::INFINITY, 2f64.powi(53), 2f64.powi(63), -(2f64.powi(63)), 5e-324, 1e300, -7.0];
    // 0 to 12 arguments: the one-step path up to 8, the general one after.
    for n in 0..=awkward.len() {
        let args = &awkward[..n];
        assert_eq!(first_text(&lua, &seen, args, true), first_text(&lua, &seen, args, false), "{n} arguments");
    }
    // The C side's copy of the integer test against lua-core's, on every
    // exponent and on random bit patterns, 250 numbers per call.
    let exact: lua_core::Function = lua.exec("return function(...) local t = {} for i = 1, select('#', ...) do local v = select(i, ...) t[i] = math.type(v) .. string.format('%a', v) end return table.concat(t, ' ') end").unwrap();
    let mut many = Vec::new();
    for e in -1100..1100 {
        for m in [1.0, 1.5, 1.0000000000000002, 1.9999999999999998] {
            let x = m * 2f64.powi(e);
            many.extend([x, -x, x.next_up(), x.next_down()]);
        }
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        many.extend([f64::from_bits(seed), (seed >> 11) as f64, -((seed >> 1) as f64)]);
    }
    for chunk in many.chunks(250) {
        assert_eq!(first_text(&lua, &exact, chunk, true), first_text(&lua, &exact, chunk, false));
    }
    let text = lua.call_numbers(&seen, &[-0.0, 3.0, 0.5], |r| r.get(0).as_bytes().map(<[u8]>::to_vec)).unwrap().unwrap();
    assert_eq!(text, b"float:-0.0 integer:3 float:0.5");
}

#[test]
fn call_numbers_errors_and_limits_are_a_call_s() {
    let lua = Lua::builder().libraries(StdLib::ALL).instruction_limit(10_000).build().unwrap();
    let f: lua_core::Function = lua.exec("return function(a, b) if b == 0 then error('zero') end while a > 0 do end return a end").unwrap();
    let e = lua.call_numbers(&f, &[1.0, 0.0], |_| ()).unwrap_err();
    assert_eq!(e.code(), "LUA_RUNTIME");
    assert!(e.message().ends_with("zero"), "{}", e.message());
    assert!(e.traceback().is_some_and(|t| t.starts_with("stack traceback:")));
    let e = lua.call_numbers(&f, &[1.0, 1.0], |_| ()).unwrap_err();
    assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT");
    assert_eq!(lua.call_numbers(&f, &[0.0, 1.0], |r| r.get(0).as_integer()).unwrap(), Some(0));
    // A handle of another state is refused, not called.
    let other = Lua::new();
    let e = other.call_numbers(&f, &[1.0], |_| ()).unwrap_err();
    assert_eq!(e.message(), "the value belongs to another Lua state");
}

#[test]
fn call_numbers_nested_in_a_run_charges_each_argument() {
    // The called function does next to nothing: with 8 arguments, one unit
    // each, the budget runs out in far fewer calls than with none.
    fn calls_until_stopped(args: &'static [f64]) -> u64 {
        let lua = Lua::builder().libraries(StdLib::ALL).instruction_limit(50_000).build().unwrap();
        lua.exec::<()>("nothing = function() end").unwrap();
        let calls = std::rc::Rc::new(std::cell::Cell::new(0u64));
        let counted = calls.clone();
        let f = lua
            .create_function(move |lua, _args: lua_core::MultiValue| -> Result<(), Error> {
                // Found through the state, not captured: a handle held by a
                // function the state holds is a cycle (see create_function).
                let nothing: lua_core::Function = lua.globals()?.get("nothing")?;
                for _ in 0..1_000_000 {
                    lua.call_numbers(&nothing, args, |_| ())?;
                    counted.set(counted.get() + 1);
                }
                Ok(())
            })
            .unwrap();
        lua.set_global("many", f).unwrap();
        let e = lua.exec::<()>("many()").unwrap_err();
        assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT", "{}", e.message());
        calls.get()
    }
    let (none, eight) = (calls_until_stopped(&[]), calls_until_stopped(&[1.0; 8]));
    assert!(none < 1_000_000, "stopped after {none} calls");
    assert!(eight * 3 < none, "8 arguments: {eight} calls; none: {none}");
}
