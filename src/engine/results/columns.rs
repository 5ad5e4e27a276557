//! A kept variable as SQLite columns and rows: the one place that decides how each kind of
//! result reads as a table in the `results` connection.
//!
//! Tables keep their columns; each value kind gets the SQLite type that holds it without loss:
//!
//! | kept column (value kind)                   | SQLite column | value stored              |
//! |--------------------------------------------|---------------|---------------------------|
//! | integers (`int4`, `bigint`, `Int64`)        | INTEGER       | the integer               |
//! | floats (`float8`, `double`, `REAL`)         | REAL          | the number (text kept if it does not parse) |
//! | exact decimals (`numeric`, `DECIMAL`)       | NUMERIC       | the server's text; SQLite keeps 15 significant digits, as its own NUMERIC does |
//! | booleans                                    | BOOLEAN       | 0 / 1 (shown as true/false) |
//! | bytes (`bytea`, `BLOB`)                     | BLOB          | the bytes                 |
//! | text, dates and times, JSON, arrays, enums… | TEXT          | the server's own text (ISO dates as PostgreSQL prints them; a whole-hour offset `+00` gets `:00` so SQLite's date functions read it) |
//!
//! MongoDB documents get one column per top-level field, in order of first appearance, a
//! missing field being NULL (as `%export` flattens them): a field whose values are all integers
//! is INTEGER, integers and doubles REAL, all booleans BOOLEAN, anything else TEXT — strings as
//! they are, ObjectId as its 24-digit hex, dates as ISO 8601 / RFC 3339 text (`2024-05-01T09:30:00Z`,
//! which SQLite's date functions read), Decimal128 as its decimal text, nested documents and
//! arrays as relaxed Extended JSON text (read them with `json_extract(address, '$.city')`).
//!
//! Redis replies become tables by the command that produced them (see [`redis_rows`]); a column
//! of bulk strings is INTEGER when every value is a canonical integer (`42`, not `042`), REAL
//! when every one is a canonical float (sorted-set scores), BLOB when any is not UTF-8, TEXT
//! otherwise, so that `value > 10` compares numbers and a phone number `007` stays text.

use std::ops::Range;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use bson::{Bson, Document};

use crate::result::{Datum, RedisValue, ValueKind};
use crate::session::variables::Variable;

/// A SQLite column type the loader declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    Integer,
    Real,
    Numeric,
    Boolean,
    Text,
    Blob,
}

impl SqlType {
    pub fn name(self) -> &'static str {
        match self {
            SqlType::Integer => "INTEGER",
            SqlType::Real => "REAL",
            SqlType::Numeric => "NUMERIC",
            SqlType::Boolean => "BOOLEAN",
            SqlType::Text => "TEXT",
            SqlType::Blob => "BLOB",
        }
    }

    fn of_kind(kind: ValueKind) -> SqlType {
        match kind {
            ValueKind::Integer => SqlType::Integer,
            ValueKind::Float => SqlType::Real,
            ValueKind::Decimal => SqlType::Numeric,
            ValueKind::Boolean => SqlType::Boolean,
            ValueKind::Binary => SqlType::Blob,
            ValueKind::Text | ValueKind::Temporal | ValueKind::Json | ValueKind::Other => {
                SqlType::Text
            }
        }
    }
}

/// How a variable reads as a table: its columns, its row count, and (for Redis replies, which
/// are small and shaped by their command) the rows themselves.
#[derive(Debug, Clone)]
pub struct Shape {
    pub columns: Vec<(String, SqlType)>,
    pub rows: usize,
    redis_rows: Option<Vec<Vec<Datum>>>,
}

/// The columns of a variable, or why it is not a table (a scalar, a single BSON value).
/// `redis_command` is the command whose reply a Redis variable kept.
pub fn shape_of(variable: &Variable, redis_command: Option<&str>) -> Result<Shape, String> {
    let (columns, rows, redis_rows) = match variable {
        Variable::Table(table) => (
            table
                .columns
                .iter()
                .map(|c| (c.name.clone(), SqlType::of_kind(c.kind)))
                .collect(),
            table.batch.num_rows(),
            None,
        ),
        Variable::Documents(docs) => (document_columns(docs), docs.len(), None),
        Variable::Redis(reply) => {
            let (names, rows) = redis_rows(reply, redis_command);
            let columns = names
                .iter()
                .enumerate()
                .map(|(i, name)| (name.to_string(), redis_column_type(&rows, i)))
                .collect::<Vec<_>>();
            let rows = rows
                .into_iter()
                .map(|row| {
                    row.iter()
                        .zip(&columns)
                        .map(|(value, (_, ty))| redis_datum(value, *ty))
                        .collect()
                })
                .collect::<Vec<Vec<Datum>>>();
            (columns, rows.len(), Some(rows))
        }
        Variable::Scalar(s) => {
            return Err(format!(
                "a {} value, not a table; bind it as a parameter with :name instead",
                s.type_name()
            ));
        }
        Variable::Bson(_) => {
            return Err(
                "a single BSON value, not documents; keep a find or aggregate result instead"
                    .into(),
            );
        }
    };
    Ok(Shape {
        columns: unique_names(columns),
        rows,
        redis_rows,
    })
}

/// Rows `range` of a variable, converted for the columns of its [`Shape`].
pub fn rows(variable: &Variable, shape: &Shape, range: Range<usize>) -> Vec<Vec<Datum>> {
    match (variable, &shape.redis_rows) {
        (_, Some(rows)) => rows[range].to_vec(),
        (Variable::Table(table), None) => range
            .map(|row| {
                (0..table.batch.num_columns())
                    .map(|col| {
                        let datum = table_datum(&table.batch, row, col, shape.columns[col].1);
                        match (table.columns[col].kind, datum) {
                            (ValueKind::Temporal, Datum::Text(text)) => {
                                Datum::Text(sqlite_time_text(text))
                            }
                            (_, datum) => datum,
                        }
                    })
                    .collect()
            })
            .collect(),
        (Variable::Documents(docs), None) => docs[range]
            .iter()
            .map(|doc| document_row(doc, &shape.columns))
            .collect(),
        _ => Vec::new(),
    }
}

/// Two columns of one name (`SELECT a.id, b.id`) cannot both be a table's columns: the later
/// ones become `id_2`, `id_3`.
fn unique_names(columns: Vec<(String, SqlType)>) -> Vec<(String, SqlType)> {
    let mut seen: Vec<String> = Vec::new();
    columns
        .into_iter()
        .map(|(name, ty)| {
            let mut unique = name.clone();
            let mut n = 1;
            while seen.iter().any(|s| s.eq_ignore_ascii_case(&unique)) {
                n += 1;
                unique = format!("{name}_{n}");
            }
            seen.push(unique.clone());
            (unique, ty)
        })
        .collect()
}

fn table_datum(batch: &RecordBatch, row: usize, col: usize, ty: SqlType) -> Datum {
    let array = batch.column(col);
    if array.is_null(row) {
        return Datum::Null;
    }
    match array.data_type() {
        DataType::Int64 => Datum::Int(array.as_primitive::<Int64Type>().value(row)),
        DataType::Float64 => Datum::Float(array.as_primitive::<Float64Type>().value(row)),
        DataType::Boolean => Datum::Bool(array.as_boolean().value(row)),
        DataType::Binary => Datum::Bytes(array.as_binary::<i32>().value(row).to_vec()),
        DataType::Utf8 => {
            let text = array.as_string::<i32>().value(row);
            match ty {
                // Floats are kept as their client's text (`1e+300`, `Infinity`).
                SqlType::Real => text
                    .parse::<f64>()
                    .map(Datum::Float)
                    .unwrap_or_else(|_| Datum::Text(text.to_string())),
                _ => Datum::Text(text.to_string()),
            }
        }
        // Tables are built with the four types above; any other Arrow type is drawn as text by
        // Arrow's own formatter rather than lost.
        _ => arrow_cast::display::ArrayFormatter::try_new(
            array.as_ref(),
            &arrow_cast::display::FormatOptions::default(),
        )
        .map(|f| Datum::Text(f.value(row).to_string()))
        .unwrap_or(Datum::Null),
    }
}

/// PostgreSQL writes a whole-hour offset as `+00` (`2024-05-01 09:30:00+00`), which ISO 8601
/// allows but SQLite's date functions do not read (they want `+00:00`): the minutes are added so
/// that `datetime(placed)` works. Any other text is kept as the server wrote it.
fn sqlite_time_text(mut text: String) -> String {
    let bytes = text.as_bytes();
    let n = bytes.len();
    if n > 9
        && text.contains(':')
        && matches!(bytes[n - 3], b'+' | b'-')
        && bytes[n - 2].is_ascii_digit()
        && bytes[n - 1].is_ascii_digit()
        && bytes[n - 4].is_ascii_digit()
    {
        text.push_str(":00");
    }
    text
}

/// One column per top-level field, in order of first appearance. An empty result has no fields
/// to learn from: it gets `_id` alone, so a query over it returns no rows rather than failing.
fn document_columns(docs: &[Document]) -> Vec<(String, SqlType)> {
    let mut names: Vec<String> = Vec::new();
    for doc in docs {
        for key in doc.keys() {
            if !names.iter().any(|n| n == key) {
                names.push(key.clone());
            }
        }
    }
    if names.is_empty() {
        return vec![("_id".into(), SqlType::Text)];
    }
    names
        .into_iter()
        .map(|name| {
            let kind =
                crate::export::variable::column_kind(docs.iter().filter_map(|d| d.get(&name)));
            let ty = SqlType::of_kind(kind);
            (name, ty)
        })
        .collect()
}

fn document_row(doc: &Document, columns: &[(String, SqlType)]) -> Vec<Datum> {
    columns
        .iter()
        .map(|(name, ty)| match doc.get(name) {
            None => Datum::Null,
            Some(value) => document_datum(value, *ty),
        })
        .collect()
}

fn document_datum(value: &Bson, ty: SqlType) -> Datum {
    let kind = match ty {
        SqlType::Integer => ValueKind::Integer,
        SqlType::Real => ValueKind::Float,
        SqlType::Boolean => ValueKind::Boolean,
        _ => ValueKind::Text,
    };
    crate::export::variable::flat_value(value, kind)
}

/// A reply as column names and rows, by the command that produced it:
/// - `HGETALL`, `CONFIG GET`, `HRANDFIELD … WITHVALUES`, and any RESP3 map: `field`, `value`;
/// - sorted sets with scores (`ZRANGE … WITHSCORES`, `ZPOPMIN`, `ZRANDMEMBER … WITHSCORES`…):
///   `member`, `score` (REAL);
/// - `LRANGE` and other lists: `position` (0 for the reply's first element), `value`;
/// - sets (`SMEMBERS`, `SINTER`, `KEYS`, `SCAN`'s keys…) and other arrays: `member` / `value`;
/// - one value (`GET`, `HGET`, `INCR`…): one row, `value`.
fn redis_rows(
    reply: &RedisValue,
    command: Option<&str>,
) -> (Vec<&'static str>, Vec<Vec<RedisValue>>) {
    let command = command.unwrap_or("").to_ascii_uppercase();
    let pairs_command = matches!(command.as_str(), "HGETALL" | "CONFIG" | "HRANDFIELD");
    let scored = matches!(
        command.as_str(),
        "ZRANGE"
            | "ZREVRANGE"
            | "ZRANGEBYSCORE"
            | "ZREVRANGEBYSCORE"
            | "ZRANDMEMBER"
            | "ZPOPMIN"
            | "ZPOPMAX"
            | "ZUNION"
            | "ZINTER"
            | "ZDIFF"
    );
    let set_command = matches!(
        command.as_str(),
        "SMEMBERS" | "SINTER" | "SUNION" | "SDIFF" | "SRANDMEMBER" | "KEYS"
    );
    let single = |items: &[RedisValue]| items.iter().map(|v| vec![v.clone()]).collect();
    match reply {
        RedisValue::Map(pairs) => (
            vec!["field", "value"],
            pairs
                .iter()
                .map(|(k, v)| vec![k.clone(), v.clone()])
                .collect(),
        ),
        RedisValue::Array(items) if pairs_command || scored => {
            let names = if scored {
                vec!["member", "score"]
            } else {
                vec!["field", "value"]
            };
            // RESP3 sends [[member, score], …]; RESP2 a flat [member, score, member, score…].
            let nested = !items.is_empty()
                && items
                    .iter()
                    .all(|i| matches!(i, RedisValue::Array(p) if p.len() == 2));
            if nested {
                let rows = items
                    .iter()
                    .filter_map(|i| match i {
                        RedisValue::Array(p) => Some(p.clone()),
                        _ => None,
                    })
                    .collect();
                (names, rows)
            } else if scored && !looks_paired(items) {
                // Without WITHSCORES: members alone.
                (vec!["member"], single(items))
            } else {
                (names, items.chunks(2).map(|p| p.to_vec()).collect())
            }
        }
        RedisValue::Set(items) => (vec!["member"], single(items)),
        RedisValue::Array(items) if set_command => (vec!["member"], single(items)),
        RedisValue::Array(items) => (
            vec!["position", "value"],
            items
                .iter()
                .enumerate()
                .map(|(i, v)| vec![RedisValue::Int(i as i64), v.clone()])
                .collect(),
        ),
        other => (vec!["value"], vec![vec![other.clone()]]),
    }
}

/// Whether a flat sorted-set reply alternates member and score (WITHSCORES under RESP2).
fn looks_paired(items: &[RedisValue]) -> bool {
    items.len().is_multiple_of(2)
        && items.chunks(2).all(|p| match &p[1] {
            RedisValue::Bulk(b) => std::str::from_utf8(b)
                .is_ok_and(|t| t.parse::<f64>().is_ok() || t == "inf" || t == "-inf"),
            RedisValue::Double { .. } | RedisValue::Int(_) => true,
            _ => false,
        })
}

/// The column type every value of column `index` fits (see the module's rules).
fn redis_column_type(rows: &[Vec<RedisValue>], index: usize) -> SqlType {
    let mut ty: Option<SqlType> = None;
    for row in rows {
        let here = match &row[index] {
            RedisValue::Nil | RedisValue::NotRun => continue,
            RedisValue::Int(_) => SqlType::Integer,
            RedisValue::Double { .. } => SqlType::Real,
            RedisValue::Boolean(_) => SqlType::Boolean,
            RedisValue::Bulk(bytes) => match std::str::from_utf8(bytes) {
                Err(_) => return SqlType::Blob,
                Ok(text) if canonical_integer(text) => SqlType::Integer,
                Ok(text) if canonical_float(text) => SqlType::Real,
                Ok(_) => SqlType::Text,
            },
            _ => SqlType::Text,
        };
        ty = Some(match (ty, here) {
            (None, t) => t,
            (Some(a), b) if a == b => a,
            (Some(SqlType::Integer), SqlType::Real) | (Some(SqlType::Real), SqlType::Integer) => {
                SqlType::Real
            }
            _ => SqlType::Text,
        });
    }
    ty.unwrap_or(SqlType::Text)
}

fn canonical_integer(text: &str) -> bool {
    text.parse::<i64>().is_ok_and(|i| i.to_string() == text)
}

fn canonical_float(text: &str) -> bool {
    text.parse::<f64>()
        .is_ok_and(|f| f.is_finite() && (f.to_string() == text || format!("{f:?}") == text))
}

fn redis_datum(value: &RedisValue, ty: SqlType) -> Datum {
    match value {
        RedisValue::Nil | RedisValue::NotRun => Datum::Null,
        RedisValue::Int(i) if ty == SqlType::Text => Datum::Text(i.to_string()),
        RedisValue::Int(i) => Datum::Int(*i),
        RedisValue::Double { value, text } => match ty {
            SqlType::Real | SqlType::Integer => Datum::Float(*value),
            _ => Datum::Text(text.clone()),
        },
        RedisValue::Boolean(b) => Datum::Bool(*b),
        RedisValue::Bulk(bytes) => match (ty, std::str::from_utf8(bytes)) {
            (SqlType::Blob, _) | (_, Err(_)) => Datum::Bytes(bytes.clone()),
            (SqlType::Integer, Ok(text)) => text
                .parse()
                .map(Datum::Int)
                .unwrap_or_else(|_| Datum::Text(text.into())),
            (SqlType::Real, Ok(text)) => text
                .parse()
                .map(Datum::Float)
                .unwrap_or_else(|_| Datum::Text(text.into())),
            (_, Ok(text)) => Datum::Text(text.to_string()),
        },
        RedisValue::Status(s) | RedisValue::BigNumber(s) => Datum::Text(s.clone()),
        RedisValue::Error(e) => Datum::Text(format!("(error) {e}")),
        RedisValue::Verbatim { text, .. } => Datum::Text(text.clone()),
        nested => Datum::Text(crate::export::redis::text(nested)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> RedisValue {
        RedisValue::Bulk(s.as_bytes().to_vec())
    }

    #[test]
    fn a_resp2_hash_is_field_value_rows_with_numbers_typed() {
        let reply = RedisValue::Array(vec![bulk("name"), bulk("Ada"), bulk("age"), bulk("36")]);
        let shape = shape_of(&Variable::Redis(reply.clone()), Some("HGETALL")).unwrap();
        assert_eq!(
            shape.columns,
            vec![
                ("field".into(), SqlType::Text),
                ("value".into(), SqlType::Text)
            ]
        );
        let rows = rows(&Variable::Redis(reply), &shape, 0..2);
        assert_eq!(
            rows[1],
            vec![Datum::Text("age".into()), Datum::Text("36".into())]
        );
    }

    #[test]
    fn scores_are_real_and_leading_zeros_stay_text() {
        let reply = RedisValue::Array(vec![bulk("a"), bulk("1.5"), bulk("b"), bulk("2")]);
        let shape = shape_of(&Variable::Redis(reply.clone()), Some("zrange")).unwrap();
        assert_eq!(shape.columns[1], ("score".into(), SqlType::Real));
        assert_eq!(
            rows(&Variable::Redis(reply), &shape, 1..2)[0][1],
            Datum::Float(2.0)
        );
        let phones = RedisValue::Array(vec![bulk("007"), bulk("12")]);
        let shape = shape_of(&Variable::Redis(phones), Some("LRANGE")).unwrap();
        assert_eq!(shape.columns[1], ("value".into(), SqlType::Text));
    }

    #[test]
    fn whole_hour_offsets_get_their_minutes() {
        let t = |s: &str| sqlite_time_text(s.to_string());
        assert_eq!(t("2024-05-01 09:30:00+00"), "2024-05-01 09:30:00+00:00");
        assert_eq!(t("2024-05-01 09:30:00.5-07"), "2024-05-01 09:30:00.5-07:00");
        assert_eq!(t("2024-05-01 09:30:00+05:30"), "2024-05-01 09:30:00+05:30");
        assert_eq!(t("2024-05-01"), "2024-05-01");
        assert_eq!(t("1 day 02:00:00"), "1 day 02:00:00");
    }

    #[test]
    fn duplicate_column_names_get_a_suffix() {
        let named = unique_names(vec![
            ("id".into(), SqlType::Integer),
            ("ID".into(), SqlType::Integer),
            ("id".into(), SqlType::Text),
        ]);
        let names: Vec<_> = named.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(names, ["id", "ID_2", "id_3"]);
    }

    #[test]
    fn documents_map_bson_types_to_columns() {
        let oid = bson::oid::ObjectId::parse_str("65f000000000000000000001").unwrap();
        let docs = vec![
            bson::doc! {"_id": oid, "n": 1, "price": bson::Decimal128::from_bytes([0; 16]), "tags": ["a"]},
            bson::doc! {"_id": 2, "n": 2.5, "ok": true},
        ];
        let variable = Variable::Documents(docs);
        let shape = shape_of(&variable, None).unwrap();
        let types: Vec<_> = shape.columns.iter().map(|c| (c.0.as_str(), c.1)).collect();
        assert_eq!(
            types,
            [
                ("_id", SqlType::Text),
                ("n", SqlType::Real),
                ("price", SqlType::Text),
                ("tags", SqlType::Text),
                ("ok", SqlType::Boolean)
            ]
        );
        let rows = rows(&variable, &shape, 0..2);
        assert_eq!(rows[0][0], Datum::Text("65f000000000000000000001".into()));
        assert_eq!(rows[0][3], Datum::Text("[\"a\"]".into()));
        assert_eq!(rows[1][0], Datum::Text("2".into()));
        assert_eq!(rows[1][1], Datum::Float(2.5));
        assert_eq!(rows[0][4], Datum::Null);
    }
}
