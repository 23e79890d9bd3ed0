//! Patches to Lua's standard libraries: places where library code can run
//! for a long time inside C without executing a VM instruction (so no hook
//! fires and no limit could stop it), and the work the libraries do for the
//! work budget (`lua_native_charge`, csrc/lua_native_user.h).
//!
//! Each entry is `(anchor, replacement, count)`: the anchor must match exactly
//! `count` times, or the build stops (see `patched` in main.rs).

/// Library code that can run for minutes inside C without executing a VM
/// instruction, so that no hook fires and no limit could stop it. Each place
/// gets a call to `lua_native_match_step`, which lets the embedding check its
/// limits every 1024 steps (csrc/lua_native_hooks.c):
/// * the pattern matcher: every pass through `match()` (its `goto init` loop
///   included) and every character `%b` scans
///   (`string.find(("a"):rep(1e4), ".-.-.-.-b")`);
/// * the plain search, quadratic in the worst case, goes to
///   `lua_native_lmemfind`, the same algorithm with a charge per comparison
///   (`string.find(("a"):rep(4e6), ("a"):rep(2e6) .. "b", 1, true)`);
/// * the element loops of `table.move`, `table.insert` and `table.remove`
///   (`table.move({}, 1, 1e12, 2)`).
///
/// Each anchor must match exactly the given number of times, or the build
/// stops: a new Lua release is then checked by hand rather than patched blindly.
pub const LSTRLIB_PATCH: &[(&str, &str, usize)] = &[
    (
        "  init: /* using goto to optimize tail recursion */\n",
        "  init: /* using goto to optimize tail recursion */\n  lua_native_match_step(ms->L);  /* lua-sys: let limits interrupt matching */\n",
        1,
    ),
    (
        "    while (++s < ms->src_end) {\n      if (*s == e) {",
        "    while (++s < ms->src_end) {\n      lua_native_match_step(ms->L);  /* lua-sys: interruptible */\n      if (*s == e) {",
        1,
    ),
    (
        "    const char *s2 = lmemfind(s + init, ls - init, p, lp);",
        "    const char *s2 = lua_native_lmemfind(L, s + init, ls - init, p, lp);  /* lua-sys: interruptible */",
        1,
    ),
    // The work budget (`lua_native_charge`, csrc/lua_native_user.h): charged
    // before the work where its size is known (after the result's buffer is
    // allocated, so that `maxMemory` still refuses an oversized result
    // first), else as it is done.
    (
        "  if (start <= end)\n    lua_pushlstring(L, s + start - 1, (end - start) + 1);",
        "  if (start <= end)  /* lua-sys: work budget */\n    lua_native_charge(L, lua_native_copy_units((end - start) + 1));\n  if (start <= end)\n    lua_pushlstring(L, s + start - 1, (end - start) + 1);",
        1,
    ),
    (
        // string.reverse, string.lower, string.upper
        "  const char *s = luaL_checklstring(L, 1, &l);\n  char *p = luaL_buffinitsize(L, &b, l);\n",
        "  const char *s = luaL_checklstring(L, 1, &l);\n  char *p = luaL_buffinitsize(L, &b, l);\n  lua_native_charge(L, lua_native_scan_units(l));  /* lua-sys: work budget */\n",
        3,
    ),
    (
        "    size_t totallen = (cast_sizet(n) * (len + lsep)) - lsep;\n    luaL_Buffer b;\n    char *p = luaL_buffinitsize(L, &b, totallen);\n",
        "    size_t totallen = (cast_sizet(n) * (len + lsep)) - lsep;\n    luaL_Buffer b;\n    char *p = luaL_buffinitsize(L, &b, totallen);\n    lua_native_charge(L, lua_native_copy_units(totallen) + cast_sizet(n));  /* lua-sys: work budget */\n",
        1,
    ),
    (
        "  luaL_checkstack(L, n, \"string slice too long\");\n  for (i=0; i<n; i++)",
        "  lua_native_charge(L, cast_sizet(n));  /* lua-sys: work budget */\n  luaL_checkstack(L, n, \"string slice too long\");\n  for (i=0; i<n; i++)",
        1,
    ),
    (
        "  char *p = luaL_buffinitsize(L, &b, cast_uint(n));\n  for (i=1; i<=n; i++) {",
        "  char *p = luaL_buffinitsize(L, &b, cast_uint(n));\n  lua_native_charge(L, cast_sizet(n));  /* lua-sys: work budget */\n  for (i=1; i<=n; i++) {",
        1,
    ),
    (
        // string.dump's writer (raising there is as good as its memory errors)
        "  else\n    luaL_addlstring(&state->B, (const char *)b, size);",
        "  else {\n    lua_native_charge(L, 1 + lua_native_copy_units(size));  /* lua-sys: work budget */\n    luaL_addlstring(&state->B, (const char *)b, size);\n  }",
        1,
    ),
    (
        // string.format: %q quotes byte by byte
        "          addliteral(L, &b, arg);\n",
        "          size_t lua_native_n0 = luaL_bufflen(&b);  /* lua-sys: work budget */\n          addliteral(L, &b, arg);\n          lua_native_charge(L, lua_native_scan_units(luaL_bufflen(&b) - lua_native_n0));\n",
        1,
    ),
    (
        // string.format: the format string, each item, the result
        "      luaL_addsize(&b, cast_uint(nb));\n    }\n  }\n  luaL_pushresult(&b);",
        "      luaL_addsize(&b, cast_uint(nb));\n    }\n  }\n  lua_native_charge(L, sfl + lua_native_copy_units(luaL_bufflen(&b)) + LUA_NATIVE_FORMAT_ITEM * cast_sizet(arg - 1));  /* lua-sys: work budget */\n  luaL_pushresult(&b);",
        1,
    ),
    (
        // string.gsub: each replacement as it is added, then the tail
        "      changed = add_value(&ms, &b, src, e, tr) || changed;\n",
        "      size_t lua_native_n0 = luaL_bufflen(&b);  /* lua-sys: work budget */\n      changed = add_value(&ms, &b, src, e, tr) || changed;\n      lua_native_charge(L, LUA_NATIVE_ELEMENT + lua_native_copy_units(luaL_bufflen(&b) - lua_native_n0));\n",
        1,
    ),
    (
        "    luaL_addlstring(&b, src, ct_diff2sz(ms.src_end - src));\n    luaL_pushresult(&b);  /* create and return new string */",
        "    lua_native_charge(L, lua_native_copy_units(luaL_bufflen(&b) + ct_diff2sz(ms.src_end - src)));  /* lua-sys: work budget */\n    luaL_addlstring(&b, src, ct_diff2sz(ms.src_end - src));\n    luaL_pushresult(&b);  /* create and return new string */",
        1,
    ),
    (
        // string.pack, string.packsize, string.unpack: the format string
        "  initheader(L, &h);\n",
        "  initheader(L, &h);\n  lua_native_charge(L, strlen(fmt));  /* lua-sys: work budget */\n",
        3,
    ),
    (
        "  luaL_pushresult(&b);\n  return 1;\n}\n\n\nstatic int str_packsize",
        "  lua_native_charge(L, lua_native_copy_units(luaL_bufflen(&b)));  /* lua-sys: work budget */\n  luaL_pushresult(&b);\n  return 1;\n}\n\n\nstatic int str_packsize",
        1,
    ),
    (
        "  luaL_argcheck(L, pos <= ld, 3, \"initial position out of string\");\n",
        "  luaL_argcheck(L, pos <= ld, 3, \"initial position out of string\");\n  size_t lua_native_pos0 = pos;  /* lua-sys: work budget */\n",
        1,
    ),
    (
        "  lua_pushinteger(L, cast_st2S(pos) + 1);  /* next position */\n  return n + 1;",
        "  lua_native_charge(L, cast_sizet(n) + lua_native_copy_units(pos - lua_native_pos0));  /* lua-sys: work budget */\n  lua_pushinteger(L, cast_st2S(pos) + 1);  /* next position */\n  return n + 1;",
        1,
    ),
];
pub const LTABLIB_PATCH: &[(&str, &str, usize)] = &[
    (
        "        lua_geti(L, 1, i - 1);\n        lua_seti(L, 1, i);  /* t[i] = t[i - 1] */",
        "        lua_native_match_step(L);  /* lua-sys: interruptible */\n        lua_geti(L, 1, i - 1);\n        lua_seti(L, 1, i);  /* t[i] = t[i - 1] */",
        1,
    ),
    (
        "    lua_geti(L, 1, pos + 1);\n    lua_seti(L, 1, pos);  /* t[pos] = t[pos + 1] */",
        "    lua_native_match_step(L);  /* lua-sys: interruptible */\n    lua_geti(L, 1, pos + 1);\n    lua_seti(L, 1, pos);  /* t[pos] = t[pos + 1] */",
        1,
    ),
    (
        "        lua_geti(L, 1, f + i);\n        lua_seti(L, tt, t + i);",
        "        lua_native_match_step(L);  /* lua-sys: interruptible */\n        lua_geti(L, 1, f + i);\n        lua_seti(L, tt, t + i);",
        2,
    ),
    // The work budget (`lua_native_charge`, csrc/lua_native_user.h).
    (
        // table.concat: each element (and its bytes), each separator
        "                  luaL_typename(L, -1), (LUAI_UACINT)i);\n  luaL_addvalue(b);",
        "                  luaL_typename(L, -1), (LUAI_UACINT)i);\n  lua_native_charge(L, 2 * LUA_NATIVE_ELEMENT + lua_native_copy_units(lua_rawlen(L, -1)));  /* lua-sys: work budget */\n  luaL_addvalue(b);",
        1,
    ),
    (
        "    addfield(L, &b, i);\n    luaL_addlstring(&b, sep, lsep);",
        "    addfield(L, &b, i);\n    lua_native_charge(L, 1 + lua_native_copy_units(lsep));  /* lua-sys: work budget */\n    luaL_addlstring(&b, sep, lsep);",
        1,
    ),
    (
        // table.pack
        "  int n = lua_gettop(L);  /* number of elements to pack */\n  lua_createtable(L, n, 1);",
        "  int n = lua_gettop(L);  /* number of elements to pack */\n  lua_native_charge(L, cast_sizet(n) * LUA_NATIVE_ELEMENT);  /* lua-sys: work budget */\n  lua_createtable(L, n, 1);",
        1,
    ),
    (
        // table.unpack (the count is checked first: at most a million)
        "    return luaL_error(L, \"too many results to unpack\");\n",
        "    return luaL_error(L, \"too many results to unpack\");\n  lua_native_charge(L, cast_sizet(n) * LUA_NATIVE_ELEMENT);  /* lua-sys: work budget */\n",
        1,
    ),
    (
        // table.sort: each comparison
        "static int sort_comp (lua_State *L, int a, int b) {\n",
        "static int sort_comp (lua_State *L, int a, int b) {\n  lua_native_charge(L, LUA_NATIVE_SORT_COMPARE);  /* lua-sys: work budget */\n",
        1,
    ),
];

/// The work budget in the utf8 library (`lua_native_charge`): the bytes a
/// function decodes or scans, the values it pushes.
pub const LUTF8LIB_PATCH: &[(&str, &str, usize)] = &[
    (
        // utf8.len
        "  while (posi <= posj) {\n    const char *s1 = utf8_decode(s + posi, NULL, !lax);",
        "  if (posi <= posj)  /* lua-sys: work budget */\n    lua_native_charge(L, LUA_NATIVE_UTF8_BYTE * cast_sizet(posj - posi + 1));\n  while (posi <= posj) {\n    const char *s1 = utf8_decode(s + posi, NULL, !lax);",
        1,
    ),
    (
        // utf8.codepoint
        "  luaL_checkstack(L, n, \"string slice too long\");\n  n = 0;  /* count the number of returns */",
        "  luaL_checkstack(L, n, \"string slice too long\");\n  lua_native_charge(L, (LUA_NATIVE_UTF8_BYTE + 1) * cast_sizet(n));  /* lua-sys: work budget */\n  n = 0;  /* count the number of returns */",
        1,
    ),
    (
        // utf8.char
        "    luaL_buffinit(L, &b);\n    for (i = 1; i <= n; i++) {\n      pushutfchar(L, i);",
        "    lua_native_charge(L, LUA_NATIVE_ELEMENT * cast_sizet(n));  /* lua-sys: work budget */\n    luaL_buffinit(L, &b);\n    for (i = 1; i <= n; i++) {\n      pushutfchar(L, i);",
        1,
    ),
    (
        // utf8.offset: the bytes it moves over
        "  luaL_argcheck(L, 1 <= posi && --posi <= (lua_Integer)len, 3,\n                   \"position out of bounds\");\n",
        "  luaL_argcheck(L, 1 <= posi && --posi <= (lua_Integer)len, 3,\n                   \"position out of bounds\");\n  lua_Integer lua_native_pos0 = posi;  /* lua-sys: work budget */\n",
        1,
    ),
    (
        "  if (n != 0) {  /* did not find given character? */",
        "  lua_native_charge(L, lua_native_scan_units(cast_sizet(posi >= lua_native_pos0 ? posi - lua_native_pos0 : lua_native_pos0 - posi)));  /* lua-sys: work budget */\n  if (n != 0) {  /* did not find given character? */",
        1,
    ),
    (
        "    while (iscontp(s + posi + 1))\n      posi++;  /* skip to last continuation byte */",
        "    lua_native_pos0 = posi;  /* lua-sys: work budget */\n    while (iscontp(s + posi + 1))\n      posi++;  /* skip to last continuation byte */\n    lua_native_charge(L, lua_native_scan_units(cast_sizet(posi - lua_native_pos0)));",
        1,
    ),
];

/// The work budget in the base library (`lua_native_charge`).
pub const LBASELIB_PATCH: &[(&str, &str, usize)] = &[
    (
        // print: the bytes it writes
        "    lua_writestring(s, l);  /* print it */",
        "    lua_native_charge(L, 1 + lua_native_copy_units(l));  /* lua-sys: work budget */\n    lua_writestring(s, l);  /* print it */",
        1,
    ),
    (
        // tostring: the string it builds (a string argument is returned as is)
        "  luaL_checkany(L, 1);\n  luaL_tolstring(L, 1, NULL);\n  return 1;",
        "  size_t l;\n  luaL_checkany(L, 1);\n  luaL_tolstring(L, 1, &l);\n  if (lua_type(L, 1) != LUA_TSTRING)  /* lua-sys: work budget */\n    lua_native_charge(L, lua_native_copy_units(l));\n  return 1;",
        1,
    ),
    (
        // load: the source it compiles, charged before compiling
        "    status = luaL_loadbufferx(L, s, l, chunkname, mode);",
        "    lua_native_charge(L, LUA_NATIVE_LOAD_BYTE * l);  /* lua-sys: work budget */\n    status = luaL_loadbufferx(L, s, l, chunkname, mode);",
        1,
    ),
    (
        // load with a reader function: each piece (raising here is a load
        // error, as a bad piece is)
        "  return lua_tolstring(L, -1, size);\n}",
        "  {\n    const char *piece = lua_tolstring(L, -1, size);\n    lua_native_charge(L, LUA_NATIVE_LOAD_BYTE * *size);  /* lua-sys: work budget */\n    return piece;\n  }\n}",
        1,
    ),
    (
        // select: the values it returns
        "    luaL_argcheck(L, 1 <= i, 1, \"index out of range\");\n    return n - (int)i;",
        "    luaL_argcheck(L, 1 <= i, 1, \"index out of range\");\n    lua_native_charge(L, cast_sizet(n - (int)i));  /* lua-sys: work budget */\n    return n - (int)i;",
        1,
    ),
];
