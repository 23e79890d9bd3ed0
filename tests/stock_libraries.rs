//! A new state's libraries are what stock Lua 5.5 opens (issue 18: lua-sys
//! opens them with fewer steps, csrc/lua_native_open.c, and frees a closed
//! state's strings without unlinking them). mlua's vendored Lua is the
//! stock reference: every library table, `_G`, `package.loaded`, the string
//! and file metatables, and the registry's string keys are described by the
//! same script in both and compared (names, types, values of the
//! non-function fields, `#`, metatables, `pairs` counts).

const DESCRIBE: &str = r#"
local out = {}
local function add(s) out[#out + 1] = s end
local skip = { path = true, cpath = true }  -- package's search paths read the environment
local function fields(name, t, deep)
  local ks, n = {}, 0
  for k in pairs(t) do n = n + 1 ks[#ks + 1] = k end
  table.sort(ks, function(a, b) return tostring(a) < tostring(b) end)
  add(name .. ': ' .. n .. ' pairs, #' .. #t .. ', rawlen ' .. rawlen(t) .. ', metatable ' .. type(getmetatable(t)))
  for _, k in ipairs(ks) do
    local v = rawget(t, k)
    local d = type(k) .. ' ' .. tostring(k) .. ' = ' .. type(v)
    if (type(v) == 'number' or type(v) == 'boolean' or type(v) == 'string') and not skip[k] then
      local text = tostring(v):gsub('[^%w%p ]', function(c) return ('\\x%02x'):format(c:byte()) end)
      d = d .. ' ' .. (math.type(v) or '-') .. ' ' .. text
    end
    add('  ' .. d)
    if deep and type(v) == 'table' and v ~= t and k ~= '_G' and k ~= 'loaded' then fields(name .. '.' .. tostring(k), v, false) end
  end
end
fields('_G', _G, true)
fields('package.loaded', package.loaded, false)
local lk = {}
for k, v in pairs(package.loaded) do lk[#lk + 1] = 'loaded ' .. k .. ' is _G.' .. k .. ': ' .. tostring(v == _G[k]) end
table.sort(lk)
add(table.concat(lk, '\n'))
local smt = getmetatable('')
fields('string metatable', smt, false)
add('string __index is string: ' .. tostring(smt.__index == string))
local fmt = getmetatable(io.stdout)
fields('file metatable', fmt, false)
fields('file methods', fmt.__index, false)
add('files: ' .. io.type(io.stdin) .. ' ' .. io.type(io.stdout) .. ' ' .. io.type(io.stderr))
for i, f in ipairs(package.searchers) do add('searcher ' .. i .. ' ' .. type(f)) end
local reg = debug.getregistry()
local rk = {}
for k, v in pairs(reg) do
  -- (lua-core's own entries: its runtime pointer and metatables)
  if type(k) == 'string' and not (k:find('^_?lua_core_') or k:find('^lua_native_')) then rk[#rk + 1] = k .. ' ' .. type(v) end
end
table.sort(rk)
add('registry: ' .. table.concat(rk, ', '))
add('errors: ' .. select(2, pcall(string.rep)) .. ' | ' .. select(2, pcall(math.floor, 'x')))
return table.concat(out, '\n')
"#;

fn stock() -> String {
    // SAFETY: `unsafe_new` only means that the debug library is open (and
    // that C modules could be loaded); the script loads none.
    let m = unsafe { mlua::Lua::unsafe_new() };
    m.load(DESCRIBE).eval::<String>().unwrap()
}

#[test]
fn every_library_is_what_stock_lua_opens() {
    let expected = stock();
    assert!(expected.lines().count() > 200, "the description covers the libraries:\n{expected}");
    for _ in 0..3 {
        let lua = lua_core::Lua::builder().preset(lua_core::Preset::All).build().unwrap();
        let got = lua.exec::<String>(DESCRIBE).unwrap();
        let diff: Vec<String> = got
            .lines()
            .zip(expected.lines())
            .filter(|(a, b)| a != b)
            .map(|(a, b)| format!("lua-core: {a}\n   stock: {b}"))
            .collect();
        assert!(diff.is_empty() && got.lines().count() == expected.lines().count(), "{}", diff.join("\n"));
        lua.close().unwrap();
    }
}
