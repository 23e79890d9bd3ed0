//! The VM's instruction counter (lvm.c).
//!
//! Counting instructions with a count hook costs about 2x on pure-Lua work:
//! any hook sends the VM through `luaG_traceexec` on every instruction. The
//! patch counts in the VM instead: one decrement per instruction; when the
//! counter runs out, the embedding charges the budget and, once it is spent,
//! raises there.
//!
//! The counter lives in a local of `luaV_execute` (a register), not in the
//! thread's extra space: a decrement of memory on every instruction is a
//! load and a store chained from one instruction to the next (about 4 % of
//! fib(30) against a register in a plain build of Lua; 3.5 % of the
//! instructions of lua-floor's fib(30)). The thread's extra space stays
//! the counter's home whenever the VM is not running straight-line code,
//! because everything else reads and writes it there (library charges, the
//! collector, a trip zeroing every thread's counter, a new budget):
//!   - the VM *stores* its count before every call out of the VM: Lua's
//!     `savepc` already precedes each one (errors need the pc), so the store
//!     rides on it; and when a frame of `luaV_execute` ends (`ret` with
//!     `CIST_FRESH`), and before hooks run from the fetch;
//!   - it *reloads* after every call out that may have charged or zeroed it:
//!     `Protect`, `ProtectNT`, `halfProtect`, a collector step, a C function
//!     returned (OP_CALL, OP_TAILCALL), OP_RETURN's closing and `poscall`,
//!     hooks; and on entering a Lua function (`startfunc`: a collector step
//!     in the stack check of the call may have run finalizers).
//!   - never elsewhere: `updatetrap` after a jump or a for-loop step is not
//!     a call out, and reloading there would forget what the loop counted.
//!
//! A store the VM skips would lose the work of whatever ran meanwhile
//! (a metamethod, a finalizer, a hook); lua-core's tests compare counts
//! through all of them. The few allocations lvm.c makes without `savepc`
//! (a table's presize in OP_NEWTABLE and OP_SETLIST) can run an emergency
//! collection, which runs no Lua code; its work is charged to the budget
//! directly (lgc.c's `lua_native_gcflush`), not to the counter.
//!
//! The counter also stands in for stock Lua's own per-instruction test of
//! `trap` (hooks on, or the stack moved): the fetch tests nothing but the
//! decrement, and wherever `trap` can turn on, `lua_native_arm` moves the count aside
//! (`banked`) and leaves the counter expired, so the next fetch takes the
//! slow path. There the count is put back and the steps run in stock
//! order: hooks first, then the budget (the hooks of an instruction run
//! before the step that may stop it, as with a count hook), and the counter
//! is armed again while `trap` stays on. `trap` changes only where the VM
//! assigns it, and every assignment is followed by an arm (`updatetrap`),
//! a reload (which arms), or the `returning` check that arms. (Before
//! this, the fetch ran stock Lua's test and then the decrement.) Timings
//! here follow the arrangement of the dispatch code more than instruction
//! counts: keeping the count biased by one, so that "out" is a sign test
//! (`sub; js`), ran 5 fewer instructions per fib call and 8 % slower on
//! this project's AMD machines; see docs/PERFORMANCE.md.
//!
//! The refill leaves the VM's local `trap` alone: it sets no hook and moves
//! no stack, and `trap` is sometimes off on purpose while the frame's is on
//! (a vararg function's hooks start after its VARARGPREP; reloading it there
//! reported the function's first line twice).
//!
//! A table read by a short-string key (`GETTABUP` for a global, `GETFIELD`,
//! `SELF` for `obj:method()`, `GETTABLE` with a string, and each `__index`
//! table `luaV_finishget` walks) probes the key's main position
//! inline, as stock Lua already does for integer keys, and walks the rest of
//! the chain in a helper of lvm.c's own (`lua_native_getshortstr_chain`,
//! kept out of line so that its register spills stay off the first probe's
//! path), instead of calling ltable.c's `luaH_getshortstr`: the same nodes
//! compared in the same order, the same tags returned (an empty value, a
//! dead key's, falls through to `__index` as before; the end of a chain is
//! `LUA_VABSTKEY`, the tag of ltable.c's `absentkey`). A write by a
//! short-string key (`SETTABUP`, `SETFIELD`, `SETTABLE`) replaces a value
//! found in the key's main position inline, the commonest case of `luaH_psetshortstr`, which does
//! everything else as before. On a field-heavy object loop the two are 9 %
//! fewer instructions and 13 % less time; mlua's stock Lua is the oracle in
//! `tests/field_reads_stock.rs`.
//!
//! Concatenation (`..`, and `lua_concat`) is one instruction whatever it
//! copies, so a long result also charges its bytes to the work budget,
//! without raising (`lua_concat` may be called from the host): a budget
//! spent that way stops the thread at its next VM step.

pub const LVM_PATCH: &[(&str, &str, usize)] = &[
    (
        "#define updatetrap(ci)  (trap = ci->u.l.trap)\n",
        concat!(
            "/* lua-sys: the instruction counter (see lua-sys/build/patches_vm.rs) */\n",
            "#define lua_native_arm()\t((void)(l_unlikely(trap) ? (banked += steps, steps = 0) : 0))\n",
            "#define lua_native_store()\t(lua_native_steps(L) = steps + banked)\n",
            "#define lua_native_load()\t(steps = lua_native_steps(L), banked = 0)\n",
            "#define lua_native_reload()\t(lua_native_load(), lua_native_arm())\n",
            "#define updatetrap(ci)  (trap = ci->u.l.trap, lua_native_arm())\n",
            "#define updatetrapc(ci)\t(trap = ci->u.l.trap, lua_native_reload())\n",
        ),
        1,
    ),
    ("#define savepc(ci)\t(ci->u.l.savedpc = pc)", "#define savepc(ci)\t(ci->u.l.savedpc = pc, lua_native_store())", 1),
    (
        "#define Protect(exp)  (savestate(L,ci), (exp), updatetrap(ci))",
        "#define Protect(exp)  (savestate(L,ci), (exp), updatetrapc(ci))",
        1,
    ),
    (
        "#define ProtectNT(exp)  (savepc(ci), (exp), updatetrap(ci))",
        "#define ProtectNT(exp)  (savepc(ci), (exp), updatetrapc(ci))",
        1,
    ),
    (
        "#define halfProtect(exp)  (savestate(L,ci), (exp))",
        "#define halfProtect(exp)  (savestate(L,ci), (exp), lua_native_reload())",
        1,
    ),
    // checkGC's `pos`, run after a collector step.
    ("                         updatetrap(ci)); \\", "                         updatetrapc(ci)); \\", 1),
    (
        concat!(
            "#define vmfetch()\t{ \\\n",
            "  if (l_unlikely(trap)) {  /* stack reallocation or hooks? */ \\\n",
            "    trap = luaG_traceexec(L, pc);  /* handle hooks */ \\\n",
            "    updatebase(ci);  /* correct stack */ \\\n",
            "  } \\\n",
            "  i = *(pc++); \\\n",
            "}",
        ),
        concat!(
            "#define vmfetch()\t{ \\\n",
            "  if (l_unlikely(--steps <= 0)) {  /* lua-sys: budget, hooks or stack */ \\\n",
            "    steps += banked + 1; banked = 0;  /* back to before this step */ \\\n",
            "    if (l_unlikely(trap)) {  /* stack reallocation or hooks? */ \\\n",
            "      lua_native_store(); \\\n",
            "      trap = luaG_traceexec(L, pc);  /* handle hooks */ \\\n",
            "      lua_native_load(); \\\n",
            "      updatebase(ci);  /* correct stack */ \\\n",
            "    } \\\n",
            "    if (--steps <= 0) {  /* instruction budget */ \\\n",
            "      savepc(ci); lua_native_steps_out(L); lua_native_load(); \\\n",
            "    } \\\n",
            "    lua_native_arm(); \\\n",
            "  } \\\n",
            "  i = *(pc++); \\\n",
            "}",
        ),
        1,
    ),
    ("  int trap;\n#if LUA_USE_JUMPTABLE", "  int trap;\n  long steps, banked = 0;  /* lua-sys */\n#if LUA_USE_JUMPTABLE", 1),
    (" startfunc:\n  trap = L->hookmask;\n", " startfunc:\n  trap = L->hookmask;\n  lua_native_load();  /* armed just below if trap is on */\n", 1),
    (
        "  if (l_unlikely(trap))\n    trap = luaG_tracecall(L);\n",
        "  if (l_unlikely(trap)) {\n    trap = luaG_tracecall(L);\n    lua_native_reload();\n  }\n",
        1,
    ),
    // A C function returned (OP_CALL); OP_TAILCALL's and OP_RETURN's poscall.
    ("          updatetrap(ci);  /* C call; nothing else to be done */", "          updatetrapc(ci);  /* C call; nothing else to be done */", 1),
    ("          updatetrap(ci);  /* 'luaD_poscall' can change hooks */", "          updatetrapc(ci);  /* 'luaD_poscall' can change hooks */", 1),
    ("          updatetrap(ci);\n          updatestack(ci);", "          updatetrapc(ci);\n          updatestack(ci);", 1),
    ("        updatetrap(ci);  /* 'luaD_poscall' can change hooks */", "        updatetrapc(ci);  /* 'luaD_poscall' can change hooks */", 1),
    // A vararg function's call hook, run from VARARGPREP (ProtectNT stored
    // the count just before).
    (
        "          luaD_hookcall(L, ci);\n          L->oldpc = 1;",
        "          luaD_hookcall(L, ci);\n          lua_native_reload();\n          L->oldpc = 1;",
        1,
    ),
    // OP_RETURN0 and OP_RETURN1 with hooks on.
    ("  /* no hurry... */\n          trap = 1;", "  /* no hurry... */\n          lua_native_reload();\n          trap = 1;", 2),
    (
        "        if (ci->callstatus & CIST_FRESH)\n          return;  /* end this frame */",
        "        if (ci->callstatus & CIST_FRESH) {\n          lua_native_store();\n          return;  /* end this frame */\n        }",
        1,
    ),
    (
        "        ts = luaS_createlngstrobj(L, tl);\n        copy2buff(top, n, getlngstr(ts));",
        "        lua_native_charge_nr(L, lua_native_copy_units(tl));  /* lua-sys: work budget */\n        ts = luaS_createlngstrobj(L, tl);\n        copy2buff(top, n, getlngstr(ts));",
        1,
    ),
    // Table reads and writes by a short-string key (GETTABUP, GETFIELD,
    // SELF, GETTABLE, an __index table; SETTABUP, SETFIELD, SETTABLE): the
    // key's main position probed inline (see the module note).
    (
        "lu_byte luaV_finishget (lua_State *L, const TValue *t, TValue *key,",
        concat!(
            "/* lua-sys: ltable.c's luaH_getshortstr, its first probe inline (patches_vm.rs) */\n",
            "#if defined(__GNUC__)\n",
            "__attribute__((noinline))  /* its spills stay off the first probe's path */\n",
            "#endif\n",
            "static lu_byte lua_native_getshortstr_chain (const Node *n, TString *key, TValue *res) {\n",
            "  for (;;) {  /* down the chain, as luaH_Hgetshortstr */\n",
            "    if (gnext(n) == 0)\n",
            "      return LUA_VABSTKEY;  /* ttypetag(&absentkey) */\n",
            "    n += gnext(n);\n",
            "    if (keyisshrstr(n) && eqshrstr(keystrval(n), key)) {\n",
            "      const TValue *v = gval(n);  /* as finishnodeget */\n",
            "      if (!ttisnil(v))\n",
            "        setobj(((lua_State*)NULL), res, v);\n",
            "      return ttypetag(v);\n",
            "    }\n",
            "  }\n",
            "}\n",
            "\n",
            "static l_inline lu_byte lua_native_getshortstr (Table *t, TString *key, TValue *res) {\n",
            "  const Node *n = gnode(t, lmod(key->hash, sizenode(t)));\n",
            "  if (l_likely(keyisshrstr(n) && eqshrstr(keystrval(n), key))) {\n",
            "    const TValue *v = gval(n);  /* as finishnodeget */\n",
            "    if (!ttisnil(v))\n",
            "      setobj(((lua_State*)NULL), res, v);\n",
            "    return ttypetag(v);\n",
            "  }\n",
            "  return lua_native_getshortstr_chain(n, key, res);\n",
            "}\n",
            "\n",
            "/* lua-sys: luaH_psetshortstr's commonest case inline: the key in its main\n",
            "** position with a value, which is replaced (the caller's barrier follows) */\n",
            "static l_inline int lua_native_psetshortstr (Table *t, TString *key, TValue *val) {\n",
            "  Node *n = gnode(t, lmod(key->hash, sizenode(t)));\n",
            "  if (l_likely(keyisshrstr(n) && eqshrstr(keystrval(n), key) && !ttisnil(gval(n)))) {\n",
            "    setobj(((lua_State*)NULL), gval(n), val);\n",
            "    return HOK;\n",
            "  }\n",
            "  return luaH_psetshortstr(t, key, val);\n",
            "}\n",
            "\n",
            "\n",
            "/* lua-sys: luaH_get and luaH_pset with short-string keys inline */\n",
            "static l_inline lu_byte lua_native_get (Table *t, const TValue *key, TValue *res) {\n",
            "  if (ttisshrstring(key))\n",
            "    return lua_native_getshortstr(t, tsvalue(key), res);\n",
            "  return luaH_get(t, key, res);\n",
            "}\n",
            "\n",
            "static l_inline int lua_native_pset (Table *t, const TValue *key, TValue *val) {\n",
            "  if (ttisshrstring(key))\n",
            "    return lua_native_psetshortstr(t, tsvalue(key), val);\n",
            "  return luaH_pset(t, key, val);\n",
            "}\n",
            "\n",
            "lu_byte luaV_finishget (lua_State *L, const TValue *t, TValue *key,",
        ),
        1,
    ),
    (", luaH_getshortstr, tag);", ", lua_native_getshortstr, tag);", 3),
    (", hres, luaH_psetshortstr);", ", hres, lua_native_psetshortstr);", 2),
    (", luaH_get, tag);", ", lua_native_get, tag);", 2),
    (", hres, luaH_pset);", ", hres, lua_native_pset);", 1),
];
