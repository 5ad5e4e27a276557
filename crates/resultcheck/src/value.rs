//! The one value model both sides of a check are brought to, and when two values are equal.
//!
//! Engines hand over very different things (Arrow cells, BSON, Redis replies, a teacher's
//! typed-in table); converting each to [`Value`] once lets a SQL reference query check a
//! MongoDB answer and keeps the comparison rules in one place.

use std::fmt;

use crate::number::Decimal;
use crate::options::Options;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Decimal),
    Text(String),
    Bytes(Vec<u8>),
    /// A value typed by hand in an inline table: what it means depends on what it is compared
    /// with (`42` equals the number 42 and the text "42"; `true` or `t` equals a boolean).
    Untyped(String),
    /// Elements in order (an array, a Redis list reply).
    List(Vec<Value>),
    /// Elements whose order means nothing (a Redis set reply).
    Bag(Vec<Value>),
    /// Named fields, order ignored (a document, a table row, a Redis hash).
    Record(Vec<(String, Value)>),
    /// Anything without a better home (ObjectId, dates, NaN...): compared by type and text.
    Other {
        kind: String,
        text: String,
    },
}

impl Value {
    /// A number from its text, or the text itself when it is not a finite decimal.
    pub fn number_or_text(text: &str) -> Value {
        match Decimal::parse(text) {
            Some(n) => Value::Number(n),
            None => Value::Text(text.to_string()),
        }
    }

    pub fn from_f64(f: f64) -> Value {
        if f.is_finite() {
            // Rust prints the shortest text that round-trips, like PostgreSQL and mongosh.
            Value::number_or_text(&f.to_string())
        } else {
            Value::Other {
                kind: "double".into(),
                text: if f.is_nan() {
                    "NaN".into()
                } else if f > 0.0 {
                    "Infinity".into()
                } else {
                    "-Infinity".into()
                },
            }
        }
    }

    pub fn from_i64(i: i64) -> Value {
        Value::Number(Decimal::parse(&i.to_string()).expect("an integer is a decimal"))
    }

    fn as_number(&self, options: &Options) -> Option<Decimal> {
        let n = match self {
            Value::Number(n) => n.clone(),
            Value::Text(t) | Value::Untyped(t) => Decimal::parse(t)?,
            _ => return None,
        };
        Some(match options.digits {
            Some(places) => n.rounded(places),
            None => n,
        })
    }

    /// Equality under the check's rules; `expected` is this value, `actual` the other.
    pub fn matches(&self, actual: &Value, options: &Options) -> bool {
        use Value::*;
        match (self, actual) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Untyped(u), Bool(b)) | (Bool(b), Untyped(u)) => untyped_bool(u) == Some(*b),
            (Text(a), Text(b)) => a == b || both_numbers_equal(self, actual, options),
            (Untyped(a), Text(b) | Untyped(b)) | (Text(a), Untyped(b)) => {
                a == b || both_numbers_equal(self, actual, options)
            }
            (Number(_) | Untyped(_) | Text(_), Number(_) | Untyped(_) | Text(_)) => {
                both_numbers_equal(self, actual, options)
            }
            (Untyped(u), Other { text, .. }) | (Other { text, .. }, Untyped(u)) => u == text,
            (Untyped(u), Bytes(b)) | (Bytes(b), Untyped(u)) => *u == bytes_text(b),
            (Bytes(a), Bytes(b)) => a == b,
            (Other { kind: k1, text: t1 }, Other { kind: k2, text: t2 }) => k1 == k2 && t1 == t2,
            (List(a), List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.matches(y, options))
            }
            (Bag(a) | List(a), Bag(b)) | (Bag(a), List(b)) => bag_matches(a, b, options),
            (Record(a), Record(b)) => record_differences(a, b, options, false).is_empty(),
            _ => false,
        }
    }

    /// A key that equal values share (most of the time: an untyped `t` that equals a boolean
    /// gets a different key), so matching can use a hash map before falling back to pairs.
    pub(crate) fn key(&self, options: &Options, out: &mut String) {
        use std::fmt::Write;
        if let Some(n) = self.as_number(options) {
            let _ = write!(out, "#{n}");
            return;
        }
        match self {
            Value::Null => out.push('N'),
            Value::Bool(b) => out.push_str(if *b { "T" } else { "F" }),
            Value::Untyped(t) => match untyped_bool(t) {
                Some(b) => out.push_str(if b { "T" } else { "F" }),
                None => {
                    let _ = write!(out, "S{}:{t}", t.len());
                }
            },
            Value::Text(t) => {
                let _ = write!(out, "S{}:{t}", t.len());
            }
            Value::Bytes(b) => {
                let text = bytes_text(b);
                let _ = write!(out, "S{}:{text}", text.len());
            }
            Value::Other { text, .. } => {
                let _ = write!(out, "S{}:{text}", text.len());
            }
            Value::Number(_) => unreachable!("numbers are keyed above"),
            Value::List(items) => {
                out.push('[');
                for item in items {
                    item.key(options, out);
                    out.push(',');
                }
                out.push(']');
            }
            Value::Bag(items) => {
                let mut keys: Vec<String> = items
                    .iter()
                    .map(|i| {
                        let mut k = String::new();
                        i.key(options, &mut k);
                        k
                    })
                    .collect();
                keys.sort();
                let _ = write!(out, "{{{}}}", keys.join(","));
            }
            Value::Record(fields) => {
                let mut keys: Vec<String> = fields
                    .iter()
                    .map(|(name, v)| {
                        let mut k = options.name_key(name);
                        k.push('=');
                        v.key(options, &mut k);
                        k
                    })
                    .collect();
                keys.sort();
                let _ = write!(out, "({})", keys.join(","));
            }
        }
    }
}

fn untyped_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "t" => Some(true),
        "false" | "f" => Some(false),
        _ => None,
    }
}

fn both_numbers_equal(a: &Value, b: &Value, options: &Options) -> bool {
    match (a.as_number(options), b.as_number(options)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

fn bytes_text(bytes: &[u8]) -> String {
    let mut text = String::from("\\x");
    for b in bytes {
        text.push_str(&format!("{b:02x}"));
    }
    text
}

/// Whether `expected` and `actual` hold the same elements regardless of order (duplicates count;
/// Redis sets have none).
fn bag_matches(expected: &[Value], actual: &[Value], options: &Options) -> bool {
    expected.len() == actual.len() && {
        let mut used = vec![false; actual.len()];
        expected.iter().all(|e| {
            let found = actual
                .iter()
                .enumerate()
                .position(|(i, a)| !used[i] && e.matches(a, options));
            if let Some(i) = found {
                used[i] = true;
            }
            found.is_some()
        })
    }
}

/// One way a record (row, document, hash) differs from the expected one.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldDifference {
    Wrong {
        field: String,
        actual: Value,
        expected: Value,
    },
    Missing {
        field: String,
        expected: Value,
    },
    Unexpected {
        field: String,
        actual: Value,
    },
}

impl fmt::Display for FieldDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldDifference::Wrong {
                field,
                actual,
                expected,
            } => write!(f, "{field} is {actual}, expected {expected}"),
            FieldDifference::Missing { field, expected } => {
                write!(f, "{field} is missing, expected {expected}")
            }
            FieldDifference::Unexpected { field, actual } => {
                write!(f, "unexpected field {field} = {actual}")
            }
        }
    }
}

/// How `actual` differs from `expected`, field by field (names matched under the options;
/// `_id` left out at the top level when asked). `nested` turns off `_id` removal below the top.
pub fn record_differences(
    expected: &[(String, Value)],
    actual: &[(String, Value)],
    options: &Options,
    nested: bool,
) -> Vec<FieldDifference> {
    let skip = |name: &str| !nested && options.ignore_id && name == "_id";
    let mut used = vec![false; actual.len()];
    let mut differences = Vec::new();
    for (name, value) in expected.iter().filter(|(n, _)| !skip(n)) {
        let key = options.name_key(name);
        let found = actual
            .iter()
            .enumerate()
            .position(|(i, (n, _))| !used[i] && options.name_key(n) == key);
        match found {
            Some(i) => {
                used[i] = true;
                let actual_value = &actual[i].1;
                let equal = match (value, actual_value) {
                    (Value::Record(e), Value::Record(a)) => {
                        record_differences(e, a, options, true).is_empty()
                    }
                    _ => value.matches(actual_value, options),
                };
                if !equal {
                    differences.push(FieldDifference::Wrong {
                        field: name.clone(),
                        actual: actual_value.clone(),
                        expected: value.clone(),
                    });
                }
            }
            None => differences.push(FieldDifference::Missing {
                field: name.clone(),
                expected: value.clone(),
            }),
        }
    }
    if !options.extra_columns {
        for (i, (name, value)) in actual.iter().enumerate() {
            if !used[i] && !skip(name) {
                differences.push(FieldDifference::Unexpected {
                    field: name.clone(),
                    actual: value.clone(),
                });
            }
        }
    }
    differences
}

impl fmt::Display for Value {
    /// How a value is quoted in a diff: text in single quotes (SQL style), numbers bare.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::Text(t) => write!(f, "'{}'", t.replace('\'', "''")),
            Value::Untyped(t) => f.write_str(t),
            Value::Bytes(b) => f.write_str(&bytes_text(b)),
            Value::Other { text, .. } => f.write_str(text),
            Value::List(items) | Value::Bag(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Record(fields) => {
                f.write_str("{")?;
                for (i, (name, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{name}: {value}")?;
                }
                f.write_str("}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Order;

    fn opts() -> Options {
        Options::new(Order::Ordered)
    }

    #[test]
    fn numbers_compare_by_value_across_spellings() {
        let o = opts();
        assert!(Value::from_i64(42).matches(&Value::number_or_text("42.00"), &o));
        assert!(Value::Untyped("42".into()).matches(&Value::from_f64(42.0), &o));
        assert!(!Value::from_f64(0.1 + 0.2).matches(&Value::number_or_text("0.3"), &o));
        let mut two = opts();
        two.digits = Some(2);
        assert!(Value::from_f64(0.1 + 0.2).matches(&Value::number_or_text("0.3"), &two));
    }

    #[test]
    fn untyped_cells_take_the_other_sides_type() {
        let o = opts();
        assert!(Value::Untyped("t".into()).matches(&Value::Bool(true), &o));
        assert!(Value::Untyped("Ada".into()).matches(&Value::Text("Ada".into()), &o));
        assert!(!Value::Untyped("Ada".into()).matches(&Value::Text("ada".into()), &o));
        assert!(!Value::Untyped("1".into()).matches(&Value::Null, &o));
    }

    #[test]
    fn records_ignore_field_order_and_name_extra_fields() {
        let o = opts();
        let e = vec![
            ("a".to_string(), Value::from_i64(1)),
            ("b".into(), Value::Null),
        ];
        let a = vec![
            ("b".to_string(), Value::Null),
            ("a".into(), Value::from_i64(1)),
            ("c".into(), Value::Bool(true)),
        ];
        let d = record_differences(&e, &a, &o, false);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].to_string(), "unexpected field c = true");
        let mut loose = opts();
        loose.extra_columns = true;
        assert!(record_differences(&e, &a, &loose, false).is_empty());
    }
}
