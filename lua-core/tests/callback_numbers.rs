//! `CallContext::args_as_numbers` (issue 18): a host function's arguments
//! read as `f64`s in one step when every one is a number an `f64` names
//! unambiguously (a float, or an integer within ±(2^53 − 1)); anything
//! else, and more arguments than room, give `None` so the caller takes its
//! general way. A conversion, charged to a nested run's budget per value.

use std::cell::RefCell;
use std::rc::Rc;

use lua_core::{Error, Lua, StdLib, Visitor};

/// What `args_as_numbers(from, [_; room])` gave for each call of `probe`.
type Seen = Rc<RefCell<Vec<Option<Vec<f64>>>>>;

fn probing(from: usize, room: usize) -> (Lua, Seen) {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let seen: Seen = Rc::default();
    let record = seen.clone();
    lua.set_global_with(b"probe", move |stack| {
        let record = record.clone();
        stack.push_function(move |call| {
            let mut into = vec![f64::NAN; room];
            let got = call.args_as_numbers(from, &mut into)?.map(<[f64]>::to_vec);
            record.borrow_mut().push(got);
            Ok(0)
        })
    })
    .unwrap();
    (lua, seen)
}

fn last(seen: &Seen) -> Option<Vec<f64>> {
    seen.borrow().last().cloned().expect("probe was called")
}

fn same(got: Option<Vec<f64>>, want: &[f64]) {
    let got = got.unwrap_or_else(|| panic!("None where {want:?} was expected"));
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.to_bits(), w.to_bits(), "{got:?} against {want:?}");
    }
}

#[test]
fn floats_and_safe_integers_are_read_exactly() {
    let (lua, seen) = probing(0, 8);
    let cases: &[(&str, f64)] = &[
        ("0", 0.0),
        ("-0.0", -0.0),
        ("3.0", 3.0),
        ("-7", -7.0),
        ("0.5", 0.5),
        ("1/0", f64::INFINITY),
        ("-1/0", f64::NEG_INFINITY),
        ("2^53", 2f64.powi(53)),
        ("2.0^63", 2f64.powi(63)),
        ("9007199254740991", 9007199254740991.0),
        ("-9007199254740991", -9007199254740991.0),
        ("5e-324", 5e-324),
    ];
    for (lua_expr, want) in cases {
        lua.exec::<()>(&format!("probe({lua_expr})")).unwrap();
        same(last(&seen), &[*want]);
    }
    lua.exec::<()>("probe(0/0)").unwrap();
    assert!(last(&seen).unwrap()[0].is_nan());
    lua.exec::<()>("probe(1, 2.5, -3, 4, 5, 6, 7, 8)").unwrap();
    same(last(&seen), &[1.0, 2.5, -3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
    lua.exec::<()>("probe()").unwrap();
    same(last(&seen), &[]);
}

#[test]
fn anything_else_is_none() {
    let (lua, seen) = probing(0, 8);
    for args in [
        "9007199254740992",
        "-9007199254740992",
        "math.maxinteger",
        "math.mininteger",
        "'1'",
        "nil",
        "true",
        "{}",
        "print",
        "1, 2, 'x'",
        "'x', 1, 2",
        "1, nil",
        "1, 2, 3, 4, 5, 6, 7, 8, 9",
    ] {
        lua.exec::<()>(&format!("probe({args})")).unwrap();
        assert!(last(&seen).is_none(), "probe({args})");
    }
    // The room given bounds the count.
    let (lua, seen) = probing(0, 2);
    lua.exec::<()>("probe(1, 2)").unwrap();
    same(last(&seen), &[1.0, 2.0]);
    lua.exec::<()>("probe(1, 2, 3)").unwrap();
    assert!(last(&seen).is_none());
}

#[test]
fn from_skips_leading_arguments_of_any_kind() {
    let (lua, seen) = probing(1, 8);
    lua.exec::<()>("probe('self', 1, 2.5)").unwrap();
    same(last(&seen), &[1.0, 2.5]);
    lua.exec::<()>("local t = { probe = probe } t:probe(4, 5)").unwrap();
    same(last(&seen), &[4.0, 5.0]);
    lua.exec::<()>("probe('self', 'x')").unwrap();
    assert!(last(&seen).is_none());
    // Nothing past `from`: no numbers, and none asked for.
    lua.exec::<()>("probe('self')").unwrap();
    same(last(&seen), &[]);
    lua.exec::<()>("probe()").unwrap();
    same(last(&seen), &[]);
}

#[test]
fn values_the_function_pushed_are_not_arguments() {
    // A function that pushed values before reading still gets its arguments.
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.set_global_with(b"pushes", |stack| {
        stack.push_function(|call| {
            let s = call.stack();
            s.push_bytes(b"not an argument")?;
            s.push_number(99.0)?;
            let mut into = [0.0; 4];
            let sum: f64 = call.args_as_numbers(0, &mut into)?.map_or(-1.0, |n| n.iter().sum());
            s.push_number(sum)?;
            Ok(1)
        })
    })
    .unwrap();
    assert_eq!(lua.exec::<f64>("return pushes(1, 2)").unwrap(), 3.0);
    assert_eq!(lua.exec::<f64>("return pushes(1, 'x')").unwrap(), -1.0);
    // After a nested call into Lua returned, the arguments read the same.
    lua.set_global_with(b"nested", |stack| {
        stack.push_function(|call| {
            let inner: f64 = call.lua().exec("return pushes(10, 20)")?;
            let mut into = [0.0; 4];
            let mine = call.args_as_numbers(0, &mut into)?.map_or(-1.0, |n| n.iter().sum());
            call.stack().push_number(inner + mine)?;
            Ok(1)
        })
    })
    .unwrap();
    assert_eq!(lua.exec::<f64>("return nested(1, 2)").unwrap(), 33.0);
}

#[test]
fn reading_in_a_nested_run_charges_each_argument() {
    // A Lua loop calling `read(<args>)` inside a run nested in a host
    // function: the budget runs out after fewer calls when each call reads
    // 8 numbers than when it reads none, and as soon as when it converts 8
    // values the general way.
    fn calls_until_stopped(args: &str, read: fn(&lua_core::CallContext<'_>) -> Result<(), Error>) -> u64 {
        calls_until_stopped_nested("read", args, read)
    }
    fn numbers(call: &lua_core::CallContext<'_>) -> Result<(), Error> {
        let mut into = [0.0; 8];
        assert!(call.args_as_numbers(0, &mut into)?.is_some());
        Ok(())
    }
    fn nothing(_: &lua_core::CallContext<'_>) -> Result<(), Error> {
        Ok(())
    }
    /// Each argument converted the general way (a visit, one unit each).
    fn visited(call: &lua_core::CallContext<'_>) -> Result<(), Error> {
        for i in 0..call.len() {
            call.arg(i).visit(&mut Numbers)?;
        }
        Ok(())
    }
    let eight = "1, 2, 3, 4, 5, 6, 7, 8";
    let (read_none, read_eight, visit_eight) = (calls_until_stopped(eight, nothing), calls_until_stopped(eight, numbers), calls_until_stopped(eight, visited));
    assert!(read_eight * 3 < read_none * 2, "8 numbers read: {read_eight} calls; not read: {read_none}");
    assert!(read_eight.abs_diff(visit_eight) <= 1, "read: {read_eight} calls; visited: {visit_eight}");
}

/// A visitor that takes numbers only.
struct Numbers;

impl Visitor for Numbers {
    type Value = f64;
    type Error = Error;
    fn nil(&mut self) -> Result<f64, Error> {
        Err(Error::runtime("not a number"))
    }
    fn boolean(&mut self, _: bool) -> Result<f64, Error> {
        self.nil()
    }
    fn integer(&mut self, i: i64) -> Result<f64, Error> {
        Ok(i as f64)
    }
    fn number(&mut self, n: f64) -> Result<f64, Error> {
        Ok(n)
    }
    fn string(&mut self, _: &[u8]) -> Result<f64, Error> {
        self.nil()
    }
    fn new_array(&mut self, _: usize) -> Result<f64, Error> {
        self.nil()
    }
    fn array_set(&mut self, _: &f64, _: usize, _: f64) -> Result<(), Error> {
        Ok(())
    }
    fn new_object(&mut self) -> Result<f64, Error> {
        self.nil()
    }
    fn object_set(&mut self, _: &f64, _: &[u8], _: f64, _: bool) -> Result<(), Error> {
        Ok(())
    }
    fn table_ref(&mut self, _: lua_core::Table) -> Result<f64, Error> {
        self.nil()
    }
    fn function(&mut self, _: lua_core::Function) -> Result<f64, Error> {
        self.nil()
    }
    fn thread(&mut self, _: lua_core::Thread) -> Result<f64, Error> {
        self.nil()
    }
    fn host_object(&mut self, _: u64, _: lua_core::Access) -> Result<f64, Error> {
        self.nil()
    }
    fn userdata(&mut self, _: lua_core::AnyUserData) -> Result<f64, Error> {
        self.nil()
    }
    fn light_userdata(&mut self, _: *mut std::ffi::c_void) -> Result<f64, Error> {
        self.nil()
    }
}

#[test]
fn a_converted_number_result_is_pushed_as_the_stack_pushes_it() {
    // `CallContext::push_converted_number(n)` against
    // `call.stack().push_converted_number(0, n)`, for every awkward number.
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    for (name, direct) in [(&b"direct"[..], true), (&b"stacked"[..], false)] {
        lua.set_global_with(name, move |stack| {
            stack.push_function(move |call| {
                let n = call.arg(0).as_number().unwrap_or(f64::NAN);
                let n = if call.arg(1).as_boolean() { -n } else { n };
                if direct {
                    call.push_converted_number(n)?;
                } else {
                    call.stack().push_converted_number(0, n)?;
                }
                Ok(1)
            })
        })
        .unwrap();
    }
    let shown = "local function shown(v) return (math.type(v) or type(v)) .. ':' .. string.format('%.17g', v) .. ':' .. tostring(1 / v) end ";
    for n in ["0", "0.0", "1", "-1", "0.5", "2^53", "2^53 + 2", "2.0^63", "-(2.0^63)", "1/0", "-1/0", "0/0", "1e300", "5e-324", "3.0"] {
        for negate in [false, true] {
            let script = format!("{shown} return shown(direct({n}, {negate})) == shown(stacked({n}, {negate})), shown(direct({n}, {negate}))");
            let (same, seen): (bool, String) = lua.exec(&script).unwrap();
            assert!(same, "{n} (negated: {negate}): {seen}");
        }
    }
    let (neg0, big): (String, String) = lua.exec(&format!("{shown} return shown(direct(0, true)), shown(direct(2.0^63))")).unwrap();
    assert_eq!(neg0, "float:-0:-inf", "-0 stays a float with its sign");
    assert_eq!(big, "float:9.2233720368547758e+18:1.0842021724855044e-19");
    assert_eq!(lua.exec::<String>("return math.type(direct(-(2.0^63)))").unwrap(), "integer");
}

#[test]
fn a_converted_number_result_is_charged_in_a_nested_run() {
    // A host function that pushes 100 converted results per call, inside a
    // run nested in a host function: the budget stops the loop after far
    // fewer calls than when it pushes them without conversion.
    fn calls_until_stopped(converted: bool) -> u64 {
        calls_until_stopped_nested("many", "", move |call| {
            for k in 0..100 {
                if converted {
                    call.push_converted_number(k as f64)?;
                } else {
                    call.stack().push_number(k as f64)?;
                }
            }
            Ok(())
        })
    }
    let (plain, converted) = (calls_until_stopped(false), calls_until_stopped(true));
    assert!(converted * 10 < plain, "converted: {converted} calls; plain: {plain}");
}

/// How many calls of the host function `name` (running `body`) the Lua loop
/// `while true do name(args) end` makes before a 60,000-unit budget stops
/// it, with the loop run nested: called through a handle from inside
/// another host function.
fn calls_until_stopped_nested(name: &str, args: &str, body: impl Fn(&lua_core::CallContext<'_>) -> Result<(), Error> + 'static) -> u64 {
    let lua = Lua::builder().libraries(StdLib::ALL).instruction_limit(60_000).build().unwrap();
    let calls = Rc::new(std::cell::Cell::new(0u64));
    let (counted, body) = (calls.clone(), Rc::new(body));
    lua.set_global_with(name.as_bytes(), move |stack| {
        let (counted, body) = (counted.clone(), body.clone());
        stack.push_function(move |call| {
            body(call)?;
            counted.set(counted.get() + 1);
            Ok(0)
        })
    })
    .unwrap();
    let inner: lua_core::Function = lua.exec(&format!("return function() while true do {name}({args}) end end")).unwrap();
    let go = lua.create_function(move |_lua, _: ()| -> Result<(), Error> { inner.call::<()>(()) }).unwrap();
    lua.set_global("go", go).unwrap();
    let e = lua.exec::<()>("go()").unwrap_err();
    assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT", "{}", e.message());
    // `go` holds `inner`, a handle to its own state: a cycle that only
    // closing breaks (ASan's leak check reports it otherwise).
    lua.close().unwrap();
    calls.get()
}
