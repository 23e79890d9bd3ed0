//! The typed form of the file reader (EVOLUTION B15) for Rust programs.

use crate::error::Result;
use crate::raw::lua::Lua;

impl Lua {
    /// Makes `dofile` and `loadfile` resolve every path through `reader`,
    /// never through the disk: it gets the path's bytes and returns the
    /// file's source, or `None` for "no such file" (`loadfile` then returns
    /// `nil, "cannot open <path>"`, `dofile` raises that). The source is
    /// loaded as text only, named `@path`. An error `reader` returns is
    /// raised in Lua as a host function's error is. Both globals are set
    /// whatever the libraries, and also under
    /// [`Filesystem::Deny`](crate::Filesystem::Deny) and the `"sandbox"`
    /// preset: the reader is the host's door, not the disk's.
    /// [`Lua::clear_file_reader`] sets both to nil.
    ///
    /// ```
    /// use lua_core::{Lua, Preset};
    /// let lua = Lua::builder().preset(Preset::Sandbox).build()?;
    /// lua.set_file_reader(|_, path| Ok((path == b"config.lua").then(|| b"return { debug = true }".to_vec())))?;
    /// assert!(lua.exec::<bool>("return dofile('config.lua').debug")?);
    /// let msg: String = lua.exec("return select(2, loadfile('other.lua'))")?;
    /// assert_eq!(msg, "cannot open other.lua");
    /// lua.clear_file_reader()?;
    /// assert!(lua.exec::<bool>("return dofile == nil and loadfile == nil")?);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn set_file_reader<F>(&self, reader: F) -> Result<()>
    where
        F: Fn(&Lua, &[u8]) -> Result<Option<Vec<u8>>> + 'static,
    {
        self.set_file_reader_with(move |stack| {
            stack.push_function(move |call| {
                // The path is copied: the reader may run Lua code.
                let path = call.arg(0).as_bytes().unwrap_or_default().to_vec();
                let source = reader(call.lua(), &path)?;
                let out = call.stack();
                match source {
                    Some(bytes) => out.push_bytes(&bytes)?,
                    None => out.push_nil()?,
                }
                Ok(1)
            })
        })
    }
}
