//! What the query behind a `--out` variable looked like, for the check's defaults: a result is
//! compared in order only when its query asked for an order (SQL `ORDER BY`, MQL `.sort()` or
//! `$sort`, Redis replies other than sets and hashes). Recorded per variable by the session.

use std::collections::HashMap;

use crate::cell::Cell;
use crate::engine::Language;
use crate::engine::sql::lex::{Dialect, TokenKind};
use crate::engine::sql::split;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub sorted: bool,
    /// The Redis command (upper case) whose reply was kept.
    pub redis_command: Option<String>,
}

/// Origins by variable name.
pub type Origins = HashMap<String, Origin>;

/// Redis commands whose replies have no order (sets, hash fields, key listings).
const UNORDERED_REDIS: &[&str] = &[
    "SMEMBERS",
    "SINTER",
    "SUNION",
    "SDIFF",
    "HGETALL",
    "HKEYS",
    "HVALS",
    "KEYS",
    "SRANDMEMBER",
    "SPOP",
    "HRANDFIELD",
    "SSCAN",
    "HSCAN",
    "SCAN",
    "CONFIG",
];

/// Redis commands whose flat `field value field value` array is a map.
pub const PAIRS_REDIS: &[&str] = &["HGETALL", "CONFIG"];

pub fn origin_of(cell: &Cell) -> Origin {
    match cell.language {
        Language::Sql => Origin {
            sorted: sql_sorts(&cell.body),
            redis_command: None,
        },
        Language::Mql => Origin {
            sorted: mql_sorts(&cell.body),
            redis_command: None,
        },
        Language::Redis => {
            let command = last_redis_command(&cell.body);
            Origin {
                sorted: command
                    .as_deref()
                    .is_some_and(|c| !UNORDERED_REDIS.contains(&c)),
                redis_command: command,
            }
        }
    }
}

/// Whether the last statement has an `ORDER BY` outside parentheses (a sorted subquery does
/// not order the outer result). PostgreSQL's lexing rules are close enough for the three
/// dialects to find two keywords.
fn sql_sorts(body: &str) -> bool {
    let Ok(statements) = split::split(body, Dialect::Postgres) else {
        return false;
    };
    let Some(last) = statements.last() else {
        return false;
    };
    let text = last.text(body);
    let mut depth = 0i32;
    let mut previous_order = false;
    for token in split::significant_tokens(text, Dialect::Postgres) {
        let word = &text[token.start..token.end];
        match token.kind {
            TokenKind::Punct if word == "(" => depth += 1,
            TokenKind::Punct if word == ")" => depth -= 1,
            TokenKind::Word if depth == 0 => {
                if previous_order && word.eq_ignore_ascii_case("BY") {
                    return true;
                }
                previous_order = word.eq_ignore_ascii_case("ORDER");
                continue;
            }
            _ => {}
        }
        previous_order = false;
    }
    false
}

/// Whether the last mongosh statement sorts: a `.sort(` call or a `$sort` stage.
fn mql_sorts(body: &str) -> bool {
    let Ok(script) = mongosh::parse(body) else {
        return false;
    };
    let Some(last) = script.statements.last() else {
        return false;
    };
    let text: String = body
        .get(last.span.start..last.span.end)
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    text.contains(".sort(") || text.contains("$sort")
}

fn last_redis_command(body: &str) -> Option<String> {
    body.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with('#'))
        .and_then(|l| l.split_whitespace().next())
        .map(|w| w.trim_matches(['"', '\'']).to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::CellOptions;

    fn origin(language: Language, body: &str) -> Origin {
        origin_of(&Cell {
            language,
            connection: None,
            options: CellOptions::default(),
            body: body.into(),
            body_line: 0,
        })
    }

    #[test]
    fn sql_order_by_of_the_last_statement_only() {
        assert!(origin(Language::Sql, "SELECT 1;\nSELECT a FROM t ORDER BY a").sorted);
        assert!(!origin(Language::Sql, "SELECT a FROM t ORDER BY a; SELECT 1").sorted);
        assert!(
            !origin(
                Language::Sql,
                "SELECT * FROM (SELECT a FROM t ORDER BY a) s"
            )
            .sorted
        );
        assert!(!origin(Language::Sql, "SELECT 'ORDER BY' AS s -- order by\n").sorted);
        assert!(origin(Language::Sql, "select a from t order\n  by a desc").sorted);
    }

    #[test]
    fn mql_sort_calls_and_stages() {
        assert!(origin(Language::Mql, "db.c.find().sort({ a: 1 })").sorted);
        assert!(origin(Language::Mql, "db.c.aggregate([{ $sort: { a: -1 } }])").sorted);
        assert!(!origin(Language::Mql, "db.c.find({ a: 1 })").sorted);
    }

    #[test]
    fn redis_sets_and_hashes_are_unordered() {
        let o = origin(Language::Redis, "SADD s a b\nsmembers s");
        assert!(!o.sorted);
        assert_eq!(o.redis_command.as_deref(), Some("SMEMBERS"));
        assert!(origin(Language::Redis, "LRANGE l 0 -1").sorted);
    }
}
