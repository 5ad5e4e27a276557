//! Index keys with MongoDB's ordering, usable as `BTreeSet` keys.
//!
//! An index entry is the tuple of key values (one per key-pattern field) plus
//! the record id, ordered field by field with MongoDB's cross-type order
//! (`docdb_query::value::compare`). A descending field stores its value in
//! `KeyPart::Desc`, which reverses the comparison, so that one ordered set per
//! index serves both directions and a scan is a plain range walk.
//! `Min`/`Max` sit below/above every value whatever the direction: they build
//! the ends of a range over the fields that a scan leaves unbounded.

use std::cmp::Ordering;

use bson::Bson;
use docdb_query::value::compare;

/// One field of an index key.
#[derive(Debug, Clone)]
pub enum KeyPart {
    /// Below every value (scan bound only, never stored).
    Min,
    Asc(Bson),
    Desc(Bson),
    /// Above every value (scan bound only, never stored).
    Max,
}

impl KeyPart {
    /// Wraps `value` for a field whose key-pattern direction is `descending`.
    pub fn new(value: Bson, descending: bool) -> Self {
        if descending {
            KeyPart::Desc(value)
        } else {
            KeyPart::Asc(value)
        }
    }

    /// The value, if this is not a `Min`/`Max` bound.
    pub fn value(&self) -> Option<&Bson> {
        match self {
            KeyPart::Asc(v) | KeyPart::Desc(v) => Some(v),
            KeyPart::Min | KeyPart::Max => None,
        }
    }
}

impl Ord for KeyPart {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (KeyPart::Min, KeyPart::Min) | (KeyPart::Max, KeyPart::Max) => Ordering::Equal,
            (KeyPart::Min, _) | (_, KeyPart::Max) => Ordering::Less,
            (_, KeyPart::Min) | (KeyPart::Max, _) => Ordering::Greater,
            (KeyPart::Asc(a), KeyPart::Asc(b)) => compare(a, b),
            (KeyPart::Desc(a), KeyPart::Desc(b)) => compare(b, a),
            // Mixed directions never meet in one index position; order them
            // stably anyway so that `Ord` stays total.
            (KeyPart::Asc(_), KeyPart::Desc(_)) => Ordering::Less,
            (KeyPart::Desc(_), KeyPart::Asc(_)) => Ordering::Greater,
        }
    }
}

impl PartialOrd for KeyPart {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for KeyPart {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for KeyPart {}

/// One entry of an index: the key, then the record it points at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexEntry {
    pub key: Vec<KeyPart>,
    pub record: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value_across_types() {
        let a = KeyPart::Asc(Bson::Int32(1));
        let b = KeyPart::Asc(Bson::Double(1.0));
        assert_eq!(a, b);
        assert!(KeyPart::Asc(Bson::Int32(1)) < KeyPart::Asc(Bson::Int64(2)));
    }

    #[test]
    fn descending_parts_reverse_the_order() {
        assert!(KeyPart::Desc(Bson::Int32(5)) < KeyPart::Desc(Bson::Int32(1)));
    }

    #[test]
    fn min_and_max_bound_every_value() {
        for v in [
            KeyPart::Asc(Bson::MinKey),
            KeyPart::Desc(Bson::MaxKey),
            KeyPart::Asc(Bson::Null),
        ] {
            assert!(KeyPart::Min < v);
            assert!(v < KeyPart::Max);
        }
    }

    #[test]
    fn entries_order_by_key_then_record() {
        let e1 = IndexEntry {
            key: vec![KeyPart::Asc(Bson::Int32(1))],
            record: 9,
        };
        let e2 = IndexEntry {
            key: vec![KeyPart::Asc(Bson::Int32(2))],
            record: 1,
        };
        let e3 = IndexEntry {
            key: vec![KeyPart::Asc(Bson::Int32(1))],
            record: 10,
        };
        assert!(e1 < e2);
        assert!(e1 < e3);
    }
}
