//! Driven coroutines that await the host (EVOLUTION B5, B13) and
//! `Thread::close` (B14), from Rust.

use lua_core::{Error, Function, Lua, Occupied, Settle, StdLib, Step, ThreadStatus, AWAIT_NOT_YOURS, AWAIT_REFUSED};

fn lua() -> Lua {
    let lua = Lua::with_libraries(StdLib::BASE | StdLib::COROUTINE | StdLib::STRING).unwrap();
    lua.set_global_with(b"wait", |stack| stack.push_function(|call| call.await_host(Box::new(call.arg(0).as_integer().unwrap_or(0))))).unwrap();
    lua
}

fn none(_: &mut lua_core::Stack<'_>) -> Result<Settle, Error> {
    Ok(Settle::Values(0))
}

fn ints(r: lua_core::Results<'_>) -> Result<Vec<i64>, Error> {
    Ok(r.iter().map(|v| v.as_integer().unwrap_or(-1)).collect())
}

fn payload(step: Step<Vec<i64>>) -> i64 {
    match step {
        Step::Awaiting(p) => *p.downcast::<i64>().unwrap(),
        _ => panic!("expected an await"),
    }
}

#[test]
fn awaits_resume_with_values_and_report_their_kind() {
    let lua = lua();
    let f: Function = lua.exec("return function() local a = wait(1) coroutine.yield(a) local b = wait(2) return a + b end").unwrap();
    let mut d = lua.driver(&f).unwrap();
    assert!(lua.is_driving());
    assert_eq!(lua.occupied(), Some(Occupied::Driving));
    assert_eq!(payload(d.resume(none, ints).unwrap()), 1);
    let step = d.resume(|s| { s.push_integer(10)?; Ok::<_, Error>(Settle::Values(1)) }, ints).unwrap();
    assert!(matches!(step, Step::Yielded(ref v) if v == &[10]), "a plain yield is reported as one");
    assert_eq!(payload(d.resume(none, ints).unwrap()), 2);
    let step = d.resume(|s| { s.push_integer(5)?; Ok::<_, Error>(Settle::Values(1)) }, ints).unwrap();
    assert!(matches!(step, Step::Returned(ref v) if v == &[15]));
    drop(d);
    assert!(!lua.is_driving());
    assert_eq!(lua.occupied(), None);
}

#[test]
fn a_raised_settlement_is_catchable_and_uncaught_fails_the_step() {
    let lua = lua();
    let f: Function = lua.exec("return function() local ok, e = pcall(wait, 1) local v = wait(2) return ok, e, v end").unwrap();
    let mut d = lua.driver(&f).unwrap();
    assert_eq!(payload(d.resume(none, ints).unwrap()), 1);
    let raise = |s: &mut lua_core::Stack<'_>| { s.push_bytes(b"boom")?; Ok::<_, Error>(Settle::Raise(None)) };
    assert_eq!(payload(d.resume(raise, ints).unwrap()), 2);
    let step = d.resume(raise, ints).unwrap();
    match step {
        Step::Failed(e) => assert_eq!(e.message(), "boom"),
        _ => panic!("expected a failure"),
    }
}

#[test]
fn awaits_from_elsewhere_are_refused() {
    let lua = lua();
    // Outside any driver.
    let e = lua.exec::<()>("wait(1)").unwrap_err();
    assert!(e.message().ends_with(AWAIT_REFUSED), "{}", e.message());
    // From a coroutine the driver does not drive; then a plain yield is still a plain yield.
    let f: Function = lua.exec("return function() local co = coroutine.create(function() return wait(1) end) local ok, e = coroutine.resume(co) coroutine.yield(e) return 'end' end").unwrap();
    let mut d = lua.driver(&f).unwrap();
    let read = |r: lua_core::Results<'_>| Ok::<_, Error>(r.get(0).as_bytes().map(|b| String::from_utf8_lossy(b).into_owned()));
    match d.resume(none, read).unwrap() {
        Step::Yielded(Some(text)) => assert!(text.ends_with(AWAIT_REFUSED), "{text}"),
        _ => panic!("expected the refusal, yielded plainly"),
    }
    // Across a C boundary (a metamethod Lua calls from C: tostring's __tostring).
    let f: Function = lua.exec("return function() return tostring(setmetatable({}, {__tostring = function() return wait(1) end})) end").unwrap();
    let mut d = lua.driver(&f).unwrap();
    assert!(matches!(d.resume(none, ints).unwrap(), Step::Failed(e) if e.message().contains(AWAIT_REFUSED)));
}

#[test]
fn lua_code_cannot_settle_an_await() {
    let lua = lua();
    let f: Function = lua.exec("return function() kept = coroutine.running() return wait(1) end").unwrap();
    let mut d = lua.driver(&f).unwrap();
    assert_eq!(payload(d.resume(none, ints).unwrap()), 1);
    assert!(!lua.exec::<bool>("local ok ok, msg = coroutine.resume(kept, 'forged') return ok").unwrap());
    let msg: String = lua.get_global("msg").unwrap();
    assert!(msg.contains(AWAIT_NOT_YOURS), "{msg}");
    assert!(matches!(d.resume(none, ints).unwrap(), Step::Refused(_)));
}

#[test]
fn limits_hold_per_step_and_cannot_be_caught() {
    let lua = lua();
    lua.set_instruction_limit(100_000);
    // Each step has its own budget: many awaits of small steps finish.
    let f: Function = lua.exec("return function() local n = 0 for i = 1, 50 do for j = 1, 1000 do n = n + 1 end wait(i) end return n end").unwrap();
    let mut d = lua.driver(&f).unwrap();
    let mut step = d.resume(none, ints).unwrap();
    while let Step::Awaiting(_) = step {
        step = d.resume(none, ints).unwrap();
    }
    assert!(matches!(step, Step::Returned(ref v) if v == &[50_000]));
    // A runaway step after an await trips, and pcall cannot keep it going.
    let f: Function = lua.exec("return function() wait(1) local ok = pcall(function() while true do end end) while true do end end").unwrap();
    let mut d = lua.driver(&f).unwrap();
    assert_eq!(payload(d.resume(none, ints).unwrap()), 1);
    assert!(matches!(d.resume(none, ints).unwrap(), Step::Failed(Error::InstructionLimit { .. })));
}

#[test]
fn close_is_refused_while_a_run_is_in_flight() {
    let lua = lua();
    let f: Function = lua.exec("return function() return wait(1) end").unwrap();
    let mut d = lua.driver(&f).unwrap();
    assert_eq!(payload(d.resume(none, ints).unwrap()), 1);
    let e = lua.close().unwrap_err();
    assert_eq!(e.message(), "Lua context is busy with an async operation");
    drop(d);
    lua.close().unwrap();
}

#[test]
fn closing_a_coroutine() {
    let lua = lua();
    let f: Function = lua.exec("return function() local t <close> = setmetatable({}, {__close = function() closed = (closed or 0) + 1 end}) coroutine.yield() end").unwrap();
    let co = lua.create_thread(&f).unwrap();
    co.resume_with(|_| Ok::<_, Error>(0), |_| Ok::<_, Error>(())).unwrap();
    co.close().unwrap();
    co.close().unwrap();
    assert_eq!(co.status(), ThreadStatus::Dead);
    assert_eq!(lua.get_global::<i64>("closed").unwrap(), 1);
    // A __close that raises: the error comes back, and the coroutine is dead anyway.
    let f: Function = lua.exec("return function() local t <close> = setmetatable({}, {__close = function() error('in close', 0) end}) coroutine.yield() end").unwrap();
    let co = lua.create_thread(&f).unwrap();
    co.resume_with(|_| Ok::<_, Error>(0), |_| Ok::<_, Error>(())).unwrap();
    assert_eq!(co.close().unwrap_err().message(), "in close");
    assert_eq!(co.status(), ThreadStatus::Dead);
    co.close().unwrap();
    // Unstarted and finished coroutines close quietly.
    let co = lua.create_thread(&f).unwrap();
    co.close().unwrap();
    assert_eq!(co.status(), ThreadStatus::Dead);
}

#[test]
fn run_drives_to_the_end() {
    use std::future::Future;
    let lua = lua();
    let f: Function = lua.exec("return function(a) local ok, e = pcall(wait, -1) caught = e return wait(a) + wait(a) end").unwrap();
    let run = lua.driver(&f).unwrap().run(7_i64, |p| {
        let n = *p.downcast::<i64>().unwrap();
        std::future::ready(if n < 0 { Err(Error::runtime("negative")) } else { Ok(n * 3) })
    });
    let mut run = std::pin::pin!(run);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let std::task::Poll::Ready(out) = run.as_mut().poll(&mut cx) else { panic!("pending") };
    let sum: i64 = out.unwrap();
    assert_eq!(sum, 42);
    assert_eq!(lua.get_global::<String>("caught").unwrap(), "negative");
}

#[test]
fn a_dropped_driver_leaves_the_await_for_a_later_resume() {
    let lua = lua();
    let f: Function = lua.exec("return function() local v = wait(1) return v * 2 end").unwrap();
    let mut d = lua.driver(&f).unwrap();
    assert_eq!(payload(d.resume(none, ints).unwrap()), 1);
    let co = d.thread().try_clone().unwrap();
    drop(d);
    assert!(!lua.is_driving());
    assert_eq!(co.status(), ThreadStatus::Suspended);
    // A plain resume from the host settles the await with its values.
    let out = co.resume_with(|s| { s.push_integer(21)?; Ok::<_, Error>(1) }, ints).unwrap();
    assert!(matches!(out, lua_core::Resumed::Values { yielded: false, read } if read == [42]));
}

#[test]
fn drivers_nest() {
    let lua = lua();
    // A host function that runs a second driver to its end inside the first one's step.
    let inner: Function = lua.exec("return function() return wait(5) + 1 end").unwrap();
    let inner = std::rc::Rc::new(inner);
    let held = inner.clone();
    lua.set_global_with(b"nested", move |stack| {
        let held = held.clone();
        stack.push_function(move |call| {
            let mut d = call.lua().driver(&held)?;
            let Step::Awaiting(_) = d.resume(none, ints)? else { return Err(Error::runtime("expected an await")) };
            let Step::Returned(v) = d.resume(|s| { s.push_integer(10)?; Ok::<_, Error>(Settle::Values(1)) }, ints)? else { return Err(Error::runtime("expected a return")) };
            call.stack().push_integer(v[0])?;
            Ok(1)
        })
    })
    .unwrap();
    let outer: Function = lua.exec("return function() local a = nested() return a + wait(2) end").unwrap();
    let mut d = lua.driver(&outer).unwrap();
    assert_eq!(payload(d.resume(none, ints).unwrap()), 2);
    let step = d.resume(|s| { s.push_integer(100)?; Ok::<_, Error>(Settle::Values(1)) }, ints).unwrap();
    assert!(matches!(step, Step::Returned(ref v) if v == &[111]));
    // `nested` holds a handle into its own state: only close frees the cycle.
    drop(d);
    lua.close().unwrap();
}
