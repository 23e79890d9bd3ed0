//! Chunk names (`exec_named`) and reading the running thread's stack
//! (`stack_frames`, `locals_with`, `locals`).

use std::cell::RefCell;
use std::rc::Rc;

use lua_core::{HookMask, Kind, Lua, StackFrame, StdLib, Value};

fn lua() -> Lua {
    Lua::with_libraries(StdLib::ALL).unwrap()
}

/// Sets `probe()`, which records the frames it sees, and returns the record.
fn probe(lua: &Lua) -> Rc<RefCell<Vec<Vec<StackFrame>>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let keep = seen.clone();
    let f = lua.create_function(move |lua, _: lua_core::MultiValue| {
        keep.borrow_mut().push(lua.stack_frames(200)?);
        Ok(())
    });
    lua.set_global("probe", f.unwrap()).unwrap();
    seen
}

#[test]
fn chunk_names_follow_lua_rules() {
    let lua = lua();
    let msg = |src: &str, name: &str| lua.exec_named::<()>(src, name).unwrap_err().message().to_owned();
    assert_eq!(msg("\nerror('boom')", "@file.lua"), "file.lua:2: boom");
    assert_eq!(msg("error('boom')", "=verbatim"), "verbatim:1: boom");
    assert_eq!(msg("error('boom')", "plain"), "[string \"plain\"]:1: boom");
    assert_eq!(msg("return +", "=syn"), "syn:1: unexpected symbol near '+'");
    // The name stops at a NUL; the source runs whole.
    assert_eq!(msg("error('boom')", "=a\0b"), "a:1: boom");
    assert_eq!(lua.exec_named::<i64>("return 6 * 7", "x").unwrap(), 42);
    // Without a name, the source names itself, as before.
    assert_eq!(lua.exec::<()>("error('boom')").unwrap_err().message(), "[string \"error('boom')\"]:1: boom");
}

#[test]
fn no_frames_when_nothing_is_executing() {
    let lua = lua();
    assert!(lua.stack_frames(200).unwrap().is_empty());
    assert_eq!(lua.locals(0).unwrap(), None);
    lua.exec::<()>("local x = 1").unwrap();
    assert!(lua.stack_frames(200).unwrap().is_empty());
}

#[test]
fn frames_from_a_callback() {
    let lua = lua();
    let seen = probe(&lua);
    lua.exec_named::<()>("local function inner()\n  probe()\nend\ninner()\n", "@s.lua").unwrap();
    let frames = &seen.borrow()[0];
    let summary: Vec<_> = frames.iter().map(|f| (f.level, f.what.as_str(), f.short_source.as_str(), f.current_line)).collect();
    assert_eq!(summary, [(0, "C", "[C]", -1), (1, "Lua", "s.lua", 2), (2, "main", "s.lua", 4)]);
    assert_eq!(frames[0].name.as_deref(), Some("probe"));
    assert_eq!(frames[0].name_what, "global");
    assert_eq!(frames[1].name.as_deref(), Some("inner"));
    assert_eq!(frames[1].name_what, "local");
    assert_eq!(frames[1].line_defined, 1);
    assert_eq!(frames[1].source, "@s.lua");
    assert_eq!(frames[2].line_defined, 0);
    // max_levels caps the walk.
    let f = lua.create_function(|lua, _: lua_core::MultiValue| Ok(lua.stack_frames(1)?.len() as i64)).unwrap();
    lua.set_global("count1", f).unwrap();
    assert_eq!(lua.exec::<i64>("return (count1())").unwrap(), 1);
    let f = lua.create_function(|lua, _: lua_core::MultiValue| Ok(lua.stack_frames(0)?.len() as i64)).unwrap();
    lua.set_global("count0", f).unwrap();
    assert_eq!(lua.exec::<i64>("return (count0())").unwrap(), 0);
}

#[test]
fn locals_skip_temporaries_and_missing_levels() {
    let lua = lua();
    let f = lua
        .create_function(|lua, _: lua_core::MultiValue| {
            let mut names = Vec::new();
            let found = lua.locals_with(1, |name, v| {
                names.push(format!("{}={}", String::from_utf8_lossy(name), v.kind().name()));
                Ok::<(), lua_core::Error>(())
            })??;
            assert!(found);
            assert_eq!(lua.locals(50)?, None);
            assert_eq!(lua.locals(usize::MAX)?, None);
            Ok(names.join(","))
        })
        .unwrap();
    lua.set_global("names", f).unwrap();
    let got = lua.exec::<String>("local a, b = 1, {} ; for i = 1, 1 do local c = 'x' return (names()) end").unwrap();
    assert_eq!(got, "a=number,b=table,i=number,c=string");
}

#[test]
fn a_visit_error_stops_the_walk_and_a_cyclic_local_is_fine() {
    let lua = lua();
    let f = lua
        .create_function(|lua, _: lua_core::MultiValue| {
            let mut n = 0;
            let r = lua.locals_with(1, |_, _| {
                n += 1;
                Err("stop")
            })?;
            assert_eq!((r, n), (Err("stop"), 1));
            // A cyclic or huge table is a handle as a Value: no walk at all.
            let locals = lua.locals(1)?.unwrap();
            assert_eq!(locals.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["t", "big"]);
            Ok(lua.stack_frames(200)?.len() as i64)
        })
        .unwrap();
    lua.set_global("check", f).unwrap();
    assert_eq!(lua.exec::<i64>("local t = {} t.self = t local big = {} for i = 1, 100000 do big[i] = i end return (check())").unwrap(), 2);
}

#[test]
fn frames_inside_a_coroutine_are_the_coroutines() {
    let lua = lua();
    let seen = probe(&lua);
    lua.exec_named::<()>("local co = coroutine.wrap(function()\n  probe()\nend)\nco()\n", "=c").unwrap();
    let frames = &seen.borrow()[0];
    // The coroutine's own stack: probe, then its body; nothing of the main thread.
    let what: Vec<_> = frames.iter().map(|f| (f.what.as_str(), f.current_line)).collect();
    assert_eq!(what, [("C", -1), ("Lua", 2)]);
}

#[test]
fn frames_from_a_hook_and_a_finalizer() {
    let lua = lua();
    let lines = Rc::new(RefCell::new(Vec::new()));
    let keep = lines.clone();
    lua.set_hook(
        Rc::new(move |lua, ev| {
            let frames = lua.stack_frames(200).unwrap();
            let mut locals = Vec::new();
            lua.locals_with(0, |name, v| {
                locals.push((String::from_utf8_lossy(name).into_owned(), v.kind()));
                Ok::<(), ()>(())
            })
            .unwrap()
            .unwrap();
            keep.borrow_mut().push((ev.line, frames[0].current_line, frames[0].what.clone(), locals));
        }),
        HookMask { line: true, ..Default::default() },
    );
    lua.exec::<()>("local a = 1\nlocal b = 2").unwrap();
    lua.remove_hook();
    let lines = lines.borrow();
    assert_eq!(lines[1].0, 2);
    assert_eq!(lines[1].1, 2);
    assert_eq!(lines[1].2, "main");
    assert_eq!(lines[1].3, [("a".to_string(), Kind::Number)]);
    drop(lines);

    let seen = probe(&lua);
    lua.exec::<()>("setmetatable({}, {__gc = function() probe() end}) collectgarbage() collectgarbage()").unwrap();
    let seen = seen.borrow();
    assert!(!seen.is_empty());
    assert_eq!(seen[0][0].what, "C");
    assert_eq!(seen[0][1].what, "Lua");
    // Outside again: nothing.
    assert!(lua.stack_frames(200).unwrap().is_empty());
}

#[test]
fn locals_as_values() {
    let lua = lua();
    let f = lua
        .create_function(|lua, _: lua_core::MultiValue| {
            let locals = lua.locals(1)?.unwrap();
            assert_eq!(locals[0].0, "n");
            assert_eq!(locals[0].1, Value::Integer(7));
            Ok(locals.len() as i64)
        })
        .unwrap();
    lua.set_global("f", f).unwrap();
    assert_eq!(lua.exec::<i64>("local n = 7 local s = 'x' return (f())").unwrap(), 2);
}

/// A lent state's run takes a chunk name too (the addon's async door).
#[cfg(feature = "host-binding")]
#[test]
fn a_lent_run_takes_a_chunk_name_and_stack_reads_are_refused_meanwhile() {
    let lua = lua();
    // SAFETY: `lua` outlives the worker and is left alone until `reattach`
    // (but for the two reads below, which are refused without touching it).
    let detached = unsafe { lua.detach() }.unwrap();
    assert_eq!(lua.stack_frames(200).unwrap_err().code(), "LUA_BUSY");
    assert_eq!(lua.locals(0).unwrap_err().code(), "LUA_BUSY");
    let (detached, outcome) = std::thread::scope(|s| {
        s.spawn(|| {
            let r = detached.exec_named(b"\nerror('boom')", c"@lent.lua");
            (detached, r)
        })
        .join()
        .unwrap()
    });
    lua.reattach(detached);
    assert_eq!(outcome.unwrap_err().message(), "lent.lua:2: boom");
}
