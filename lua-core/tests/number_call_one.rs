//! `Lua::call_numbers_or_number` (issue 18): a call with number arguments
//! whose single number result lua-sys reads and pops in the same call into
//! C. Every other outcome goes to `read` as `call_numbers` gives it; the
//! stack, limits, cancels and nested calls are those of any other call.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use lua_core::{Error, Function, Lua, Number, StdLib};

/// What `call_numbers_or_number` gave: the number, or `read`'s view.
#[derive(Debug, PartialEq)]
enum Got {
    One(Number),
    Read(Vec<String>),
}

fn call(lua: &Lua, f: &Function, args: &[f64]) -> Result<Got, Error> {
    lua.call_numbers_or_number(f, args, Got::One, |r| Got::Read(r.iter().map(|v| format!("{:?}", v.kind())).collect()))
}

#[test]
fn one_number_by_value_and_everything_else_through_read() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let f: Function = lua
        .exec(
            "return function(k)
               if k == 0 then return end
               if k == 1 then return 42 end
               if k == 2 then return 0.5 end
               if k == 3 then return math.mininteger end
               if k == 4 then return '5' end
               if k == 5 then return nil end
               if k == 6 then return 1, 2 end
               if k == 7 then return 1, nil end
               if k == 8 then return -0.0 end
             end",
        )
        .unwrap();
    assert_eq!(call(&lua, &f, &[1.0]).unwrap(), Got::One(Number::Integer(42)));
    assert_eq!(call(&lua, &f, &[2.0]).unwrap(), Got::One(Number::Float(0.5)));
    assert_eq!(call(&lua, &f, &[3.0]).unwrap(), Got::One(Number::Integer(i64::MIN)));
    match call(&lua, &f, &[8.0]).unwrap() {
        Got::One(Number::Float(z)) => assert!(z == 0.0 && z.is_sign_negative(), "-0.0 keeps its sign"),
        other => panic!("{other:?}"),
    }
    for (k, len) in [(0.0, 0), (4.0, 1), (5.0, 1), (6.0, 2), (7.0, 2)] {
        match call(&lua, &f, &[k]).unwrap() {
            Got::Read(kinds) => assert_eq!(kinds.len(), len, "outcome {k}: {kinds:?}"),
            other => panic!("outcome {k} took the shortcut: {other:?}"),
        }
    }
    // `call_numbers` never takes it: one number reaches `read` there.
    assert_eq!(lua.call_numbers(&f, &[1.0], |r| (r.len(), r.get(0).as_integer())).unwrap(), (1, Some(42)));
}

#[test]
fn an_error_whose_value_is_a_number_is_an_error() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let f: Function = lua.exec("return function(a, b) error(a + b, 0) end").unwrap();
    let e = call(&lua, &f, &[40.0, 2.0]).unwrap_err();
    assert_eq!(e.code(), "LUA_RUNTIME");
    assert!(e.message().contains("42"), "{}", e.message());
    let add: Function = lua.exec("return function(a, b) return a + b end").unwrap();
    assert_eq!(call(&lua, &add, &[1.0, 2.0]).unwrap(), Got::One(Number::Integer(3)));
}

#[test]
fn the_stack_stays_balanced_over_more_calls_than_it_has_slots() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let f: Function = lua.exec("return function(a, b) if b == 0 then return a end if b == 1 then return 's' end error('e') end").unwrap();
    // Lua's stack has at most 1,000,000 slots: one left per call would overflow it.
    for i in 0..1_050_000 {
        assert_eq!(call(&lua, &f, &[i as f64, 0.0]).unwrap(), Got::One(Number::Integer(i)));
    }
    for i in 0..2000 {
        assert!(matches!(call(&lua, &f, &[i as f64, 1.0]).unwrap(), Got::Read(_)));
        assert!(call(&lua, &f, &[i as f64, 2.0]).is_err());
    }
    assert_eq!(lua.exec::<i64>("return 7").unwrap(), 7);
}

#[test]
fn limits_set_after_the_handle_was_made_apply_and_go() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let spin: Function = lua.exec("return function(a) while a > 0 do end return a end").unwrap();
    let caught: Function = lua.exec("return function(a) pcall(function() while true do end end) return a end").unwrap();
    assert_eq!(call(&lua, &spin, &[0.0]).unwrap(), Got::One(Number::Integer(0)));
    lua.set_instruction_limit(10_000);
    assert_eq!(call(&lua, &spin, &[1.0]).unwrap_err().code(), "LUA_INSTRUCTION_LIMIT");
    assert_eq!(call(&lua, &caught, &[1.0]).unwrap_err().code(), "LUA_INSTRUCTION_LIMIT", "a caught trip still fails the call");
    assert_eq!(call(&lua, &spin, &[0.0]).unwrap(), Got::One(Number::Integer(0)), "the next call gets a fresh budget");
    lua.set_instruction_limit(0);
    lua.set_timeout(Some(Duration::from_millis(30)));
    assert_eq!(call(&lua, &spin, &[1.0]).unwrap_err().code(), "LUA_TIMEOUT");
    lua.set_timeout(None);
    for i in 0..1000 {
        assert_eq!(call(&lua, &spin, &[0.0 * i as f64]).unwrap(), Got::One(Number::Integer(0)), "no deadline left behind");
    }
}

#[test]
fn a_timeout_set_from_inside_the_call_is_watched_and_then_let_go() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let set = lua
        .create_function(|lua, ms: i64| {
            lua.set_timeout(if ms > 0 { Some(Duration::from_millis(ms as u64)) } else { None });
            Ok(())
        })
        .unwrap();
    lua.set_global("set_timeout", set).unwrap();
    let f: Function = lua.exec("return function(ms, spin) set_timeout(ms) while spin > 0 do end return ms end").unwrap();
    // A long deadline set mid-call: the call returns its number, the watch goes with the run.
    assert_eq!(call(&lua, &f, &[10_000.0, 0.0]).unwrap(), Got::One(Number::Integer(10_000)));
    // A short one set mid-call stops the loop that follows.
    assert_eq!(call(&lua, &f, &[20.0, 1.0]).unwrap_err().code(), "LUA_TIMEOUT");
    assert_eq!(call(&lua, &f, &[0.0, 0.0]).unwrap(), Got::One(Number::Integer(0)));
    assert_eq!(lua.timeout(), None);
    for _ in 0..1000 {
        assert_eq!(call(&lua, &f, &[0.0, 0.0]).unwrap(), Got::One(Number::Integer(0)));
    }
}

#[test]
fn a_cancel_between_calls_reaches_none_and_one_during_a_call_stops_only_it() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let add: Function = lua.exec("return function(a, b) return a + b end").unwrap();
    let spin: Function = lua.exec("return function(a, b) while true do a = a + b end end").unwrap();
    let handle = lua.canceller();
    assert!(!handle.cancel(), "nothing to cancel between calls");
    // With a handle alive, every run is published to it.
    for i in 0..1000 {
        assert_eq!(call(&lua, &add, &[i as f64, 1.0]).unwrap(), Got::One(Number::Integer(i + 1)));
    }
    let done = Arc::new(AtomicBool::new(false));
    let finished = done.clone();
    let canceller = handle.clone();
    let stopper = thread::spawn(move || {
        while !canceller.cancel() && !finished.load(Ordering::Acquire) {
            thread::yield_now();
        }
    });
    let e = call(&lua, &spin, &[1.0, 0.5]).unwrap_err();
    done.store(true, Ordering::Release);
    stopper.join().unwrap();
    assert_eq!(e.code(), "LUA_CANCELLED");
    assert_eq!(call(&lua, &add, &[2.0, 3.0]).unwrap(), Got::One(Number::Integer(5)), "the cancel was for that run alone");
    drop(handle);
    assert_eq!(call(&lua, &add, &[2.0, 0.5]).unwrap(), Got::One(Number::Float(2.5)));
}

#[test]
fn nested_calls_from_a_host_function_take_the_shortcut_inside_the_run() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.exec::<()>("inner = function(a, b) return a + b end").unwrap();
    let twice = lua
        .create_function(|lua, x: f64| {
            let inner: Function = lua.globals()?.get("inner")?;
            let mut s = 0.0;
            for _ in 0..10 {
                match lua.call_numbers_or_number(&inner, &[x, x], Some, |_| None)? {
                    Some(Number::Integer(i)) => s += i as f64,
                    Some(Number::Float(f)) => s += f,
                    None => return Err(Error::runtime("not one number")),
                }
            }
            Ok(s)
        })
        .unwrap();
    lua.set_global("twice", twice).unwrap();
    let outer: Function = lua.exec("return function(n) return twice(n) / 10 end").unwrap();
    for i in 0..20_000 {
        assert_eq!(call(&lua, &outer, &[i as f64]).unwrap(), Got::One(Number::Float(2.0 * i as f64)));
    }
    assert_eq!(lua.exec::<i64>("return inner(1, 2)").unwrap(), 3);
}

#[test]
fn a_function_of_another_state_or_a_closed_state_is_refused() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let f: Function = lua.exec("return function(a) return a end").unwrap();
    let other = Lua::new();
    assert_eq!(call(&other, &f, &[1.0]).unwrap_err().message(), "the value belongs to another Lua state");
    lua.close().unwrap();
    assert_eq!(call(&lua, &f, &[1.0]).unwrap_err().code(), "LUA_DISPOSED");
}
