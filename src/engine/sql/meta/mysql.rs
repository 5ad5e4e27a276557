//! psql's describe commands on MySQL/MariaDB, answered from `information_schema` (the
//! server's own `SHOW` and `DESCRIBE` work as they are): `\d`, `\dt`, `\dv`, `\di`, `\df` list
//! the current database's objects, `\d NAME` is `DESCRIBE NAME`, `\dn`/`\l` list databases (a
//! MySQL schema is a database), `\du` the accounts. Patterns are psql's, matched with REGEXP.

use super::pattern::{self, Pattern};
use super::{Query, Refusal, Shape, unsupported};

const SUPPORTED: &str = "\\d, \\d NAME, \\dt, \\dv, \\di, \\df, \\dn, \\l, \\du and \\x (each with an optional pattern)";

pub fn plan(command: &str, argument: &str) -> Result<Vec<Query>, Refusal> {
    let pattern = pattern::parse(argument);
    let titled = |sql: String, title: &str| Query {
        sql,
        shape: Shape::Table {
            title: Some(title.to_string()),
            empty: None,
        },
    };
    let query = match command {
        "\\d" if !argument.is_empty() => Query {
            sql: format!("DESCRIBE {}", identifier(argument)),
            shape: Shape::Table {
                title: None,
                empty: None,
            },
        },
        "\\d" => titled(
            tables(
                "'BASE TABLE', 'VIEW', 'SYSTEM VERSIONED', 'SEQUENCE'",
                &pattern,
            ),
            "List of relations",
        ),
        "\\dt" => titled(
            tables("'BASE TABLE', 'SYSTEM VERSIONED'", &pattern),
            "List of relations",
        ),
        "\\dv" => titled(tables("'VIEW'", &pattern), "List of relations"),
        "\\di" => titled(
            format!(
                "SELECT TABLE_SCHEMA AS `Schema`, INDEX_NAME AS `Name`, 'index' AS `Type`, TABLE_NAME AS `Table`, \
                 GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR ', ') AS `Columns` \
                 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE(){} \
                 GROUP BY TABLE_SCHEMA, INDEX_NAME, TABLE_NAME ORDER BY 1, 2",
                regexp("INDEX_NAME", &pattern.name)
            ),
            "List of relations",
        ),
        "\\df" => titled(
            format!(
                "SELECT ROUTINE_SCHEMA AS `Schema`, ROUTINE_NAME AS `Name`, COALESCE(DTD_IDENTIFIER, '') AS `Result data type`, \
                 LOWER(ROUTINE_TYPE) AS `Type` FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE(){} ORDER BY 1, 2",
                regexp("ROUTINE_NAME", &pattern.name)
            ),
            "List of functions",
        ),
        "\\dn" | "\\l" | "\\list" => titled(
            format!(
                "SELECT SCHEMA_NAME AS `Name`, DEFAULT_CHARACTER_SET_NAME AS `Encoding`, DEFAULT_COLLATION_NAME AS `Collate` \
                 FROM information_schema.SCHEMATA WHERE true{} ORDER BY 1",
                regexp("SCHEMA_NAME", &pattern.name)
            ),
            "List of databases",
        ),
        "\\du" | "\\dg" => titled(
            format!(
                "SELECT User AS `Role name`, Host AS `Host` FROM mysql.user WHERE true{} ORDER BY 1, 2",
                regexp("User", &pattern.name)
            ),
            "List of roles",
        ),
        other => {
            return Err(unsupported(
                other,
                SUPPORTED,
                "MySQL answers most questions itself: SHOW TABLES, SHOW CREATE TABLE t, SHOW INDEX FROM t, SHOW GRANTS.",
            ));
        }
    };
    Ok(vec![query])
}

fn tables(types: &str, pattern: &Pattern) -> String {
    let schema = match &pattern.schema {
        Some(_) => regexp("TABLE_SCHEMA", &pattern.schema),
        None => " AND TABLE_SCHEMA = DATABASE()".to_string(),
    };
    format!(
        "SELECT TABLE_SCHEMA AS `Schema`, TABLE_NAME AS `Name`, \
         CASE TABLE_TYPE WHEN 'VIEW' THEN 'view' WHEN 'SEQUENCE' THEN 'sequence' ELSE 'table' END AS `Type`, \
         COALESCE(ENGINE, '') AS `Engine` FROM information_schema.TABLES \
         WHERE TABLE_TYPE IN ({types}){schema}{} ORDER BY 1, 2",
        regexp("TABLE_NAME", &pattern.name)
    )
}

fn regexp(column: &str, regex: &Option<String>) -> String {
    regex
        .as_ref()
        .map(|r| format!(" AND {column} REGEXP {}", mysql_literal(r)))
        .unwrap_or_default()
}

/// A MySQL string literal: backslashes are escapes there, so they are doubled too.
fn mysql_literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

/// `db.t` or `t` as backquoted identifiers, whatever the name holds.
fn identifier(name: &str) -> String {
    name.trim_matches('"')
        .split('.')
        .map(|part| format!("`{}`", part.trim_matches('`').replace('`', "``")))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_and_patterns_escaped() {
        assert_eq!(identifier("shop.orders"), "`shop`.`orders`");
        assert_eq!(identifier("a`b"), "`a``b`");
        assert_eq!(mysql_literal("^(a\\.b)$"), "'^(a\\\\.b)$'");
        assert!(plan("\\dT", "").is_err());
    }
}
