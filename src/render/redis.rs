//! Redis replies: text like redis-cli (`(integer) 1`, `(nil)`, `"value"`, numbered arrays) and
//! HTML with structure. Each command is shown beside its reply when a cell has several.

use super::escape::html as esc;
use crate::result::{RedisReplies, RedisValue};

pub fn text(replies: &RedisReplies) -> String {
    let several = replies.entries.len() > 1;
    let mut out = String::new();
    for entry in &replies.entries {
        if several {
            out.push_str(&format!("> {}\n", entry.command));
        }
        out.push_str(&value_text(&entry.reply, 0));
        out.push('\n');
    }
    out.trim_end().to_string()
}

fn quote(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for &b in bytes {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    s
}

fn value_text(value: &RedisValue, indent: usize) -> String {
    match value {
        RedisValue::Nil => "(nil)".into(),
        RedisValue::Int(i) => format!("(integer) {i}"),
        RedisValue::Bulk(b) => quote(b),
        RedisValue::Status(s) => s.clone(),
        RedisValue::Error(e) => format!("(error) {e}"),
        RedisValue::Double(d) => format!("(double) {d}"),
        RedisValue::Boolean(b) => format!("({})", if *b { "true" } else { "false" }),
        RedisValue::Verbatim { text, .. } => text.clone(),
        RedisValue::BigNumber(n) => format!("(big number) {n}"),
        RedisValue::NotRun => "(not run)".into(),
        RedisValue::Array(items) | RedisValue::Set(items) | RedisValue::Push { data: items, .. } => {
            if items.is_empty() {
                return "(empty array)".into();
            }
            let width = items.len().to_string().len();
            items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let prefix = format!("{:>width$}) ", i + 1);
                    let inner = value_text(v, indent + prefix.len());
                    format!("{}{prefix}{inner}", if i == 0 { String::new() } else { " ".repeat(indent) })
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        RedisValue::Map(pairs) => {
            if pairs.is_empty() {
                return "(empty hash)".into();
            }
            pairs
                .iter()
                .enumerate()
                .map(|(i, (k, v))| {
                    let prefix = format!("{}# {} => ", if i == 0 { String::new() } else { " ".repeat(indent) }, value_text(k, 0));
                    format!("{prefix}{}", value_text(v, indent + 2))
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}

pub fn html(replies: &RedisReplies) -> String {
    let mut out = String::from("<div class=\"dbkernel-result\">");
    for entry in &replies.entries {
        out.push_str(&format!(
            "<div style=\"font-family:monospace\"><span style=\"color:#888\">&gt; {}</span><pre style=\"margin:2px 0 8px 0\">{}</pre></div>",
            esc(&entry.command),
            esc(&value_text(&entry.reply, 0))
        ));
    }
    out.push_str("</div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{Provenance, RedisEntry};

    #[test]
    fn redis_cli_style() {
        let r = RedisReplies {
            entries: vec![
                RedisEntry { command: "INCR n".into(), reply: RedisValue::Int(1) },
                RedisEntry { command: "LRANGE l 0 -1".into(), reply: RedisValue::Array(vec![RedisValue::Bulk(b"a".to_vec()), RedisValue::Nil]) },
            ],
            provenance: Provenance::default(),
        };
        assert_eq!(text(&r), "> INCR n\n(integer) 1\n> LRANGE l 0 -1\n1) \"a\"\n2) (nil)");
    }
}
