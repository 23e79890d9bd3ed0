//! Closing a state (issue 18): once the last finalizer has run, lua-sys
//! frees the string table first and each short string without unlinking it
//! (lgc.c's patch). Finalizers at close must still run with a working
//! string table: they intern strings, make garbage until the memory limit
//! forces emergency collections (which free strings the normal way), and
//! report through a file, since host functions do nothing while a state
//! closes.

use lua_core::{Lua, Preset};

fn marker(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("lua-core-close-{}-{name}", std::process::id()))
}

#[test]
fn finalizers_at_close_intern_strings_and_collect() {
    for (i, limit) in [0usize, 256 << 10].into_iter().enumerate() {
        let path = marker(&format!("{i}"));
        let _ = std::fs::remove_file(&path);
        let lua = Lua::builder().preset(Preset::All).memory_limit(limit).build().unwrap();
        lua.set_global("MARKER", path.to_str().unwrap()).unwrap();
        lua.exec::<()>(
            r#"
            local path = MARKER
            for i = 1, 3 do
              setmetatable({}, {__gc = function()
                -- new strings, and strings already interned
                local seen, garbage = {}, {}
                for k = 1, 2000 do
                  local s = 'close-' .. i .. '-' .. k
                  seen[#seen + 1] = s
                  garbage[k % 50 + 1] = string.rep(s, 20)
                end
                local ok = pcall(function() local t = {} for k = 1, 1e6 do t[k] = 'x' .. k end end)
                local f = io.open(path, 'a')
                f:write(i, ' ', #seen, ' ', tostring(seen[2000] == 'close-' .. i .. '-2000'), ' ', tostring(ok), '\n')
                f:close()
              end})
            end
            for k = 1, 5000 do local _ = 'live-' .. k end
            "#,
        )
        .unwrap();
        lua.close().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        let mut lines: Vec<&str> = text.lines().collect();
        lines.sort();
        // Without a limit the million strings fit; with one, the limit
        // refuses them after emergency collections, inside the pcall.
        let ok = if limit == 0 { "true" } else { "false" };
        let want: Vec<String> = (1..=3).map(|i| format!("{i} 2000 true {ok}")).collect();
        assert_eq!(lines, want, "limit {limit}: {text}");
    }
}

#[test]
fn many_states_with_many_strings_close_cleanly() {
    for n in [0, 10, 1000, 20000] {
        let lua = Lua::builder().preset(Preset::All).build().unwrap();
        let count: i64 = lua
            .exec(&format!("local t = {{}} for i = 1, {n} do t[i] = 's' .. i end collectgarbage() return #t"))
            .unwrap();
        assert_eq!(count, n);
        lua.close().unwrap();
        assert_eq!(lua.memory_used(), 0, "every block given back");
    }
}
