//! Rust values as Lua userdata, with methods and fields: the typed layer. A
//! type opts in with [`UserData`] and registers what Lua sees through
//! [`UserDataMethods`]; the raw layer (`raw::userdata`,
//! `raw::userdata_fields`) makes the userdata, its metatable, the cell the
//! value lives in and the `__index` / `__newindex` that find methods and
//! fields. Arguments are read straight from the stack (`args`), in the
//! types the closures declare.

mod any;
pub(crate) mod args;

use crate::convert::{FromLua, FromLuaMulti, IntoLua, IntoLuaMulti};
use crate::error::Result;
use crate::raw::callback::HostFunction;
use crate::raw::lua::Lua;
use crate::raw::userdata::{Methods, TypeParts};

/// A Rust type Lua can hold, call methods on and read fields of.
///
/// Methods and fields are registered once per state, when the first value
/// of the type is made. In Lua, `obj:name(...)` calls a method, `obj.name`
/// reads a field, `obj.name = v` writes one; `tostring`, operators and the
/// like go through metamethods. Lua names the type by its Rust name
/// without the module path (`Counter`), in `__name` and in error messages.
/// The metatable is sealed: `getmetatable(obj)` returns `false`.
///
/// ```
/// use lua_core::{Lua, StdLib, UserData, UserDataFields, UserDataMethods};
///
/// struct Counter { n: i64 }
///
/// impl UserData for Counter {
///     fn add_fields(fields: &mut UserDataFields<Self>) {
///         fields.add_field_method_get("n", |_, this| Ok(this.n));
///     }
///     fn add_methods(methods: &mut UserDataMethods<Self>) {
///         methods.add_method_mut("add", |_, this, by: Option<i64>| {
///             this.n += by.unwrap_or(1);
///             Ok(this.n)
///         });
///         methods.add_meta_method("__tostring", |_, this, ()| Ok(format!("Counter({})", this.n)));
///     }
/// }
///
/// let lua = Lua::with_libraries(StdLib::BASE)?;
/// lua.set_global("c", lua.create_userdata(Counter { n: 1 })?)?;
/// assert_eq!(lua.exec::<i64>("c:add(40) c:add() return c.n")?, 42);
/// assert_eq!(lua.exec::<String>("return tostring(c)")?, "Counter(42)");
/// # Ok::<(), lua_core::Error>(())
/// ```
pub trait UserData: Sized + 'static {
    /// Registers the type's fields (called before
    /// [`add_methods`](Self::add_methods), with the same collector: a field
    /// may as well be registered there).
    ///
    /// ```
    /// use lua_core::{Lua, UserData, UserDataFields};
    ///
    /// struct Point { x: f64, y: f64 }
    ///
    /// impl UserData for Point {
    ///     fn add_fields(fields: &mut UserDataFields<Self>) {
    ///         fields.add_field_method_get("x", |_, p| Ok(p.x));
    ///         fields.add_field_method_get("y", |_, p| Ok(p.y));
    ///         fields.add_field_method_set("x", |_, p, x: f64| { p.x = x; Ok(()) });
    ///     }
    /// }
    ///
    /// let lua = Lua::new();
    /// lua.set_global("p", lua.create_userdata(Point { x: 1.0, y: 2.0 })?)?;
    /// assert_eq!(lua.exec::<f64>("p.x = p.x + p.y return p.x")?, 3.0);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    fn add_fields(_fields: &mut UserDataFields<Self>) {}

    /// Registers the type's methods and metamethods.
    fn add_methods(_methods: &mut UserDataMethods<Self>) {}
}

/// What [`UserData::add_fields`] registers fields on: the same collector as
/// the methods' (the name follows mlua's).
pub type UserDataFields<T> = UserDataMethods<T>;

/// Collects the methods, metamethods and fields of a [`UserData`] type.
///
/// Method closures take their arguments as any [`FromLuaMulti`] type: one
/// value (`n: i64`), a tuple (`(name, qty): (String, Option<i64>)`), `()`
/// for none, or [`MultiValue`](crate::MultiValue) for all of them as they
/// are. They are converted straight from the stack. One that does not
/// convert fails the call with Lua's own message, counted as Lua counts:
/// for `obj:name(...)`, `self` is not counted, so the first declared
/// argument is `#1`; for `obj.name(obj, ...)` it is `#2`:
///
/// ```
/// use lua_core::{Lua, StdLib, UserData, UserDataMethods};
///
/// struct Bank { balance: i64 }
///
/// impl UserData for Bank {
///     fn add_methods(methods: &mut UserDataMethods<Self>) {
///         methods.add_method_mut("deposit", |_, this, (amount, memo): (i64, Option<String>)| {
///             this.balance += amount;
///             Ok(memo.unwrap_or_default())
///         });
///     }
/// }
///
/// let lua = Lua::with_libraries(StdLib::BASE)?;
/// lua.set_global("b", lua.create_userdata(Bank { balance: 0 })?)?;
/// assert_eq!(lua.exec::<String>("return b:deposit(5, 'pay')")?, "pay");
/// let e = lua.exec::<()>("b:deposit('lots')").unwrap_err();
/// assert_eq!(e.message(), "[string \"b:deposit('lots')\"]:1: bad argument #1 to 'deposit' (integer expected, got string)");
/// let e = lua.exec::<()>("b.deposit(b, 1.5)").unwrap_err();
/// assert_eq!(e.message(), "[string \"b.deposit(b, 1.5)\"]:1: bad argument #2 to 'deposit' (number has no integer representation)");
/// let e = lua.exec::<()>("b.deposit(42)").unwrap_err();
/// assert_eq!(e.message(), "[string \"b.deposit(42)\"]:1: bad argument #1 to 'deposit' (Bank expected, got number)");
/// # Ok::<(), lua_core::Error>(())
/// ```
///
/// While a method borrows the value (`&T` for [`add_method`](Self::add_method),
/// `&mut T` for [`add_method_mut`](Self::add_method_mut)), a call back into
/// the same value that needs a conflicting borrow fails with "userdata is
/// already borrowed" (or "... borrowed mutably"), a Lua error like any other.
pub struct UserDataMethods<T> {
    methods: Methods,
    meta: Methods,
    getters: Methods,
    setters: Methods,
    _type: std::marker::PhantomData<fn(T)>,
}

impl<T: UserData> UserDataMethods<T> {
    /// A method reading the value: `obj:name(...)`, with the arguments after
    /// `self` converted to `A`.
    ///
    /// ```
    /// use lua_core::{Lua, UserData, UserDataMethods};
    ///
    /// struct Greeter { greeting: String }
    ///
    /// impl UserData for Greeter {
    ///     fn add_methods(methods: &mut UserDataMethods<Self>) {
    ///         methods.add_method("greet", |_, this, name: String| Ok(format!("{}, {name}", this.greeting)));
    ///     }
    /// }
    ///
    /// let lua = Lua::new();
    /// lua.set_global("g", lua.create_userdata(Greeter { greeting: "hello".into() })?)?;
    /// assert_eq!(lua.exec::<String>("return g:greet('lua')")?, "hello, lua");
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn add_method<A, R, F>(&mut self, name: &str, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, &T, A) -> Result<R> + 'static,
    {
        self.methods.push((name.to_string(), with_self::<T, A, R>(name, move |lua, cell, a| f(lua, &*args::borrow(cell)?, a))));
    }

    /// A method changing the value: `obj:name(...)`.
    ///
    /// ```
    /// use lua_core::{Lua, UserData, UserDataMethods};
    ///
    /// struct Stack { items: Vec<i64> }
    ///
    /// impl UserData for Stack {
    ///     fn add_methods(methods: &mut UserDataMethods<Self>) {
    ///         methods.add_method_mut("push", |_, this, n: i64| { this.items.push(n); Ok(this.items.len()) });
    ///         methods.add_method_mut("pop", |_, this, ()| Ok(this.items.pop()));
    ///     }
    /// }
    ///
    /// let lua = Lua::new();
    /// lua.set_global("s", lua.create_userdata(Stack { items: vec![] })?)?;
    /// assert_eq!(lua.exec::<(i64, Option<i64>, Option<i64>)>("s:push(7) return s:push(8), s:pop(), s:pop()")?, (2, Some(8), Some(7)));
    /// assert_eq!(lua.exec::<Option<i64>>("return s:pop()")?, None);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn add_method_mut<A, R, F>(&mut self, name: &str, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, &mut T, A) -> Result<R> + 'static,
    {
        self.methods.push((name.to_string(), with_self::<T, A, R>(name, move |lua, cell, a| f(lua, &mut *args::borrow_mut(cell)?, a))));
    }

    /// A function in the type's method table that gets no `&T`: all the
    /// arguments, `self` included when Lua calls it with `:`, are `A`
    /// (take the userdata as an [`AnyUserData`](crate::AnyUserData) to reach it).
    ///
    /// ```
    /// use lua_core::{AnyUserData, Lua, UserData, UserDataMethods};
    ///
    /// struct Cell { v: i64 }
    ///
    /// impl UserData for Cell {
    ///     fn add_methods(methods: &mut UserDataMethods<Self>) {
    ///         methods.add_function("swap", |_, (a, b): (AnyUserData, AnyUserData)| {
    ///             let x = a.borrow(|c: &Cell| c.v)?;
    ///             let y = b.borrow_mut(|c: &mut Cell| std::mem::replace(&mut c.v, x))?;
    ///             a.borrow_mut(|c: &mut Cell| c.v = y)
    ///         });
    ///         methods.add_method("get", |_, this, ()| Ok(this.v));
    ///     }
    /// }
    ///
    /// let lua = Lua::new();
    /// lua.set_global("a", lua.create_userdata(Cell { v: 1 })?)?;
    /// lua.set_global("b", lua.create_userdata(Cell { v: 2 })?)?;
    /// assert_eq!(lua.exec::<(i64, i64)>("a:swap(b) return a:get(), b:get()")?, (2, 1));
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn add_function<A, R, F>(&mut self, name: &str, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, A) -> Result<R> + 'static,
    {
        self.methods.push((name.to_string(), without_self(name, f)));
    }

    /// A metamethod (`__tostring`, `__add`, `__len`, `__eq`, `__call`, ...)
    /// reading the value, which must be its first operand. `__gc`, `__name`
    /// and `__metatable` are the type's own and are ignored; `__index` and
    /// `__newindex` are asked only for keys that are no method or field.
    ///
    /// ```
    /// use lua_core::{Lua, UserData, UserDataMethods};
    ///
    /// struct Vector(Vec<f64>);
    ///
    /// impl UserData for Vector {
    ///     fn add_methods(methods: &mut UserDataMethods<Self>) {
    ///         methods.add_meta_method("__len", |_, v, ()| Ok(v.0.len()));
    ///         methods.add_meta_method("__index", |_, v, i: usize| Ok(v.0.get(i.wrapping_sub(1)).copied()));
    ///     }
    /// }
    ///
    /// let lua = Lua::new();
    /// lua.set_global("v", lua.create_userdata(Vector(vec![0.5, 1.5]))?)?;
    /// assert_eq!(lua.exec::<(i64, f64, Option<f64>)>("return #v, v[2], v[3]")?, (2, 1.5, None));
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn add_meta_method<A, R, F>(&mut self, name: &str, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, &T, A) -> Result<R> + 'static,
    {
        self.meta.push((name.to_string(), with_self::<T, A, R>(name, move |lua, cell, a| f(lua, &*args::borrow(cell)?, a))));
    }

    /// A metamethod changing the value (`__call` of a stateful object, say).
    ///
    /// ```
    /// use lua_core::{Lua, UserData, UserDataMethods};
    ///
    /// struct Ticker(u32);
    ///
    /// impl UserData for Ticker {
    ///     fn add_methods(methods: &mut UserDataMethods<Self>) {
    ///         methods.add_meta_method_mut("__call", |_, t, ()| { t.0 += 1; Ok(t.0) });
    ///     }
    /// }
    ///
    /// let lua = Lua::new();
    /// lua.set_global("tick", lua.create_userdata(Ticker(0))?)?;
    /// assert_eq!(lua.exec::<u32>("tick() tick() return tick()")?, 3);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn add_meta_method_mut<A, R, F>(&mut self, name: &str, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, &mut T, A) -> Result<R> + 'static,
    {
        self.meta.push((name.to_string(), with_self::<T, A, R>(name, move |lua, cell, a| f(lua, &mut *args::borrow_mut(cell)?, a))));
    }

    /// A metamethod that gets all its operands as `A` and no `&T`: for
    /// operators where the value may be either operand (`2 * v` as well as
    /// `v * 2`).
    ///
    /// ```
    /// use lua_core::{AnyUserData, Lua, UserData, UserDataMethods, Value};
    ///
    /// struct Money(i64);
    ///
    /// impl UserData for Money {
    ///     fn add_methods(methods: &mut UserDataMethods<Self>) {
    ///         methods.add_meta_function("__mul", |lua, (a, b): (Value, Value)| {
    ///             let (money, k) = match (a, b) {
    ///                 (Value::UserData(m), Value::Integer(k)) | (Value::Integer(k), Value::UserData(m)) => (m, k),
    ///                 _ => return Err(lua_core::Error::runtime("Money can only be multiplied by an integer")),
    ///             };
    ///             let cents = money.borrow(|m: &Money| m.0)?;
    ///             lua.create_userdata(Money(cents * k))
    ///         });
    ///         methods.add_method("cents", |_, m, ()| Ok(m.0));
    ///     }
    /// }
    ///
    /// let lua = Lua::new();
    /// lua.set_global("m", lua.create_userdata(Money(150))?)?;
    /// assert_eq!(lua.exec::<i64>("return (2 * m):cents() + (m * 3):cents()")?, 750);
    /// let _: AnyUserData = lua.exec("return m * 1")?;
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn add_meta_function<A, R, F>(&mut self, name: &str, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, A) -> Result<R> + 'static,
    {
        self.meta.push((name.to_string(), without_self(name, f)));
    }

    /// A field Lua reads as `obj.name`. A method of the same name wins.
    ///
    /// ```
    /// use lua_core::{Lua, UserData, UserDataFields};
    ///
    /// struct Player { name: String, hp: i64 }
    ///
    /// impl UserData for Player {
    ///     fn add_fields(fields: &mut UserDataFields<Self>) {
    ///         fields.add_field_method_get("name", |_, p| Ok(p.name.clone()));
    ///         fields.add_field_method_get("hp", |_, p| Ok(p.hp));
    ///     }
    /// }
    ///
    /// let lua = Lua::new();
    /// lua.set_global("p", lua.create_userdata(Player { name: "ada".into(), hp: 10 })?)?;
    /// assert_eq!(lua.exec::<(String, i64, Option<i64>)>("return p.name, p.hp, p.mana")?, ("ada".into(), 10, None));
    /// let e = lua.exec::<()>("p.hp = 5").unwrap_err();
    /// assert_eq!(e.message(), "[string \"p.hp = 5\"]:1: field 'hp' of Player is read-only");
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn add_field_method_get<R, F>(&mut self, name: &str, f: F)
    where
        R: IntoLua,
        F: Fn(&Lua, &T) -> Result<R> + 'static,
    {
        let field = name.to_string();
        self.getters.push((
            name.to_string(),
            Box::new(move |call| {
                let cell = args::field_self::<T>(call, &field)?;
                let value = f(call.lua(), &*args::borrow(&cell)?)?;
                let mut stack = call.stack();
                stack.reserve(1)?;
                value.push_into(&mut stack)?;
                Ok(1)
            }),
        ));
    }

    /// A field Lua writes as `obj.name = value`, the value converted to `V`.
    /// Writing a field that has a getter and no setter fails with `field
    /// 'hp' of Player is read-only`, a method `cannot assign to method
    /// 'heal' of Player`, any other key `Player has no field 'xp'` (unless
    /// the type has a `__newindex` metamethod, which then gets such keys).
    /// A value that does not convert fails with `bad value for field 'hp'
    /// of Player (integer expected, got string)`. Each with the position of
    /// the assignment in front, as Lua's own errors.
    ///
    /// ```
    /// use lua_core::{Lua, UserData, UserDataFields};
    ///
    /// struct Player { hp: i64 }
    ///
    /// impl UserData for Player {
    ///     fn add_fields(fields: &mut UserDataFields<Self>) {
    ///         fields.add_field_method_get("hp", |_, p| Ok(p.hp));
    ///         fields.add_field_method_set("hp", |_, p, hp: i64| {
    ///             p.hp = hp.clamp(0, 100);
    ///             Ok(())
    ///         });
    ///     }
    /// }
    ///
    /// let lua = Lua::new();
    /// lua.set_global("p", lua.create_userdata(Player { hp: 10 })?)?;
    /// assert_eq!(lua.exec::<i64>("p.hp = p.hp + 500 return p.hp")?, 100);
    /// let e = lua.exec::<()>("p.hp = 'full'").unwrap_err();
    /// assert_eq!(e.message(), "[string \"p.hp = 'full'\"]:1: bad value for field 'hp' of Player (integer expected, got string)");
    /// let e = lua.exec::<()>("p.xp = 1").unwrap_err();
    /// assert_eq!(e.message(), "[string \"p.xp = 1\"]:1: Player has no field 'xp'");
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn add_field_method_set<V, F>(&mut self, name: &str, f: F)
    where
        V: FromLua,
        F: Fn(&Lua, &mut T, V) -> Result<()> + 'static,
    {
        let field = name.to_string();
        self.setters.push((
            name.to_string(),
            Box::new(move |call| {
                let cell = args::field_self::<T>(call, &field)?;
                let value = args::field_value::<T, V>(call, &field)?;
                f(call.lua(), &mut *args::borrow_mut(&cell)?, value)?;
                Ok(0)
            }),
        ));
    }

    /// What `T` registers (run once per state, when its metatable is made).
    pub(super) fn of_type() -> TypeParts {
        let mut collector = UserDataMethods { methods: Vec::new(), meta: Vec::new(), getters: Vec::new(), setters: Vec::new(), _type: std::marker::PhantomData };
        T::add_fields(&mut collector);
        T::add_methods(&mut collector);
        let UserDataMethods { methods, meta, getters, setters, .. } = collector;
        TypeParts { name: short_type_name::<T>(), methods, meta, getters, setters }
    }
}

/// A host function for a method of `T` called `name`: checks `self`
/// (argument 1), converts the rest to `A`, runs `run` and pushes what it
/// returns. Nothing is allocated per call for a fixed-arity `A`.
fn with_self<T, A, R>(name: &str, run: impl Fn(&Lua, &std::cell::RefCell<T>, A) -> Result<R> + 'static) -> HostFunction
where
    T: 'static,
    A: FromLuaMulti,
    R: IntoLuaMulti,
{
    let name = name.to_string();
    Box::new(move |call| {
        let cell = args::self_cell::<T>(call, &name)?;
        let a = args::read::<A>(call, 1, &name)?;
        let out = run(call.lua(), &cell, a)?;
        out.push_multi(&mut call.stack()).map(|n| n as i32)
    })
}

/// A host function called `name` that converts all its arguments to `A`.
fn without_self<A, R, F>(name: &str, f: F) -> HostFunction
where
    A: FromLuaMulti,
    R: IntoLuaMulti,
    F: Fn(&Lua, A) -> Result<R> + 'static,
{
    let name = name.to_string();
    Box::new(move |call| {
        let a = args::read::<A>(call, 0, &name)?;
        f(call.lua(), a)?.push_multi(&mut call.stack()).map(|n| n as i32)
    })
}

/// `T`'s Rust name without module paths (`Vec<my::Point>` → `Vec<Point>`):
/// what Lua calls the type.
pub(crate) fn short_type_name<T>() -> String {
    fn last(path: &str) -> &str {
        path.rsplit("::").next().unwrap_or(path)
    }
    let full = std::any::type_name::<T>();
    let mut out = String::with_capacity(full.len());
    let mut start = 0;
    for (i, c) in full.char_indices() {
        if !(c.is_alphanumeric() || c == '_' || c == ':') {
            out.push_str(last(&full[start..i]));
            out.push(c);
            start = i + c.len_utf8();
        }
    }
    out.push_str(last(&full[start..]));
    out
}
