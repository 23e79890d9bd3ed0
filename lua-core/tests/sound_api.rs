//! lua-core's public API is sound for every input: each test is a misuse
//! that safe code could write, and that used to corrupt memory (or read
//! another frame's slots) before the rule it checks existed. The rules that
//! the type system enforces are `compile_fail` examples in the docs of
//! `Stack`, `StackValue` and `SendLua`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use lua_core::{Error, Kind, Lua, StdLib, Visitor};

fn lua() -> Lua {
    Lua::with_libraries(StdLib::ALL).unwrap()
}

/// Every push checks for room: Lua guarantees only 20 free slots, and a
/// host may push far more than that without reserving.
#[test]
fn pushes_without_reserving_grow_the_stack() {
    let lua = lua();
    let top = lua
        .with_stack(|s| {
            for i in 0..10_000 {
                s.push_integer(i)?;
            }
            s.push_bytes(b"last")?;
            assert_eq!(s.value(-2).as_integer(), Some(9_999));
            Ok(s.len())
        })
        .unwrap();
    assert_eq!(top, 10_001);
    // Lua's stack has a hard limit (a million slots): reaching it is an error.
    let e = lua
        .with_stack(|s| {
            loop {
                s.push_nil()?;
            }
            #[allow(unreachable_code)]
            Ok(())
        })
        .unwrap_err();
    assert!(e.message().contains("stack overflow"), "{e}");
    assert_eq!(lua.exec::<i64>("return 6 * 7").unwrap(), 42);
}

/// A stack removes only what it pushed: a callback's arguments, an outer
/// caller's values and a nested stack's values are out of its reach.
#[test]
fn pops_stop_at_the_stacks_floor() {
    let lua = lua();
    let f = lua
        .create_raw_function(|call| {
            let mut s = call.stack();
            s.pop(1_000);
            assert_eq!(call.arg(0).as_bytes(), Some(&b"first"[..]));
            s.push_integer(call.len() as i64)?;
            Ok(1)
        })
        .unwrap();
    lua.set_global("f", f).unwrap();
    assert_eq!(lua.exec::<i64>("return f('first', 2, 3)").unwrap(), 3);

    lua.with_stack(|outer| {
        outer.push_bytes(b"outer")?;
        lua.with_stack(|inner| {
            inner.push_integer(1)?;
            inner.pop(50);
            assert!(inner.is_empty());
            Ok(())
        })?;
        assert_eq!(outer.value(-1).as_bytes(), Some(&b"outer"[..]));
        Ok(())
    })
    .unwrap();
}

/// The consuming writes need their operands on this stack; with fewer, they
/// used to read below the frame.
#[test]
fn writes_without_operands_are_errors() {
    let lua = lua();
    lua.with_stack(|s| {
        assert_eq!(s.set_entry().unwrap_err().code(), "LUA_API");
        assert_eq!(s.set_index(1).unwrap_err().code(), "LUA_API");
        s.push_table(0, 0)?;
        assert_eq!(s.set_field(b"x").unwrap_err().code(), "LUA_API");
        s.push_integer(5)?;
        s.set_field(b"x")?;
        assert_eq!(s.len(), 1);
        Ok(())
    })
    .unwrap();
}

/// An index that names no value is a panic (like a slice index), not a read
/// of memory outside the stack.
#[test]
fn indices_off_the_stack_panic() {
    let lua = lua();
    for idx in [0, 2, -2, -100_000, i32::MIN, i32::MAX, -1_001_000] {
        let caught = catch_unwind(AssertUnwindSafe(|| {
            lua.with_stack(|s| {
                s.push_integer(7)?;
                let _ = s.value(idx).kind();
                Ok(())
            })
        }));
        assert!(caught.is_err(), "index {idx} was accepted");
    }
    assert_eq!(lua.exec::<i64>("return 1").unwrap(), 1);
}

/// Arguments past the end read as nil, even when results were pushed
/// above the arguments.
#[test]
fn arguments_past_the_end_read_nil() {
    let lua = lua();
    let f = lua
        .create_raw_function(|call| {
            let s = call.stack();
            s.push_bytes(b"result")?;
            assert_eq!(call.arg(call.len()).kind(), Kind::Nil);
            assert_eq!(call.arg(100).as_bytes(), None);
            Ok(1)
        })
        .unwrap();
    lua.set_global("f", f).unwrap();
    assert_eq!(lua.exec::<String>("return f(1)").unwrap(), "result");
}

/// A stack (or a value on it) taken before a call into the state names
/// slots of the caller's frame; used inside the call's closures it would
/// name the call's own slots (its function, its handler). It panics there.
#[test]
fn outer_stacks_refuse_to_work_inside_a_nested_call() {
    let lua = lua();
    let f: lua_core::Function = lua.exec("return function(...) return select('#', ...) end").unwrap();
    let caught = catch_unwind(AssertUnwindSafe(|| {
        lua.with_stack(|outer| {
            outer.push_bytes(b"kept")?;
            lua.call_with(
                &f,
                |_args| {
                    outer.pop(10);
                    Ok(0)
                },
                |_| (),
            )
        })
    }));
    assert!(caught.is_err(), "an outer stack popped inside a nested call");

    let caught = catch_unwind(AssertUnwindSafe(|| {
        lua.with_stack(|outer| {
            outer.push_bytes(b"kept")?;
            let kept = outer.value(-1);
            lua.call_with(&f, |_| Ok(0), |_results| kept.as_bytes().map(|b| b.len()))
        })
    }));
    assert!(caught.is_err(), "an outer value was read inside a nested call");
    assert_eq!(lua.exec::<i64>("return 2 + 2").unwrap(), 4);
}

/// A visitor that owns a stack cannot pop the slots the walk is using.
#[test]
fn a_visitor_cannot_pop_the_walk() {
    struct Popper<'a> {
        stack: lua_core::Stack<'a>,
    }
    impl Visitor for Popper<'_> {
        type Value = ();
        type Error = Error;
        fn nil(&mut self) -> lua_core::Result<()> {
            Ok(())
        }
        fn boolean(&mut self, _: bool) -> lua_core::Result<()> {
            Ok(())
        }
        fn integer(&mut self, _: i64) -> lua_core::Result<()> {
            Ok(())
        }
        fn number(&mut self, _: f64) -> lua_core::Result<()> {
            Ok(())
        }
        fn string(&mut self, _: &[u8]) -> lua_core::Result<()> {
            self.stack.pop(3);
            Ok(())
        }
        fn new_array(&mut self, _: usize) -> lua_core::Result<()> {
            Ok(())
        }
        fn array_set(&mut self, _: &(), _: usize, _: ()) -> lua_core::Result<()> {
            Ok(())
        }
        fn new_object(&mut self) -> lua_core::Result<()> {
            Ok(())
        }
        fn object_set(&mut self, _: &(), _: &[u8], _: (), _: bool) -> lua_core::Result<()> {
            Ok(())
        }
        fn table_ref(&mut self, _: lua_core::Table) -> lua_core::Result<()> {
            Ok(())
        }
        fn function(&mut self, _: lua_core::Function) -> lua_core::Result<()> {
            Ok(())
        }
        fn thread(&mut self, _: lua_core::Thread) -> lua_core::Result<()> {
            Ok(())
        }
        fn host_object(&mut self, _: u64, _: lua_core::Access) -> lua_core::Result<()> {
            Ok(())
        }
        fn userdata(&mut self, _: lua_core::AnyUserData) -> lua_core::Result<()> {
            Ok(())
        }
        fn light_userdata(&mut self, _: *mut std::ffi::c_void) -> lua_core::Result<()> {
            Ok(())
        }
    }
    let lua = lua();
    let f = lua
        .create_raw_function(|call| {
            let mut popper = Popper { stack: call.stack() };
            call.arg(0).visit(&mut popper)?;
            Ok(0)
        })
        .unwrap();
    lua.set_global("walk", f).unwrap();
    let message: String = lua.exec("local ok, e = pcall(walk, {a = 'x', b = 'y', c = {'z'}}) return tostring(e)").unwrap();
    assert!(message.contains("other code pushed or removed values"), "{message}");
    assert_eq!(lua.exec::<i64>("return 3 * 3").unwrap(), 9);
}

/// A state holding a closure that is not `Send` can never move to another
/// thread, whichever door the closure came in by.
#[test]
fn thread_bound_closures_keep_the_state_home() {
    let shared = Rc::new(5);
    let lua = Lua::new();
    let captured = shared.clone();
    lua.with_stack(|s| s.push_function(move |_| Ok(*captured - 5))).unwrap();
    assert!(lua.into_send().is_err(), "a state with an Rc-capturing closure was made Send");

    let lua = Lua::new();
    let captured = shared.clone();
    let f = lua.create_raw_function(move |_| Ok(*captured - 5)).unwrap();
    drop(f);
    assert!(lua.into_send().is_err());

    // A Send closure leaves the state movable.
    let lua = Lua::new();
    let f = lua.create_send_function(|_, _args: lua_core::MultiValue| Ok(1)).unwrap();
    drop(f);
    assert!(lua.into_send().is_ok());
}

/// A coroutine cannot be resumed again from inside its own resume (while
/// its arguments are pushed, or its results read): the inner resume would
/// run it on values the outer one still owns.
#[test]
fn a_resume_in_progress_refuses_another() {
    use lua_core::{ResumeRefusal, Resumed};
    let lua = lua();
    let body: lua_core::Function = lua.exec("return function(...) coroutine.yield(select('#', ...)) return 'done' end").unwrap();
    let co = lua.create_thread(&body).unwrap();
    let inner = |co: &lua_core::Thread| match co.resume_with(|_| Ok::<_, Error>(0), |_| Ok::<_, Error>(())).unwrap() {
        Resumed::Refused(r) => r,
        _ => panic!("the inner resume ran"),
    };
    let first = co
        .resume_with(
            |s| {
                s.push_integer(1)?;
                assert_eq!(inner(&co), ResumeRefusal::Running);
                s.push_integer(2)?;
                Ok::<_, Error>(2)
            },
            |r| {
                assert_eq!(inner(&co), ResumeRefusal::Running);
                Ok::<_, Error>(r.get(0).as_integer())
            },
        )
        .unwrap();
    assert!(matches!(first, Resumed::Values { yielded: true, read: Some(2) }));
    let last = co.resume_with(|_| Ok::<_, Error>(0), |r| Ok::<_, Error>(r.get(0).as_bytes().map(<[u8]>::to_vec))).unwrap();
    assert!(matches!(last, Resumed::Values { yielded: false, read: Some(ref s) } if s == b"done"));
}

/// The doors that take a closure to push their operands check that it
/// pushed exactly those: a missing value would have made Lua take a slot
/// below (a caller's value, the coroutine's function), and a resume told of
/// more arguments than were pushed would run on the wrong slots.
#[test]
fn closures_must_push_what_they_promise() {
    let lua = lua();
    let e = lua.set_global_with(b"x", |_| Ok(())).unwrap_err();
    assert_eq!(e.code(), "LUA_API", "{e}");
    let e = lua.set_global_with(b"x", |s| { s.push_integer(1)?; s.push_integer(2) }).unwrap_err();
    assert_eq!(e.code(), "LUA_API", "{e}");
    let t: lua_core::Table = lua.exec("t = { a = 1 } return t").unwrap();
    let e = lua.index_with(t.registry_ref(), |_| Ok(()), |v| v.kind()).unwrap_err();
    assert_eq!(e.code(), "LUA_API", "{e}");
    let e = lua.assign_with(t.registry_ref(), |s| s.push_bytes(b"a")).unwrap_err();
    assert_eq!(e.code(), "LUA_API", "{e}");
    assert_eq!(lua.index_with(t.registry_ref(), |s| s.push_bytes(b"a"), |v| v.as_integer()).unwrap(), Some(1));

    let body: lua_core::Function = lua.exec("return function(...) return select('#', ...) end").unwrap();
    let co = lua.create_thread(&body).unwrap();
    for claimed in [0usize, 2, 100_000] {
        let e = co
            .resume_with(
                |s| {
                    s.push_integer(1)?;
                    Ok::<_, Error>(claimed)
                },
                |_| Ok::<_, Error>(()),
            )
            .err()
            .unwrap_or_else(|| panic!("claimed {claimed} with 1 pushed was accepted"));
        assert_eq!(e.code(), "LUA_API", "{e}");
    }
    let done = co.resume_with(|s| { s.push_integer(1)?; Ok::<_, Error>(1) }, |r| Ok::<_, Error>(r.get(0).as_integer())).unwrap();
    assert!(matches!(done, lua_core::Resumed::Values { yielded: false, read: Some(1) }));
    assert_eq!(lua.exec::<i64>("return t.a").unwrap(), 1);
}
