/* A reference for scripts/bench-floors.mjs's call row, beside the N-API
 * floor: stock Lua 5.5 (vendor/lua, unpatched: no step counter, no hooks)
 * called from a bare N-API addon with nothing else around the call. One
 * function, add(a, b): read two numbers, push the Lua function from the
 * registry and the two numbers (integers where integral), lua_pcall, read
 * the result, settop. What a binding cannot avoid; the rest of lua-native's
 * call is its own (handle checks, limits, cancel, tracebacks, conversions).
 * Built by scripts/bench-floors.sh; not part of the shipped package. */
#include <node_api.h>
#include <stdint.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

static lua_State *L;
static int fn_ref;

static void push_js_number(double d) {
  if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == (double)(int64_t)d && !(d == 0 && 1 / d < 0))
    lua_pushinteger(L, (lua_Integer)d);
  else
    lua_pushnumber(L, d);
}

static napi_value add(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  double a, b, r;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok ||
      napi_get_value_double(env, argv[0], &a) != napi_ok ||
      napi_get_value_double(env, argv[1], &b) != napi_ok) {
    napi_throw_type_error(env, NULL, "add(a, b) takes two numbers");
    return NULL;
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, fn_ref);
  push_js_number(a);
  push_js_number(b);
  if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
    napi_throw_error(env, NULL, lua_tostring(L, -1));
    lua_settop(L, 0);
    return NULL;
  }
  r = lua_tonumber(L, -1);
  lua_settop(L, 0);
  napi_create_double(env, r, &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value f;
  L = luaL_newstate();
  luaL_openlibs(L);
  if (luaL_dostring(L, "return function(a, b) return a + b end") != LUA_OK) return NULL;
  fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  napi_create_function(env, "add", NAPI_AUTO_LENGTH, add, NULL, &f);
  napi_set_named_property(env, exports, "add", f);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
