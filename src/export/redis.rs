//! A kept Redis reply (`%%redis --out VAR`) as rows, for `%export`.
//!
//! A map (`HGETALL`, `CONFIG GET` under RESP3) is a `field`, `value` table; an array or set
//! (`LRANGE`, `SMEMBERS`, `KEYS`, `ZRANGE … WITHSCORES` as pairs) one `value` row per element; a
//! single reply one row. Bulk strings are text when every one of a column is UTF-8 and bytes
//! (`Binary`, hex in CSV) when any is not, so nothing is mangled; integers stay `Int64`; a
//! nested array or map is JSON text in its cell.

use serde_json::Value as Json;

use crate::result::{Datum, RedisValue, ValueKind};

/// Column names with their kinds, as [`crate::export::RowExporter::set_header`] takes them.
pub type Header = Vec<(String, Option<ValueKind>)>;

/// The reply's header and rows.
pub fn rows_of(reply: &RedisValue) -> (Header, Vec<Vec<Datum>>) {
    let (names, rows): (Vec<&str>, Vec<Vec<&RedisValue>>) = match reply {
        RedisValue::Map(pairs) => (
            vec!["field", "value"],
            pairs.iter().map(|(k, v)| vec![k, v]).collect(),
        ),
        RedisValue::Array(items) | RedisValue::Set(items) => {
            (vec!["value"], items.iter().map(|v| vec![v]).collect())
        }
        other => (vec!["value"], vec![vec![other]]),
    };
    let kinds: Vec<ValueKind> = (0..names.len())
        .map(|c| column_kind(rows.iter().map(|r| r[c])))
        .collect();
    let header = names
        .iter()
        .zip(&kinds)
        .map(|(n, k)| (n.to_string(), Some(*k)))
        .collect();
    let data = rows
        .iter()
        .map(|r| r.iter().zip(&kinds).map(|(v, k)| datum(v, *k)).collect())
        .collect();
    (header, data)
}

fn column_kind<'a>(values: impl Iterator<Item = &'a RedisValue>) -> ValueKind {
    let values: Vec<_> = values.filter(|v| !matches!(v, RedisValue::Nil)).collect();
    if !values.is_empty() && values.iter().all(|v| matches!(v, RedisValue::Int(_))) {
        ValueKind::Integer
    } else if values
        .iter()
        .any(|v| matches!(v, RedisValue::Bulk(b) if std::str::from_utf8(b).is_err()))
    {
        ValueKind::Binary
    } else {
        ValueKind::Text
    }
}

fn datum(value: &RedisValue, kind: ValueKind) -> Datum {
    match (value, kind) {
        (RedisValue::Nil | RedisValue::NotRun, _) => Datum::Null,
        (RedisValue::Int(i), ValueKind::Integer) => Datum::Int(*i),
        (RedisValue::Bulk(b), ValueKind::Binary) => Datum::Bytes(b.clone()),
        (other, ValueKind::Binary) => Datum::Bytes(text(other).into_bytes()),
        (other, _) => Datum::Text(text(other)),
    }
}

/// A reply as text: strings as they are, nested replies as JSON.
pub(crate) fn text(value: &RedisValue) -> String {
    match json(value) {
        Json::String(s) => s,
        other => other.to_string(),
    }
}

fn json(value: &RedisValue) -> Json {
    match value {
        RedisValue::Nil | RedisValue::NotRun => Json::Null,
        RedisValue::Int(i) => Json::from(*i),
        RedisValue::Bulk(b) => Json::String(String::from_utf8_lossy(b).into_owned()),
        RedisValue::Status(s) | RedisValue::BigNumber(s) => Json::String(s.clone()),
        RedisValue::Error(e) => Json::String(format!("(error) {e}")),
        RedisValue::Double { text, .. } => Json::String(text.clone()),
        RedisValue::Boolean(b) => Json::Bool(*b),
        RedisValue::Verbatim { text, .. } => Json::String(text.clone()),
        RedisValue::Array(items)
        | RedisValue::Set(items)
        | RedisValue::Push { data: items, .. } => Json::Array(items.iter().map(json).collect()),
        RedisValue::Map(pairs) => {
            Json::Object(pairs.iter().map(|(k, v)| (text(k), json(v))).collect())
        }
    }
}
