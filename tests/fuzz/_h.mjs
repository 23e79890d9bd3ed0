// lua-native fuzz reproducer: seed 1, iteration 1812
// Run: node --expose-gc <this file>   (exit code 1 and a FUZZ-FAILURES line, or a crash, means it reproduced)
import L from "file:///work/main/index.mjs";
import { makeRuntime, installProcessHandlers } from "file:///work/main/tests/fuzz/runtime.mjs";
let R = null;
installProcessHandlers(() => R);
const keepAlive = setInterval(() => {}, 1 << 30); // a promise that never settles is a hang, not an early exit
const failures = [];
// ---- iteration 1812
{
R = makeRuntime(L);
const { S, V, mk, on, onA, px, sh, wrong, fn, callArgs, jsgc, tick, file, cut, flip, dir } = R;
S.lua3 = [
  "pcall(function(...) local t = setmetatable({}, {__index = function(t, k, ...) return t[k + 1] end}) local _ = t[1] end, print(print(\"\")))",
  "return getmetatable(u1), setmetatable({debug and debug.getregistry()}, {__gc = function(o, ...) tostring(o) end})",
].join('\n');
S.f1 = fn((...a) => {
  S.r2 = on('c1', 'execute_script', S.lua3);
  callArgs(a, S.c1);
  return a[0];
});
S.c1 = mk(() => new L.init({ cb1: S.f1, string: V.frozen(2**53 + 2) }, { libraries: 'all', maxInstructions: 56490 }), 'new init');
S.lua4 = [
  "pcall(function(...) setmetatable(_G, {__gc = function(...) error({}) end, __index = function(t, k, ...) return cb1(k) end, __pairs = function(t, ...) return cb1, t, nil end}) end, debug and debug.getregistry())",
  "debug.setupvalue(cb1, 2, getmetatable(u1))",
  "return u1, \"%s%q\", debug and debug.getregistry()",
].join('\n');
S.r2 = on('c1', 'execute_file', file('f_m3', S.lua4));
S.r2 = on('c1', 'get_global', "_G._G");
on('c1', 'set_global', ".x", S.r2);
S.f5 = fn((...a) => {
  S.r2 = on('c1', 'load_bytecode', null, '=x');
  return { "0": S.f1, "": S.f5, __proto__: S.f5 };
});
S.r2 = px('r2', 'call', V.reenter(S.f5), V.strs(6));
S.lua8 = [
  "for i = 1, 10 do setmetatable({}, {__gc = function(o, ...) cb1(o) end}) end collectgarbage()",
  "pcall(function(...) local m = debug.getmetatable(u2) if m and m.__gc then m.__gc(u2) m.__gc(u2) end local _ = u2.x end, nil)",
  "pcall(function(...) g1 = function(...) return (function(...) local t = {} t.t = t t[1] = t return t end)() end end, u2)",
  "return function(...) pcall(function(...) debug.upvaluejoin(function(...) return cb1 end, 1, cb1, 1) end, (function(...) local t = {} t.t = t t[1] = t return t end)()) return ... end, coroutine.running()",
].join('\n');
S.lua10 = [
  "debug.setuservalue(u2, getmetatable(u2), 2) debug.getuservalue(u2, 1)",
  "pcall(function(...) local l2 = coroutine.create(function(...) for i = 1, 1000000000 do coroutine.yield(error(i)) end end) for i = 1, 100000 do coroutine.resume(l2, {function(...) return _G end, 1/0, k = (io and io.stdout)}) end end, math.maxinteger)",
  "pcall(function(...) error({{-0.0, setmetatable({io and io.stdout}, {__tostring = function(...) return {} end, __tostring = cbX}), k = setmetatable({...}, {__pairs = function(t, ...) return cb1, t, nil end, __index = cb1, __tostring = cb1})}, (function(...) local t = {} for i = 1, 250 do t = {t} end return t end)(), k = (function(...) local t = {} t.t = t t[1] = t return t end)()}, 1) end, u2)",
  "for k, v in pairs(u2) do print(k) end",
  "return setmetatable({setmetatable({-1/0}, {__tostring = function(...) error(setmetatable({}, {__tostring = function(...) error(\"again\") end})) end, __close = function(o, e, ...) cb1(e) end})}, {__gc = function(...) error({}) end, __call = function(...) return cb1(...) end}), getmetatable(u2)",
].join('\n');
S.f9 = fn((...a) => {
  S.r7 = on('c1', 'execute_script', S.lua10);
  S.r11 = px('r7', 'apply');
  S.r7 = px('r7', 'has', "x");
  on('c1', 'set_global', V.getter(0), null);
  callArgs(a, L);
  return a;
});
S.f6 = fn((...a) => {
  on('c1', 'register_module', "", V.proxy(14));
  S.r7 = on('c1', 'execute_script', S.lua8);
  callArgs(a, V.reproxy(S.f9));
  throw V.err(4);
  return undefined;
});
on('c1', 'set_userdata', "u2", V.reproxy(S.f6), { readable: true, writable: true });
S.lua13 = [
  "pcall(function(...) while true do end end, getmetatable(u2))",
  "return coroutine.create(function(...) coroutine.yield(...) return ... end)",
].join('\n');
S.r12 = on('c1', 'execute_script', S.lua13);
S.r12 = px('r12', 'own', Symbol.iterator);
S.r14 = px('r12', 'own', Symbol.iterator);
on('c1', 'set_global', "a..b", 0);
on('c1', 'register_module', "f_m1", {  });
S.lua15 = [
  "package.searchers[1] = cb1 require(\"zz\")",
  "pcall(function(...) table.sort({3, 1, 2, 5, 4}, function(a, b, ...) return cb1(a, b) end) end, u2)",
  "pcall(function(...) local l3 = string.rep(\"ab\", 128) cb1(l3) end, {setmetatable({debug and debug.getregistry()}, {__tostring = function(...) error(setmetatable({}, {__tostring = function(...) error(\"again\") end})) end}), setmetatable({_ENV}, {__index = \"\\0x\\0\", __metatable = math.maxinteger}), k = function(...) return load(\"return coroutine.yield(1)\") end})",
  "table.sort({3, 1, 2, 5, 4}, function(a, b, ...) return cb1(a, b) end)",
  "for i = 1, 10 do setmetatable({}, {__gc = function(o, ...) cb1(o) end}) end collectgarbage()",
  "return io and io.stdout, u2",
].join('\n');
S.r7 = on('c1', 'execute_script', S.lua15);
S.r16 = px('r7', 'keys', "_coroutine");
S.r16 = px('r7', 'desc', "__index");
S.r17 = px('r7', 'own', 1);
S.lua19 = [
  "pcall(function(...) package.loaded.m1 = nil package.preload.m2 = cb1 require(\"m2\") end, 3.5)",
  "local l2 = load(\"return ...\") if l2 then l2() end",
  "pcall(function(...) do return cb1(setmetatable({setmetatable({setmetatable({-1}, {__close = function(...) error(\"close\") end, __pairs = function(t, ...) return cb1, t, nil end})}, {__gc = function(o, ...) KEEP = o end, __mode = \"v\"})}, {__gc = function(o, ...) KEEP = o end, __len = function(...) return u2 end})) end end, cb1(u2))",
  "pcall(function(...) setmetatable(_G, {__name = {}, __newindex = function(t, k, v, ...) cbX(k, v) end, __index = cb1}) end, cb1)",
  "string.format(\"%s\", load(\"return coroutine.yield(1)\"))",
  "return g1",
].join('\n');
S.r18 = on('c1', 'execute_script', S.lua19);
await R.finish();
failures.push(...R.failures);
}
R = null;
clearInterval(keepAlive);
if (failures.length) { console.log("FUZZ-FAILURES " + JSON.stringify(failures)); process.exitCode = 1; }
else console.log('no failure');
