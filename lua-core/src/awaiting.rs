//! Awaiting host work from Lua for Rust users: [`Driver::run`], an
//! executor-agnostic future over the raw driver (`raw/driver`).

use std::any::Any;
use std::future::Future;

use crate::convert::{FromLuaMulti, IntoLuaMulti};
use crate::error::{Error, Result};
use crate::raw::driver::{Driver, Settle, Step, PLAIN_YIELD};

impl Driver {
    /// Runs the coroutine to its end with `args`, settling each await with
    /// what `settle(payload)` resolves to (an error is raised at the await
    /// as its message). Executor-agnostic: the future awaits `settle`'s
    /// futures, whatever runs them. A plain `coroutine.yield` fails the run
    /// with [`PLAIN_YIELD`].
    ///
    /// ```
    /// use std::future::Future;
    /// use lua_core::{Error, Lua, StdLib};
    /// let lua = Lua::with_libraries(StdLib::BASE)?;
    /// // `double(n)` awaits the host, which answers n * 2.
    /// lua.set_global_with(b"double", |stack| stack.push_function(|call| {
    ///     let n = call.arg(0).as_integer().unwrap_or(0);
    ///     call.await_host(Box::new(n))
    /// }))?;
    /// let body: lua_core::Function = lua.exec("return function(a) local x = double(a) return x + double(x) end")?;
    /// let run = lua.driver(&body)?.run(10_i64, |payload| {
    ///     let n = *payload.downcast::<i64>().unwrap();
    ///     std::future::ready(Ok::<i64, Error>(n * 2))
    /// });
    /// // Any executor will do; this one polls once (the futures are ready).
    /// let mut run = std::pin::pin!(run);
    /// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// let std::task::Poll::Ready(total) = run.as_mut().poll(&mut cx) else { unreachable!() };
    /// let total: i64 = total?;
    /// assert_eq!(total, 20 + 40);
    /// # Ok::<(), Error>(())
    /// ```
    pub async fn run<A, R, V, F, Fut>(mut self, args: A, mut settle: F) -> Result<R>
    where
        A: IntoLuaMulti,
        R: FromLuaMulti,
        V: IntoLuaMulti,
        F: FnMut(Box<dyn Any>) -> Fut,
        Fut: Future<Output = Result<V>>,
    {
        let mut step = self.resume(|s| args.push_multi(s).map(Settle::Values), R::from_results)?;
        loop {
            match step {
                Step::Awaiting(payload) => {
                    step = match settle(payload).await {
                        Ok(v) => self.resume(|s| v.push_multi(s).map(Settle::Values), R::from_results)?,
                        Err(e) => self.resume(
                            |s| {
                                s.push_bytes(e.message().as_bytes())?;
                                Ok(Settle::Raise(None))
                            },
                            R::from_results,
                        )?,
                    };
                }
                Step::Returned(r) => return Ok(r),
                Step::Yielded(_) => return Err(Error::runtime(PLAIN_YIELD)),
                Step::Failed(e) => return Err(e),
                Step::Refused(why) => return Err(Error::runtime(why.message())),
            }
        }
    }
}
