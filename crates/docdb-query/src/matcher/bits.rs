//! `$bitsAllSet`, `$bitsAnySet`, `$bitsAllClear`, `$bitsAnyClear`.
//!
//! The mask can be a non-negative integer, BinData, or a list of bit positions; all three are
//! reduced to a list of positions so one test serves them. A numeric value is read as a 64-bit
//! two's-complement integer (positions past 63 read the sign bit); BinData is little-endian by
//! byte, positions past its end read 0. Anything else never matches.

use crate::error::{QueryError, Result};
use crate::number;
use bson::Bson;

/// Which of the four bit tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitTest {
    AllSet,
    AnySet,
    AllClear,
    AnyClear,
}

impl BitTest {
    /// Maps an operator name to its test.
    pub fn from_operator(op: &str) -> Option<BitTest> {
        Some(match op {
            "$bitsAllSet" => BitTest::AllSet,
            "$bitsAnySet" => BitTest::AnySet,
            "$bitsAllClear" => BitTest::AllClear,
            "$bitsAnyClear" => BitTest::AnyClear,
            _ => return None,
        })
    }
}

pub use crate::number::integral_i64;

/// Parses a mask into bit positions.
pub fn parse_mask(op: &str, mask: &Bson) -> Result<Vec<u32>> {
    match mask {
        Bson::Binary(b) => Ok(binary_positions(&b.bytes)),
        Bson::Array(items) => items
            .iter()
            .map(|item| match integral_i64(item) {
                Some(p) if (0..=i64::from(u32::MAX)).contains(&p) => Ok(p as u32),
                Some(p) => Err(QueryError::bad_value(format!(
                    "bit positions cannot be negative but {op} got {p}"
                ))),
                None => Err(QueryError::bad_value(format!(
                    "bit positions must be integers but {op} got {}",
                    crate::fmt::short(item)
                ))),
            })
            .collect(),
        _ if number::is_number(mask) => match integral_i64(mask) {
            Some(m) if m >= 0 => Ok((0..63).filter(|p| (m >> p) & 1 == 1).collect()),
            Some(m) => Err(QueryError::failed_to_parse(format!(
                "{op} cannot take a negative number: {m}"
            ))),
            None => Err(QueryError::failed_to_parse(format!(
                "{op} takes an Array, a number, or a BinData but received: {} (numbers must be integers representable as a 64-bit integer)",
                crate::fmt::short(mask)
            ))),
        },
        _ => Err(QueryError::bad_value(format!(
            "{op} takes an Array, a number, or a BinData but received: {}",
            crate::fmt::short(mask)
        ))),
    }
}

fn binary_positions(bytes: &[u8]) -> Vec<u32> {
    let mut out = Vec::new();
    for (i, byte) in bytes.iter().enumerate() {
        for bit in 0..8u32 {
            if (byte >> bit) & 1 == 1 {
                out.push(i as u32 * 8 + bit);
            }
        }
    }
    out
}

/// Applies a bit test to one value.
pub fn test(kind: BitTest, positions: &[u32], value: &Bson) -> bool {
    let bit: Box<dyn Fn(u32) -> bool> = match value {
        Bson::Binary(b) => {
            let bytes = b.bytes.clone();
            Box::new(move |p| {
                bytes
                    .get((p / 8) as usize)
                    .is_some_and(|byte| (byte >> (p % 8)) & 1 == 1)
            })
        }
        _ => match integral_i64(value) {
            Some(n) => Box::new(move |p| if p >= 64 { n < 0 } else { (n >> p) & 1 == 1 }),
            None => return false,
        },
    };
    match kind {
        BitTest::AllSet => positions.iter().all(|p| bit(*p)),
        BitTest::AnySet => positions.iter().any(|p| bit(*p)),
        BitTest::AllClear => positions.iter().all(|p| !bit(*p)),
        BitTest::AnyClear => positions.iter().any(|p| !bit(*p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_masks() {
        let pos = parse_mask("$bitsAllSet", &Bson::Int32(0b101)).expect("mask");
        assert_eq!(pos, vec![0, 2]);
        assert!(test(BitTest::AllSet, &pos, &Bson::Int32(7)));
        assert!(!test(BitTest::AllSet, &pos, &Bson::Int32(6)));
        assert!(test(BitTest::AnyClear, &pos, &Bson::Int32(6)));
        assert!(!test(BitTest::AllSet, &pos, &Bson::Double(7.5)));
    }

    #[test]
    fn negative_values_sign_extend() {
        assert!(test(BitTest::AllSet, &[70], &Bson::Int32(-1)));
        assert!(test(BitTest::AllClear, &[70], &Bson::Int32(1)));
    }

    #[test]
    fn negative_mask_is_failed_to_parse() {
        assert_eq!(
            parse_mask("$bitsAllSet", &Bson::Double(-1.0))
                .expect_err("neg")
                .code,
            9
        );
        assert!(parse_mask("$bitsAllSet", &Bson::Array(vec![Bson::Int32(-1)])).is_err());
    }

    #[test]
    fn binary_values_are_little_endian() {
        let v = Bson::Binary(bson::Binary {
            subtype: bson::spec::BinarySubtype::Generic,
            bytes: vec![0x00, 0x01],
        });
        assert!(test(BitTest::AllSet, &[8], &v));
        assert!(test(BitTest::AllClear, &[0, 100], &v));
    }
}
