//! Exact decimal128 arithmetic (`+`, `-`, `×`, `÷`) for expressions and `$inc`/`$mul`.
//!
//! The bson crate stores Decimal128 but cannot compute with it, and doing the arithmetic in
//! `f64` would defeat the reason people use decimals (money: 0.1 + 0.2 must be 0.3). Values are
//! taken apart into a decimal coefficient and exponent (via the type's own text form), combined
//! with schoolbook arithmetic on digit vectors, rounded half-to-even to decimal128's 34 digits,
//! and put back through `Decimal128::from_str`. Exponents follow IEEE 754-2008's preferred
//! exponents, so `1.10 + 2.20` is `3.30` as in MongoDB.

use bson::Decimal128;
use std::cmp::Ordering;

/// A decimal value: `coefficient × 10^exponent`, or a special value.
#[derive(Debug, Clone, PartialEq)]
pub enum Dec {
    NaN,
    Infinity {
        negative: bool,
    },
    Finite {
        negative: bool,
        coefficient: Vec<u8>,
        exponent: i64,
    },
}

const PRECISION: usize = 34;

/// Reads a decimal128 (or any decimal text) into a `Dec`.
pub fn parse(text: &str) -> Dec {
    let t = text.trim();
    let (negative, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let lower = body.to_ascii_lowercase();
    if lower == "nan" {
        return Dec::NaN;
    }
    if lower == "infinity" || lower == "inf" {
        return Dec::Infinity { negative };
    }
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(p) => (&body[..p], body[p + 1..].parse::<i64>().unwrap_or(0)),
        None => (body, 0),
    };
    let (int_part, frac) = match mantissa.find('.') {
        Some(p) => (&mantissa[..p], &mantissa[p + 1..]),
        None => (mantissa, ""),
    };
    let digits: Vec<u8> = int_part
        .bytes()
        .chain(frac.bytes())
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    Dec::Finite {
        negative,
        coefficient: trim_leading(digits),
        exponent: exp - frac.len() as i64,
    }
}

/// From a decimal128 value.
pub fn from_decimal(d: &Decimal128) -> Dec {
    parse(&d.to_string())
}

/// From an integer.
pub fn from_i64(i: i64) -> Dec {
    parse(&i.to_string())
}

/// From a double, through its shortest round-tripping text.
pub fn from_f64(d: f64) -> Dec {
    if d.is_nan() {
        Dec::NaN
    } else if d.is_infinite() {
        Dec::Infinity { negative: d < 0.0 }
    } else {
        parse(&format!("{d:e}"))
    }
}

fn trim_leading(mut d: Vec<u8>) -> Vec<u8> {
    let lead = d.iter().take_while(|x| **x == 0).count();
    d.drain(..lead);
    d
}

fn cmp_mag(a: &[u8], b: &[u8]) -> Ordering {
    let (a, b) = (trim_slice(a), trim_slice(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn trim_slice(a: &[u8]) -> &[u8] {
    let lead = a.iter().take_while(|x| **x == 0).count();
    &a[lead..]
}

fn add_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let (mut i, mut j, mut carry) = (a.len(), b.len(), 0u8);
    while i > 0 || j > 0 || carry > 0 {
        let x = if i > 0 {
            i -= 1;
            a[i]
        } else {
            0
        };
        let y = if j > 0 {
            j -= 1;
            b[j]
        } else {
            0
        };
        let s = x + y + carry;
        out.push(s % 10);
        carry = s / 10;
    }
    out.reverse();
    trim_leading(out)
}

/// a - b for |a| >= |b|.
fn sub_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let (mut i, mut j, mut borrow) = (a.len(), b.len(), 0i8);
    while i > 0 {
        i -= 1;
        let y = if j > 0 {
            j -= 1;
            b[j] as i8
        } else {
            0
        };
        let mut d = a[i] as i8 - y - borrow;
        borrow = 0;
        if d < 0 {
            d += 10;
            borrow = 1;
        }
        out.push(d as u8);
    }
    out.reverse();
    trim_leading(out)
}

fn mul_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut acc = vec![0u32; a.len() + b.len()];
    for (i, x) in a.iter().enumerate().rev() {
        for (j, y) in b.iter().enumerate().rev() {
            acc[i + j + 1] += u32::from(*x) * u32::from(*y);
        }
    }
    for k in (1..acc.len()).rev() {
        let carry = acc[k] / 10;
        acc[k] %= 10;
        acc[k - 1] += carry;
    }
    trim_leading(acc.into_iter().map(|d| d as u8).collect())
}

/// Long division: (quotient, remainder-is-zero, remainder*2 compared with divisor).
fn div_mag(a: &[u8], b: &[u8]) -> (Vec<u8>, Ordering) {
    let mut q = Vec::with_capacity(a.len());
    let mut rem: Vec<u8> = Vec::new();
    for d in a {
        rem.push(*d);
        rem = trim_leading(rem);
        let mut digit = 0u8;
        while cmp_mag(&rem, b) != Ordering::Less {
            rem = sub_mag(&rem, b);
            digit += 1;
        }
        q.push(digit);
    }
    let twice = add_mag(&rem, &rem);
    (trim_leading(q), cmp_mag(&twice, b))
}

fn with_sign(negative: bool, coefficient: Vec<u8>, exponent: i64) -> Dec {
    Dec::Finite {
        negative,
        coefficient,
        exponent,
    }
}

fn shift(c: &[u8], zeros: usize) -> Vec<u8> {
    let mut out = c.to_vec();
    out.extend(std::iter::repeat_n(0, zeros));
    out
}

/// a + b.
pub fn add(a: &Dec, b: &Dec) -> Dec {
    match (a, b) {
        (Dec::NaN, _) | (_, Dec::NaN) => Dec::NaN,
        (Dec::Infinity { negative: x }, Dec::Infinity { negative: y }) if x != y => Dec::NaN,
        (Dec::Infinity { .. }, _) => a.clone(),
        (_, Dec::Infinity { .. }) => b.clone(),
        (
            Dec::Finite {
                negative: na,
                coefficient: ca,
                exponent: ea,
            },
            Dec::Finite {
                negative: nb,
                coefficient: cb,
                exponent: eb,
            },
        ) => {
            let e = (*ea).min(*eb);
            let ca = shift(ca, (*ea - e) as usize);
            let cb = shift(cb, (*eb - e) as usize);
            if na == nb {
                return with_sign(*na, add_mag(&ca, &cb), e);
            }
            match cmp_mag(&ca, &cb) {
                Ordering::Equal => with_sign(false, Vec::new(), e),
                Ordering::Greater => with_sign(*na, sub_mag(&ca, &cb), e),
                Ordering::Less => with_sign(*nb, sub_mag(&cb, &ca), e),
            }
        }
    }
}

/// -a.
pub fn negate(a: &Dec) -> Dec {
    match a {
        Dec::NaN => Dec::NaN,
        Dec::Infinity { negative } => Dec::Infinity {
            negative: !negative,
        },
        Dec::Finite {
            negative,
            coefficient,
            exponent,
        } => with_sign(!negative, coefficient.clone(), *exponent),
    }
}

/// a × b.
pub fn multiply(a: &Dec, b: &Dec) -> Dec {
    match (a, b) {
        (Dec::NaN, _) | (_, Dec::NaN) => Dec::NaN,
        (Dec::Infinity { negative: x }, Dec::Infinity { negative: y }) => {
            Dec::Infinity { negative: x != y }
        }
        (
            Dec::Infinity { negative: x },
            Dec::Finite {
                negative: y,
                coefficient,
                ..
            },
        )
        | (
            Dec::Finite {
                negative: y,
                coefficient,
                ..
            },
            Dec::Infinity { negative: x },
        ) => {
            if coefficient.is_empty() {
                Dec::NaN
            } else {
                Dec::Infinity { negative: x != y }
            }
        }
        (
            Dec::Finite {
                negative: na,
                coefficient: ca,
                exponent: ea,
            },
            Dec::Finite {
                negative: nb,
                coefficient: cb,
                exponent: eb,
            },
        ) => with_sign(na != nb, mul_mag(ca, cb), ea + eb),
    }
}

/// a ÷ b; None when b is zero.
pub fn divide(a: &Dec, b: &Dec) -> Option<Dec> {
    Some(match (a, b) {
        (Dec::NaN, _) | (_, Dec::NaN) => Dec::NaN,
        (Dec::Infinity { .. }, Dec::Infinity { .. }) => Dec::NaN,
        (Dec::Infinity { negative: x }, Dec::Finite { negative: y, .. }) => {
            Dec::Infinity { negative: x != y }
        }
        (Dec::Finite { negative: x, .. }, Dec::Infinity { negative: y }) => {
            with_sign(x != y, Vec::new(), 0)
        }
        (
            Dec::Finite {
                negative: na,
                coefficient: ca,
                exponent: ea,
            },
            Dec::Finite {
                negative: nb,
                coefficient: cb,
                exponent: eb,
            },
        ) => {
            if cb.is_empty() {
                return None;
            }
            let preferred = ea - eb;
            if ca.is_empty() {
                return Some(with_sign(na != nb, Vec::new(), preferred));
            }
            // Scale the dividend so the quotient has more digits than the precision.
            let extra = PRECISION + 2 + cb.len();
            let (mut q, half) = div_mag(&shift(ca, extra), cb);
            let mut exp = preferred - extra as i64;
            let remainder_zero = {
                let product = mul_mag(&q, cb);
                cmp_mag(&product, &shift(ca, extra)) == Ordering::Equal
            };
            if remainder_zero {
                // Exact: drop trailing zeros down to the preferred exponent.
                while exp < preferred && q.last() == Some(&0) {
                    q.pop();
                    exp += 1;
                }
            } else if half != Ordering::Less {
                // Sticky rounding happens in `round`; nudge so ties are not mistaken for exact.
                q.push(if half == Ordering::Equal { 5 } else { 6 });
                exp -= 1;
            } else {
                q.push(1);
                exp -= 1;
            }
            with_sign(na != nb, q, exp)
        }
    })
}

/// Rounds to 34 digits (half to even) and builds the Decimal128.
pub fn to_decimal128(d: &Dec) -> Option<Decimal128> {
    let text = match d {
        Dec::NaN => "NaN".to_string(),
        Dec::Infinity { negative } => if *negative { "-Infinity" } else { "Infinity" }.to_string(),
        Dec::Finite {
            negative,
            coefficient,
            exponent,
        } => {
            let mut c = trim_leading(coefficient.clone());
            let mut e = *exponent;
            if c.len() > PRECISION {
                let drop = c.len() - PRECISION;
                let tail: Vec<u8> = c.split_off(PRECISION);
                e += drop as i64;
                let first = tail.first().copied().unwrap_or(0);
                let rest_nonzero = tail.iter().skip(1).any(|x| *x != 0);
                let round_up = first > 5
                    || (first == 5 && (rest_nonzero || c.last().is_some_and(|x| x % 2 == 1)));
                if round_up {
                    c = add_mag(&c, &[1]);
                    if c.len() > PRECISION {
                        c.pop();
                        e += 1;
                    }
                }
            }
            let digits: String = if c.is_empty() {
                "0".into()
            } else {
                c.iter().map(|x| char::from(b'0' + x)).collect()
            };
            format!("{}{digits}E{e}", if *negative { "-" } else { "" })
        }
    };
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        parse(s)
    }

    fn show(x: &Dec) -> String {
        to_decimal128(x).map(|v| v.to_string()).unwrap_or_default()
    }

    #[test]
    fn addition_is_exact_and_keeps_scale() {
        assert_eq!(show(&add(&d("0.1"), &d("0.2"))), "0.3");
        assert_eq!(show(&add(&d("1.10"), &d("2.20"))), "3.30");
        assert_eq!(show(&add(&d("1"), &negate(&d("1.5")))), "-0.5");
    }

    #[test]
    fn multiplication_and_division() {
        assert_eq!(show(&multiply(&d("1.5"), &d("2"))), "3.0");
        assert_eq!(show(&divide(&d("1"), &d("4")).expect("non-zero")), "0.25");
        assert_eq!(show(&divide(&d("10"), &d("2")).expect("non-zero")), "5");
        assert_eq!(
            show(&divide(&d("1"), &d("3")).expect("non-zero")),
            "0.3333333333333333333333333333333333"
        );
        assert_eq!(
            show(&divide(&d("2"), &d("3")).expect("non-zero")),
            "0.6666666666666666666666666666666667"
        );
        assert!(divide(&d("1"), &d("0")).is_none());
    }

    #[test]
    fn specials() {
        assert_eq!(add(&d("NaN"), &d("1")), Dec::NaN);
        assert_eq!(show(&add(&d("Infinity"), &d("1"))), "Infinity");
        assert_eq!(show(&from_f64(0.1)), "0.1");
    }
}
