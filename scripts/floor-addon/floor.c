/* The N-API floor for scripts/bench-floors.mjs: the crossings the addon makes,
 * done by a bare N-API addon with no Lua and nothing else between JS and the
 * engine. Whatever lua-native costs above these is the binding's own cost.
 * Built by scripts/bench-floors.sh with the machine's C compiler against
 * Node's own headers (no node-gyp); not part of the shipped package.
 *
 * Every function checks what a real binding would have to check (the
 * argument count and the types it reads, by status), and no more. */
#include <node_api.h>
#include <stdint.h>

#define OK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, #call " failed"); return NULL; } } while (0)

/* add(a, b): JS calls a native function that adds two numbers. */
static napi_value add(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  double a, b;
  OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  OK(napi_get_value_double(env, argv[0], &a));
  OK(napi_get_value_double(env, argv[1], &b));
  OK(napi_create_double(env, a + b, &out));
  return out;
}

/* callMany(fn, n): native calls the JS function fn(i, 1) n times (each call
 * in its own handle scope, as a long loop must) and returns the last result. */
static napi_value call_many(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], global, out;
  double n, last = 0;
  OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  OK(napi_get_value_double(env, argv[1], &n));
  OK(napi_get_global(env, &global));
  for (int64_t i = 1; i <= (int64_t)n; i++) {
    napi_handle_scope scope;
    napi_value args[2], r;
    OK(napi_open_handle_scope(env, &scope));
    OK(napi_create_double(env, (double)i, &args[0]));
    OK(napi_create_double(env, 1, &args[1]));
    OK(napi_call_function(env, global, argv[0], 2, args, &r));
    OK(napi_get_value_double(env, r, &last));
    OK(napi_close_handle_scope(env, scope));
  }
  OK(napi_create_double(env, last, &out));
  return out;
}

/* numbers(n): a new JS array of the numbers 1..n. */
static napi_value numbers(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], arr;
  double n;
  OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  OK(napi_get_value_double(env, argv[0], &n));
  OK(napi_create_array_with_length(env, (size_t)n, &arr));
  for (uint32_t i = 0; i < (uint32_t)n; i++) {
    napi_value v;
    OK(napi_create_double(env, (double)(i + 1), &v));
    OK(napi_set_element(env, arr, i, v));
  }
  return arr;
}

/* sum(array): reads every element of a JS array of numbers and sums them. */
static napi_value sum(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  uint32_t len;
  double s = 0;
  OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  OK(napi_get_array_length(env, argv[0], &len));
  for (uint32_t i = 0; i < len; i++) {
    napi_value v;
    double d;
    OK(napi_get_element(env, argv[0], i, &v));
    OK(napi_get_value_double(env, v, &d));
    s += d;
  }
  OK(napi_create_double(env, s, &out));
  return out;
}

/* records(n): a new JS array of n objects { x: i, y: 2i }. */
static napi_value records(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], arr;
  double n;
  OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  OK(napi_get_value_double(env, argv[0], &n));
  OK(napi_create_array_with_length(env, (size_t)n, &arr));
  for (uint32_t i = 0; i < (uint32_t)n; i++) {
    napi_value o, x, y;
    OK(napi_create_object(env, &o));
    OK(napi_create_double(env, (double)(i + 1), &x));
    OK(napi_create_double(env, (double)(2 * (i + 1)), &y));
    OK(napi_set_named_property(env, o, "x", x));
    OK(napi_set_named_property(env, o, "y", y));
    OK(napi_set_element(env, arr, i, o));
  }
  return arr;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    { "add", NULL, add, NULL, NULL, NULL, napi_enumerable, NULL },
    { "callMany", NULL, call_many, NULL, NULL, NULL, napi_enumerable, NULL },
    { "numbers", NULL, numbers, NULL, NULL, NULL, napi_enumerable, NULL },
    { "sum", NULL, sum, NULL, NULL, NULL, napi_enumerable, NULL },
    { "records", NULL, records, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
