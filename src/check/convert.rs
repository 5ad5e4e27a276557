//! Kernel values → the checker's model. Each side of a check goes through the same functions,
//! so a SQL reference query can check a MongoDB answer and an inline literal means what the
//! engine's own value would.

use bson::Bson;
use resultcheck::{Data, Value};

use super::origin::{Origin, PAIRS_REDIS};
use crate::result::{RedisValue, Table, ValueKind};
use crate::session::variables::{Scalar, Variable};

/// What kind of thing a variable is, for choosing how to read an inline expectation and which
/// options apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Table,
    Documents,
    /// A mongosh value (a count, a write result), a Redis reply or a `%set` scalar.
    Value,
    Redis,
}

pub fn kind_of(variable: &Variable) -> Kind {
    match variable {
        Variable::Table(_) => Kind::Table,
        Variable::Documents(_) => Kind::Documents,
        Variable::Redis(_) => Kind::Redis,
        Variable::Bson(_) | Variable::Scalar(_) => Kind::Value,
    }
}

pub fn variable_to_data(variable: &Variable, origin: Option<&Origin>) -> Data {
    match variable {
        Variable::Table(table) => table_to_data(table),
        Variable::Documents(docs) => Data::Documents(
            docs.iter()
                .map(|d| {
                    d.iter()
                        .map(|(k, v)| (k.clone(), bson_to_value(v)))
                        .collect()
                })
                .collect(),
        ),
        Variable::Bson(value) => bson_to_data(value),
        Variable::Scalar(scalar) => Data::Single(scalar_to_value(scalar)),
        Variable::Redis(reply) => {
            redis_to_data(reply, origin.and_then(|o| o.redis_command.as_deref()))
        }
    }
}

fn table_to_data(table: &Table) -> Data {
    let columns = table.columns.iter().map(|c| c.name.clone()).collect();
    let rows = (0..table.shown_rows())
        .map(|row| {
            table
                .columns
                .iter()
                .enumerate()
                .map(|(c, column)| match table.cell_text(row, c) {
                    None => Value::Null,
                    Some(text) => match column.kind {
                        ValueKind::Integer | ValueKind::Float | ValueKind::Decimal => {
                            Value::number_or_text(&text)
                        }
                        ValueKind::Boolean => Value::Bool(text == "true"),
                        _ => Value::Text(text),
                    },
                })
                .collect()
        })
        .collect();
    Data::Table { columns, rows }
}

/// A mongosh value: an array is a list of elements, anything else one value.
pub fn bson_to_data(value: &Bson) -> Data {
    match value {
        Bson::Array(items) => Data::Elements(items.iter().map(bson_to_value).collect()),
        other => Data::Single(bson_to_value(other)),
    }
}

pub fn bson_to_value(value: &Bson) -> Value {
    match value {
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::Boolean(b) => Value::Bool(*b),
        Bson::Int32(i) => Value::from_i64(i64::from(*i)),
        Bson::Int64(i) => Value::from_i64(*i),
        Bson::Double(f) => Value::from_f64(*f),
        Bson::Decimal128(d) => Value::number_or_text(&d.to_string()),
        Bson::String(s) => Value::Text(s.clone()),
        Bson::Array(items) => Value::List(items.iter().map(bson_to_value).collect()),
        Bson::Document(doc) => Value::Record(
            doc.iter()
                .map(|(k, v)| (k.clone(), bson_to_value(v)))
                .collect(),
        ),
        Bson::ObjectId(id) => Value::Other {
            kind: "ObjectId".into(),
            text: format!("ObjectId('{id}')"),
        },
        Bson::DateTime(dt) => Value::Other {
            kind: "Date".into(),
            text: dt
                .try_to_rfc3339_string()
                .unwrap_or_else(|_| dt.timestamp_millis().to_string()),
        },
        other => Value::Other {
            kind: format!("{:?}", other.element_type()),
            text: other.to_string(),
        },
    }
}

fn scalar_to_value(scalar: &Scalar) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(*b),
        Scalar::Int(i) => Value::from_i64(*i),
        Scalar::Float(f) => Value::from_f64(*f),
        Scalar::Text(t) => Value::Text(t.clone()),
    }
}

/// A Redis reply. `command` is the one that produced it: `HGETALL`'s flat RESP2 array of
/// fields and values is a hash, compared as one.
pub fn redis_to_data(reply: &RedisValue, command: Option<&str>) -> Data {
    match reply {
        RedisValue::Array(items)
            if command.is_some_and(|c| PAIRS_REDIS.contains(&c)) && items.len() % 2 == 0 =>
        {
            Data::Single(Value::Record(
                items
                    .chunks(2)
                    .map(|pair| (redis_key(&pair[0]), redis_to_value(&pair[1])))
                    .collect(),
            ))
        }
        RedisValue::Array(items) | RedisValue::Set(items) => {
            Data::Elements(items.iter().map(redis_to_value).collect())
        }
        other => Data::Single(redis_to_value(other)),
    }
}

fn redis_key(value: &RedisValue) -> String {
    match redis_to_value(value) {
        Value::Text(t) => t,
        other => other.to_string(),
    }
}

pub fn redis_to_value(value: &RedisValue) -> Value {
    match value {
        RedisValue::Nil => Value::Null,
        RedisValue::Int(i) => Value::from_i64(*i),
        RedisValue::Bulk(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => Value::Text(text.to_string()),
            Err(_) => Value::Bytes(bytes.clone()),
        },
        RedisValue::Status(s) => Value::Text(s.clone()),
        RedisValue::Verbatim { text, .. } => Value::Text(text.clone()),
        RedisValue::Error(e) => Value::Other {
            kind: "error".into(),
            text: format!("(error) {e}"),
        },
        RedisValue::Array(items) => Value::List(items.iter().map(redis_to_value).collect()),
        RedisValue::Push { data, .. } => Value::List(data.iter().map(redis_to_value).collect()),
        RedisValue::Set(items) => Value::Bag(items.iter().map(redis_to_value).collect()),
        RedisValue::Map(pairs) => Value::Record(
            pairs
                .iter()
                .map(|(k, v)| (redis_key(k), redis_to_value(v)))
                .collect(),
        ),
        RedisValue::Double { value, .. } => Value::from_f64(*value),
        RedisValue::Boolean(b) => Value::Bool(*b),
        RedisValue::BigNumber(n) => Value::number_or_text(n),
        RedisValue::NotRun => Value::Other {
            kind: "not run".into(),
            text: "(not run)".into(),
        },
    }
}
