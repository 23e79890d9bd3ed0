//! `Value: Display` writes numbers exactly as Lua's own `tostring` does.

use lua_core::{Lua, MultiValue, StdLib, Value};

#[test]
fn display_matches_tostring_for_many_floats() -> lua_core::Result<()> {
    let lua = Lua::with_libraries(StdLib::BASE | StdLib::MATH | StdLib::TABLE)?;
    // Pairs (value, tostring(value)) over magnitudes, fractions, powers of
    // two and random bits.
    let pairs: MultiValue = lua.exec(
        "math.randomseed(7)
         local out = {}
         local function add(v) out[#out + 1] = v; out[#out + 1] = tostring(v) end
         for e = -320, 308, 7 do add(1.5 * 10.0 ^ e); add(-(10.0 ^ e) / 3) end
         for k = 0, 63 do add(2.0 ^ k); add(2.0 ^ k + 0.5) end
         for _ = 1, 500 do add(math.random() * 10.0 ^ math.random(-20, 20)) end
         add(0.0); add(-0.0); add(1/0); add(-1/0); add(0.1); add(1e15); add(2^53 + 1.0)
         return table.unpack(out)",
    )?;
    let mut checked = 0;
    for pair in pairs.0.chunks(2) {
        let (Value::String(expected), v) = (&pair[1], &pair[0]) else { panic!("a pair") };
        assert_eq!(v.to_string(), String::from_utf8_lossy(expected), "{v:?}");
        checked += 1;
    }
    assert!(checked > 600);
    Ok(())
}
