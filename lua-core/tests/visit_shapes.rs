//! The walk behind `StackValue::visit` (EVOLUTION B3/B16/B18): the array
//! rule (keys exactly `1..=n`, any order), maps with typed keys for a
//! visitor that asks for them, where object keys came from, skipped keys,
//! and `push_number_normalized` keeping `-0` a float.

use std::ffi::{c_void, CString};

use lua_core::{Access, AnyUserData, Error, Function, KeyOrigin, Lua, MapKey, StdLib, Table, Thread, Visitor};

/// A converted value, written out as text so tests compare one string.
#[derive(Default)]
struct Show {
    /// Ask for maps (`Visitor::map_tables`).
    maps: bool,
    /// Fail on the first skipped key, naming its type.
    strict: bool,
    /// Every `(key, origin)` given to `object_field`.
    origins: Vec<(String, KeyOrigin)>,
}

type R = Result<String, Error>;

impl Visitor for Show {
    type Value = String;
    type Error = Error;

    fn nil(&mut self) -> R {
        Ok("nil".into())
    }
    fn boolean(&mut self, b: bool) -> R {
        Ok(b.to_string())
    }
    fn integer(&mut self, i: i64) -> R {
        Ok(format!("{i}i"))
    }
    fn number(&mut self, n: f64) -> R {
        Ok(format!("{n:?}f"))
    }
    fn string(&mut self, s: &[u8]) -> R {
        Ok(format!("{:?}", String::from_utf8_lossy(s)))
    }
    fn new_array(&mut self, len: usize) -> R {
        Ok(format!("array{len}:"))
    }
    fn array_set(&mut self, _array: &String, _index: usize, _value: String) -> Result<(), Error> {
        Ok(())
    }
    fn new_object(&mut self) -> R {
        Ok("object".into())
    }
    fn object_set(&mut self, _object: &String, _key: &[u8], _value: String, _may_repeat: bool) -> Result<(), Error> {
        Ok(())
    }
    fn object_field(&mut self, object: &String, key: &[u8], origin: KeyOrigin, value: String, may_repeat: bool) -> Result<(), Error> {
        self.origins.push((String::from_utf8_lossy(key).into_owned(), origin));
        self.object_set(object, key, value, may_repeat)
    }
    fn table_ref(&mut self, _table: Table) -> R {
        Ok("ref".into())
    }
    fn function(&mut self, _f: Function) -> R {
        Ok("function".into())
    }
    fn thread(&mut self, _t: Thread) -> R {
        Ok("thread".into())
    }
    fn host_object(&mut self, id: u64, _access: Access) -> R {
        Ok(format!("host{id}"))
    }
    fn userdata(&mut self, _u: AnyUserData) -> R {
        Ok("userdata".into())
    }
    fn light_userdata(&mut self, _p: *mut c_void) -> R {
        Ok("light".into())
    }
    fn map_tables(&self) -> bool {
        self.maps
    }
    fn new_map(&mut self) -> R {
        Ok("map".into())
    }
    fn map_key(&mut self, key: MapKey<'_>) -> R {
        // Marks keys, to show they went through map_key.
        let text = match key {
            MapKey::Boolean(b) => self.boolean(b)?,
            MapKey::Integer(i) => self.integer(i)?,
            MapKey::Number(n) => self.number(n)?,
            MapKey::String(s) => self.string(s)?,
        };
        Ok(format!("key {text}"))
    }
    fn map_set(&mut self, _map: &String, key: String, value: String) -> Result<(), Error> {
        self.origins.push((format!("{key} = {value}"), KeyOrigin::String));
        Ok(())
    }
    fn key_skipped(&mut self, type_name: &str) -> Result<(), Error> {
        if self.strict {
            return Err(Error::conversion(format!("skipped a {type_name} key")));
        }
        Ok(())
    }
}

fn eval(lua: &Lua, src: &str, v: &mut Show) -> R {
    let src = CString::new(src).unwrap();
    lua.exec_source_with(&src, |r| r.get_or_nil(0).visit(v))?
}

#[test]
fn keys_exactly_one_to_n_in_any_order_make_an_array() {
    let lua = Lua::new();
    let mut v = Show::default();
    assert_eq!(eval(&lua, "return {[2] = 'b', [1] = 'a'}", &mut v).unwrap(), "array2:");
    assert_eq!(eval(&lua, "return {[3] = 'c', [2] = 'b', [1] = 'a'}", &mut v).unwrap(), "array3:");
    assert_eq!(eval(&lua, "local t = {} for i = 50, 1, -1 do t[i] = i end return t", &mut v).unwrap(), "array50:");
    // A hole, a zero, a float, a string: objects.
    assert_eq!(eval(&lua, "return {[1] = 1, [3] = 3}", &mut v).unwrap(), "object");
    assert_eq!(eval(&lua, "return {[0] = 0, [1] = 1}", &mut v).unwrap(), "object");
    assert_eq!(eval(&lua, "return {[1] = 1, [2.5] = 2}", &mut v).unwrap(), "object");
    assert_eq!(eval(&lua, "return {1, 2, x = 3}", &mut v).unwrap(), "object");
    assert_eq!(eval(&lua, "return {}", &mut v).unwrap(), "array0:");
}

#[test]
fn object_fields_say_where_their_key_text_came_from() {
    let lua = Lua::new();
    let mut v = Show::default();
    eval(&lua, "return {[1] = 'n', ['x'] = 's', [1.5] = 'f', [5] = 'm'}", &mut v).unwrap();
    v.origins.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        v.origins,
        vec![("1".into(), KeyOrigin::Number), ("1.5".into(), KeyOrigin::Number), ("5".into(), KeyOrigin::Number), ("x".into(), KeyOrigin::String)]
    );
}

#[test]
fn skipped_keys_are_reported_and_a_visitor_may_refuse_them() {
    let lua = Lua::new();
    let mut lenient = Show::default();
    assert_eq!(eval(&lua, "return {[true] = 1, x = 2}", &mut lenient).unwrap(), "object");
    let mut strict = Show { strict: true, ..Show::default() };
    let e = eval(&lua, "return {[true] = 1, x = 2}", &mut strict).unwrap_err();
    assert_eq!(e.message(), "skipped a boolean key");
    let e = eval(&lua, "return {[{}] = 1}", &mut strict).unwrap_err();
    assert_eq!(e.message(), "skipped a table key");
    // The state stays usable and balanced after a refused walk.
    assert_eq!(eval(&lua, "return 7", &mut strict).unwrap(), "7i");
}

#[test]
fn a_map_visitor_gets_typed_keys_for_every_plain_table() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let mut v = Show { maps: true, ..Show::default() };
    assert_eq!(eval(&lua, "return {'a', 'b'}", &mut v).unwrap(), "map");
    v.origins.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(v.origins.iter().map(|o| o.0.as_str()).collect::<Vec<_>>(), vec!["key 1i = \"a\"", "key 2i = \"b\""]);

    let mut v = Show { maps: true, ..Show::default() };
    eval(&lua, "return {[1] = 'int', ['1'] = 'str', [true] = 'yes', [2.5] = 'float', [{}] = 'skipped'}", &mut v).unwrap();
    let mut seen: Vec<_> = v.origins.into_iter().map(|o| o.0).collect();
    seen.sort();
    assert_eq!(seen, vec!["key \"1\" = \"str\"", "key 1i = \"int\"", "key 2.5f = \"float\"", "key true = \"yes\""]);

    let mut strict = Show { maps: true, strict: true, ..Show::default() };
    let e = eval(&lua, "return {[print or function() end] = 1}", &mut strict).unwrap_err();
    assert_eq!(e.message(), "skipped a function key");
    // Metatabled tables stay references in map mode too.
    assert_eq!(eval(&lua, "return setmetatable({}, {})", &mut strict).unwrap(), "ref");
}

#[test]
fn a_self_referencing_table_in_map_mode_ends_at_the_depth_limit() {
    let lua = Lua::new();
    let mut v = Show { maps: true, ..Show::default() };
    let e = eval(&lua, "local t = {} t.self = t return t", &mut v).unwrap_err();
    assert_eq!(e.message(), lua_core::DEPTH_MESSAGE);
}

#[test]
fn negative_zero_stays_a_float() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.set_global_with(b"z", |s| s.push_number_normalized(-0.0)).unwrap();
    lua.set_global_with(b"one", |s| s.push_number_normalized(1.0)).unwrap();
    lua.set_global_with(b"zero", |s| s.push_number_normalized(0.0)).unwrap();
    let mut v = Show::default();
    assert_eq!(eval(&lua, "return math.type(z) .. ' ' .. tostring(1 / z)", &mut v).unwrap(), "\"float -inf\"");
    assert_eq!(eval(&lua, "return math.type(one) .. ' ' .. math.type(zero)", &mut v).unwrap(), "\"integer integer\"");
}
