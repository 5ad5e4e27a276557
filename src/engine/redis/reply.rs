//! Driver replies → the engine-neutral [`RedisValue`], so renderers and variables never see the
//! `redis` crate. Every RESP2 and RESP3 type keeps its identity (a RESP3 map stays a map, a double
//! a double); server errors at any depth (an `EXEC` element, say) stay values, printed as
//! `CODE detail` exactly as the server sent them.

use redis::{PushKind, ServerError, Value, VerbatimFormat};

use super::double::DoubleStyle;
use crate::result::RedisValue;

/// Converts one reply tree; `style` is how the server writes doubles (their text is rebuilt).
pub fn convert(value: Value, style: DoubleStyle) -> RedisValue {
    let convert = |v| convert(v, style);
    match value {
        Value::Nil => RedisValue::Nil,
        Value::Int(i) => RedisValue::Int(i),
        Value::BulkString(bytes) => RedisValue::Bulk(bytes),
        Value::Array(items) => RedisValue::Array(items.into_iter().map(convert).collect()),
        Value::SimpleString(s) => RedisValue::Status(s),
        Value::Okay => RedisValue::Status("OK".into()),
        Value::Map(pairs) => RedisValue::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (convert(k), convert(v)))
                .collect(),
        ),
        // Attributes are out-of-band metadata; redis-cli shows the data they annotate.
        Value::Attribute { data, .. } => convert(*data),
        Value::Set(items) => RedisValue::Set(items.into_iter().map(convert).collect()),
        Value::Double(value) => RedisValue::Double {
            value,
            text: style.text(value),
        },
        Value::Boolean(b) => RedisValue::Boolean(b),
        Value::VerbatimString { format, text } => RedisValue::Verbatim {
            format: verbatim_format(&format),
            text,
        },
        Value::BigNumber(n) => RedisValue::BigNumber(big_number_text(n)),
        Value::Push { kind, data } => RedisValue::Push {
            kind: push_kind(&kind),
            data: data.into_iter().map(convert).collect(),
        },
        Value::ServerError(e) => RedisValue::Error(error_text(&e)),
        // `Value` is non-exhaustive: show an unknown future type rather than failing the cell.
        other => RedisValue::Status(format!("{other:?}")),
    }
}

// With the crate's `num-bigint` feature off, big numbers arrive as their decimal digits.
fn big_number_text(n: impl AsRef<[u8]>) -> String {
    String::from_utf8_lossy(n.as_ref()).into_owned()
}

fn verbatim_format(format: &VerbatimFormat) -> String {
    match format {
        VerbatimFormat::Text => "txt".into(),
        VerbatimFormat::Markdown => "mkd".into(),
        VerbatimFormat::Unknown(other) => other.clone(),
        other => format!("{other:?}").to_ascii_lowercase(),
    }
}

fn push_kind(kind: &PushKind) -> String {
    match kind {
        PushKind::Disconnection => "disconnection".into(),
        PushKind::Other(other) => other.clone(),
        PushKind::Invalidate => "invalidate".into(),
        PushKind::Message => "message".into(),
        PushKind::PMessage => "pmessage".into(),
        PushKind::SMessage => "smessage".into(),
        PushKind::Unsubscribe => "unsubscribe".into(),
        PushKind::PUnsubscribe => "punsubscribe".into(),
        PushKind::SUnsubscribe => "sunsubscribe".into(),
        PushKind::Subscribe => "subscribe".into(),
        PushKind::PSubscribe => "psubscribe".into(),
        PushKind::SSubscribe => "ssubscribe".into(),
        other => format!("{other:?}").to_ascii_lowercase(),
    }
}

/// The server's own text: `WRONGTYPE Operation against a key holding the wrong kind of value`.
pub fn error_text(error: &ServerError) -> String {
    match error.details() {
        Some(detail) => format!("{} {detail}", error.code()),
        None => error.code().to_string(),
    }
}

/// The error prefix (`WRONGTYPE`, `ERR`, `NOSCRIPT`) of an error reply's text.
pub fn error_code(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or("ERR")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_keep_their_type() {
        assert_eq!(
            convert(Value::Okay, DoubleStyle::Printf17),
            RedisValue::Status("OK".into())
        );
        assert_eq!(
            convert(Value::SimpleString("QUEUED".into()), DoubleStyle::Printf17),
            RedisValue::Status("QUEUED".into())
        );
        assert_eq!(
            convert(Value::Int(-3), DoubleStyle::Printf17),
            RedisValue::Int(-3)
        );
        assert_eq!(
            convert(Value::BulkString(vec![0xff]), DoubleStyle::Printf17),
            RedisValue::Bulk(vec![0xff])
        );
        assert_eq!(
            convert(Value::Double(1.5), DoubleStyle::Printf17),
            RedisValue::Double {
                value: 1.5,
                text: "1.5".into()
            }
        );
        assert_eq!(
            convert(Value::Boolean(true), DoubleStyle::Printf17),
            RedisValue::Boolean(true)
        );
        assert_eq!(convert(Value::Nil, DoubleStyle::Printf17), RedisValue::Nil);
    }

    #[test]
    fn containers_convert_recursively() {
        let map = Value::Map(vec![(
            Value::BulkString(b"f".to_vec()),
            Value::Array(vec![Value::Int(1)]),
        )]);
        assert_eq!(
            convert(map, DoubleStyle::Printf17),
            RedisValue::Map(vec![(
                RedisValue::Bulk(b"f".to_vec()),
                RedisValue::Array(vec![RedisValue::Int(1)])
            )])
        );
        let push = Value::Push {
            kind: PushKind::Message,
            data: vec![Value::BulkString(b"ch".to_vec())],
        };
        assert_eq!(
            convert(push, DoubleStyle::Printf17),
            RedisValue::Push {
                kind: "message".into(),
                data: vec![RedisValue::Bulk(b"ch".to_vec())]
            }
        );
        let verbatim = Value::VerbatimString {
            format: VerbatimFormat::Text,
            text: "hi".into(),
        };
        assert_eq!(
            convert(verbatim, DoubleStyle::Printf17),
            RedisValue::Verbatim {
                format: "txt".into(),
                text: "hi".into()
            }
        );
    }

    #[test]
    fn error_codes_are_the_first_word() {
        assert_eq!(error_code("WRONGTYPE Operation against a key"), "WRONGTYPE");
        assert_eq!(error_code(""), "ERR");
    }
}
