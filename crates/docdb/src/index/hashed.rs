//! Hashed index keys: a 64-bit hash of the value instead of the value.
//!
//! Equal values (by MongoDB's comparison: `1`, `NumberLong(1)` and `1.0` are equal) must hash
//! the same, so numbers are hashed by value and documents/arrays field by field. The hash is
//! FNV-1a, stable across runs (indexes are rebuilt from documents at start-up anyway). Only
//! equality can use such an index: a point interval maps to the point of its hash, anything
//! else to the whole index (which the planner then does not consider bounded).

use bson::{Bson, Document};

use crate::error::{CommandError, Result};
use crate::planner::Interval;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

struct Fnv(u64);

impl Fnv {
    fn bytes(&mut self, b: &[u8]) {
        for byte in b {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(FNV_PRIME);
        }
    }

    fn value(&mut self, v: &Bson) {
        match v {
            Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_) => {
                let d = crate::index::spec::number(v).unwrap_or(0.0);
                // Integral values hash as integers whatever their BSON type.
                if d.fract() == 0.0 && d.abs() < 9.2e18 {
                    self.bytes(b"i");
                    self.bytes(&(d as i64).to_le_bytes());
                } else if d.is_nan() {
                    self.bytes(b"n");
                } else {
                    self.bytes(b"d");
                    self.bytes(&d.to_le_bytes());
                }
            }
            Bson::String(s) => {
                self.bytes(b"s");
                self.bytes(s.as_bytes());
                self.bytes(&[0]);
            }
            Bson::Document(d) => {
                self.bytes(b"o");
                self.document(d);
            }
            Bson::Array(items) => {
                self.bytes(b"a");
                for item in items {
                    self.value(item);
                }
                self.bytes(&[0]);
            }
            Bson::Null => self.bytes(b"0"),
            other => {
                // Other types hash their BSON encoding, tagged by type.
                self.bytes(&[other.element_type() as u8]);
                let mut d = Document::new();
                d.insert("", other.clone());
                if let Ok(raw) = d.to_vec() {
                    self.bytes(&raw);
                }
            }
        }
    }

    fn document(&mut self, d: &Document) {
        for (k, v) in d {
            self.bytes(k.as_bytes());
            self.bytes(&[0]);
            self.value(v);
        }
        self.bytes(&[0]);
    }
}

/// The hashed key of a value.
pub fn hash(v: &Bson) -> Bson {
    let mut h = Fnv(FNV_OFFSET);
    h.value(v);
    Bson::Int64(h.0 as i64)
}

/// mongod refuses arrays on a hashed path (16766), naming where the array is.
pub fn refuse_arrays(doc: &Document, path: &str) -> Result<()> {
    let mut current: Option<&Bson> = None;
    let mut walked: Vec<&str> = Vec::new();
    for part in path.split('.') {
        let next = match current {
            None => doc.get(part),
            Some(Bson::Document(d)) => d.get(part),
            _ => None,
        };
        walked.push(part);
        match next {
            Some(Bson::Array(_)) => {
                return Err(CommandError::new(
                    16766,
                    format!(
                        "Error: hashed indexes do not currently support array values. Found array at path: {}",
                        walked.join(".")
                    ),
                ));
            }
            Some(v) => current = Some(v),
            None => return Ok(()),
        }
    }
    Ok(())
}

/// The intervals of a hashed field: the hashes of equality points (sorted, deduplicated),
/// or the whole index when the predicate is not a set of points.
pub fn intervals(field: Vec<Interval>) -> Vec<Interval> {
    if field.is_empty() || !field.iter().all(Interval::is_point) {
        return vec![Interval::full()];
    }
    let mut points: Vec<Bson> = field.into_iter().map(|iv| hash(&iv.low)).collect();
    points.sort_by(docdb_query::value::compare);
    points.dedup();
    points.into_iter().map(Interval::point).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn equal_numbers_hash_alike() {
        assert_eq!(hash(&Bson::Int32(1)), hash(&Bson::Double(1.0)));
        assert_eq!(hash(&Bson::Int64(1)), hash(&Bson::Int32(1)));
        assert_ne!(hash(&Bson::Int32(1)), hash(&Bson::String("1".into())));
    }

    #[test]
    fn arrays_are_refused_with_their_path() {
        let e = refuse_arrays(&doc! {"a": {"b": [1]}}, "a.b").unwrap_err();
        assert_eq!(e.code, 16766);
        assert!(
            e.message.ends_with("Found array at path: a.b"),
            "{}",
            e.message
        );
        assert!(refuse_arrays(&doc! {"a": 1}, "a.b").is_ok());
    }
}
