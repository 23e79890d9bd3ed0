//! Numbers that carry no integer/float distinction (JavaScript's) as Lua
//! numbers: which of them are integers.

/// The integer a JavaScript number stands for, when it is one in Lua's
/// range (see [`Stack::push_number_normalized`]). Read from the bits, with
/// integer operations only: the float round trip it replaces (`n as i64 as
/// f64 == n`) was a chain of dependent conversions and compares on every
/// number a call passed (issue 18).
#[inline]
pub(crate) fn normalized_integer(n: f64) -> Option<i64> {
    let bits = n.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32 - 1023;
    if exp < 0 {
        // |n| < 1: only +0 is an integer (-0 keeps its sign as a float).
        return (bits == 0).then_some(0);
    }
    if exp < 52 {
        // The low 52 - exp bits of the mantissa are the fraction.
        return ((bits << (12 + exp)) == 0).then_some(n as i64);
    }
    if exp < 63 {
        return Some(n as i64); // integral; |n| < 2^63
    }
    // -2^63 is the one value of magnitude 2^63 or more in range; NaN and
    // the infinities (exp 1024) are not integers.
    (bits == (-9_223_372_036_854_775_808.0f64).to_bits()).then_some(i64::MIN)
}

#[cfg(test)]
mod tests {
    use super::normalized_integer;

    /// The definition the bit test replaced.
    fn reference(n: f64) -> Option<i64> {
        const TWO_63: f64 = 9_223_372_036_854_775_808.0;
        if (-TWO_63..TWO_63).contains(&n) {
            let i = n as i64;
            if i as f64 == n && !(i == 0 && n.is_sign_negative()) {
                return Some(i);
            }
        }
        None
    }

    #[test]
    fn the_bit_test_agrees_with_the_round_trip() {
        let mut cases = vec![
            0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.0, 3.0, 1e-300, -1e-300, f64::MIN_POSITIVE, 5e-324,
            f64::NAN, -f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN, f64::EPSILON,
            4503599627370495.5, 4503599627370496.0, 4503599627370497.0, 9007199254740991.0, 9007199254740993.0,
            9_223_372_036_854_775_808.0, -9_223_372_036_854_775_808.0, 9_223_372_036_854_774_784.0, -9_223_372_036_854_774_784.0,
            18_446_744_073_709_551_616.0, -18_446_744_073_709_551_616.0, 123456789.25, -987654321.0,
        ];
        // Every exponent, with integral and fractional mantissas, both signs.
        for e in -1100..1100 {
            for m in [1.0, 1.5, 1.25, 1.0000000000000002, 1.9999999999999998] {
                let x = m * 2f64.powi(e);
                cases.push(x);
                cases.push(-x);
                cases.push(x.next_up());
                cases.push(x.next_down());
            }
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            cases.push(f64::from_bits(seed));
            cases.push((seed >> 11) as f64 * if seed & 1 == 0 { 1.0 } else { -1.0 });
        }
        for n in cases {
            assert_eq!(normalized_integer(n), reference(n), "{n:e} ({:#x})", n.to_bits());
        }
    }
}
