//! The optional `serde` feature: Rust values to Lua and back, straight on
//! the stack.

#![cfg(feature = "serde")]

use std::collections::{BTreeMap, HashMap};

use lua_core::{Error, Lua, LuaOptions, Serde, StdLib, Value, DEPTH_MESSAGE, MAX_DEPTH};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

fn lua_all() -> Lua {
    Lua::with_libraries(StdLib::ALL).unwrap()
}

/// Rust → Lua → Rust.
fn round_trip<T: Serialize + DeserializeOwned>(lua: &Lua, value: &T) -> T {
    let lua_value = lua.to_value(value).unwrap();
    lua.from_value(lua_value).unwrap()
}

/// Serializes `value` into the global `v` and runs `check` (a Lua
/// expression) on it.
fn lua_sees<T: Serialize>(lua: &Lua, value: &T, check: &str) -> bool {
    lua.set_global("v", Serde(value)).unwrap();
    lua.exec(&format!("return {check}")).unwrap()
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Default)]
struct Address {
    street: String,
    zip: Option<u32>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Default)]
struct Person {
    name: String,
    age: u8,
    height: f64,
    admin: bool,
    address: Address,
    previous: Vec<Address>,
    nickname: Option<String>,
    scores: HashMap<String, i64>,
    by_id: BTreeMap<i64, String>,
    pair: (i32, String),
    tags: Vec<String>,
}

fn person() -> Person {
    Person {
        name: "Ada".into(),
        age: 36,
        height: 1.65,
        admin: true,
        address: Address { street: "1 Main St".into(), zip: Some(12345) },
        previous: vec![Address { street: "Old Rd".into(), zip: None }, Address { street: "Mid Way".into(), zip: Some(7) }],
        nickname: None,
        scores: HashMap::from([("math".into(), 99), ("art".into(), -3)]),
        by_id: BTreeMap::from([(1, "one".into()), (20, "twenty".into()), (-5, "minus five".into())]),
        pair: (7, "seven".into()),
        tags: vec!["a".into(), "b".into(), "c".into()],
    }
}

#[test]
fn structs_with_nested_structs_round_trip() {
    let lua = Lua::new();
    let p = person();
    assert_eq!(round_trip(&lua, &p), p);
    assert_eq!(round_trip(&lua, &Person::default()), Person::default());
}

#[test]
fn structs_become_tables_lua_can_read() {
    let lua = lua_all();
    let p = person();
    assert!(lua_sees(&lua, &p, "v.name == 'Ada' and v.age == 36 and math.type(v.age) == 'integer'"));
    assert!(lua_sees(&lua, &p, "v.height == 1.65 and math.type(v.height) == 'float' and v.admin == true"));
    assert!(lua_sees(&lua, &p, "v.address.street == '1 Main St' and v.address.zip == 12345"));
    assert!(lua_sees(&lua, &p, "#v.previous == 2 and v.previous[1].zip == nil and v.previous[2].street == 'Mid Way'"));
    assert!(lua_sees(&lua, &p, "v.nickname == nil and v.scores.math == 99 and v.scores.art == -3"));
    assert!(lua_sees(&lua, &p, "v.by_id[1] == 'one' and v.by_id[20] == 'twenty' and v.by_id[-5] == 'minus five'"));
    assert!(lua_sees(&lua, &p, "v.pair[1] == 7 and v.pair[2] == 'seven' and #v.pair == 2"));
    assert!(lua_sees(&lua, &p, "table.concat(v.tags, ',') == 'a,b,c'"));
}

#[test]
fn scalars_and_containers_round_trip() {
    let lua = Lua::new();
    assert_eq!(round_trip(&lua, &42i32), 42);
    assert_eq!(round_trip(&lua, &-7i8), -7);
    assert_eq!(round_trip(&lua, &i64::MIN), i64::MIN);
    assert_eq!(round_trip(&lua, &i64::MAX), i64::MAX);
    assert_eq!(round_trip(&lua, &u32::MAX), u32::MAX);
    assert!(round_trip(&lua, &true));
    assert_eq!(round_trip(&lua, &'λ'), 'λ');
    assert_eq!(round_trip(&lua, &"héllo\0world".to_string()), "héllo\0world");
    assert_eq!(round_trip(&lua, &()), ());
    assert_eq!(round_trip(&lua, &Some(5u16)), Some(5));
    assert_eq!(round_trip(&lua, &None::<u16>), None);
    assert_eq!(round_trip(&lua, &Some(Some(1))), Some(Some(1)));
    assert_eq!(round_trip(&lua, &vec![1.5f32, -2.25]), vec![1.5, -2.25]);
    assert_eq!(round_trip(&lua, &Vec::<i32>::new()), Vec::<i32>::new());
    assert_eq!(round_trip(&lua, &vec![vec![1], vec![], vec![2, 3]]), vec![vec![1], vec![], vec![2, 3]]);
    assert_eq!(round_trip(&lua, &[1u8, 2, 3]), [1, 2, 3]);
    assert_eq!(round_trip(&lua, &(1, "x".to_string(), 2.5, false)), (1, "x".to_string(), 2.5, false));
    let map: HashMap<String, Vec<i32>> = HashMap::from([("a".into(), vec![1]), ("b".into(), vec![])]);
    assert_eq!(round_trip(&lua, &map), map);
    let int_keys: HashMap<i64, bool> = HashMap::from([(1, true), (2, false), (10, true)]);
    assert_eq!(round_trip(&lua, &int_keys), int_keys);
    let bool_keys: HashMap<bool, i32> = HashMap::from([(true, 1), (false, 0)]);
    assert_eq!(round_trip(&lua, &bool_keys), bool_keys);
    let empty: HashMap<String, i32> = HashMap::new();
    assert_eq!(round_trip(&lua, &empty), empty);
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Unit;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Meters(f64);

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Rgb(u8, u8, u8);

#[test]
fn unit_newtype_and_tuple_structs() {
    let lua = lua_all();
    assert_eq!(round_trip(&lua, &Unit), Unit);
    assert!(lua_sees(&lua, &Unit, "v == nil"));
    assert_eq!(round_trip(&lua, &Meters(2.5)), Meters(2.5));
    assert!(lua_sees(&lua, &Meters(2.5), "v == 2.5"));
    assert_eq!(round_trip(&lua, &Rgb(1, 2, 3)), Rgb(1, 2, 3));
    assert!(lua_sees(&lua, &Rgb(1, 2, 3), "v[1] == 1 and v[3] == 3 and #v == 3"));
}

/// The four variant shapes, in serde's default external tagging.
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Shape {
    Empty,
    Circle(f64),
    Segment(i32, i32),
    Rect { w: u32, h: u32, label: Option<String> },
}

#[test]
fn externally_tagged_enums_all_variant_shapes() {
    let lua = lua_all();
    let all = vec![
        Shape::Empty,
        Shape::Circle(1.5),
        Shape::Segment(-1, 4),
        Shape::Rect { w: 2, h: 3, label: Some("box".into()) },
        Shape::Rect { w: 0, h: 0, label: None },
    ];
    for shape in &all {
        assert_eq!(&round_trip(&lua, shape), shape);
    }
    assert_eq!(round_trip(&lua, &all), all);
    assert!(lua_sees(&lua, &Shape::Empty, "v == 'Empty'"));
    assert!(lua_sees(&lua, &Shape::Circle(1.5), "v.Circle == 1.5 and next(v, 'Circle') == nil"));
    assert!(lua_sees(&lua, &Shape::Segment(-1, 4), "v.Segment[1] == -1 and v.Segment[2] == 4"));
    assert!(lua_sees(&lua, &all[3], "v.Rect.w == 2 and v.Rect.h == 3 and v.Rect.label == 'box'"));

    // Written by Lua code.
    let Serde(shapes): Serde<Vec<Shape>> = lua.exec("return {'Empty', {Circle = 2}, {Segment = {5, 6}}, {Rect = {w = 1, h = 2}}}").unwrap();
    assert_eq!(shapes, vec![Shape::Empty, Shape::Circle(2.0), Shape::Segment(5, 6), Shape::Rect { w: 1, h: 2, label: None }]);

    // Not an enum.
    let lua_value = lua.exec::<Value>("return {Circle = 1, Empty = true}").unwrap();
    let e = lua.from_value::<Shape>(lua_value).unwrap_err();
    assert_eq!(e.code(), "LUA_CONVERSION");
    assert!(e.message().contains("more than one key"), "{}", e.message());
    let e = lua.from_value::<Shape>(lua.exec::<Value>("return {}").unwrap()).unwrap_err();
    assert!(e.message().contains("empty table"), "{}", e.message());
    let e = lua.from_value::<Shape>(Value::String(b"Hexagon".to_vec())).unwrap_err();
    assert!(e.message().contains("unknown variant `Hexagon`"), "{}", e.message());
    let e = lua.from_value::<Shape>(Value::String(b"Circle".to_vec())).unwrap_err();
    assert!(e.message().contains("unit variant"), "{}", e.message());
    let e = lua.from_value::<Shape>(Value::Integer(3)).unwrap_err();
    assert_eq!(e.code(), "LUA_CONVERSION");
}

impl<T: DeserializeOwned> lua_core::FromLuaMulti for Wrapped<T> {
    fn from_results(results: lua_core::Results<'_>) -> lua_core::Result<Self> {
        results.get(0).deserialize().map(Wrapped)
    }
}
struct Wrapped<T>(T);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(tag = "type")]
enum Internal {
    Ping,
    Move { x: i32, y: i32 },
    Wrap(Address),
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(tag = "t", content = "c")]
enum Adjacent {
    Stop,
    Go(u32),
    Pair(i32, i32),
    Named { name: String },
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(untagged)]
enum Untagged {
    Number(i64),
    Float(f64),
    Text(String),
    List(Vec<Untagged>),
    Point { x: i32, y: i32 },
    Nothing,
}

#[test]
fn internally_adjacently_and_untagged_enums() {
    let lua = lua_all();
    for v in [Internal::Ping, Internal::Move { x: 1, y: -2 }, Internal::Wrap(Address { street: "s".into(), zip: Some(1) })] {
        assert_eq!(round_trip(&lua, &v), v);
    }
    assert!(lua_sees(&lua, &Internal::Move { x: 1, y: -2 }, "v.type == 'Move' and v.x == 1 and v.y == -2"));
    let Wrapped(moved): Wrapped<Internal> = lua.exec("return {type = 'Move', x = 3, y = 4}").unwrap();
    assert_eq!(moved, Internal::Move { x: 3, y: 4 });

    for v in [Adjacent::Stop, Adjacent::Go(9), Adjacent::Pair(1, 2), Adjacent::Named { name: "n".into() }] {
        assert_eq!(round_trip(&lua, &v), v);
    }
    assert!(lua_sees(&lua, &Adjacent::Go(9), "v.t == 'Go' and v.c == 9"));

    let values = vec![
        Untagged::Number(5),
        Untagged::Float(0.5),
        Untagged::Text("t".into()),
        Untagged::List(vec![Untagged::Number(1), Untagged::Text("x".into())]),
        Untagged::Point { x: 1, y: 2 },
        Untagged::Nothing,
    ];
    for v in &values {
        assert_eq!(&round_trip(&lua, v), v);
    }
    let Wrapped(mixed): Wrapped<Vec<Untagged>> = lua.exec("return {1, 2.5, 'a', {x = 0, y = 9}, {3, {4}}}").unwrap();
    assert_eq!(
        mixed,
        vec![
            Untagged::Number(1),
            Untagged::Float(2.5),
            Untagged::Text("a".into()),
            Untagged::Point { x: 0, y: 9 },
            Untagged::List(vec![Untagged::Number(3), Untagged::List(vec![Untagged::Number(4)])]),
        ]
    );
}

#[test]
fn u64_beyond_i64_becomes_a_float() {
    let lua = lua_all();
    // Within i64: an integer, exactly.
    assert!(lua_sees(&lua, &(i64::MAX as u64), "math.type(v) == 'integer' and v == math.maxinteger"));
    assert_eq!(round_trip(&lua, &(i64::MAX as u64)), i64::MAX as u64);
    // Beyond: a float, exact when the value is representable.
    let big = 1u64 << 63;
    assert!(lua_sees(&lua, &big, "math.type(v) == 'float' and v == 2^63"));
    assert_eq!(round_trip(&lua, &big), big);
    let bigger = (1u64 << 63) + (1u64 << 62);
    assert_eq!(round_trip(&lua, &bigger), bigger);
    assert_eq!(lua.to_value(&(u64::MAX - 1)).unwrap(), Value::Number(18446744073709551616.0));
    // 2^64 does not fit a u64.
    let e = lua.from_value::<u64>(Value::Number(18446744073709551616.0)).unwrap_err();
    assert_eq!(e.code(), "LUA_CONVERSION");
    // i128/u128 too.
    assert_eq!(round_trip(&lua, &-5i128), -5);
    assert_eq!(round_trip(&lua, &(u64::MAX as u128 / 2)), u64::MAX as u128 / 2);
    assert_eq!(lua.to_value(&(1u128 << 100)).unwrap(), Value::Number(2f64.powi(100)));
    // Integral floats are accepted as integers; others and out-of-range values are not.
    assert_eq!(lua.from_value::<i32>(Value::Number(3.0)).unwrap(), 3);
    assert_eq!(lua.from_value::<u64>(Value::Number(9007199254740992.0)).unwrap(), 1 << 53);
    let e = lua.from_value::<i32>(Value::Number(3.5)).unwrap_err();
    assert!(e.message().contains("invalid type: floating point `3.5`"), "{}", e.message());
    let e = lua.from_value::<u8>(Value::Integer(300)).unwrap_err();
    assert!(e.message().contains("300"), "{}", e.message());
    let e = lua.from_value::<u32>(Value::Integer(-1)).unwrap_err();
    assert_eq!(e.code(), "LUA_CONVERSION");
}

#[test]
fn f64_specials() {
    let lua = lua_all();
    assert_eq!(round_trip(&lua, &f64::INFINITY), f64::INFINITY);
    assert_eq!(round_trip(&lua, &f64::NEG_INFINITY), f64::NEG_INFINITY);
    assert!(round_trip(&lua, &f64::NAN).is_nan());
    let z = round_trip(&lua, &-0.0f64);
    assert!(z == 0.0 && z.is_sign_negative());
    assert_eq!(round_trip(&lua, &f64::MIN_POSITIVE), f64::MIN_POSITIVE);
    assert_eq!(round_trip(&lua, &f64::MAX), f64::MAX);
    assert_eq!(round_trip(&lua, &f32::EPSILON), f32::EPSILON);
    // Floats stay floats, even integral ones.
    assert!(lua_sees(&lua, &2.0f64, "math.type(v) == 'float'"));
    assert!(lua_sees(&lua, &f64::INFINITY, "v == math.huge"));
    assert!(lua_sees(&lua, &f64::NAN, "v ~= v"));
    // Integers read where floats are wanted.
    assert_eq!(lua.from_value::<f64>(Value::Integer(7)).unwrap(), 7.0);
    let specials = vec![f64::INFINITY, -1.0, f64::NEG_INFINITY];
    assert_eq!(round_trip(&lua, &specials), specials);
}

/// Bytes through `serialize_bytes` / `deserialize_byte_buf` (what
/// `serde_bytes` does).
#[derive(Debug, PartialEq)]
struct Bytes(Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Bytes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(v.to_vec()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Bytes, E> {
                Ok(Bytes(v.as_bytes().to_vec()))
            }
        }
        d.deserialize_byte_buf(V)
    }
}

#[test]
fn bytes_are_lua_strings() {
    let lua = lua_all();
    let raw = Bytes(vec![0, 255, 1, 0x80, b'a']);
    assert_eq!(lua.to_value(&raw).unwrap(), Value::String(vec![0, 255, 1, 0x80, b'a']));
    assert_eq!(round_trip(&lua, &raw), raw);
    assert!(lua_sees(&lua, &raw, "#v == 5 and v:byte(2) == 255"));
    let from_lua: Wrapped<Bytes> = lua.exec("return '\\0\\1\\2'").unwrap();
    assert_eq!(from_lua.0, Bytes(vec![0, 1, 2]));
    // Invalid UTF-8 is not a String.
    let e = lua.from_value::<String>(Value::String(vec![0xff, 0xfe])).unwrap_err();
    assert_eq!(e.code(), "LUA_CONVERSION");
    // A Vec<u8> is a sequence of integers in serde's model.
    assert!(lua_sees(&lua, &vec![1u8, 2], "v[1] == 1 and v[2] == 2"));
}

#[derive(Deserialize, Debug, PartialEq)]
struct Config {
    name: String,
    port: u16,
    debug: bool,
    ratio: f32,
    servers: Vec<Server>,
    limits: HashMap<String, u64>,
    mode: Mode,
    fallback: Option<Box<Config>>,
    #[serde(default)]
    missing: Vec<i32>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Server {
    host: String,
    weight: Option<i32>,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Mode {
    Fast,
    Safe { retries: u8 },
}

#[test]
fn struct_read_from_a_table_built_by_lua() {
    let lua = lua_all();
    let source = r#"
        local servers = {}
        for i = 1, 3 do
            servers[#servers + 1] = { host = "h" .. i, weight = (i ~= 2) and i * 10 or nil }
        end
        local cfg = {
            name = "svc", port = 8080, debug = false, ratio = 0.25,
            servers = servers,
            limits = { cpu = 4, [1] = 7 },
            mode = { safe = { retries = 3 } },
            fallback = { name = "backup", port = 9, debug = true, ratio = 1, servers = {},
                         limits = {}, mode = "fast" },
            ignored = function() end,
            [42] = "a number key, ignored by a struct",
        }
        return cfg
    "#;
    let expected = Config {
        name: "svc".into(),
        port: 8080,
        debug: false,
        ratio: 0.25,
        servers: vec![
            Server { host: "h1".into(), weight: Some(10) },
            Server { host: "h2".into(), weight: None },
            Server { host: "h3".into(), weight: Some(30) },
        ],
        limits: HashMap::from([("cpu".into(), 4), ("1".into(), 7)]),
        mode: Mode::Safe { retries: 3 },
        fallback: Some(Box::new(Config {
            name: "backup".into(),
            port: 9,
            debug: true,
            ratio: 1.0,
            servers: vec![],
            limits: HashMap::new(),
            mode: Mode::Fast,
            fallback: None,
            missing: vec![],
        })),
        missing: vec![],
    };
    // Through a Value handle, through FromLua, and in place from the results.
    let value: Value = lua.exec(source).unwrap();
    assert_eq!(lua.from_value::<Config>(value).unwrap(), expected);
    let Serde(cfg): Serde<Config> = lua.exec(source).unwrap();
    assert_eq!(cfg, expected);
    let Wrapped(cfg): Wrapped<Config> = lua.exec(source).unwrap();
    assert_eq!(cfg, expected);

    // Type mismatches are conversion errors with serde's message.
    let e = lua.from_value::<Config>(lua.exec::<Value>("return { name = 1 }").unwrap()).unwrap_err();
    assert!(matches!(e, Error::Conversion { .. }));
    assert!(e.message().contains("invalid type: integer `1`, expected a string"), "{}", e.message());
    let e = lua.from_value::<Config>(lua.exec::<Value>("return { name = 'x' }").unwrap()).unwrap_err();
    assert!(e.message().contains("missing field `port`"), "{}", e.message());
    let e = lua.from_value::<Server>(lua.exec::<Value>("return { host = print }").unwrap()).unwrap_err();
    assert!(e.message().contains("Lua function"), "{}", e.message());
    // The state is untouched by failures.
    assert_eq!(lua.exec::<i64>("return 1 + 1").unwrap(), 2);
}

#[test]
fn sequences_with_holes_and_the_array_rule() {
    let lua = lua_all();
    // None inside a sequence is a hole; it reads back.
    let holes = vec![Some(1), None, Some(3), None, Some(5)];
    assert!(lua_sees(&lua, &holes, "v[1] == 1 and v[2] == nil and v[5] == 5"));
    assert_eq!(round_trip(&lua, &holes), holes);
    // Trailing Nones of a Vec are lost (a table cannot hold them)...
    assert_eq!(round_trip(&lua, &vec![Some(1), None]), vec![Some(1)]);
    // ...but those of a tuple are not.
    assert_eq!(round_trip(&lua, &(Some(1), None::<i32>, None::<i32>)), (Some(1), None, None));
    // A sequence needs positive integer keys filling at least half of 1..n.
    let e = lua.from_value::<Vec<Option<i32>>>(lua.exec::<Value>("return {[1] = 1, [100] = 2}").unwrap()).unwrap_err();
    assert!(e.message().contains("invalid type: map, expected a sequence"), "{}", e.message());
    let e = lua.from_value::<Vec<i32>>(lua.exec::<Value>("return {1, 2, x = 3}").unwrap()).unwrap_err();
    assert_eq!(e.code(), "LUA_CONVERSION");
    let v: Vec<i32> = lua.from_value(lua.exec::<Value>("local t = {} t[3] = 30 t[1] = 10 t[2] = 20 return t").unwrap()).unwrap();
    assert_eq!(v, vec![10, 20, 30]);
    // A tuple with too many items.
    let e = lua.from_value::<(i32, i32)>(lua.exec::<Value>("return {1, 2, 3}").unwrap()).unwrap_err();
    assert!(e.message().contains("invalid length 3"), "{}", e.message());
    // Self-describing reads use the crate's array rule: {} and {1, 2} are
    // sequences, anything else a map; keys that are numbers read as text
    // where strings are wanted.
    let Wrapped(any): Wrapped<Vec<Untagged>> = lua.exec("return {{}, {1, 2}}").unwrap();
    assert_eq!(any, vec![Untagged::List(vec![]), Untagged::List(vec![Untagged::Number(1), Untagged::Number(2)])]);
    let Wrapped(m): Wrapped<HashMap<String, i32>> = lua.exec("return {5, 6, [2.5] = 7}").unwrap();
    assert_eq!(m, HashMap::from([("1".into(), 5), ("2".into(), 6), ("2.5".into(), 7)]));
    // A map read from an array-shaped table.
    let Wrapped(m): Wrapped<BTreeMap<u8, String>> = lua.exec("return {'a', 'b'}").unwrap();
    assert_eq!(m, BTreeMap::from([(1, "a".into()), (2, "b".into())]));
}

#[test]
fn tables_with_metatables_read_raw() {
    let lua = lua_all();
    let source = "return setmetatable({host = 'raw'}, {__index = function() return 'meta' end})";
    let Serde(server): Serde<Server> = lua.exec(source).unwrap();
    assert_eq!(server, Server { host: "raw".into(), weight: None });
    let Serde(v): Serde<Vec<i32>> = lua.exec("return setmetatable({1, 2}, {})").unwrap();
    assert_eq!(v, vec![1, 2]);
}

/// A chain of `n` nested tables.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Node {
    next: Option<Box<Node>>,
}

fn chain(n: usize) -> Node {
    let mut node = Node { next: None };
    for _ in 1..n {
        node = Node { next: Some(Box::new(node)) };
    }
    node
}

#[test]
fn depth_limit_both_ways() {
    let lua = lua_all();
    // The top value is depth 0: MAX_DEPTH + 1 nested tables fit, one more does not.
    let deepest = chain(MAX_DEPTH + 1);
    let value = lua.to_value(&deepest).unwrap();
    assert_eq!(lua.from_value::<Node>(value).unwrap(), deepest);
    let e = lua.to_value(&chain(MAX_DEPTH + 2)).unwrap_err();
    assert!(matches!(e, Error::Conversion { .. }));
    assert_eq!(e.message(), DEPTH_MESSAGE);
    // Far deeper: still a clean error, through every shape of container.
    let mut deep = serde_nested_vec(500);
    assert_eq!(lua.to_value(&deep).unwrap_err().message(), DEPTH_MESSAGE);
    deep = serde_nested_vec(MAX_DEPTH);
    assert!(lua.to_value(&deep).is_ok());

    // Lua builds tables deeper than the limit, or cyclic ones.
    lua.exec::<()>("function nest(n) local t = {} for i = 1, n do t = {next = t} end return t end").unwrap();
    let ok: Value = lua.exec(&format!("return nest({MAX_DEPTH})")).unwrap();
    assert!(lua.from_value::<Node>(ok).is_ok());
    let too_deep: Value = lua.exec(&format!("return nest({})", MAX_DEPTH + 1)).unwrap();
    assert_eq!(lua.from_value::<Node>(too_deep).unwrap_err().message(), DEPTH_MESSAGE);
    let cyclic: Value = lua.exec("local t = {} t.next = t return t").unwrap();
    let e = lua.from_value::<Node>(cyclic.clone()).unwrap_err();
    assert_eq!(e.code(), "LUA_CONVERSION");
    assert_eq!(e.message(), DEPTH_MESSAGE);
    let e = lua.from_value::<Untagged>(lua.exec::<Value>("local t = {} t[1] = t return t").unwrap()).unwrap_err();
    assert_eq!(e.message(), DEPTH_MESSAGE);
    // A struct that ignores the cyclic field is fine.
    #[derive(Deserialize)]
    struct Shallow {}
    assert!(lua.from_value::<Shallow>(cyclic).is_ok());
    // The state is clean afterwards.
    assert_eq!(lua.exec::<i64>("return 3").unwrap(), 3);
}

/// `[[[...]]]`, `n` levels of lists around an empty one.
fn serde_nested_vec(n: usize) -> Untagged {
    let mut v = Untagged::List(vec![]);
    for _ in 0..n {
        v = Untagged::List(vec![v]);
    }
    v
}

#[test]
fn conversions_under_a_memory_limit() {
    let lua = Lua::with_options(LuaOptions { memory_limit: 64 * 1024, ..Default::default() }).unwrap();
    // Small values still work.
    let p = person();
    assert_eq!(round_trip(&lua, &p), p);

    // Big values fail with a memory error, never an abort: wide tables,
    // long strings, many small tables, big maps.
    let big_vec: Vec<i64> = (0..100_000).collect();
    let e = lua.to_value(&big_vec).unwrap_err();
    assert_eq!(e.code(), "LUA_MEMORY", "{e}");
    let big_string = "x".repeat(200 * 1024);
    assert_eq!(lua.to_value(&big_string).unwrap_err().code(), "LUA_MEMORY");
    let many: Vec<Person> = vec![person(); 500];
    assert_eq!(lua.to_value(&many).unwrap_err().code(), "LUA_MEMORY");
    let map: HashMap<String, u32> = (0..20_000).map(|i| (format!("key{i}"), i)).collect();
    assert_eq!(lua.to_value(&map).unwrap_err().code(), "LUA_MEMORY");
    // Pushing straight onto the stack, too: it leaves nothing behind.
    let e = lua
        .with_stack(|stack| {
            let top = stack.top();
            let r = stack.push_serialize(&many);
            assert_eq!(stack.top(), top);
            r
        })
        .unwrap_err();
    assert_eq!(e.code(), "LUA_MEMORY");
    assert_eq!(lua.set_global("g", Serde(&big_vec)).unwrap_err().code(), "LUA_MEMORY");

    // Each failure at every point of the way: walk the limit up from where
    // the state is, so an allocation fails at each step in turn.
    let used = lua.memory_used();
    let value = vec![person(), person()];
    let mut failures = 0;
    for extra in (0..16 * 1024).step_by(64) {
        lua.set_memory_limit(used + extra);
        match lua.to_value(&value) {
            Ok(v) => {
                lua.set_memory_limit(0);
                assert_eq!(lua.from_value::<Vec<Person>>(v).unwrap(), value);
                break;
            }
            Err(e) => {
                assert_eq!(e.code(), "LUA_MEMORY", "{e}");
                failures += 1;
            }
        }
        lua.exec::<()>("collectgarbage()").ok();
    }
    assert!(failures > 10);

    // The state stays usable, and reads (which allocate nothing in Lua) work
    // right at the limit.
    lua.set_memory_limit(64 * 1024);
    assert_eq!(lua.exec::<i64>("return 40 + 2").unwrap(), 42);
    let t: Value = lua.exec("local t = {} for i = 1, 100 do t[i] = i end return t").unwrap();
    lua.set_memory_limit(lua.memory_used());
    let read: Vec<i64> = lua.from_value(t).unwrap();
    assert_eq!(read, (1..=100).collect::<Vec<_>>());
}

#[test]
fn values_from_another_state_and_non_data_values() {
    let lua = lua_all();
    let other = Lua::new();
    let t = other.to_value(&vec![1]).unwrap();
    let e = lua.from_value::<Vec<i32>>(t).unwrap_err();
    assert_eq!(e.code(), "LUA_API");
    let f: Value = lua.exec("return print").unwrap();
    let e = lua.from_value::<i32>(f).unwrap_err();
    assert_eq!(e.code(), "LUA_CONVERSION");
    assert!(e.message().contains("Lua function"), "{}", e.message());
    let co: Value = lua.exec("return coroutine.create(print)").unwrap();
    assert!(lua.from_value::<Option<String>>(co).unwrap_err().message().contains("Lua coroutine"));
    // Map keys that cannot be Lua keys.
    let e = lua.to_value(&HashMap::from([(None::<i32>, 1)])).unwrap_err();
    assert!(e.message().contains("nil"), "{}", e.message());
    assert!(lua.to_value(&vec![f64::NAN]).is_ok(), "a NaN item is fine");
    #[derive(Serialize)]
    struct NanKey(#[serde(serialize_with = "nan_key_map")] ());
    fn nan_key_map<S: serde::Serializer>(_: &(), s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(&f64::NAN, &1)?;
        m.end()
    }
    let e = lua.to_value(&NanKey(())).unwrap_err();
    assert!(e.message().contains("NaN"), "{}", e.message());
    // Errors from a Serialize impl keep their text.
    struct Refuses;
    impl Serialize for Refuses {
        fn serialize<S: serde::Serializer>(&self, _s: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("not today"))
        }
    }
    let e = lua.to_value(&vec![Refuses]).unwrap_err();
    assert!(matches!(&e, Error::Conversion { message } if message == "not today"));
}

#[test]
fn serde_values_as_arguments_and_results() {
    let lua = lua_all();
    let scale = lua
        .create_function(|lua, args: lua_core::MultiValue| {
            let mut points: Vec<(f64, f64)> = lua.from_value(args.0.into_iter().next().unwrap_or_default())?;
            for p in &mut points {
                p.0 *= 2.0;
                p.1 *= 2.0;
            }
            Ok(Serde(points))
        })
        .unwrap();
    lua.set_global("scale", scale).unwrap();
    let Serde(out): Serde<Vec<(f64, f64)>> = lua.exec("local r = scale({{1, 2}, {3, 4}}) return r").unwrap();
    assert_eq!(out, vec![(2.0, 4.0), (6.0, 8.0)]);
    let f: lua_core::Function = lua.exec("return function(p) return p.name .. '!' end").unwrap();
    let s: String = f.call(Serde(&person())).unwrap();
    assert_eq!(s, "Ada!");
}

#[test]
fn reads_and_failed_pushes_leave_the_stack_as_they_found_it() {
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Strict {
        a: Vec<(i32, Shape)>,
    }
    let lua = lua_all();
    let good: Value = lua.exec("return {a = {{1, 'Empty'}, {2, {Circle = 1}}}}").unwrap();
    let bad: Value = lua.exec("return {a = {{1, 'Empty'}, {2, {Circle = 'x'}}}}").unwrap();
    lua.with_stack(|stack| {
        let top = stack.top();
        for value in [good, bad] {
            lua_core::IntoLua::push_into(value, stack)?;
            let v = stack.value(-1);
            let before = stack.top();
            let _ = v.deserialize::<Strict>();
            let _ = v.deserialize::<HashMap<String, Vec<Vec<Untagged>>>>();
            let _ = v.deserialize::<Vec<i32>>();
            let _ = v.deserialize::<Shape>();
            assert_eq!(stack.top(), before);
            stack.pop(1);
        }
        assert_eq!(stack.top(), top);
        // A push that fails halfway removes its partial tables.
        let e = stack.push_serialize(&vec![Untagged::Number(1), serde_nested_vec(200)]).unwrap_err();
        assert_eq!(e.message(), DEPTH_MESSAGE);
        assert_eq!(stack.top(), top);
        Ok(())
    })
    .unwrap();
    let e = lua
        .from_value::<Strict>(lua.exec::<Value>("return {a = {{1, 'Empty'}, {2, {Circle = 'x'}}}}").unwrap())
        .unwrap_err();
    assert!(e.message().contains("invalid type: string \"x\", expected f64"), "{}", e.message());
}
