//! Redis replies that read as tables, into a chart:
//!
//! | reply | columns |
//! |---|---|
//! | a map (`HGETALL` on RESP3), or a flat field/value array after `HGETALL` (RESP2) | `field`, `value` |
//! | `[member, score]` pairs (`ZRANGE … WITHSCORES` on RESP3), or a flat array after `WITHSCORES` (RESP2) | `member`, `score` |
//! | any other array or set (`LRANGE`, `SMEMBERS`) | `index`, `value` |
//!
//! The last reply of the cell is drawn, as the last statement of an SQL cell is.

use chart::{Request, Value};

use super::TableFeed;
use crate::engine::EngineError;
use crate::result::{Provenance, QueryResult, RedisValue};

fn value(reply: &RedisValue) -> Value<'_> {
    match reply {
        RedisValue::Nil | RedisValue::NotRun => Value::Null,
        RedisValue::Int(i) => Value::Number(*i as f64),
        RedisValue::Double { value, .. } => Value::Number(*value),
        RedisValue::Bulk(bytes) => Value::Text(String::from_utf8_lossy(bytes)),
        RedisValue::Status(s) | RedisValue::BigNumber(s) => Value::Text(s.as_str().into()),
        RedisValue::Verbatim { text, .. } => Value::Text(text.as_str().into()),
        RedisValue::Boolean(b) => Value::Text(if *b { "true" } else { "false" }.into()),
        other => Value::Text(format!("{other:?}").into()),
    }
}

/// The reply as a header and rows, or why it is not a table.
fn rows<'a>(
    command: &str,
    reply: &'a RedisValue,
) -> Result<([&'static str; 2], Vec<[Value<'a>; 2]>), String> {
    let words: Vec<String> = command
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    let name = words.first().cloned().unwrap_or_default();
    let with_scores = words.iter().any(|w| w == "WITHSCORES");
    let pairs = |items: &'a [RedisValue]| -> Vec<[Value<'a>; 2]> {
        items
            .chunks(2)
            .map(|c| [value(&c[0]), c.get(1).map_or(Value::Null, value)])
            .collect()
    };
    match reply {
        RedisValue::Map(entries) => Ok((
            ["field", "value"],
            entries.iter().map(|(k, v)| [value(k), value(v)]).collect(),
        )),
        RedisValue::Array(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|i| matches!(i, RedisValue::Array(p) if p.len() == 2)) =>
        {
            let names = if with_scores {
                ["member", "score"]
            } else {
                ["field", "value"]
            };
            Ok((
                names,
                items
                    .iter()
                    .map(|i| match i {
                        RedisValue::Array(p) => [value(&p[0]), value(&p[1])],
                        _ => [Value::Null, Value::Null],
                    })
                    .collect(),
            ))
        }
        RedisValue::Array(items) if with_scores => Ok((["member", "score"], pairs(items))),
        RedisValue::Array(items) if name == "HGETALL" => Ok((["field", "value"], pairs(items))),
        RedisValue::Array(items) | RedisValue::Set(items) => Ok((
            ["index", "value"],
            items
                .iter()
                .enumerate()
                .map(|(i, v)| [Value::Number(i as f64), value(v)])
                .collect(),
        )),
        RedisValue::Error(e) => Err(format!("the reply is an error ({e})")),
        _ => Err("the reply is a single value, not a table".into()),
    }
}

/// A chart of one reply (`command` is the line that produced it, `None` for a kept variable).
pub fn chart_reply(
    request: Request,
    command: Option<&str>,
    reply: &RedisValue,
    provenance: Provenance,
) -> Result<QueryResult, EngineError> {
    let (header, rows) = rows(command.unwrap_or(""), reply).map_err(|why| {
        EngineError::usage(format!(
            "--chart draws a reply that is a table (a hash: field, value; ZRANGE … WITHSCORES: \
             member, score; a list or set: index, value); {why}; nothing was drawn"
        ))
    })?;
    let mut feed = TableFeed::new(request);
    feed.set_header(&header.map(str::to_string));
    for row in &rows {
        feed.push_values(row);
    }
    feed.finish(provenance)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> RedisValue {
        RedisValue::Bulk(s.as_bytes().to_vec())
    }

    #[test]
    fn zrange_withscores_in_both_protocols_is_member_and_score() {
        let resp3 = RedisValue::Array(vec![RedisValue::Array(vec![
            bulk("a"),
            RedisValue::Double {
                value: 2.0,
                text: "2".into(),
            },
        ])]);
        let (header, pairs) = rows("ZRANGE z 0 -1 WITHSCORES", &resp3).unwrap();
        assert_eq!(header, ["member", "score"]);
        assert_eq!(pairs[0][1], Value::Number(2.0));
        let resp2 = RedisValue::Array(vec![bulk("a"), bulk("2")]);
        let (header, pairs) = rows("zrange z 0 -1 withscores", &resp2).unwrap();
        assert_eq!(header, ["member", "score"]);
        assert_eq!(pairs.len(), 1);
    }

    #[test]
    fn a_single_value_is_not_a_table() {
        assert!(rows("GET k", &bulk("v")).is_err());
    }
}
