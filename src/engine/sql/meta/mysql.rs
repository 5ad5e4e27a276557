//! psql's describe commands on MySQL/MariaDB, answered from `information_schema` (the
//! server's own `SHOW` and `DESCRIBE` work as they are): `\d`, `\dt`, `\dv`, `\di`, `\df` list
//! the current database's objects, `\d NAME` is `DESCRIBE NAME`, `\dn`/`\l` list databases (a
//! MySQL schema is a database), `\du` the accounts. The `+` forms add what the catalog has:
//! sizes and table counts under `\l+`, row estimates, sizes and comments under `\dt+`,
//! `SHOW FULL COLUMNS` for `\d+ NAME`, the routine's body and security under `\df+`, the
//! authentication plugin and limits under `\du+`. Patterns are psql's, matched with REGEXP.

use super::pattern::{self, Pattern};
use super::{Query, Refusal, Shape, unsupported};

const SUPPORTED: &str = "\\d, \\d NAME, \\dt, \\dv, \\df, \\dn, \\l, \\du (each also with +), \\di and \\x (each with an optional pattern)";

pub fn plan(command: &str, argument: &str) -> Result<Vec<Query>, Refusal> {
    let pattern = pattern::parse(argument);
    let titled = |sql: String, title: &str| Query {
        sql,
        shape: Shape::Table {
            title: Some(title.to_string()),
            empty: None,
        },
    };
    // `+`: psql's verbose form, where MySQL's catalog has more to say.
    let (base, verbose) = match command.strip_suffix('+') {
        Some(base)
            if matches!(
                base,
                "\\d" | "\\dt" | "\\dv" | "\\df" | "\\dn" | "\\l" | "\\list" | "\\du" | "\\dg"
            ) =>
        {
            (base, true)
        }
        _ => (command, false),
    };
    let query = match base {
        // SHOW FULL COLUMNS adds the collation, privileges and comment to DESCRIBE's columns.
        "\\d" if !argument.is_empty() => Query {
            sql: if verbose {
                format!("SHOW FULL COLUMNS FROM {}", identifier(argument))
            } else {
                format!("DESCRIBE {}", identifier(argument))
            },
            shape: Shape::Table {
                title: None,
                empty: None,
            },
        },
        "\\d" => titled(
            tables(
                "'BASE TABLE', 'VIEW', 'SYSTEM VERSIONED', 'SEQUENCE'",
                &pattern,
                verbose,
            ),
            "List of relations",
        ),
        "\\dt" => titled(
            tables("'BASE TABLE', 'SYSTEM VERSIONED'", &pattern, verbose),
            "List of relations",
        ),
        "\\dv" => titled(tables("'VIEW'", &pattern, verbose), "List of relations"),
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
        "\\df" => titled(routines(&pattern, verbose), "List of functions"),
        "\\dn" | "\\l" | "\\list" => titled(schemata(&pattern, verbose), "List of databases"),
        "\\du" | "\\dg" => titled(
            format!(
                "SELECT User AS `Role name`, Host AS `Host`{} FROM mysql.user WHERE true{} ORDER BY 1, 2",
                if verbose {
                    ", plugin AS `Plugin`, password_expired AS `Password expired`, \
                     max_user_connections AS `Max connections`"
                } else {
                    ""
                },
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

/// `\l`/`\dn`: the databases; `\l+` adds how many tables each holds and their size (data and
/// indexes, as `information_schema.TABLES` reports it), written as pg_size_pretty does.
fn schemata(pattern: &Pattern, verbose: bool) -> String {
    let (extra, join) = if verbose {
        (
            ", COALESCE(t.tables, 0) AS `Tables`, \
             CASE WHEN COALESCE(t.bytes, 0) < 10240 THEN CONCAT(COALESCE(t.bytes, 0), ' bytes') \
                  WHEN t.bytes < 10240 * 1024 THEN CONCAT(ROUND(t.bytes / 1024), ' kB') \
                  WHEN t.bytes < 10240 * 1024 * 1024 THEN CONCAT(ROUND(t.bytes / 1048576), ' MB') \
                  ELSE CONCAT(ROUND(t.bytes / 1073741824), ' GB') END AS `Size`",
            " LEFT JOIN (SELECT TABLE_SCHEMA, COUNT(*) AS tables, SUM(COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0)) AS bytes \
             FROM information_schema.TABLES GROUP BY TABLE_SCHEMA) t ON t.TABLE_SCHEMA = s.SCHEMA_NAME",
        )
    } else {
        ("", "")
    };
    format!(
        "SELECT s.SCHEMA_NAME AS `Name`, s.DEFAULT_CHARACTER_SET_NAME AS `Encoding`, s.DEFAULT_COLLATION_NAME AS `Collate`{extra} \
         FROM information_schema.SCHEMATA s{join} WHERE true{} ORDER BY 1",
        regexp("s.SCHEMA_NAME", &pattern.name)
    )
}

/// `\df`: the current database's routines; `\df+` adds what `information_schema.ROUTINES`
/// knows in psql's words where they have them (security, owner as the definer, language,
/// source code, description).
fn routines(pattern: &Pattern, verbose: bool) -> String {
    let extra = if verbose {
        ", CASE IS_DETERMINISTIC WHEN 'YES' THEN 'deterministic' ELSE 'not deterministic' END AS `Volatility`, \
         LOWER(SQL_DATA_ACCESS) AS `Data access`, DEFINER AS `Owner`, LOWER(SECURITY_TYPE) AS `Security`, \
         LOWER(ROUTINE_BODY) AS `Language`, COALESCE(ROUTINE_DEFINITION, '') AS `Source code`, \
         ROUTINE_COMMENT AS `Description`"
    } else {
        ""
    };
    format!(
        "SELECT ROUTINE_SCHEMA AS `Schema`, ROUTINE_NAME AS `Name`, COALESCE(DTD_IDENTIFIER, '') AS `Result data type`, \
         LOWER(ROUTINE_TYPE) AS `Type`{extra} FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE(){} ORDER BY 1, 2",
        regexp("ROUTINE_NAME", &pattern.name)
    )
}

/// The relation lists; `+` adds the row estimate, size (data and indexes), creation time and
/// comment `information_schema.TABLES` holds.
fn tables(types: &str, pattern: &Pattern, verbose: bool) -> String {
    let schema = match &pattern.schema {
        Some(_) => regexp("TABLE_SCHEMA", &pattern.schema),
        None => " AND TABLE_SCHEMA = DATABASE()".to_string(),
    };
    let extra = if verbose {
        ", TABLE_ROWS AS `Rows`, \
         CASE WHEN TABLE_TYPE = 'VIEW' THEN '' \
              WHEN DATA_LENGTH + INDEX_LENGTH < 10240 THEN CONCAT(DATA_LENGTH + INDEX_LENGTH, ' bytes') \
              WHEN DATA_LENGTH + INDEX_LENGTH < 10240 * 1024 THEN CONCAT(ROUND((DATA_LENGTH + INDEX_LENGTH) / 1024), ' kB') \
              ELSE CONCAT(ROUND((DATA_LENGTH + INDEX_LENGTH) / 1048576), ' MB') END AS `Size`, \
         COALESCE(TABLE_COMMENT, '') AS `Description`"
    } else {
        ""
    };
    format!(
        "SELECT TABLE_SCHEMA AS `Schema`, TABLE_NAME AS `Name`, \
         CASE TABLE_TYPE WHEN 'VIEW' THEN 'view' WHEN 'SEQUENCE' THEN 'sequence' ELSE 'table' END AS `Type`, \
         COALESCE(ENGINE, '') AS `Engine`{extra} FROM information_schema.TABLES \
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
        assert!(plan("\\l+", "").is_ok());
        assert!(plan("\\di+", "").is_err());
    }
}
