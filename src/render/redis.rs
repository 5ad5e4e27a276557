//! Redis replies for display.
//!
//! `text/plain` is what redis-cli prints on a terminal, so output matches tutorials and the
//! Redis docs: `(integer) 1`, `(nil)`, `"value"` with redis-cli's escapes, numbered arrays nested
//! with redis-cli's indentation, RESP3 maps as `1# "k" => "v"`, sets as `1~ "m"`, pushes with
//! their kind first (`1) "message"`), doubles as the server's text. Replies of the commands
//! redis-cli prints raw (`INFO`, `CLIENT LIST`, `CLUSTER NODES`; the engine marks them) and
//! verbatim strings are shown as their lines. When a cell has several commands each reply is
//! headed by its command (`> GET k`).
//!
//! `text/html` shows structure: a hash (RESP3 map, or the flat field/value array of `HGETALL` /
//! `CONFIG GET` in RESP2) as a field/value table, a `WITHSCORES` reply as a member/score table,
//! stream entries (`XRANGE`, `XREAD`) as id + fields, other arrays as nested numbered lists, and
//! RESP3 types labelled as what they are. Inline styles only; every byte of data is escaped.

use super::escape::html as esc;
use crate::result::{RedisEntry, RedisReplies, RedisValue};

// ---------------------------------------------------------------- text/plain

pub fn text(replies: &RedisReplies) -> String {
    let several = replies.entries.len() > 1;
    let mut out = String::new();
    for entry in &replies.entries {
        if several {
            out.push_str("> ");
            out.push_str(&entry.command.replace('\n', "\n  "));
            out.push('\n');
        }
        if entry.raw {
            out.push_str(raw_text(&entry.reply).trim_end_matches('\n'));
        } else {
            out.push_str(&value_text(&entry.reply, ""));
        }
        out.push('\n');
    }
    out.trim_end_matches('\n').to_string()
}

/// redis-cli's `sdscatrepr`: printable ASCII as is, the usual escapes, other bytes as `\xhh`.
fn quote(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for &b in bytes {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    s
}

/// A report as redis-cli prints it raw: text as it is (`\r\n` line ends become lines),
/// elements one per line, map entries as `key value`. An error keeps its `(error)` mark: the
/// cell fails on it, and it must not read like part of the report.
fn raw_text(value: &RedisValue) -> String {
    match value {
        RedisValue::Nil | RedisValue::NotRun => String::new(),
        RedisValue::Bulk(b) => String::from_utf8_lossy(b).replace("\r\n", "\n"),
        RedisValue::Verbatim { text, .. } => text.replace("\r\n", "\n"),
        RedisValue::Status(s) | RedisValue::BigNumber(s) => s.clone(),
        RedisValue::Error(e) => format!("(error) {e}"),
        RedisValue::Int(i) => i.to_string(),
        RedisValue::Double { text, .. } => text.clone(),
        RedisValue::Boolean(b) => format!("({b})"),
        RedisValue::Array(items)
        | RedisValue::Set(items)
        | RedisValue::Push { data: items, .. } => {
            items.iter().map(raw_text).collect::<Vec<_>>().join("\n")
        }
        RedisValue::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| format!("{} {}", raw_text(k), raw_text(v)))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// A truncation note added by the engine (`(… 12 more elements; ...)`), shown as plain text.
fn is_note(value: &RedisValue) -> bool {
    matches!(value, RedisValue::Status(s) if s.starts_with("(… "))
}

/// One value as redis-cli prints it. `prefix` is the indentation of this value's continuation
/// lines (the first line is already positioned by the caller, as in redis-cli).
fn value_text(value: &RedisValue, prefix: &str) -> String {
    match value {
        RedisValue::Nil => "(nil)".into(),
        RedisValue::Int(i) => format!("(integer) {i}"),
        RedisValue::Bulk(b) => quote(b),
        RedisValue::Status(s) => s.clone(),
        RedisValue::Error(e) => format!("(error) {e}"),
        RedisValue::Double { text, .. } => format!("(double) {text}"),
        RedisValue::Boolean(b) => format!("({b})"),
        RedisValue::Verbatim { text, .. } => text.replace("\r\n", "\n"),
        RedisValue::BigNumber(n) => format!("(big number) {n}"),
        RedisValue::NotRun => "(not run)".into(),
        RedisValue::Array(items) => list_text(items, ')', "(empty array)", prefix),
        // On the wire a push's kind is its first element, and redis-cli prints it so.
        RedisValue::Push { kind, data } => {
            let mut items = Vec::with_capacity(data.len() + 1);
            items.push(RedisValue::Bulk(kind.as_bytes().to_vec()));
            items.extend(data.iter().cloned());
            list_text(&items, ')', "(empty array)", prefix)
        }
        RedisValue::Set(items) => list_text(items, '~', "(empty set)", prefix),
        RedisValue::Map(pairs) => map_text(pairs, prefix),
    }
}

fn list_text(items: &[RedisValue], mark: char, empty: &str, prefix: &str) -> String {
    if items.is_empty() {
        return empty.to_string();
    }
    let width = items.len().to_string().len();
    let child_prefix = format!("{prefix}{}", " ".repeat(width + 2));
    let mut lines = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let lead = if i == 0 { "" } else { prefix };
        if is_note(item) {
            lines.push(format!("{lead}{}", value_text(item, prefix)));
        } else {
            lines.push(format!(
                "{lead}{:>width$}{mark} {}",
                i + 1,
                value_text(item, &child_prefix)
            ));
        }
    }
    lines.join("\n")
}

fn map_text(pairs: &[(RedisValue, RedisValue)], prefix: &str) -> String {
    if pairs.is_empty() {
        return "(empty hash)".into();
    }
    let width = pairs.len().to_string().len();
    let child_prefix = format!("{prefix}{}", " ".repeat(width + 2));
    let mut lines = Vec::with_capacity(pairs.len());
    for (i, (key, value)) in pairs.iter().enumerate() {
        let lead = if i == 0 { "" } else { prefix };
        if is_note(key) {
            lines.push(format!("{lead}{}", value_text(key, prefix)));
            continue;
        }
        // Like redis-cli: a value that spans several lines starts on its own line, indented
        // under the key; a one-line value (a one-element map or set too) stays after `=> `.
        let shown = value_text(value, &child_prefix);
        let shown = if shown.contains('\n') {
            format!("\n{child_prefix}{shown}")
        } else {
            shown
        };
        lines.push(format!(
            "{lead}{:>width$}# {} => {shown}",
            i + 1,
            value_text(key, &child_prefix)
        ));
    }
    lines.join("\n")
}

// ---------------------------------------------------------------- text/html

const BOX: &str =
    "font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;line-height:1.45";
const TABLE: &str = "border-collapse:collapse;margin:2px 0";
const TH: &str =
    "text-align:left;padding:2px 8px;border-bottom:1px solid #bbb;color:#555;font-weight:600";
const TD: &str = "text-align:left;padding:2px 8px;border-bottom:1px solid #eee;vertical-align:top";
const LABEL: &str = "color:#888";
const DIM: &str = "color:#999;font-style:italic";

pub fn html(replies: &RedisReplies) -> String {
    let several = replies.entries.len() > 1;
    let mut out = format!("<div class=\"dbkernel-result dbkernel-redis\" style=\"{BOX}\">");
    for entry in &replies.entries {
        out.push_str("<div style=\"margin:0 0 8px 0\">");
        if several {
            out.push_str(&format!(
                "<div style=\"color:#777;white-space:pre-wrap\">&gt; {}</div>",
                esc(&entry.command)
            ));
        }
        out.push_str(&entry_html(entry));
        out.push_str("</div>");
    }
    out.push_str("</div>");
    out
}

/// The command's words in upper case (the name, then the arguments), for picking a layout.
fn command_words(command: &str) -> Vec<String> {
    command
        .split_whitespace()
        .map(|w| w.trim_matches(['"', '\'']).to_ascii_uppercase())
        .collect()
}

fn entry_html(entry: &RedisEntry) -> String {
    let words = command_words(&entry.command);
    let name = words.first().map(String::as_str).unwrap_or("");
    let second = words.get(1).map(String::as_str).unwrap_or("");
    let with_scores = words.iter().any(|w| w == "WITHSCORES");
    match (&entry.reply, name) {
        (RedisValue::Array(items), "HGETALL") => {
            pairs_table(items, "field", "value").unwrap_or_else(|| value_html(&entry.reply))
        }
        (RedisValue::Array(items), "CONFIG") if second == "GET" => {
            pairs_table(items, "parameter", "value").unwrap_or_else(|| value_html(&entry.reply))
        }
        (RedisValue::Array(items), _) if with_scores && name.starts_with('Z') => {
            scores_table(items).unwrap_or_else(|| value_html(&entry.reply))
        }
        (RedisValue::Array(items), "XRANGE" | "XREVRANGE") => {
            stream_entries(items).unwrap_or_else(|| value_html(&entry.reply))
        }
        (RedisValue::Array(_) | RedisValue::Map(_), "XREAD" | "XREADGROUP") => {
            xread_html(&entry.reply).unwrap_or_else(|| value_html(&entry.reply))
        }
        (RedisValue::Error(_), _) => value_html(&entry.reply),
        (reply, _) if entry.raw => pre(&raw_text(reply)),
        (RedisValue::Verbatim { text, .. }, _) => pre(&text.replace("\r\n", "\n")),
        _ => value_html(&entry.reply),
    }
}

fn pre(text: &str) -> String {
    format!(
        "<pre style=\"margin:0;white-space:pre-wrap\">{}</pre>",
        esc(text)
    )
}

/// Bytes as text when they are UTF-8 (most keys and values), else redis-cli's escaped form.
fn bytes_html(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => {
            format!(
                "<span style=\"white-space:pre-wrap\">&quot;{}&quot;</span>",
                esc(s)
            )
        }
        _ => format!("<span title=\"binary\">{}</span>", esc(&quote(bytes))),
    }
}

/// A scalar or a structure, labelled by its RESP type.
fn value_html(value: &RedisValue) -> String {
    match value {
        RedisValue::Nil => format!("<span style=\"{DIM}\">(nil)</span>"),
        RedisValue::Int(i) => format!("<span style=\"{LABEL}\">(integer)</span> {i}"),
        RedisValue::Bulk(b) => bytes_html(b),
        RedisValue::Status(s) if is_note(value) => {
            format!("<span style=\"{DIM}\">{}</span>", esc(s))
        }
        RedisValue::Status(s) => format!("<span style=\"color:#2a7a2a\">{}</span>", esc(s)),
        RedisValue::Error(e) => format!(
            "<span style=\"color:#c00;font-weight:600\">(error) {}</span>",
            esc(e)
        ),
        RedisValue::Double { text, .. } => {
            format!("<span style=\"{LABEL}\">(double)</span> {}", esc(text))
        }
        RedisValue::Boolean(b) => format!("<span style=\"{LABEL}\">(boolean)</span> {b}"),
        RedisValue::Verbatim { format, text } => format!(
            "<span style=\"{LABEL}\">(verbatim {})</span>{}",
            esc(format),
            pre(&text.replace("\r\n", "\n"))
        ),
        RedisValue::BigNumber(n) => {
            format!("<span style=\"{LABEL}\">(big number)</span> {}", esc(n))
        }
        RedisValue::NotRun => "<span style=\"color:#aaa;font-style:italic\">(not run: an earlier line failed or the cell was stopped)</span>".to_string(),
        RedisValue::Array(items) => list_html(items, "ol", "(empty array)"),
        RedisValue::Push { kind, data } => format!(
            "<span style=\"{LABEL}\">(push {})</span>{}",
            esc(kind),
            list_html(data, "ol", "(empty push)")
        ),
        RedisValue::Set(items) => format!(
            "<span style=\"{LABEL}\">(set)</span>{}",
            list_html(items, "ul", "(empty set)")
        ),
        RedisValue::Map(pairs) => map_html(pairs),
    }
}

fn list_html(items: &[RedisValue], tag: &str, empty: &str) -> String {
    if items.is_empty() {
        return format!("<span style=\"{DIM}\">{empty}</span>");
    }
    let mut out = format!("<{tag} style=\"margin:0;padding-left:2.2em\">");
    for item in items {
        if is_note(item) {
            out.push_str(&format!(
                "<li style=\"list-style:none\">{}</li>",
                value_html(item)
            ));
        } else {
            out.push_str(&format!("<li>{}</li>", value_html(item)));
        }
    }
    out.push_str(&format!("</{tag}>"));
    out
}

fn map_html(pairs: &[(RedisValue, RedisValue)]) -> String {
    if pairs.is_empty() {
        return format!("<span style=\"{DIM}\">(empty hash)</span>");
    }
    let rows: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| {
            if is_note(k) {
                (value_html(k), String::new())
            } else {
                (value_html(k), value_html(v))
            }
        })
        .collect();
    table(&["key", "value"], &rows)
}

fn table(headers: &[&str], rows: &[(String, String)]) -> String {
    let mut out = format!("<table style=\"{TABLE}\"><thead><tr>");
    for h in headers {
        out.push_str(&format!("<th style=\"{TH}\">{}</th>", esc(h)));
    }
    out.push_str("</tr></thead><tbody>");
    for (a, b) in rows {
        out.push_str(&format!(
            "<tr><td style=\"{TD}\">{a}</td><td style=\"{TD}\">{b}</td></tr>"
        ));
    }
    out.push_str("</tbody></table>");
    out
}

/// Splits off a trailing truncation note.
fn split_note(items: &[RedisValue]) -> (&[RedisValue], Option<&RedisValue>) {
    match items.split_last() {
        Some((last, rest)) if is_note(last) => (rest, Some(last)),
        _ => (items, None),
    }
}

fn with_note(body: String, note: Option<&RedisValue>) -> String {
    match note {
        Some(n) => format!("{body}<div>{}</div>", value_html(n)),
        None => body,
    }
}

/// A flat `field, value, field, value` array (RESP2 `HGETALL`, `CONFIG GET`) as a table.
fn pairs_table(items: &[RedisValue], left: &str, right: &str) -> Option<String> {
    let (items, note) = split_note(items);
    if items.is_empty() || items.len() % 2 != 0 {
        return None;
    }
    let rows = items.chunks_exact(2).filter_map(|pair| match pair {
        [field, value] => Some((value_html(field), value_html(value))),
        _ => None,
    });
    let rows = rows.collect::<Vec<_>>();
    Some(with_note(table(&[left, right], &rows), note))
}

/// A `WITHSCORES` reply: RESP2 flat `member, score, ...` or RESP3 `[member, score]` pairs.
fn scores_table(items: &[RedisValue]) -> Option<String> {
    let (items, note) = split_note(items);
    let nested = items
        .iter()
        .all(|i| matches!(i, RedisValue::Array(p) if p.len() == 2));
    let rows: Vec<(String, String)> = if nested && !items.is_empty() {
        items
            .iter()
            .filter_map(|i| match i {
                RedisValue::Array(p) => match p.as_slice() {
                    [member, score] => Some((value_html(member), score_html(score))),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    } else if !items.is_empty() && items.len() % 2 == 0 {
        items
            .chunks_exact(2)
            .filter_map(|pair| match pair {
                [member, score] => Some((value_html(member), score_html(score))),
                _ => None,
            })
            .collect()
    } else {
        return None;
    };
    Some(with_note(table(&["member", "score"], &rows), note))
}

fn score_html(score: &RedisValue) -> String {
    match score {
        RedisValue::Bulk(b) => esc(&String::from_utf8_lossy(b)),
        RedisValue::Double { text, .. } => esc(text),
        other => value_html(other),
    }
}

/// Stream entries `[[id, [field, value, ...]], ...]` as an id / fields table.
fn stream_entries(items: &[RedisValue]) -> Option<String> {
    let (items, note) = split_note(items);
    let mut rows = Vec::with_capacity(items.len());
    for item in items {
        let RedisValue::Array(parts) = item else {
            return None;
        };
        let [id, fields] = parts.as_slice() else {
            return None;
        };
        let fields_html = match fields {
            RedisValue::Array(flat) if flat.len() % 2 == 0 => flat
                .chunks_exact(2)
                .filter_map(|p| match p {
                    [field, value] => Some(format!(
                        "{} <span style=\"{LABEL}\">=</span> {}",
                        value_html(field),
                        value_html(value)
                    )),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("<br>"),
            RedisValue::Map(pairs) => pairs
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{} <span style=\"{LABEL}\">=</span> {}",
                        value_html(k),
                        value_html(v)
                    )
                })
                .collect::<Vec<_>>()
                .join("<br>"),
            other => value_html(other),
        };
        let id_html = match id {
            RedisValue::Bulk(b) => esc(&String::from_utf8_lossy(b)),
            other => value_html(other),
        };
        rows.push((id_html, fields_html));
    }
    if rows.is_empty() {
        return Some(format!("<span style=\"{DIM}\">(empty array)</span>"));
    }
    Some(with_note(table(&["id", "fields"], &rows), note))
}

/// `XREAD` replies: per stream (RESP2 `[[name, entries], ...]`, RESP3 map), its entries table.
fn xread_html(value: &RedisValue) -> Option<String> {
    let streams: Vec<(&RedisValue, &RedisValue)> = match value {
        RedisValue::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                let RedisValue::Array(parts) = item else {
                    return None;
                };
                let [name, entries] = parts.as_slice() else {
                    return None;
                };
                out.push((name, entries));
            }
            out
        }
        RedisValue::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
        _ => return None,
    };
    let mut out = String::new();
    for (name, entries) in streams {
        let RedisValue::Array(entries) = entries else {
            return None;
        };
        out.push_str(&format!(
            "<div style=\"margin-top:4px\"><span style=\"{LABEL}\">stream</span> {}</div>",
            value_html(name)
        ));
        out.push_str(&stream_entries(entries)?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::Provenance;

    fn bulk(s: &str) -> RedisValue {
        RedisValue::Bulk(s.as_bytes().to_vec())
    }

    fn double(value: f64, text: &str) -> RedisValue {
        RedisValue::Double {
            value,
            text: text.into(),
        }
    }

    fn replies(entries: Vec<(&str, RedisValue)>) -> RedisReplies {
        RedisReplies {
            entries: entries
                .into_iter()
                .map(|(c, r)| RedisEntry {
                    command: c.into(),
                    reply: r,
                    raw: false,
                })
                .collect(),
            provenance: Provenance::default(),
        }
    }

    fn raw(command: &str, reply: RedisValue) -> RedisReplies {
        RedisReplies {
            entries: vec![RedisEntry {
                command: command.into(),
                reply,
                raw: true,
            }],
            provenance: Provenance::default(),
        }
    }

    #[test]
    fn raw_reports_print_as_their_lines() {
        // What redis-cli prints for INFO on a terminal: the lines, no quotes, no \r\n escapes.
        let r = raw(
            "INFO keyspace",
            bulk("# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n"),
        );
        assert_eq!(text(&r), "# Keyspace\ndb0:keys=2,expires=0,avg_ttl=0");
        let h = html(&r);
        assert!(h.contains("<pre") && h.contains("db0:keys=2"), "{h}");
        assert!(!h.contains("&quot;"), "{h}");
        let r = raw(
            "CLIENT LIST",
            bulk("id=7 addr=127.0.0.1:1 resp=2\nid=8 addr=127.0.0.1:2 resp=3\n"),
        );
        assert_eq!(
            text(&r),
            "id=7 addr=127.0.0.1:1 resp=2\nid=8 addr=127.0.0.1:2 resp=3"
        );
        // An error keeps its mark: the cell fails on it.
        let r = raw(
            "CLUSTER NODES",
            RedisValue::Error("ERR This instance has cluster support disabled".into()),
        );
        assert_eq!(
            text(&r),
            "(error) ERR This instance has cluster support disabled"
        );
        assert!(html(&r).contains("color:#c00"));
    }

    #[test]
    fn pushes_show_their_kind_first() {
        let push = RedisValue::Push {
            kind: "subscribe".into(),
            data: vec![bulk("ch"), RedisValue::Int(1)],
        };
        assert_eq!(
            text(&replies(vec![(
                "SUBSCRIBE ch",
                RedisValue::Array(vec![push])
            )])),
            "1) 1) \"subscribe\"\n   2) \"ch\"\n   3) (integer) 1"
        );
    }

    #[test]
    fn map_values_break_only_when_they_span_lines() {
        // redis-cli -3: EVAL "redis.setresp(3); return {map={b={map={c=1,d=2}}, e={set={z=true}}}}" 0
        let map = RedisValue::Map(vec![
            (bulk("e"), RedisValue::Set(vec![bulk("z")])),
            (
                bulk("b"),
                RedisValue::Map(vec![
                    (bulk("c"), RedisValue::Int(1)),
                    (bulk("d"), RedisValue::Int(2)),
                ]),
            ),
        ]);
        assert_eq!(
            text(&replies(vec![("EVAL", map)])),
            "1# \"e\" => 1~ \"z\"\n2# \"b\" => \n   1# \"c\" => (integer) 1\n   2# \"d\" => (integer) 2"
        );
    }

    #[test]
    fn doubles_are_the_servers_text() {
        let one = |v: RedisValue| text(&replies(vec![("ZSCORE z m", v)]));
        assert_eq!(
            one(double(1e300, "1.0000000000000001e+300")),
            "(double) 1.0000000000000001e+300"
        );
    }

    #[test]
    fn several_commands_are_headed_by_their_command() {
        let r = replies(vec![
            ("INCR n", RedisValue::Int(1)),
            (
                "LRANGE l 0 -1",
                RedisValue::Array(vec![bulk("a"), RedisValue::Nil]),
            ),
        ]);
        assert_eq!(
            text(&r),
            "> INCR n\n(integer) 1\n> LRANGE l 0 -1\n1) \"a\"\n2) (nil)"
        );
    }

    #[test]
    fn scalars_print_like_redis_cli() {
        let one = |v: RedisValue| text(&replies(vec![("X", v)]));
        assert_eq!(one(RedisValue::Status("OK".into())), "OK");
        assert_eq!(
            one(RedisValue::Error(
                "WRONGTYPE Operation against a key".into()
            )),
            "(error) WRONGTYPE Operation against a key"
        );
        assert_eq!(one(double(1.5, "1.5")), "(double) 1.5");
        assert_eq!(one(double(f64::NEG_INFINITY, "-inf")), "(double) -inf");
        assert_eq!(one(RedisValue::Boolean(true)), "(true)");
        assert_eq!(
            one(RedisValue::BigNumber("12345678901234567890".into())),
            "(big number) 12345678901234567890"
        );
        assert_eq!(
            one(RedisValue::Verbatim {
                format: "txt".into(),
                text: "raw\ntext".into()
            }),
            "raw\ntext"
        );
        assert_eq!(one(RedisValue::Array(vec![])), "(empty array)");
        assert_eq!(one(RedisValue::Set(vec![])), "(empty set)");
        assert_eq!(one(RedisValue::Map(vec![])), "(empty hash)");
    }

    #[test]
    fn bulk_strings_use_redis_cli_escapes() {
        let r = replies(vec![(
            "GET k",
            RedisValue::Bulk(b"a\"b\\c\n\t\x07\x08\x00\xc3\xa9".to_vec()),
        )]);
        assert_eq!(text(&r), r#""a\"b\\c\n\t\a\b\x00\xc3\xa9""#);
    }

    #[test]
    fn nested_arrays_indent_like_redis_cli() {
        // XRANGE-like: 10 entries make the index two digits wide.
        let entry = |id: &str| {
            RedisValue::Array(vec![
                bulk(id),
                RedisValue::Array(vec![bulk("f"), bulk("v")]),
            ])
        };
        let mut items: Vec<RedisValue> = (1..=10).map(|i| entry(&format!("{i}-0"))).collect();
        items.truncate(10);
        let out = text(&replies(vec![("XRANGE s - +", RedisValue::Array(items))]));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], " 1) 1) \"1-0\"");
        assert_eq!(lines[1], "    2) 1) \"f\"");
        assert_eq!(lines[2], "       2) \"v\"");
        assert_eq!(lines[3], " 2) 1) \"2-0\"");
        assert_eq!(lines[lines.len() - 3], "10) 1) \"10-0\"");
    }

    #[test]
    fn resp3_maps_and_sets() {
        let map = RedisValue::Map(vec![
            (bulk("k"), bulk("v")),
            (
                bulk("n"),
                RedisValue::Array(vec![RedisValue::Int(1), RedisValue::Int(2)]),
            ),
        ]);
        assert_eq!(
            text(&replies(vec![("HGETALL h", map)])),
            "1# \"k\" => \"v\"\n2# \"n\" => \n   1) (integer) 1\n   2) (integer) 2"
        );
        let set = RedisValue::Set(vec![bulk("a"), bulk("b")]);
        assert_eq!(
            text(&replies(vec![("SMEMBERS s", set)])),
            "1~ \"a\"\n2~ \"b\""
        );
    }

    #[test]
    fn truncation_note_is_shown_without_an_index() {
        let r = replies(vec![(
            "KEYS *",
            RedisValue::Array(vec![
                bulk("a"),
                RedisValue::Status("(… 3 more elements; --limit N shows more)".into()),
            ]),
        )]);
        assert_eq!(
            text(&r),
            "1) \"a\"\n(… 3 more elements; --limit N shows more)"
        );
    }

    #[test]
    fn not_run_lines_are_marked() {
        let r = replies(vec![
            ("GET a", RedisValue::Error("WRONGTYPE x".into())),
            ("GET b", RedisValue::NotRun),
        ]);
        assert_eq!(text(&r), "> GET a\n(error) WRONGTYPE x\n> GET b\n(not run)");
        let h = html(&r);
        assert!(h.contains("color:#c00"), "{h}");
        assert!(h.contains("(not run"), "{h}");
    }

    #[test]
    fn hgetall_flat_array_is_a_field_value_table() {
        let h = html(&replies(vec![(
            "hgetall user:1",
            RedisValue::Array(vec![bulk("name"), bulk("Ada <3"), bulk("age"), bulk("36")]),
        )]));
        assert!(
            h.contains(">field</th>") && h.contains(">value</th>"),
            "{h}"
        );
        assert!(h.contains("&quot;Ada &lt;3&quot;"), "{h}");
        assert!(!h.contains("<3"), "unescaped data: {h}");
    }

    #[test]
    fn resp3_map_is_a_table_and_set_a_labelled_list() {
        let h = html(&replies(vec![(
            "HGETALL h",
            RedisValue::Map(vec![(bulk("f"), double(2.5, "2.5"))]),
        )]));
        assert!(h.contains("<table") && h.contains("(double)"), "{h}");
        let h = html(&replies(vec![(
            "SMEMBERS s",
            RedisValue::Set(vec![bulk("m")]),
        )]));
        assert!(h.contains("(set)") && h.contains("<ul"), "{h}");
    }

    #[test]
    fn withscores_is_a_member_score_table() {
        let flat = RedisValue::Array(vec![bulk("alice"), bulk("1.5"), bulk("bob"), bulk("2")]);
        let h = html(&replies(vec![("ZRANGE z 0 -1 WITHSCORES", flat)]));
        assert!(
            h.contains(">member</th>") && h.contains(">score</th>") && h.contains(">1.5<"),
            "{h}"
        );
        let nested = RedisValue::Array(vec![RedisValue::Array(vec![
            bulk("alice"),
            double(1.5, "1.5"),
        ])]);
        assert!(html(&replies(vec![("zrange z 0 -1 withscores", nested)])).contains(">1.5<"));
    }

    #[test]
    fn streams_show_ids_and_fields() {
        let entries = RedisValue::Array(vec![RedisValue::Array(vec![
            bulk("1-0"),
            RedisValue::Array(vec![bulk("temp"), bulk("21")]),
        ])]);
        let h = html(&replies(vec![("XRANGE s - +", entries.clone())]));
        assert!(
            h.contains(">id</th>") && h.contains(">1-0<") && h.contains("&quot;temp&quot;"),
            "{h}"
        );
        let read = RedisValue::Array(vec![RedisValue::Array(vec![bulk("s"), entries])]);
        let h = html(&replies(vec![("XREAD STREAMS s 0", read)]));
        assert!(
            h.contains("stream</span> <span") && h.contains(">1-0<"),
            "{h}"
        );
    }

    #[test]
    fn nested_arrays_are_nested_lists_and_binary_is_escaped() {
        let h = html(&replies(vec![(
            "LRANGE l 0 -1",
            RedisValue::Array(vec![RedisValue::Array(vec![RedisValue::Bulk(vec![
                0xff, b'<',
            ])])]),
        )]));
        assert_eq!(h.matches("<ol").count(), 2, "{h}");
        assert!(h.contains("\\xff&lt;"), "{h}");
    }
}
