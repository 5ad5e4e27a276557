//! MongoDB's canonical order of BSON values, and equality derived from it.
//!
//! Sorting, range predicates, `$min`/`$max`, `$group` keys and index keys all rely on one total
//! order across types (MinKey < Undefined < Null < numbers < strings < objects < arrays < binData <
//! ObjectId < bool < date < timestamp < regex < DBPointer < code < code-with-scope < MaxKey), so it
//! lives here once. Numbers of different types compare by value (see `number`).

use crate::collation::Collation;
use crate::number;
use bson::{Bson, Document};
use std::cmp::Ordering;

/// The canonical type bracket of a value; values of different brackets never compare equal.
pub fn type_order(v: &Bson) -> u8 {
    match v {
        Bson::MinKey => 0,
        Bson::Undefined => 1,
        Bson::Null => 2,
        Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_) | Bson::Decimal128(_) => 3,
        Bson::String(_) | Bson::Symbol(_) => 4,
        Bson::Document(_) => 5,
        Bson::Array(_) => 6,
        Bson::Binary(_) => 7,
        Bson::ObjectId(_) => 8,
        Bson::Boolean(_) => 9,
        Bson::DateTime(_) => 10,
        Bson::Timestamp(_) => 11,
        Bson::RegularExpression(_) => 12,
        Bson::DbPointer(_) => 13,
        Bson::JavaScriptCode(_) => 14,
        Bson::JavaScriptCodeWithScope(_) => 15,
        Bson::MaxKey => 16,
    }
}

/// The `$type` alias of a value, as `{$type: "..."}` and the `$type` expression spell it.
pub fn type_alias(v: &Bson) -> &'static str {
    match v {
        Bson::Double(_) => "double",
        Bson::String(_) => "string",
        Bson::Document(_) => "object",
        Bson::Array(_) => "array",
        Bson::Binary(_) => "binData",
        Bson::Undefined => "undefined",
        Bson::ObjectId(_) => "objectId",
        Bson::Boolean(_) => "bool",
        Bson::DateTime(_) => "date",
        Bson::Null => "null",
        Bson::RegularExpression(_) => "regex",
        Bson::DbPointer(_) => "dbPointer",
        Bson::JavaScriptCode(_) => "javascript",
        Bson::Symbol(_) => "symbol",
        Bson::JavaScriptCodeWithScope(_) => "javascriptWithScope",
        Bson::Int32(_) => "int",
        Bson::Timestamp(_) => "timestamp",
        Bson::Int64(_) => "long",
        Bson::Decimal128(_) => "decimal",
        Bson::MinKey => "minKey",
        Bson::MaxKey => "maxKey",
    }
}

/// The BSON type number of a value (1 double ... 19 decimal, -1 minKey, 127 maxKey).
pub fn type_number(v: &Bson) -> i32 {
    match v {
        Bson::Double(_) => 1,
        Bson::String(_) => 2,
        Bson::Document(_) => 3,
        Bson::Array(_) => 4,
        Bson::Binary(_) => 5,
        Bson::Undefined => 6,
        Bson::ObjectId(_) => 7,
        Bson::Boolean(_) => 8,
        Bson::DateTime(_) => 9,
        Bson::Null => 10,
        Bson::RegularExpression(_) => 11,
        Bson::DbPointer(_) => 12,
        Bson::JavaScriptCode(_) => 13,
        Bson::Symbol(_) => 14,
        Bson::JavaScriptCodeWithScope(_) => 15,
        Bson::Int32(_) => 16,
        Bson::Timestamp(_) => 17,
        Bson::Int64(_) => 18,
        Bson::Decimal128(_) => 19,
        Bson::MinKey => -1,
        Bson::MaxKey => 127,
    }
}

/// Maps a `$type` alias to its BSON type number ("number" is handled by callers).
pub fn alias_to_type_number(alias: &str) -> Option<i32> {
    Some(match alias {
        "double" => 1,
        "string" => 2,
        "object" => 3,
        "array" => 4,
        "binData" => 5,
        "undefined" => 6,
        "objectId" => 7,
        "bool" => 8,
        "date" => 9,
        "null" => 10,
        "regex" => 11,
        "dbPointer" => 12,
        "javascript" => 13,
        "symbol" => 14,
        "javascriptWithScope" => 15,
        "int" => 16,
        "timestamp" => 17,
        "long" => 18,
        "decimal" => 19,
        "minKey" => -1,
        "maxKey" => 127,
        _ => return None,
    })
}

fn str_of(v: &Bson) -> &str {
    match v {
        Bson::String(s) | Bson::Symbol(s) => s,
        _ => "",
    }
}

/// MongoDB's canonical total order on BSON values.
pub fn compare(a: &Bson, b: &Bson) -> Ordering {
    compare_with(a, b, None)
}

/// The canonical order with strings (at any depth, never field names) compared under a
/// collation; `None` is the simple, binary collation.
pub fn compare_with(a: &Bson, b: &Bson, collation: Option<&Collation>) -> Ordering {
    let (ta, tb) = (type_order(a), type_order(b));
    if ta != tb {
        return ta.cmp(&tb);
    }
    match (a, b) {
        (Bson::String(_) | Bson::Symbol(_), _) => match collation {
            Some(c) => c.compare(str_of(a), str_of(b)),
            None => str_of(a).as_bytes().cmp(str_of(b).as_bytes()),
        },
        (Bson::Document(x), Bson::Document(y)) => compare_documents_with(x, y, collation),
        (Bson::Array(x), Bson::Array(y)) => compare_arrays_with(x, y, collation),
        (Bson::Binary(x), Bson::Binary(y)) => x
            .bytes
            .len()
            .cmp(&y.bytes.len())
            .then_with(|| u8::from(x.subtype).cmp(&u8::from(y.subtype)))
            .then_with(|| x.bytes.cmp(&y.bytes)),
        (Bson::ObjectId(x), Bson::ObjectId(y)) => x.bytes().cmp(&y.bytes()),
        (Bson::Boolean(x), Bson::Boolean(y)) => x.cmp(y),
        (Bson::DateTime(x), Bson::DateTime(y)) => x.timestamp_millis().cmp(&y.timestamp_millis()),
        (Bson::Timestamp(x), Bson::Timestamp(y)) => {
            x.time.cmp(&y.time).then(x.increment.cmp(&y.increment))
        }
        (Bson::RegularExpression(x), Bson::RegularExpression(y)) => x
            .pattern
            .as_str()
            .cmp(y.pattern.as_str())
            .then_with(|| x.options.as_str().cmp(y.options.as_str())),
        (Bson::JavaScriptCode(x), Bson::JavaScriptCode(y)) => x.cmp(y),
        (Bson::JavaScriptCodeWithScope(x), Bson::JavaScriptCodeWithScope(y)) => x
            .code
            .cmp(&y.code)
            .then_with(|| compare_documents_with(&x.scope, &y.scope, collation)),
        (Bson::DbPointer(x), Bson::DbPointer(y)) => {
            // The fields are private; their debug forms order namespace then id consistently.
            format!("{x:?}").cmp(&format!("{y:?}"))
        }
        _ if ta == 3 => number::compare_numbers(a, b),
        _ => Ordering::Equal,
    }
}

/// Field-by-field: canonical type, then field name, then value; a prefix sorts first.
pub fn compare_documents(a: &Document, b: &Document) -> Ordering {
    compare_documents_with(a, b, None)
}

/// `compare_documents` with collated string values.
pub fn compare_documents_with(
    a: &Document,
    b: &Document,
    collation: Option<&Collation>,
) -> Ordering {
    let mut ia = a.iter();
    let mut ib = b.iter();
    loop {
        match (ia.next(), ib.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some((ka, va)), Some((kb, vb))) => {
                let o = type_order(va)
                    .cmp(&type_order(vb))
                    .then_with(|| ka.as_bytes().cmp(kb.as_bytes()))
                    .then_with(|| compare_with(va, vb, collation));
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

/// Element-wise, a prefix first (arrays compare like objects keyed "0", "1", ...).
pub fn compare_arrays(a: &[Bson], b: &[Bson]) -> Ordering {
    compare_arrays_with(a, b, None)
}

/// `compare_arrays` with collated string values.
pub fn compare_arrays_with(a: &[Bson], b: &[Bson], collation: Option<&Collation>) -> Ordering {
    for (x, y) in a.iter().zip(b.iter()) {
        let o = type_order(x)
            .cmp(&type_order(y))
            .then_with(|| compare_with(x, y, collation));
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// Equality in MongoDB's sense: same bracket and equal under `compare`.
pub fn equal(a: &Bson, b: &Bson) -> bool {
    compare(a, b) == Ordering::Equal
}

/// Equality under a collation (`None`: binary).
pub fn equal_with(a: &Bson, b: &Bson, collation: Option<&Collation>) -> bool {
    compare_with(a, b, collation) == Ordering::Equal
}

/// A value wrapper with MongoDB's order, for sorting and `BTreeMap` keys.
#[derive(Debug, Clone)]
pub struct Ordered(pub Bson);

impl PartialEq for Ordered {
    fn eq(&self, other: &Self) -> bool {
        equal(&self.0, &other.0)
    }
}
impl Eq for Ordered {}
impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(&self.0, &other.0)
    }
}

/// Truthiness in aggregation expressions: false, null, undefined, missing and numeric zero are
/// false; everything else (including empty strings and arrays) is true.
pub fn is_truthy(v: &Bson) -> bool {
    match v {
        Bson::Boolean(b) => *b,
        Bson::Null | Bson::Undefined => false,
        Bson::Int32(i) => *i != 0,
        Bson::Int64(i) => *i != 0,
        Bson::Double(d) => *d != 0.0,
        Bson::Decimal128(_) => {
            !matches!(number::exact(v), number::Exact::Finite { ref digits, .. } if digits.is_empty())
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::{Binary, doc, spec::BinarySubtype};

    #[test]
    fn brackets_in_canonical_order() {
        let ordered = [
            Bson::MinKey,
            Bson::Undefined,
            Bson::Null,
            Bson::Double(f64::NAN),
            Bson::Int32(1),
            Bson::String("a".into()),
            Bson::Document(doc! {}),
            Bson::Array(vec![]),
            Bson::Binary(Binary {
                subtype: BinarySubtype::Generic,
                bytes: vec![],
            }),
            Bson::ObjectId(bson::oid::ObjectId::from_bytes([0; 12])),
            Bson::Boolean(false),
            Bson::DateTime(bson::DateTime::from_millis(0)),
            Bson::Timestamp(bson::Timestamp {
                time: 0,
                increment: 0,
            }),
            Bson::MaxKey,
        ];
        for w in ordered.windows(2) {
            assert_eq!(
                compare(&w[0], &w[1]),
                Ordering::Less,
                "{:?} < {:?}",
                w[0],
                w[1]
            );
        }
    }

    #[test]
    fn numbers_equal_across_types() {
        assert!(equal(&Bson::Int32(2), &Bson::Double(2.0)));
        assert!(!equal(&Bson::Int32(2), &Bson::String("2".into())));
    }

    #[test]
    fn documents_compare_field_by_field() {
        assert_eq!(
            compare(
                &Bson::Document(doc! {"a": 1}),
                &Bson::Document(doc! {"a": 1, "b": 0})
            ),
            Ordering::Less
        );
        assert_eq!(
            compare(
                &Bson::Document(doc! {"a": 2}),
                &Bson::Document(doc! {"b": 1})
            ),
            Ordering::Less
        );
        assert!(equal(
            &Bson::Document(doc! {"a": 1}),
            &Bson::Document(doc! {"a": 1.0})
        ));
    }

    #[test]
    fn arrays_compare_elementwise() {
        let a = Bson::Array(vec![Bson::Int32(1), Bson::Int32(2)]);
        let b = Bson::Array(vec![Bson::Int32(1), Bson::Int32(3)]);
        assert_eq!(compare(&a, &b), Ordering::Less);
        assert_eq!(
            compare(&Bson::Array(vec![Bson::Int32(1)]), &a),
            Ordering::Less
        );
    }

    #[test]
    fn aliases() {
        assert_eq!(type_alias(&Bson::Int64(1)), "long");
        assert_eq!(alias_to_type_number("decimal"), Some(19));
        assert!(is_truthy(&Bson::String(String::new())));
        assert!(!is_truthy(&Bson::Int64(0)));
    }
}
