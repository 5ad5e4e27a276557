//! Numbers compared by value, as exact decimals.
//!
//! Results carry numbers in many spellings: an `int8`, a `float8` printed in its shortest
//! round-trip form, a NUMERIC's exact text (`42.00`), an inline expectation typed by a teacher
//! (`42`, `1e3`). Comparing them as decimal digits (never through `f64`) keeps NUMERIC exact
//! and makes `--digits` rounding do what a person expects (`0.125` rounds to `0.13`).

use std::fmt;

/// A finite decimal number: `digits × 10^exponent`, with no leading or trailing zeros in
/// `digits` (zero is the empty digit string), so equal values have equal representations.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

impl Decimal {
    /// Parses `-12.50`, `+3`, `.5`, `1e-3`, `1E+20`. Anything else (including `NaN`,
    /// `Infinity`, thousands separators) is not a decimal.
    pub fn parse(text: &str) -> Option<Decimal> {
        let text = text.trim();
        let (negative, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => (&rest[..at], rest[at + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        if !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        // Bounds keep the exponent arithmetic far from overflow on hostile input.
        if exponent.abs() > 1_000_000 || mantissa.len() > 100_000 {
            return None;
        }
        let digits: Vec<u8> = whole
            .bytes()
            .chain(fraction.bytes())
            .map(|b| b - b'0')
            .collect();
        Some(Decimal::normalized(
            negative,
            digits,
            exponent - fraction.len() as i64,
        ))
    }

    fn normalized(negative: bool, mut digits: Vec<u8>, mut exponent: i64) -> Decimal {
        let leading = digits.iter().take_while(|d| **d == 0).count();
        digits.drain(..leading);
        while digits.last() == Some(&0) {
            digits.pop();
            exponent += 1;
        }
        if digits.is_empty() {
            return Decimal {
                negative: false,
                digits,
                exponent: 0,
            };
        }
        Decimal {
            negative,
            digits,
            exponent,
        }
    }

    /// Rounds to `places` decimal places, half away from zero (as `round()` in SQL does).
    pub fn rounded(&self, places: u32) -> Decimal {
        let keep_exponent = -i64::from(places);
        if self.exponent >= keep_exponent {
            return self.clone();
        }
        // Number of digits that stay (may be zero or negative: the value rounds to 0 or 10^-places).
        let drop = (keep_exponent - self.exponent) as usize;
        if drop > self.digits.len() {
            return Decimal::normalized(false, Vec::new(), 0);
        }
        let keep = self.digits.len() - drop;
        let mut digits = self.digits[..keep].to_vec();
        if self.digits[keep] >= 5 {
            let mut index = digits.len();
            loop {
                if index == 0 {
                    digits.insert(0, 1);
                    break;
                }
                index -= 1;
                if digits[index] == 9 {
                    digits[index] = 0;
                } else {
                    digits[index] += 1;
                    break;
                }
            }
        }
        Decimal::normalized(self.negative, digits, keep_exponent)
    }
}

impl fmt::Display for Decimal {
    /// Plain positional notation (`-0.001`, `1200`), never an exponent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.digits.is_empty() {
            return f.write_str("0");
        }
        let digits: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        let sign = if self.negative { "-" } else { "" };
        if self.exponent >= 0 {
            // Huge exponents are shown scientifically rather than as a megabyte of zeros.
            if self.exponent > 40 {
                return write!(f, "{sign}{digits}e{}", self.exponent);
            }
            return write!(f, "{sign}{digits}{}", "0".repeat(self.exponent as usize));
        }
        let point = self.digits.len() as i64 + self.exponent;
        if point > 0 {
            let (whole, fraction) = digits.split_at(point as usize);
            write!(f, "{sign}{whole}.{fraction}")
        } else if point > -40 {
            write!(f, "{sign}0.{}{digits}", "0".repeat((-point) as usize))
        } else {
            write!(f, "{sign}{digits}e{}", self.exponent)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn equal_values_in_different_spellings_are_equal() {
        assert_eq!(d("42"), d("42.00"));
        assert_eq!(d("1e3"), d("1000"));
        assert_eq!(d("-0"), d("0.000"));
        assert_eq!(d(".5"), d("0.50"));
        assert_ne!(d("42"), d("42.001"));
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(d("0.125").rounded(2).to_string(), "0.13");
        assert_eq!(d("-0.125").rounded(2).to_string(), "-0.13");
        assert_eq!(d("9.995").rounded(2).to_string(), "10");
        assert_eq!(d("0.30000000000000004").rounded(2), d("0.3"));
        assert_eq!(d("0.004").rounded(2).to_string(), "0");
        assert_eq!(d("123.4").rounded(0).to_string(), "123");
    }

    #[test]
    fn not_numbers() {
        for text in [
            "", "-", ".", "NaN", "Infinity", "1,000", "12a", "1e", "0x10",
        ] {
            assert!(Decimal::parse(text).is_none(), "{text}");
        }
    }

    #[test]
    fn display_is_positional() {
        assert_eq!(d("1.50").to_string(), "1.5");
        assert_eq!(d("-0.001").to_string(), "-0.001");
        assert_eq!(d("12e2").to_string(), "1200");
    }
}
