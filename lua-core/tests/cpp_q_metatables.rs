//! API-SEED §10 area Q (metatables): the C++ core suite's items, ported to
//! lua-core's `Lua::set_global_metatable`. As in the original, metamethods
//! are host functions (`Stack::push_function`) in a table the host builds.

use std::cell::RefCell;
use std::rc::Rc;

use lua_core::{Error, FromLua, IntoLua, Lua, MultiValue, Result, Stack, StdLib, Table, Value};

/// A metamethod written in Rust: the call's arguments in, one value out.
type Method = Box<dyn Fn(&Lua, Vec<Value>) -> Result<Value>>;

/// One field of a metatable.
enum Field {
    Func(Method),
    Val(Value),
}

fn func(f: impl Fn(&Lua, Vec<Value>) -> Result<Value> + 'static) -> Field {
    Field::Func(Box::new(f))
}

/// Pushes a table with `fields`, as the original's `set_metatable` built it.
fn push_fields(stack: &mut Stack<'_>, fields: Vec<(&'static str, Field)>) -> Result<()> {
    stack.reserve(4)?;
    stack.push_table(0, fields.len())?;
    for (key, field) in fields {
        stack.push_bytes(key.as_bytes())?;
        match field {
            Field::Func(f) => stack.push_function(move |call| {
                let args = (0..call.len()).map(|i| Value::from_lua(call.arg(i))).collect::<Result<Vec<_>>>()?;
                f(call.lua(), args)?.push_into(&mut call.stack())?;
                Ok(1)
            })?,
            Field::Val(v) => v.push_into(stack)?,
        }
        stack.set_entry()?;
    }
    Ok(())
}

fn attach(lua: &Lua, global: &str, fields: Vec<(&'static str, Field)>) -> Result<()> {
    lua.set_global_metatable(global.as_bytes(), |stack| push_fields(stack, fields))
}

fn lua() -> Lua {
    Lua::with_libraries(StdLib::ALL).unwrap()
}

fn table(v: &Value) -> &Table {
    match v {
        Value::Table(t) => t,
        other => panic!("expected a table, got {other:?}"),
    }
}

/// `t.value` (raw) of a table argument, or a plain number argument.
fn num(v: &Value) -> f64 {
    match v {
        Value::Table(t) => t.raw_get::<_, f64>("value").unwrap(),
        other => other.as_number().expect("a number"),
    }
}

/// The value-carrying objects `a` (value 10) and `b` (value 20) with one
/// binary metamethod built from `op`.
fn binary(name: &'static str, op: fn(f64, f64) -> Value) -> Lua {
    let lua = lua();
    lua.exec::<()>("a = { value = 10 } b = { value = 20 }").unwrap();
    for global in ["a", "b"] {
        attach(&lua, global, vec![(name, func(move |_, args| Ok(op(num(&args[0]), num(&args[1])))))]).unwrap();
    }
    lua
}

/// Q.173 [TS+C++] `__tostring` returning a constant.
#[test]
fn q173_tostring_returning_a_constant() {
    let lua = lua();
    lua.exec::<()>("obj = {}").unwrap();
    attach(&lua, "obj", vec![("__tostring", func(|_, _| Ok(Value::String(b"MyObject".to_vec()))))]).unwrap();
    assert_eq!(lua.exec::<String>("return tostring(obj)").unwrap(), "MyObject");
}

/// Q.174 [TS+C++] `__tostring` receives the table and can read its fields ("(10, 20)").
#[test]
fn q174_tostring_reads_the_table() {
    let lua = lua();
    lua.exec::<()>("point = { x = 10, y = 20 }").unwrap();
    attach(
        &lua,
        "point",
        vec![(
            "__tostring",
            func(|_, args| {
                let t = table(&args[0]);
                let (x, y): (i64, i64) = (t.raw_get("x")?, t.raw_get("y")?);
                Ok(Value::String(format!("({x}, {y})").into_bytes()))
            }),
        )],
    )
    .unwrap();
    assert_eq!(lua.exec::<String>("return tostring(point)").unwrap(), "(10, 20)");
    lua.exec::<()>("point.x = 5").unwrap();
    assert_eq!(lua.exec::<String>("return tostring(point)").unwrap(), "(5, 20)");
}

/// Q.175 [TS+C++] `__add`.
#[test]
fn q175_add() {
    let lua = binary("__add", |a, b| Value::Number(a + b));
    assert_eq!(lua.exec::<f64>("return a + b").unwrap(), 30.0);
    assert_eq!(lua.exec::<f64>("return a + 5").unwrap(), 15.0);
}

/// Q.176 [TS+C++] `__sub`.
#[test]
fn q176_sub() {
    let lua = binary("__sub", |a, b| Value::Number(a - b));
    assert_eq!(lua.exec::<f64>("return b - a").unwrap(), 10.0);
    assert_eq!(lua.exec::<f64>("return a - b").unwrap(), -10.0);
}

/// Q.177 [TS+C++] `__mul`.
#[test]
fn q177_mul() {
    let lua = binary("__mul", |a, b| Value::Number(a * b));
    assert_eq!(lua.exec::<f64>("return a * b").unwrap(), 200.0);
}

/// Q.178 [TS+C++] `__div` (20 / 4 → 5).
#[test]
fn q178_div() {
    let lua = binary("__div", |a, b| Value::Number(a / b));
    assert_eq!(lua.exec::<f64>("return b / 4").unwrap(), 5.0);
    assert_eq!(lua.exec::<f64>("return b / a").unwrap(), 2.0);
}

/// Q.179 [TS+C++] `__unm`.
#[test]
fn q179_unm() {
    let lua = lua();
    lua.exec::<()>("a = { value = 10 }").unwrap();
    attach(&lua, "a", vec![("__unm", func(|_, args| Ok(Value::Number(-num(&args[0])))))]).unwrap();
    assert_eq!(lua.exec::<f64>("return -a").unwrap(), -10.0);
}

/// Q.180 [TS+C++] `__mod`.
#[test]
fn q180_mod() {
    let lua = binary("__mod", |a, b| Value::Number(a % b));
    assert_eq!(lua.exec::<f64>("return a % 3").unwrap(), 1.0);
    assert_eq!(lua.exec::<f64>("return b % a").unwrap(), 0.0);
}

/// Q.181 [TS+C++] `__concat`.
#[test]
fn q181_concat() {
    let lua = lua();
    lua.exec::<()>("named = { name = 'Lua' }").unwrap();
    attach(
        &lua,
        "named",
        vec![(
            "__concat",
            func(|_, args| {
                let text = |v: &Value| match v {
                    Value::Table(t) => t.raw_get::<_, String>("name").unwrap(),
                    other => other.as_str().unwrap().to_string(),
                };
                Ok(Value::String(format!("{}{}", text(&args[0]), text(&args[1])).into_bytes()))
            }),
        )],
    )
    .unwrap();
    assert_eq!(lua.exec::<String>("return named .. '!'").unwrap(), "Lua!");
    assert_eq!(lua.exec::<String>("return 'Hello ' .. named").unwrap(), "Hello Lua");
}

/// Q.182 [TS+C++] `__len`.
#[test]
fn q182_len() {
    let lua = lua();
    lua.exec::<()>("t = { 1, 2, 3 }").unwrap();
    attach(&lua, "t", vec![("__len", func(|_, _| Ok(Value::Integer(42))))]).unwrap();
    assert_eq!(lua.exec::<i64>("return #t").unwrap(), 42);
    assert_eq!(lua.exec::<i64>("return rawlen(t)").unwrap(), 3);
}

/// Q.183 [TS+C++] `__eq` when both tables carry it.
#[test]
fn q183_eq() {
    let lua = lua();
    lua.exec::<()>("a = { value = 1 } b = { value = 1 } c = { value = 2 }").unwrap();
    for global in ["a", "b", "c"] {
        attach(&lua, global, vec![("__eq", func(|_, args| Ok(Value::Boolean(num(&args[0]) == num(&args[1])))))]).unwrap();
    }
    assert!(lua.exec::<bool>("return a == b").unwrap());
    assert!(!lua.exec::<bool>("return a == c").unwrap());
    assert!(lua.exec::<bool>("return a ~= c").unwrap());
    assert!(!lua.exec::<bool>("return rawequal(a, b)").unwrap());
}

/// Q.184 [TS+C++] `__lt` (and, in C++, the reverse comparison is false).
#[test]
fn q184_lt() {
    let lua = binary("__lt", |a, b| Value::Boolean(a < b));
    assert!(lua.exec::<bool>("return a < b").unwrap());
    assert!(!lua.exec::<bool>("return b < a").unwrap());
    assert!(lua.exec::<bool>("return b > a").unwrap());
}

/// Q.185 [TS+C++] `__le`.
#[test]
fn q185_le() {
    let lua = binary("__le", |a, b| Value::Boolean(a <= b));
    assert!(lua.exec::<bool>("return a <= b").unwrap());
    assert!(lua.exec::<bool>("return a <= a").unwrap());
    assert!(!lua.exec::<bool>("return b <= a").unwrap());
}

/// Q.186 [TS+C++] `__call` receives the table and the call arguments (50).
#[test]
fn q186_call() {
    let lua = lua();
    lua.exec::<()>("callable = { base = 0 }").unwrap();
    let seen_self: Rc<RefCell<Option<bool>>> = Rc::default();
    let log = seen_self.clone();
    attach(
        &lua,
        "callable",
        vec![(
            "__call",
            func(move |_, args| {
                // The table itself comes first.
                *log.borrow_mut() = Some(matches!(&args[0], Value::Table(t) if t.raw_get::<_, i64>("base").is_ok()));
                Ok(Value::Number(args[1..].iter().map(num).sum()))
            }),
        )],
    )
    .unwrap();
    assert_eq!(lua.exec::<f64>("return callable(20, 30)").unwrap(), 50.0);
    assert_eq!(*seen_self.borrow(), Some(true));
}

/// Q.187 [TS+C++] `__index` as a function (`default_foo`).
#[test]
fn q187_index_function() {
    let lua = lua();
    lua.exec::<()>("obj = { real = 'here' }").unwrap();
    attach(
        &lua,
        "obj",
        vec![("__index", func(|_, args| Ok(Value::String(format!("default_{}", args[1].as_str().unwrap()).into_bytes()))))],
    )
    .unwrap();
    assert_eq!(lua.exec::<String>("return obj.foo").unwrap(), "default_foo");
    assert_eq!(lua.exec::<String>("return obj.real").unwrap(), "here");
}

/// Q.188 [TS+C++] `__index` as a table of fallbacks (99).
#[test]
fn q188_index_table() {
    let lua = lua();
    lua.exec::<()>("obj = { own = 1 }").unwrap();
    let fallbacks = lua.create_table().unwrap();
    fallbacks.raw_set("fallback", 99).unwrap();
    attach(&lua, "obj", vec![("__index", Field::Val(Value::Table(fallbacks)))]).unwrap();
    assert_eq!(lua.exec::<i64>("return obj.fallback").unwrap(), 99);
    assert_eq!(lua.exec::<i64>("return obj.own").unwrap(), 1);
    assert!(lua.exec::<Value>("return obj.missing").unwrap().is_nil());
    assert!(lua.exec::<Value>("return rawget(obj, 'fallback')").unwrap().is_nil());
}

/// Q.189 [TS+C++] `__newindex` as a function intercepts the write (`rawget`
/// stays nil; key and value captured).
#[test]
fn q189_newindex_function() {
    let lua = lua();
    lua.exec::<()>("obj = {}").unwrap();
    let captured: Rc<RefCell<Vec<(String, i64)>>> = Rc::default();
    let log = captured.clone();
    attach(
        &lua,
        "obj",
        vec![(
            "__newindex",
            func(move |_, args| {
                log.borrow_mut().push((args[1].as_str().unwrap().to_string(), args[2].as_integer().unwrap()));
                Ok(Value::Nil)
            }),
        )],
    )
    .unwrap();
    lua.exec::<()>("obj.newkey = 123").unwrap();
    assert_eq!(*captured.borrow(), [("newkey".to_string(), 123)]);
    assert!(lua.exec::<Value>("return rawget(obj, 'newkey')").unwrap().is_nil());
}

/// Q.190 [TS+C++] Several metamethods on one table work together.
#[test]
fn q190_several_metamethods_together() {
    let lua = lua();
    lua.exec::<()>("v = { value = 7 }").unwrap();
    attach(
        &lua,
        "v",
        vec![
            ("__tostring", func(|_, args| Ok(Value::String(format!("V({})", num(&args[0])).into_bytes())))),
            ("__add", func(|_, args| Ok(Value::Number(num(&args[0]) + num(&args[1]))))),
            ("__len", func(|_, _| Ok(Value::Integer(3)))),
            ("__index", func(|_, _| Ok(Value::String(b"fallback".to_vec())))),
        ],
    )
    .unwrap();
    let r: MultiValue = lua.exec("return tostring(v), v + 1, #v, v.nope").unwrap();
    assert_eq!(r.0[0].as_str(), Some("V(7)"));
    assert_eq!(r.0[1].as_number(), Some(8.0));
    assert_eq!(r.0[2].as_integer(), Some(3));
    assert_eq!(r.0[3].as_str(), Some("fallback"));
}

/// Q.191 [TS+C++] A missing global is rejected with a message containing "does not exist".
#[test]
fn q191_a_missing_global_is_refused() {
    let lua = lua();
    let e = attach(&lua, "nope", vec![]).unwrap_err();
    assert!(e.message().contains("does not exist"), "{}", e.message());
    assert_eq!(e.message(), "Global 'nope' does not exist");
    assert!(lua.exec::<Value>("return nope").unwrap().is_nil());
}

/// Q.192 [TS+C++] A non-table global (number; in C++ also string and
/// boolean) is rejected with "not a table".
#[test]
fn q192_a_global_that_is_not_a_table_is_refused() {
    let lua = lua();
    lua.exec::<()>("num = 42 str = 'hello' flag = true").unwrap();
    for name in ["num", "str", "flag"] {
        let e = attach(&lua, name, vec![("__index", func(|_, _| Ok(Value::Nil)))]).unwrap_err();
        assert!(e.message().contains("not a table"), "{}", e.message());
        assert_eq!(e.message(), format!("Global '{name}' is not a table"));
    }
    // Nothing changed: the string metatable is still the string library's.
    assert_eq!(lua.exec::<String>("return str:upper()").unwrap(), "HELLO");
}

/// Q.193 [TS+C++] A metatable can be attached to a table created by Lua code.
#[test]
fn q193_attaching_to_a_table_made_by_lua() {
    let lua = lua();
    lua.exec::<()>("made = {} for i = 1, 3 do made[i] = i * 10 end").unwrap();
    attach(&lua, "made", vec![("__index", func(|_, args| Ok(Value::String(format!("no {}", args[1].as_integer().unwrap()).into_bytes()))))])
        .unwrap();
    assert_eq!(lua.exec::<i64>("return made[2]").unwrap(), 20);
    assert_eq!(lua.exec::<String>("return made[9]").unwrap(), "no 9");
    assert!(lua.exec::<bool>("return type(getmetatable(made)) == 'table'").unwrap());
}

/// Q.194 [C++] Metatable functions are not visible as globals.
#[test]
fn q194_metamethods_are_not_globals() {
    let lua = lua();
    lua.exec::<()>("obj = {}").unwrap();
    let globals = |lua: &Lua| -> Vec<String> {
        lua.exec::<Vec<String>>("local n = {} for k in pairs(_G) do n[#n + 1] = tostring(k) end table.sort(n) return n").unwrap()
    };
    let before = globals(&lua);
    attach(
        &lua,
        "obj",
        vec![("__tostring", func(|_, _| Ok(Value::String(b"x".to_vec())))), ("__add", func(|_, _| Ok(Value::Integer(0))))],
    )
    .unwrap();
    assert_eq!(lua.exec::<String>("return tostring(obj)").unwrap(), "x");
    assert_eq!(globals(&lua), before);
    assert!(lua.exec::<Value>("return __tostring").unwrap().is_nil());
}

/// Q.195 [C++] An empty metatable leaves the table working normally.
#[test]
fn q195_an_empty_metatable_changes_nothing() {
    let lua = lua();
    lua.exec::<()>("t = { a = 1, 10, 20 }").unwrap();
    attach(&lua, "t", vec![]).unwrap();
    assert!(lua.exec::<bool>("return type(getmetatable(t)) == 'table' and next(getmetatable(t)) == nil").unwrap());
    assert_eq!(lua.exec::<i64>("return t.a + #t + t[2]").unwrap(), 1 + 2 + 20);
    lua.exec::<()>("t.b = 5").unwrap();
    assert_eq!(lua.exec::<i64>("return rawget(t, 'b')").unwrap(), 5);
    assert!(lua.exec::<Value>("return t.missing").unwrap().is_nil());
}

/// Q.196 [C++] An exception in a metamethod becomes an error containing its message.
#[test]
fn q196_a_failing_metamethod_is_an_error() {
    let lua = lua();
    lua.exec::<()>("obj = {}").unwrap();
    attach(&lua, "obj", vec![("__add", func(|_, _| Err(Error::runtime("metamethod failed"))))]).unwrap();
    let e = lua.exec::<Value>("return obj + 1").unwrap_err();
    assert!(e.message().contains("metamethod failed"), "{}", e.message());
    let r: MultiValue = lua.exec("return pcall(function() return obj + 1 end)").unwrap();
    assert!(matches!(r.0[0], Value::Boolean(false)));
    assert!(r.0[1].as_str().unwrap().contains("metamethod failed"));
    assert_eq!(lua.exec::<i64>("return 1 + 1").unwrap(), 2);
}

/// Q.197 [C++] The Lua stack is balanced after successful and failed attachments.
#[test]
fn q197_attaching_leaves_the_stack_balanced() {
    let lua = lua();
    lua.exec::<()>("t = {} n = 5").unwrap();
    let top = |lua: &Lua| lua.with_stack(|s| Ok(s.top())).unwrap();
    let start = top(&lua);
    attach(&lua, "t", vec![("__len", func(|_, _| Ok(Value::Integer(1))))]).unwrap();
    assert_eq!(top(&lua), start);
    attach(&lua, "missing", vec![("__len", func(|_, _| Ok(Value::Integer(1))))]).unwrap_err();
    assert_eq!(top(&lua), start);
    attach(&lua, "n", vec![]).unwrap_err();
    assert_eq!(top(&lua), start);
    // Many rounds leave nothing behind either.
    lua.gc(lua_core::GcCommand::Collect).unwrap();
    let before = lua.memory_used();
    for _ in 0..500 {
        attach(&lua, "t", vec![("__len", func(|_, _| Ok(Value::Integer(1))))]).unwrap();
        attach(&lua, "missing", vec![("__len", func(|_, _| Ok(Value::Integer(1))))]).unwrap_err();
        attach(&lua, "n", vec![]).unwrap_err();
    }
    lua.gc(lua_core::GcCommand::Collect).unwrap();
    let after = lua.memory_used();
    assert!(after < before + 16 * 1024, "memory grew from {before} to {after}");
    assert_eq!(top(&lua), start);
    assert_eq!(lua.exec::<i64>("return #t").unwrap(), 1);
}

/// Q.198 [C++] A static `__metatable` value is what `getmetatable` returns.
#[test]
fn q198_a_static_metatable_field_is_what_getmetatable_sees() {
    let lua = lua();
    lua.exec::<()>("guarded = {}").unwrap();
    attach(&lua, "guarded", vec![("__metatable", Field::Val(Value::String(b"protected".to_vec())))]).unwrap();
    assert_eq!(lua.exec::<String>("return getmetatable(guarded)").unwrap(), "protected");
    let e = lua.exec::<()>("setmetatable(guarded, {})").unwrap_err();
    assert!(e.message().contains("cannot change a protected metatable"), "{}", e.message());
}

/// Q.199 [C++] Attaching a new metatable replaces the previous behaviour
/// ("first" → "second").
#[test]
fn q199_a_new_metatable_replaces_the_old() {
    let lua = lua();
    lua.exec::<()>("obj = {}").unwrap();
    attach(&lua, "obj", vec![("__tostring", func(|_, _| Ok(Value::String(b"first".to_vec()))))]).unwrap();
    assert_eq!(lua.exec::<String>("return tostring(obj)").unwrap(), "first");
    attach(&lua, "obj", vec![("__tostring", func(|_, _| Ok(Value::String(b"second".to_vec()))))]).unwrap();
    assert_eq!(lua.exec::<String>("return tostring(obj)").unwrap(), "second");
}
