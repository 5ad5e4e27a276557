//! Index keys with MongoDB's ordering, usable as `BTreeSet` keys, in 16 bytes per field.
//!
//! An index entry is the tuple of key values (one per key-pattern field) plus
//! the record id, ordered field by field with MongoDB's cross-type order
//! (`docdb_query::value::compare`). Each field carries its key-pattern direction,
//! and a descending field reverses the comparison, so that one ordered set per
//! index serves both directions and a scan is a plain range walk.
//! `Min`/`Max` sit below/above every value whatever the direction: they build
//! the ends of a range over the fields that a scan leaves unbounded.
//!
//! Every document has an entry per index, so entries are kept small: the common scalars
//! (null, booleans, 32/64-bit integers, doubles, dates, ObjectIds, strings of up to 13 bytes)
//! are stored inline in a 16-byte `KeyPart`, keeping their BSON type (a duplicate-key error
//! and a covered read show the value as stored); anything else is a boxed `Bson`. A key of
//! one field, the common case, is held inline in the entry (`Key::One`). The order is
//! exactly `compare`'s: same-kind scalars compare directly, and every other pair compares as
//! `Bson` through `compare` itself, so numeric equivalence (`Int32(1)`, `Int64(1)`,
//! `Double(1.0)` and Decimal128 `1` are one key for unique checks and ranges) and the
//! cross-type order cannot drift from the matcher's.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::ops::Deref;

use bson::Bson;
use bson::oid::ObjectId;
use docdb_query::value::{compare, type_order};

/// The longest string stored inline.
const SHORT: usize = 13;

/// One field of an index key: a value with its direction, or a scan bound.
#[derive(Debug, Clone)]
pub enum KeyPart {
    /// Below every value (scan bound only, never stored).
    Min,
    /// Above every value (scan bound only, never stored).
    Max,
    Null {
        desc: bool,
    },
    Bool {
        value: bool,
        desc: bool,
    },
    Int32 {
        value: i32,
        desc: bool,
    },
    Int64 {
        value: i64,
        desc: bool,
    },
    Double {
        value: f64,
        desc: bool,
    },
    Date {
        millis: i64,
        desc: bool,
    },
    ObjectId {
        bytes: [u8; 12],
        desc: bool,
    },
    /// A string of at most `SHORT` bytes (`bytes[..len]`).
    ShortString {
        len: u8,
        bytes: [u8; SHORT],
        desc: bool,
    },
    LongString {
        value: Box<String>,
        desc: bool,
    },
    /// Any other value.
    Other {
        value: Box<Bson>,
        desc: bool,
    },
}

impl KeyPart {
    /// Wraps `value` for a field whose key-pattern direction is `descending`.
    pub fn new(value: Bson, descending: bool) -> Self {
        let desc = descending;
        match value {
            Bson::Null => KeyPart::Null { desc },
            Bson::Boolean(value) => KeyPart::Bool { value, desc },
            Bson::Int32(value) => KeyPart::Int32 { value, desc },
            Bson::Int64(value) => KeyPart::Int64 { value, desc },
            Bson::Double(value) => KeyPart::Double { value, desc },
            Bson::DateTime(d) => KeyPart::Date {
                millis: d.timestamp_millis(),
                desc,
            },
            Bson::ObjectId(o) => KeyPart::ObjectId {
                bytes: o.bytes(),
                desc,
            },
            Bson::String(s) if s.len() <= SHORT => {
                let mut bytes = [0; SHORT];
                bytes[..s.len()].copy_from_slice(s.as_bytes());
                KeyPart::ShortString {
                    len: s.len() as u8,
                    bytes,
                    desc,
                }
            }
            Bson::String(s) => KeyPart::LongString {
                value: Box::new(s),
                desc,
            },
            other => KeyPart::Other {
                value: Box::new(other),
                desc,
            },
        }
    }

    /// True for a descending field (false for the `Min`/`Max` bounds).
    fn desc(&self) -> bool {
        match self {
            KeyPart::Min | KeyPart::Max => false,
            KeyPart::Null { desc }
            | KeyPart::Bool { desc, .. }
            | KeyPart::Int32 { desc, .. }
            | KeyPart::Int64 { desc, .. }
            | KeyPart::Double { desc, .. }
            | KeyPart::Date { desc, .. }
            | KeyPart::ObjectId { desc, .. }
            | KeyPart::ShortString { desc, .. }
            | KeyPart::LongString { desc, .. }
            | KeyPart::Other { desc, .. } => *desc,
        }
    }

    /// The text of a string value.
    fn text(&self) -> Option<&str> {
        match self {
            KeyPart::ShortString { len, bytes, .. } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).ok()
            }
            KeyPart::LongString { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The value, if this is not a `Min`/`Max` bound (borrowed when boxed, else rebuilt).
    pub fn value(&self) -> Option<Cow<'_, Bson>> {
        Some(Cow::Owned(match self {
            KeyPart::Min | KeyPart::Max => return None,
            KeyPart::Other { value, .. } => return Some(Cow::Borrowed(value)),
            KeyPart::Null { .. } => Bson::Null,
            KeyPart::Bool { value, .. } => Bson::Boolean(*value),
            KeyPart::Int32 { value, .. } => Bson::Int32(*value),
            KeyPart::Int64 { value, .. } => Bson::Int64(*value),
            KeyPart::Double { value, .. } => Bson::Double(*value),
            KeyPart::Date { millis, .. } => Bson::DateTime(bson::DateTime::from_millis(*millis)),
            KeyPart::ObjectId { bytes, .. } => Bson::ObjectId(ObjectId::from_bytes(*bytes)),
            KeyPart::ShortString { .. } | KeyPart::LongString { .. } => {
                Bson::String(self.text().unwrap_or_default().to_string())
            }
        }))
    }

    /// A value of the same canonical type, built without allocating (for `type_order`).
    fn type_sample(&self) -> Cow<'_, Bson> {
        match self {
            KeyPart::ShortString { .. } | KeyPart::LongString { .. } => {
                Cow::Owned(Bson::String(String::new()))
            }
            _ => self.value().unwrap_or(Cow::Owned(Bson::Null)),
        }
    }

    /// Compares the value (ascending, whatever the field's direction) with `other` in
    /// MongoDB's order; `Min`/`Max` are below/above every value.
    pub fn compare_value(&self, other: &Bson) -> Ordering {
        match (self, other) {
            (KeyPart::Min, _) => Ordering::Less,
            (KeyPart::Max, _) => Ordering::Greater,
            (KeyPart::ShortString { .. } | KeyPart::LongString { .. }, Bson::String(s)) => {
                self.text().unwrap_or_default().as_bytes().cmp(s.as_bytes())
            }
            (KeyPart::ObjectId { bytes, .. }, Bson::ObjectId(o)) => bytes.cmp(&o.bytes()),
            (KeyPart::Other { value, .. }, _) => compare(value, other),
            _ => match self.value() {
                Some(v) => compare(&v, other),
                None => Ordering::Equal,
            },
        }
    }

    /// Two values in ascending order.
    fn compare_values(&self, other: &KeyPart) -> Ordering {
        use KeyPart as K;
        match (self, other) {
            (K::Null { .. }, K::Null { .. }) => Ordering::Equal,
            (K::Bool { value: a, .. }, K::Bool { value: b, .. }) => a.cmp(b),
            (K::Int32 { value: a, .. }, K::Int32 { value: b, .. }) => a.cmp(b),
            (K::Int64 { value: a, .. }, K::Int64 { value: b, .. }) => a.cmp(b),
            (K::Date { millis: a, .. }, K::Date { millis: b, .. }) => a.cmp(b),
            (K::ObjectId { bytes: a, .. }, K::ObjectId { bytes: b, .. }) => a.cmp(b),
            (
                K::ShortString { .. } | K::LongString { .. },
                K::ShortString { .. } | K::LongString { .. },
            ) => {
                let (a, b) = (
                    self.text().unwrap_or_default(),
                    other.text().unwrap_or_default(),
                );
                a.as_bytes().cmp(b.as_bytes())
            }
            (K::Other { value: a, .. }, K::Other { value: b, .. }) => compare(a, b),
            _ => {
                let (ta, tb) = (
                    type_order(&self.type_sample()),
                    type_order(&other.type_sample()),
                );
                if ta != tb {
                    return ta.cmp(&tb);
                }
                match (self.value(), other.value()) {
                    (Some(a), Some(b)) => compare(&a, &b),
                    _ => Ordering::Equal,
                }
            }
        }
    }
}

impl Ord for KeyPart {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (KeyPart::Min, KeyPart::Min) | (KeyPart::Max, KeyPart::Max) => Ordering::Equal,
            (KeyPart::Min, _) | (_, KeyPart::Max) => Ordering::Less,
            (_, KeyPart::Min) | (KeyPart::Max, _) => Ordering::Greater,
            _ => match (self.desc(), other.desc()) {
                (false, false) => self.compare_values(other),
                (true, true) => other.compare_values(self),
                // Mixed directions never meet in one index position; order them
                // stably anyway so that `Ord` stays total.
                (false, true) => Ordering::Less,
                (true, false) => Ordering::Greater,
            },
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

/// The key of an entry: one field inline (the common case), several boxed. It reads as a
/// slice of parts either way.
#[derive(Debug, Clone)]
pub enum Key {
    One(KeyPart),
    Many(Box<Vec<KeyPart>>),
}

impl From<Vec<KeyPart>> for Key {
    fn from(mut parts: Vec<KeyPart>) -> Key {
        if parts.len() == 1
            && let Some(part) = parts.pop()
        {
            return Key::One(part);
        }
        parts.shrink_to_fit();
        Key::Many(Box::new(parts))
    }
}

impl Deref for Key {
    type Target = [KeyPart];

    fn deref(&self) -> &[KeyPart] {
        match self {
            Key::One(part) => std::slice::from_ref(part),
            Key::Many(parts) => parts,
        }
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self[..].cmp(&other[..])
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Key {}

/// One entry of an index: the key, then the record it points at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexEntry {
    pub key: Key,
    pub record: u64,
}

impl IndexEntry {
    pub fn new(key: Vec<KeyPart>, record: u64) -> IndexEntry {
        IndexEntry {
            key: key.into(),
            record,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asc(v: Bson) -> KeyPart {
        KeyPart::new(v, false)
    }

    fn desc(v: Bson) -> KeyPart {
        KeyPart::new(v, true)
    }

    #[test]
    fn parts_and_single_field_entries_stay_small() {
        assert_eq!(std::mem::size_of::<KeyPart>(), 16);
        assert_eq!(std::mem::size_of::<Key>(), 16);
        assert_eq!(std::mem::size_of::<IndexEntry>(), 24);
    }

    #[test]
    fn numbers_compare_by_value_across_types() {
        let one = [
            Bson::Int32(1),
            Bson::Int64(1),
            Bson::Double(1.0),
            Bson::Decimal128("1".parse().unwrap()),
            Bson::Decimal128("1.000".parse().unwrap()),
        ];
        for a in &one {
            for b in &one {
                assert_eq!(asc(a.clone()), asc(b.clone()), "{a} vs {b}");
                assert_eq!(desc(a.clone()), desc(b.clone()), "{a} vs {b}");
            }
        }
        assert!(asc(Bson::Int32(1)) < asc(Bson::Int64(2)));
        assert!(asc(Bson::Double(1.5)) < asc(Bson::Int32(2)));
        assert!(asc(Bson::Double(f64::NAN)) < asc(Bson::Int64(i64::MIN)));
        assert!(asc(Bson::Int64(i64::MAX)) < asc(Bson::Double(f64::INFINITY)));
        // 2^63 - 1 and 2^63 are one f64 apart from each other only after rounding.
        assert!(asc(Bson::Int64(i64::MAX)) < asc(Bson::Double(9_223_372_036_854_775_808.0)));
    }

    /// Every pair orders as `docdb_query::value::compare` orders the values, in both
    /// directions: the compact forms change the storage, never the order.
    #[test]
    fn the_order_is_compares_across_every_kind() {
        let values = vec![
            Bson::MinKey,
            Bson::Null,
            Bson::Int32(-5),
            Bson::Int32(3),
            Bson::Int64(3),
            Bson::Int64(1 << 40),
            Bson::Double(-0.5),
            Bson::Double(3.0),
            Bson::Double(f64::NAN),
            Bson::Decimal128("2.5".parse().unwrap()),
            Bson::String(String::new()),
            Bson::String("a".into()),
            Bson::String("ab".into()),
            Bson::String("abcdefghijklm".into()),
            Bson::String("abcdefghijklmn".into()),
            Bson::String("b".into()),
            Bson::Symbol("ab".into()),
            Bson::Document(bson::doc! {"a": 1}),
            Bson::Array(vec![Bson::Int32(1)]),
            Bson::ObjectId(ObjectId::from_bytes([0; 12])),
            Bson::ObjectId(ObjectId::from_bytes([1; 12])),
            Bson::Boolean(false),
            Bson::Boolean(true),
            Bson::DateTime(bson::DateTime::from_millis(-1)),
            Bson::DateTime(bson::DateTime::from_millis(7)),
            Bson::Timestamp(bson::Timestamp {
                time: 1,
                increment: 1,
            }),
            Bson::MaxKey,
        ];
        for a in &values {
            for b in &values {
                let want = compare(a, b);
                assert_eq!(asc(a.clone()).cmp(&asc(b.clone())), want, "{a} vs {b}");
                assert_eq!(
                    desc(a.clone()).cmp(&desc(b.clone())),
                    want.reverse(),
                    "{a} vs {b} descending"
                );
                assert_eq!(asc(a.clone()).compare_value(b), want, "{a} vs {b} as Bson");
            }
        }
    }

    #[test]
    fn values_come_back_with_their_type() {
        for v in [
            Bson::Int32(1),
            Bson::Int64(1),
            Bson::Double(1.0),
            Bson::String("short".into()),
            Bson::String("a string longer than thirteen bytes".into()),
            Bson::ObjectId(ObjectId::new()),
            Bson::DateTime(bson::DateTime::from_millis(12)),
            Bson::Decimal128("1".parse().unwrap()),
        ] {
            assert_eq!(asc(v.clone()).value().unwrap().into_owned(), v);
        }
        assert!(KeyPart::Min.value().is_none());
    }

    #[test]
    fn descending_parts_reverse_the_order() {
        assert!(desc(Bson::Int32(5)) < desc(Bson::Int32(1)));
    }

    #[test]
    fn min_and_max_bound_every_value() {
        for v in [asc(Bson::MinKey), desc(Bson::MaxKey), asc(Bson::Null)] {
            assert!(KeyPart::Min < v);
            assert!(v < KeyPart::Max);
        }
    }

    #[test]
    fn entries_order_by_key_then_record() {
        let e1 = IndexEntry::new(vec![asc(Bson::Int32(1))], 9);
        let e2 = IndexEntry::new(vec![asc(Bson::Int32(2))], 1);
        let e3 = IndexEntry::new(vec![asc(Bson::Int32(1))], 10);
        assert!(e1 < e2);
        assert!(e1 < e3);
        let compound = IndexEntry::new(vec![asc(Bson::Int32(1)), desc(Bson::Int32(2))], 1);
        let compound2 = IndexEntry::new(vec![asc(Bson::Int32(1)), desc(Bson::Int32(1))], 1);
        assert!(compound < compound2);
        assert_eq!(compound.key.len(), 2);
    }
}
