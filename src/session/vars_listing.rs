//! `%vars`: each variable's kind, shape, where it came from and its column types; and the
//! [`Source`] a `--out` cell leaves behind.
//!
//! One line per variable (`name  kind  shape  source`, so it can be read and grepped), then an
//! indented line with the columns: a table's database types (`id int4, name text`), the BSON
//! types of documents' top-level fields (mongosh's `$type` names, from the first 1,000
//! documents), or how a Redis reply reads as a table in the `results` connection.

use bson::Document;

use super::variables::{Source, Variable, Variables};
use crate::cell::Cell;
use crate::result::{RedisValue, ValueKind};

/// Documents sampled for their field types.
const SAMPLED_DOCUMENTS: usize = 1000;
const FIRST_LINE_CHARS: usize = 48;

/// Where a `--out` cell's result comes from: connection, language, the first line of the
/// statement whose result is kept (every engine keeps the cell's last one), Redis command.
pub fn source_of(cell: &Cell, connection: &str) -> Source {
    let lines: Vec<&str> = cell
        .body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let kept = match cell.language {
        crate::engine::Language::Sql => {
            // The dialect only matters for quoting rules; SQLite's cover the others' common cases.
            crate::engine::sql::split::split(&cell.body, crate::engine::sql::lex::Dialect::Sqlite)
                .ok()
                .and_then(|statements| statements.last().copied())
                .and_then(|s| {
                    s.text(&cell.body)
                        .lines()
                        .map(str::trim)
                        .find(|l| !l.is_empty())
                })
        }
        // The last line that starts a statement (not a continuation such as `})` or `.sort()`).
        _ => lines
            .iter()
            .rev()
            .find(|l| !l.starts_with([')', ']', '}', '.', ',']))
            .copied(),
    };
    let first_line = kept
        .or(lines.first().copied())
        .map_or(String::new(), shorten);
    // The Redis engine keeps the reply of the cell's last command.
    let redis_command = (cell.language == crate::engine::Language::Redis)
        .then(|| lines.last())
        .flatten()
        .and_then(|l| l.split_whitespace().next())
        .map(|w| w.to_ascii_uppercase());
    Source {
        origin: format!("{connection} (%%{})", cell.language.magic()),
        first_line,
        redis_command,
    }
}

fn shorten(line: &str) -> String {
    if line.chars().count() <= FIRST_LINE_CHARS {
        line.to_string()
    } else {
        format!(
            "{}…",
            line.chars().take(FIRST_LINE_CHARS).collect::<String>()
        )
    }
}

/// The whole `%vars` text.
pub fn listing(vars: &Variables) -> String {
    let mut lines = Vec::new();
    for (name, value) in vars.iter() {
        let source = vars.source(name);
        let (kind, shape) = kind_and_shape(value, source);
        lines.push(row(name, &kind, &shape, source));
        if let Some(columns) = columns_line(value, source) {
            lines.push(format!("{:<16} {columns}", ""));
        }
    }
    for (name, kind, summary) in vars.plan_summaries() {
        lines.push(row(&name, kind, &summary, vars.source(&name)));
    }
    if lines.is_empty() {
        return "no variables yet: use %set NAME = VALUE or --out NAME on a cell".into();
    }
    let header = format!("{:<16} {:<12} {:<26} source", "name", "kind", "shape");
    format!("{header}\n{}", lines.join("\n"))
}

fn row(name: &str, kind: &str, shape: &str, source: Option<&Source>) -> String {
    let source = source.map_or(String::new(), |s| {
        if s.first_line.is_empty() {
            s.origin.clone()
        } else {
            format!("{}: {}", s.origin, s.first_line)
        }
    });
    format!("{name:<16} {kind:<12} {shape:<26} {source}")
        .trim_end()
        .to_string()
}

fn kind_and_shape(value: &Variable, source: Option<&Source>) -> (String, String) {
    match value {
        Variable::Redis(reply) => {
            let mut shape = redis_shape(reply);
            if let Some(command) = source.and_then(|s| s.redis_command.as_ref()) {
                shape.push_str(&format!(" ({command})"));
            }
            ("redis".into(), shape)
        }
        Variable::Documents(docs) => (
            "documents".into(),
            format!(
                "{} document{}",
                docs.len(),
                if docs.len() == 1 { "" } else { "s" }
            ),
        ),
        other => other.summary(),
    }
}

fn redis_shape(reply: &RedisValue) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match reply {
        RedisValue::Map(pairs) => format!("map, {}", plural(pairs.len(), "pair", "pairs")),
        RedisValue::Array(items) => {
            format!("array, {}", plural(items.len(), "element", "elements"))
        }
        RedisValue::Set(items) => format!("set, {}", plural(items.len(), "member", "members")),
        RedisValue::Bulk(bytes) => format!("string, {}", plural(bytes.len(), "byte", "bytes")),
        RedisValue::Int(i) => format!("integer {i}"),
        RedisValue::Nil => "nil".into(),
        RedisValue::Status(s) => format!("status {s}"),
        RedisValue::Double { text, .. } => format!("double {text}"),
        RedisValue::Boolean(b) => format!("boolean {b}"),
        RedisValue::Error(_) => "error".into(),
        RedisValue::Verbatim { .. } => "verbatim string".into(),
        RedisValue::BigNumber(n) => format!("big number {n}"),
        RedisValue::Push { kind, .. } => format!("push {kind}"),
        RedisValue::NotRun => "not run".into(),
    }
}

fn columns_line(value: &Variable, source: Option<&Source>) -> Option<String> {
    match value {
        Variable::Table(table) => Some(format!(
            "columns: {}",
            table
                .columns
                .iter()
                .map(|c| {
                    let ty = if c.db_type.is_empty() {
                        kind_name(c.kind)
                    } else {
                        c.db_type.as_str()
                    };
                    format!("{} {ty}", c.name)
                })
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Variable::Documents(docs) if !docs.is_empty() => {
            Some(format!("fields: {}", field_types(docs)))
        }
        Variable::Redis(_) => {
            let command = source.and_then(|s| s.redis_command.as_deref());
            let shape = crate::engine::results::columns::shape_of(value, command).ok()?;
            Some(format!(
                "as a table: {}",
                shape
                    .columns
                    .iter()
                    .map(|(name, ty)| format!("{name} {}", ty.name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
        _ => None,
    }
}

fn kind_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Integer => "integer",
        ValueKind::Float => "float",
        ValueKind::Decimal => "decimal",
        ValueKind::Boolean => "boolean",
        ValueKind::Text => "text",
        ValueKind::Binary => "bytes",
        ValueKind::Temporal => "time",
        ValueKind::Json => "json",
        ValueKind::Other => "other",
    }
}

/// `_id objectId, name string, age int|double`, in order of first appearance.
fn field_types(docs: &[Document]) -> String {
    let mut fields: Vec<(String, Vec<&'static str>)> = Vec::new();
    for doc in docs.iter().take(SAMPLED_DOCUMENTS) {
        for (key, value) in doc {
            let ty = docdb_query::value::type_alias(value);
            match fields.iter_mut().find(|(k, _)| k == key) {
                Some((_, types)) if !types.contains(&ty) => types.push(ty),
                Some(_) => {}
                None => fields.push((key.clone(), vec![ty])),
            }
        }
    }
    fields
        .iter()
        .map(|(k, types)| format!("{k} {}", types.join("|")))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_list_their_field_types() {
        let mut vars = Variables::default();
        vars.set(
            "docs",
            Variable::Documents(vec![
                bson::doc! {"_id": 1, "name": "a", "tags": ["x"]},
                bson::doc! {"_id": 2.5, "address": {"city": "Oslo"}},
            ]),
        );
        vars.set_source(
            "docs",
            Source {
                origin: "mongo (%%mql)".into(),
                first_line: "db.people.find()".into(),
                redis_command: None,
            },
        );
        let text = listing(&vars);
        assert!(
            text.contains("docs             documents    2 documents"),
            "{text}"
        );
        assert!(text.contains("mongo (%%mql): db.people.find()"), "{text}");
        assert!(
            text.contains("fields: _id int|double, name string, tags array, address object"),
            "{text}"
        );
    }

    #[test]
    fn a_redis_reply_says_its_type_command_and_table() {
        let mut vars = Variables::default();
        let bulk = |s: &str| RedisValue::Bulk(s.as_bytes().to_vec());
        vars.set(
            "h",
            Variable::Redis(RedisValue::Array(vec![
                bulk("a"),
                bulk("1"),
                bulk("b"),
                bulk("2"),
            ])),
        );
        vars.set_source(
            "h",
            Source {
                origin: "redis (%%redis)".into(),
                first_line: "HGETALL k".into(),
                redis_command: Some("HGETALL".into()),
            },
        );
        let text = listing(&vars);
        assert!(
            text.contains("redis        array, 4 elements (HGETALL)"),
            "{text}"
        );
        assert!(
            text.contains("as a table: field TEXT, value INTEGER"),
            "{text}"
        );
    }
}
