//! A Redis reply as rows, for `%export` of a kept reply (`%%redis --out VAR`) and for
//! `%%redis --export PATH` (the cell's last reply), shaped the same way in both by the command that
//! produced it:
//! - a map (any RESP3 map), `HGETALL`, `CONFIG GET`, `HRANDFIELD … WITHVALUES`, and `HSCAN`'s
//!   elements: `field`, `value`;
//! - sorted sets with scores (`ZRANGE … WITHSCORES` and its family, `ZPOPMIN`, `ZSCAN`'s elements):
//!   `member`, `score` (a `Float64`; RESP2 sends the score as text);
//! - `LRANGE`, `SMEMBERS`, `KEYS`, `SCAN`/`SSCAN`'s elements and every other array or set: one
//!   `value` row per element (a SCAN-family reply's cursor is not data, and is left out);
//! - a single reply: one row.
//!
//! Bulk strings are text when every one of a column is UTF-8 and bytes (`Binary`, hex in CSV)
//! when any is not, so nothing is mangled; integers stay `Int64`; a nested array or map is JSON
//! text in its cell. Replies arrive whole, so this converts the reply once, straight into rows.

use serde_json::Value as Json;

use crate::engine::EngineError;
use crate::result::{Datum, ExportReceipt, RedisValue, ValueKind};

use super::{RowExporter, Target};

/// Column names with their kinds, as [`crate::export::RowExporter::set_header`] takes them.
pub type Header = Vec<(String, Option<ValueKind>)>;

/// Writes a reply to a checked target. `command` is the command line (or only its name, as a
/// kept variable remembers it) that produced the reply.
pub fn export_reply(
    reply: &RedisValue,
    command: Option<&str>,
    target: Target,
) -> Result<ExportReceipt, EngineError> {
    let (header, rows) = rows_of(reply, command);
    let mut exporter = RowExporter::open(target)?;
    exporter.set_header(&header);
    for row in &rows {
        exporter.push(row);
    }
    exporter.finish()
}

/// The reply's header and rows.
pub fn rows_of(reply: &RedisValue, command: Option<&str>) -> (Header, Vec<Vec<Datum>>) {
    let words: Vec<String> = command
        .unwrap_or("")
        .split_whitespace()
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let name = words.first().map(String::as_str).unwrap_or("");
    let with_scores = words.iter().any(|w| w == "WITHSCORES");
    let scored = with_scores
        || matches!(name, "ZPOPMIN" | "ZPOPMAX" | "ZSCAN")
        || (words.len() == 1 && is_sorted_set_range(name));
    let pairs = matches!(name, "HGETALL" | "CONFIG" | "HSCAN")
        || (name == "HRANDFIELD" && (words.len() == 1 || words.iter().any(|w| w == "WITHVALUES")));
    // SCAN-family replies are [cursor, elements]: the elements are the data.
    let reply = match (name, reply) {
        ("SCAN" | "SSCAN" | "HSCAN" | "ZSCAN", RedisValue::Array(parts)) if parts.len() == 2 => {
            &parts[1]
        }
        _ => reply,
    };
    let (names, rows): (Vec<&str>, Vec<Vec<&RedisValue>>) = match reply {
        RedisValue::Map(entries) => (
            if scored {
                vec!["member", "score"]
            } else {
                vec!["field", "value"]
            },
            entries.iter().map(|(k, v)| vec![k, v]).collect(),
        ),
        // With only the command's name (a kept reply whose line is unknown), a flat ZRANGE
        // reply has scores only if every second element reads as one.
        RedisValue::Array(items)
            if (scored || pairs)
                && paired(items)
                && (with_scores || words.len() != 1 || !scored || scores_alternate(items)) =>
        {
            let names = if scored {
                vec!["member", "score"]
            } else {
                vec!["field", "value"]
            };
            (names, pair_rows(items))
        }
        RedisValue::Array(items) | RedisValue::Set(items) => {
            (vec!["value"], items.iter().map(|v| vec![v]).collect())
        }
        other => (vec!["value"], vec![vec![other]]),
    };
    let kinds: Vec<ValueKind> = (0..names.len())
        .map(|c| {
            if names[c] == "score" {
                ValueKind::Float
            } else {
                column_kind(rows.iter().map(|r| r[c]))
            }
        })
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

/// `ZRANGE` and the commands that answer like it (members, with scores when asked).
fn is_sorted_set_range(name: &str) -> bool {
    matches!(
        name,
        "ZRANGE"
            | "ZREVRANGE"
            | "ZRANGEBYSCORE"
            | "ZREVRANGEBYSCORE"
            | "ZRANDMEMBER"
            | "ZUNION"
            | "ZINTER"
            | "ZDIFF"
    )
}

/// Whether an array holds pairs: RESP3's `[[a, b], …]` or RESP2's flat `[a, b, a, b…]`.
fn paired(items: &[RedisValue]) -> bool {
    nested_pairs(items) || items.len().is_multiple_of(2)
}

fn scores_alternate(items: &[RedisValue]) -> bool {
    nested_pairs(items)
        || items.chunks(2).all(|p| match &p[1] {
            RedisValue::Bulk(b) => std::str::from_utf8(b).is_ok_and(|t| t.parse::<f64>().is_ok()),
            RedisValue::Double { .. } | RedisValue::Int(_) => true,
            _ => false,
        })
}

fn nested_pairs(items: &[RedisValue]) -> bool {
    !items.is_empty()
        && items
            .iter()
            .all(|i| matches!(i, RedisValue::Array(p) if p.len() == 2))
}

fn pair_rows(items: &[RedisValue]) -> Vec<Vec<&RedisValue>> {
    if nested_pairs(items) {
        items
            .iter()
            .filter_map(|i| match i {
                RedisValue::Array(p) => Some(vec![&p[0], &p[1]]),
                _ => None,
            })
            .collect()
    } else {
        items.chunks(2).map(|p| vec![&p[0], &p[1]]).collect()
    }
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
        // A score: RESP3 sends a double, RESP2 its text ("1.5", "inf").
        (RedisValue::Double { value, .. }, ValueKind::Float) => Datum::Float(*value),
        (RedisValue::Int(i), ValueKind::Float) => Datum::Float(*i as f64),
        // Rust's parser reads Redis's `inf`/`-inf` too.
        (RedisValue::Bulk(b), ValueKind::Float) => match std::str::from_utf8(b)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
        {
            Some(f) => Datum::Float(f),
            None => Datum::Text(String::from_utf8_lossy(b).into_owned()),
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> RedisValue {
        RedisValue::Bulk(s.as_bytes().to_vec())
    }

    #[test]
    fn scan_family_replies_drop_the_cursor_and_pair_their_elements() {
        // HSCAN's reply as redis.io documents it: [cursor, [field, value, …]].
        let reply = RedisValue::Array(vec![
            bulk("0"),
            RedisValue::Array(vec![bulk("f"), bulk("1"), bulk("g"), bulk("2")]),
        ]);
        let (header, rows) = rows_of(&reply, Some("hscan h 0"));
        assert_eq!(header[0].0, "field");
        assert_eq!(header[1].0, "value");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][0], Datum::Text("g".into()));
        let (header, rows) = rows_of(&reply, Some("SCAN 0"));
        assert_eq!(header.len(), 1);
        assert_eq!(rows.len(), 4);
    }

    #[test]
    fn scores_are_floats_under_resp2_and_resp3() {
        let resp2 = RedisValue::Array(vec![bulk("a"), bulk("1.5"), bulk("b"), bulk("inf")]);
        let (header, rows) = rows_of(&resp2, Some("ZRANGE z 0 -1 WITHSCORES"));
        assert_eq!(header[1], ("score".to_string(), Some(ValueKind::Float)));
        assert_eq!(rows[0][1], Datum::Float(1.5));
        assert_eq!(rows[1][1], Datum::Float(f64::INFINITY));
        let resp3 = RedisValue::Array(vec![RedisValue::Array(vec![
            bulk("a"),
            RedisValue::Double {
                value: 2.0,
                text: "2".into(),
            },
        ])]);
        let (_, rows) = rows_of(&resp3, Some("ZRANGE"));
        assert_eq!(rows, [vec![Datum::Text("a".into()), Datum::Float(2.0)]]);
        // Without WITHSCORES the members are the rows.
        let members = RedisValue::Array(vec![bulk("a"), bulk("b")]);
        let (header, _) = rows_of(&members, Some("ZRANGE z 0 -1"));
        assert_eq!(header.len(), 1);
        let (header, _) = rows_of(&members, Some("ZRANGE"));
        assert_eq!(header.len(), 1);
    }
}
