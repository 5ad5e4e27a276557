//! Exact comparison of BSON numbers across int32, int64, double and decimal128.
//!
//! MongoDB compares numbers by mathematical value whatever their type, so `1 == 1.0 ==
//! NumberLong(1) == NumberDecimal("1.000")`, and `5e-324` (the smallest double) is *not* equal to
//! `NumberDecimal("1E-6176")`. `bson::Decimal128` has no arithmetic, and converting everything to
//! `f64` would wrongly merge such values, so each number is turned into an exact decimal
//! (`sign, digits, exponent`) when the cheap `f64` comparison cannot decide. Every finite double is
//! an exact decimal (m·2^e = m·5^-e·10^e), so this is always possible.

use bson::{Bson, Decimal128};
use std::cmp::Ordering;

/// A number reduced to a comparable form.
#[derive(Debug, Clone, PartialEq)]
pub enum Exact {
    /// Not a number; sorts below every other number and equals only itself.
    NaN,
    /// Negative infinity.
    NegInf,
    /// A finite value: `0.d1d2d3... × 10^exp`, digits without leading or trailing zeros.
    /// Zero has no digits (and no sign).
    Finite {
        negative: bool,
        digits: Vec<u8>,
        exp: i64,
    },
    /// Positive infinity.
    PosInf,
}

/// True for the four numeric BSON types.
pub fn is_number(v: &Bson) -> bool {
    matches!(
        v,
        Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_) | Bson::Decimal128(_)
    )
}

/// Reads a whole number that fits in i64 (None for fractions, NaN, infinities, overflow and
/// non-numbers).
pub fn integral_i64(v: &Bson) -> Option<i64> {
    match v {
        Bson::Int32(i) => Some(i64::from(*i)),
        Bson::Int64(i) => Some(*i),
        Bson::Double(_) | Bson::Decimal128(_) => {
            let d = to_f64(v)?;
            if d.fract() != 0.0
                || !d.is_finite()
                || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&d)
            {
                None
            } else {
                Some(d as i64)
            }
        }
        _ => None,
    }
}

/// Approximates a decimal128 as a double (NaN for unparsable text, which cannot occur for
/// values produced by the bson crate).
pub fn decimal_to_f64(d: &Decimal128) -> f64 {
    let s = d.to_string();
    match s.as_str() {
        "Infinity" | "+Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        _ => s.parse::<f64>().unwrap_or(f64::NAN),
    }
}

/// Any number as a double (None for non-numbers). Loses precision for large int64 and decimals.
pub fn to_f64(v: &Bson) -> Option<f64> {
    match v {
        Bson::Int32(i) => Some(f64::from(*i)),
        Bson::Int64(i) => Some(*i as f64),
        Bson::Double(d) => Some(*d),
        Bson::Decimal128(d) => Some(decimal_to_f64(d)),
        _ => None,
    }
}

/// Compares two numeric BSON values by value (NaN lowest, NaN == NaN). Non-numbers compare Equal;
/// callers check the type bracket first.
pub fn compare_numbers(a: &Bson, b: &Bson) -> Ordering {
    match (a, b) {
        (Bson::Int32(x), Bson::Int32(y)) => return x.cmp(y),
        (Bson::Int64(x), Bson::Int64(y)) => return x.cmp(y),
        (Bson::Int32(x), Bson::Int64(y)) => return i64::from(*x).cmp(y),
        (Bson::Int64(x), Bson::Int32(y)) => return x.cmp(&i64::from(*y)),
        _ => {}
    }
    let (fa, fb) = match (to_f64(a), to_f64(b)) {
        (Some(x), Some(y)) => (x, y),
        _ => return Ordering::Equal,
    };
    match (fa.is_nan(), fb.is_nan()) {
        (true, true) => return nan_tie(a, b),
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    // Rounding to f64 is monotone, so a strict f64 difference is decisive.
    match fa.partial_cmp(&fb) {
        Some(Ordering::Equal) | None => {}
        Some(o) => return o,
    }
    if matches!((a, b), (Bson::Double(_), Bson::Double(_))) {
        return Ordering::Equal;
    }
    compare_exact(&exact(a), &exact(b))
}

/// Both values are NaN as doubles; a decimal may still be NaN (equal) only.
fn nan_tie(_a: &Bson, _b: &Bson) -> Ordering {
    Ordering::Equal
}

/// Exact form of a numeric BSON value (NaN for non-numbers).
pub fn exact(v: &Bson) -> Exact {
    match v {
        Bson::Int32(i) => from_i128(i128::from(*i)),
        Bson::Int64(i) => from_i128(i128::from(*i)),
        Bson::Double(d) => from_f64(*d),
        Bson::Decimal128(d) => parse_decimal(&d.to_string()),
        _ => Exact::NaN,
    }
}

fn normalize(negative: bool, mut digits: Vec<u8>, mut exp: i64) -> Exact {
    let lead = digits.iter().take_while(|d| **d == 0).count();
    digits.drain(..lead);
    exp -= lead as i64;
    while digits.last() == Some(&0) {
        digits.pop();
    }
    if digits.is_empty() {
        return Exact::Finite {
            negative: false,
            digits,
            exp: 0,
        };
    }
    Exact::Finite {
        negative,
        digits,
        exp,
    }
}

fn from_i128(i: i128) -> Exact {
    let negative = i < 0;
    let digits: Vec<u8> = i
        .unsigned_abs()
        .to_string()
        .bytes()
        .map(|b| b - b'0')
        .collect();
    let exp = digits.len() as i64;
    normalize(negative, digits, exp)
}

/// Exact decimal expansion of a double.
pub fn from_f64(d: f64) -> Exact {
    if d.is_nan() {
        return Exact::NaN;
    }
    if d.is_infinite() {
        return if d > 0.0 {
            Exact::PosInf
        } else {
            Exact::NegInf
        };
    }
    if d == 0.0 {
        return normalize(false, Vec::new(), 0);
    }
    let bits = d.to_bits();
    let negative = bits >> 63 == 1;
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1u64 << 52) - 1);
    let (mantissa, e2) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), biased - 1075)
    };
    // Little-endian base-10 digits of the mantissa, then scaled by 2^e2 exactly.
    let mut n: Vec<u8> = mantissa
        .to_string()
        .bytes()
        .rev()
        .map(|b| b - b'0')
        .collect();
    let mut dec_exp: i64 = 0;
    if e2 >= 0 {
        for _ in 0..e2 {
            mul_small(&mut n, 2);
        }
    } else {
        // m·2^-k = m·5^k·10^-k
        for _ in 0..(-e2) {
            mul_small(&mut n, 5);
        }
        dec_exp = e2;
    }
    let len = n.len() as i64;
    n.reverse();
    normalize(negative, n, len + dec_exp)
}

fn mul_small(n: &mut Vec<u8>, m: u32) {
    let mut carry = 0u32;
    for d in n.iter_mut() {
        let v = u32::from(*d) * m + carry;
        *d = (v % 10) as u8;
        carry = v / 10;
    }
    while carry > 0 {
        n.push((carry % 10) as u8);
        carry /= 10;
    }
}

/// Parses a decimal string ("1.000", "-1E-6176", "NaN", "-Infinity").
pub fn parse_decimal(s: &str) -> Exact {
    let s = s.trim();
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if body.eq_ignore_ascii_case("nan") {
        return Exact::NaN;
    }
    if body.eq_ignore_ascii_case("infinity") || body.eq_ignore_ascii_case("inf") {
        return if negative {
            Exact::NegInf
        } else {
            Exact::PosInf
        };
    }
    let (mantissa, e10) = match body.find(['e', 'E']) {
        Some(pos) => (&body[..pos], body[pos + 1..].parse::<i64>().unwrap_or(0)),
        None => (body, 0),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(pos) => (&mantissa[..pos], &mantissa[pos + 1..]),
        None => (mantissa, ""),
    };
    let digits: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    normalize(negative, digits, int_part.len() as i64 + e10)
}

fn compare_magnitude(da: &[u8], ea: i64, db: &[u8], eb: i64) -> Ordering {
    ea.cmp(&eb).then_with(|| da.cmp(db))
}

/// Total order on exact numbers, NaN lowest.
pub fn compare_exact(a: &Exact, b: &Exact) -> Ordering {
    use Exact::*;
    fn rank(x: &Exact) -> u8 {
        match x {
            NaN => 0,
            NegInf => 1,
            Finite { .. } => 2,
            PosInf => 3,
        }
    }
    match (a, b) {
        (
            Finite {
                negative: na,
                digits: da,
                exp: ea,
            },
            Finite {
                negative: nb,
                digits: db,
                exp: eb,
            },
        ) => {
            let sign = |neg: bool, d: &Vec<u8>| -> i8 {
                if d.is_empty() {
                    0
                } else if neg {
                    -1
                } else {
                    1
                }
            };
            let (sa, sb) = (sign(*na, da), sign(*nb, db));
            if sa != sb {
                return sa.cmp(&sb);
            }
            match sa {
                0 => Ordering::Equal,
                1 => compare_magnitude(da, *ea, db, *eb),
                _ => compare_magnitude(db, *eb, da, *ea),
            }
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Bson {
        Bson::Decimal128(s.parse().expect("test decimal"))
    }

    #[test]
    fn cross_type_equality() {
        assert_eq!(
            compare_numbers(&Bson::Int32(1), &Bson::Double(1.0)),
            Ordering::Equal
        );
        assert_eq!(
            compare_numbers(&Bson::Int64(1), &dec("1.000")),
            Ordering::Equal
        );
        assert_eq!(
            compare_numbers(&Bson::Double(-0.0), &dec("0")),
            Ordering::Equal
        );
    }

    #[test]
    fn tiny_double_is_not_tiny_decimal() {
        let d = Bson::Double(5e-324);
        let t = dec("1E-6176");
        assert_eq!(compare_numbers(&d, &t), Ordering::Greater);
        assert_eq!(compare_numbers(&t, &Bson::Double(0.0)), Ordering::Greater);
    }

    #[test]
    fn large_int64_exact() {
        let a = Bson::Int64(9_007_199_254_740_993);
        let b = Bson::Double(9_007_199_254_740_992.0);
        assert_eq!(compare_numbers(&a, &b), Ordering::Greater);
    }

    #[test]
    fn nan_lowest() {
        assert_eq!(
            compare_numbers(&Bson::Double(f64::NAN), &Bson::Double(f64::NEG_INFINITY)),
            Ordering::Less
        );
        assert_eq!(
            compare_numbers(&dec("NaN"), &Bson::Double(f64::NAN)),
            Ordering::Equal
        );
    }

    #[test]
    fn exact_double_expansion() {
        assert_eq!(from_f64(0.5), parse_decimal("0.5"));
        assert_eq!(from_f64(-1.25), parse_decimal("-125E-2"));
        assert_eq!(from_f64(1e20), parse_decimal("100000000000000000000"));
    }
}
