//! `Value: Display`: a value as Lua's `tostring` writes it without
//! metamethods, for messages and logs. Numbers follow Lua 5.5's own format
//! (`%.15g`, or `%.17g` when that is what reads back as the same float, and
//! `.0` on a float that reads as an integer); strings are
//! shown as text (invalid UTF-8 replaced); a value by reference shows its
//! type, as `tostring` would before its address.

use std::fmt;

use crate::raw::value::Value;

impl fmt::Display for Value {
    /// ```
    /// use lua_core::{Lua, Value};
    /// let lua = Lua::new();
    /// let shown: Vec<String> = lua.exec::<lua_core::MultiValue>("return nil, true, 42, 2^53, 0.1, 1e100, -0.0, 'hi'")?
    ///     .0.iter().map(Value::to_string).collect();
    /// assert_eq!(shown, ["nil", "true", "42", "9007199254740992.0", "0.1", "1e+100", "-0.0", "hi"]);
    /// assert_eq!(lua.exec::<Value>("return {}")?.to_string(), "table");
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("nil"),
            Value::Boolean(b) => write!(f, "{b}"),
            Value::Integer(i) => write!(f, "{i}"),
            Value::Number(n) => f.write_str(&lua_number(*n)),
            Value::String(bytes) => f.write_str(&String::from_utf8_lossy(bytes)),
            other => f.write_str(other.type_name()),
        }
    }
}

/// A float as Lua 5.5 writes it: `%.15g` if that reads back as the same
/// float, else `%.17g`; then `.0` if the text reads as an integer.
fn lua_number(n: f64) -> String {
    if n.is_nan() {
        return if n.is_sign_negative() { "-nan".into() } else { "nan".into() };
    }
    if n.is_infinite() {
        return if n < 0.0 { "-inf".into() } else { "inf".into() };
    }
    let short = g(n, 15);
    let text = if short.parse::<f64>().ok() == Some(n) { short } else { g(n, 17) };
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        text + ".0"
    } else {
        text
    }
}

/// C's `%.<p>g` for a finite float.
fn g(n: f64, p: i32) -> String {
    if n == 0.0 {
        return if n.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // The exponent after rounding to P significant digits.
    let sci = format!("{:.*e}", (p - 1) as usize, n);
    let (mantissa, exp) = sci.split_once('e').expect("`e` format has an exponent");
    let exp: i32 = exp.parse().expect("an integer exponent");
    if !(-4..p).contains(&exp) {
        let mantissa = trim_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        trim_zeros(&format!("{:.*}", (p - 1 - exp) as usize, n)).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::lua_number;

    #[test]
    fn floats_read_as_lua_writes_them() {
        for (n, text) in [
            (1.0, "1.0"),
            (-2.5, "-2.5"),
            (0.1, "0.1"),
            // Each as Lua 5.5.1's tostring writes it.
            (1.0 / 3.0, "0.33333333333333331"),
            (1e15, "1e+15"),
            (123456789012345.0, "123456789012345.0"),
            (99999999999999.0, "99999999999999.0"),
            (9007199254740992.0, "9007199254740992.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (f64::MAX, "1.7976931348623157e+308"),
            (1e100, "1e+100"),
            (-0.0, "-0.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(lua_number(n), text, "{n:e}");
        }
    }
}
