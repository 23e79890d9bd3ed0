//! Coroutine objects are iterable (EVOLUTION B10): `co[Symbol.iterator]()`
//! is a new, independent cursor over the same coroutine. Each `yield` is
//! one step (several values arrive as an array, none as `undefined`); the
//! final `return` arrives with `done: true` (so `for..of` discards it); a
//! coroutine that had already finished or died iterates empty; `next(...args)`
//! sends its arguments as the resume values; an error inside the coroutine
//! is thrown from `next()` and ends the cursor; `return()` (a `break`) ends
//! only the cursor, leaving the coroutine suspended.
//!
//! `co[Symbol.asyncIterator]()` (EVOLUTION B13) is the same cursor stepping
//! through `resume_async`, so the coroutine may await Promises.
//!
//! The cursor itself is JavaScript (made once per context by `install`);
//! each step is one resume through the native `step(co, args)`, which
//! checks the coroutine object as `resume` does.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;

use napi::sys;
use napi::sys::ValueType;

use crate::context::Context;
use crate::coroutines::{held_thread, resume_thread};
use crate::error::JsError;
use crate::glue::read_args;
use crate::js::{Env, Raw};

/// Given the native step, returns the function that gives a coroutine
/// object its (non-enumerable) `Symbol.iterator` method.
const FACTORY: &str = r#"(function (step, stepAsync) {
  'use strict';
  const define = Object.defineProperty;
  const ITERATOR = Symbol.iterator;
  const ASYNC_ITERATOR = Symbol.asyncIterator;
  // One step's iterator result: null (nothing left to run) and a dead
  // coroutine end the iteration; several values come as an array.
  function result(r) {
    if (r === null) return { value: undefined, done: true };
    const v = r.values;
    return { value: v.length === 0 ? undefined : v.length === 1 ? v[0] : v, done: r.status === 'dead' };
  }
  function iterateAsync() {
    const co = this;
    let done = false;
    return {
      async next(...args) {
        if (done) return { value: undefined, done: true };
        let r;
        try {
          r = await stepAsync(co, args);
        } catch (e) {
          if (co.status === 'dead') done = true;
          throw e;
        }
        const out = result(r);
        done = out.done;
        return out;
      },
      async return(value) {
        done = true;
        return { value, done: true };
      },
      [ASYNC_ITERATOR]() {
        return this;
      },
    };
  }
  function iterate() {
    const co = this;
    let done = false;
    return {
      next(...args) {
        if (done) return { value: undefined, done: true };
        let r;
        try {
          r = step(co, args);
        } catch (e) {
          // A refused re-entrant step leaves the coroutine (and the cursor) as it was.
          if (co.status === 'dead') done = true;
          throw e;
        }
        const out = result(r);
        done = out.done;
        return out;
      },
      return(value) {
        done = true;
        return { value, done: true };
      },
      [ITERATOR]() {
        return this;
      },
    };
  }
  return function install(co) {
    define(co, ITERATOR, { value: iterate, writable: true, configurable: true, enumerable: false });
    define(co, ASYNC_ITERATOR, { value: iterateAsync, writable: true, configurable: true, enumerable: false });
  };
})"#;

/// Gives the new coroutine object `co` its `Symbol.iterator` method.
pub fn install(cx: &Rc<Context>, co: Raw) -> Result<(), JsError> {
    let env = cx.env;
    let install = match cx.coroutine_install.get() {
        Some(r) => env.deref(r)?,
        None => {
            let factory = env.run_script(FACTORY)?;
            let mut step_fn = ptr::null_mut();
            let name = "step";
            // SAFETY: valid env; a plain function with no data.
            env.check(unsafe { sys::napi_create_function(env.0, name.as_ptr() as *const _, name.len() as isize, Some(step), ptr::null_mut(), &mut step_fn) })?;
            let mut step_async_fn = ptr::null_mut();
            let name = "stepAsync";
            // SAFETY: valid env; a plain function with no data.
            env.check(unsafe { sys::napi_create_function(env.0, name.as_ptr() as *const _, name.len() as isize, Some(step_async), ptr::null_mut(), &mut step_async_fn) })?;
            let install = env.call(factory, env.undefined(), &[step_fn, step_async_fn])?;
            cx.coroutine_install.set(Some(env.reference(install)?));
            install
        }
    };
    env.call(install, env.undefined(), &[co])?;
    Ok(())
}

/// `step(co, args)`: one resume for a cursor. Null when the coroutine had
/// already finished or died (nothing ran); `{ status, values }` after a
/// yield or the return; a failure is thrown.
unsafe extern "C" fn step(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let env = Env(env);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let (args, _) = read_args(env, info)?;
        let (co, list) = (args.get(env, 0), args.get(env, 1));
        if env.type_of(co) != ValueType::napi_object || !env.is_array(list) {
            return Err(JsError::type_error("Invalid coroutine object"));
        }
        let (cx, held) = held_thread(env, co, None)?;
        let argv = (0..env.array_len(list)?).map(|i| env.get_element(list, i)).collect::<Result<Vec<Raw>, JsError>>()?;
        let outcome = resume_thread(&cx, &held, &argv)?;
        if outcome.refused_dead {
            return Ok(env.null());
        }
        if let Some(error) = outcome.error {
            if !outcome.refused_running {
                env.set_named(co, c"status", env.str("dead")?)?;
            }
            return Err(error);
        }
        let status = env.str(outcome.status)?;
        env.set_named(co, c"status", status)?;
        let out = env.object()?;
        env.set_named(out, c"status", status)?;
        env.set_named(out, c"values", outcome.values)?;
        Ok(out)
    }));
    crate::glue::finish(env, result)
}

/// `stepAsync(co, args)`: one step of an async cursor, through the driven
/// resume of `resume_async` (so the coroutine may await Promises): a
/// promise of `{ status, values }`, of `null` when the coroutine had
/// already ended, rejected with a failure inside it.
unsafe extern "C" fn step_async(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let env = Env(env);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let (args, _) = read_args(env, info)?;
        let (co, list) = (args.get(env, 0), args.get(env, 1));
        if env.type_of(co) != ValueType::napi_object || !env.is_array(list) {
            return Err(JsError::type_error("Invalid coroutine object"));
        }
        let argv = (0..env.array_len(list)?).map(|i| env.get_element(list, i)).collect::<Result<Vec<Raw>, JsError>>()?;
        crate::await_run::iterate_step(env, co, argv)
    }));
    crate::glue::finish(env, result)
}
