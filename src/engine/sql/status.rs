//! What a statement that returned no rows prints, and how it moves the transaction state.
//!
//! sqlx reports only "rows affected" for a finished statement, not the server's command tag, so
//! the tag is derived the way psql would print it from the statement's leading keywords plus the
//! count: `INSERT 0 3`, `UPDATE 2`, `CREATE TABLE`, `BEGIN`. MySQL and SQLite have no tags; their
//! DML prints `N rows affected` like the mysql client, their other statements the keyword tag,
//! and a MySQL/MariaDB server's info line goes under it as the client prints it ([`with_info`]).
//!
//! The transaction state is tracked from the same keywords because sqlx keeps the server's
//! transaction status private. It is what lets the engine report a connection that was lost in
//! the middle of a transaction, and an aborted PostgreSQL transaction, instead of hiding them.

use super::lex::{Dialect, TokenKind};
use super::split::significant_tokens;

/// The transaction state of a pinned session as far as the engine can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum TxnState {
    #[default]
    Idle = 0,
    /// Inside BEGIN … COMMIT.
    Open = 1,
    /// A PostgreSQL transaction in which a statement failed: everything but ROLLBACK is refused.
    Aborted = 2,
}

/// The main verb of a statement: its first keyword, or for `WITH …` the first of
/// SELECT/INSERT/UPDATE/DELETE/MERGE outside parentheses after the CTEs.
fn words(text: &str, dialect: Dialect) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut with = false;
    for token in significant_tokens(text, dialect) {
        let raw = &text[token.start..token.end];
        match token.kind {
            TokenKind::Punct if raw == "(" => depth += 1,
            TokenKind::Punct if raw == ")" => depth -= 1,
            TokenKind::Word if depth == 0 => {
                let word = raw.to_ascii_uppercase();
                if out.is_empty() && word == "WITH" {
                    with = true;
                    continue;
                }
                if with
                    && out.is_empty()
                    && !matches!(
                        word.as_str(),
                        "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "MERGE"
                    )
                {
                    continue;
                }
                out.push(word);
                if out.len() >= 8 {
                    break;
                }
            }
            _ => {}
        }
    }
    out
}

impl TxnState {
    /// The inverse of `state as u8`, for a state kept in an atomic.
    pub fn from_u8(value: u8) -> TxnState {
        match value {
            1 => TxnState::Open,
            2 => TxnState::Aborted,
            _ => TxnState::Idle,
        }
    }
}

/// Whether a statement that returned no rows may still have a result header worth asking the
/// server for (a SELECT with zero rows shows its columns).
pub fn may_return_rows(text: &str, dialect: Dialect) -> bool {
    let w = words(text, dialect);
    match w.first().map(String::as_str) {
        Some(
            "SELECT" | "VALUES" | "TABLE" | "SHOW" | "EXPLAIN" | "FETCH" | "DESCRIBE" | "DESC"
            | "PRAGMA",
        ) => {
            // SELECT … INTO creates a table and returns nothing.
            !(w.first().map(String::as_str) == Some("SELECT")
                && w.iter().any(|x| x == "INTO")
                && dialect == Dialect::Postgres)
        }
        Some(_) => significant_tokens(text, dialect).any(|t| {
            t.kind == TokenKind::Word && text[t.start..t.end].eq_ignore_ascii_case("RETURNING")
        }),
        None => false,
    }
}

/// Modifiers between CREATE/DROP/ALTER and the object kind, left out of the tag as psql does.
const MODIFIERS: &[&str] = &[
    "OR",
    "REPLACE",
    "TEMP",
    "TEMPORARY",
    "UNLOGGED",
    "UNIQUE",
    "GLOBAL",
    "LOCAL",
    "RECURSIVE",
    "IF",
    "NOT",
    "EXISTS",
    "CONCURRENTLY",
    "DEFINER",
    "ALGORITHM",
    "SQL",
    "SECURITY",
    "CONSTRAINT",
    "TRUSTED",
    "PROCEDURAL",
    "DEFAULT",
    "VIRTUAL",
];

/// Object kinds written as two words.
const TWO_WORD_OBJECTS: &[&str] = &[
    "MATERIALIZED",
    "FOREIGN",
    "EVENT",
    "TEXT",
    "ACCESS",
    "OPERATOR",
    "USER",
    "PUBLICATION",
];

/// The status line for a statement that returned no rows.
pub fn command_tag(text: &str, dialect: Dialect, rows_affected: u64) -> String {
    let w = words(text, dialect);
    let verb = w.first().map(String::as_str).unwrap_or("");
    let rows = |n: u64| {
        if n == 1 {
            "1 row affected".to_string()
        } else {
            format!("{n} rows affected")
        }
    };
    if dialect != Dialect::Postgres {
        return match verb {
            "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "MERGE" | "LOAD" => rows(rows_affected),
            "" => "OK".into(),
            _ => ddl_tag(verb, &w).unwrap_or_else(|| rows(rows_affected)),
        };
    }
    match verb {
        "INSERT" => format!("INSERT 0 {rows_affected}"),
        "UPDATE" | "DELETE" | "MERGE" | "COPY" | "FETCH" | "MOVE" => {
            format!("{verb} {rows_affected}")
        }
        "SELECT" | "VALUES" | "TABLE" => format!("SELECT {rows_affected}"),
        "CREATE" if creates_table_as(&w) => format!("SELECT {rows_affected}"),
        "END" => "COMMIT".into(),
        "ABORT" => "ROLLBACK".into(),
        "START" => "START TRANSACTION".into(),
        "" => "EMPTY".into(),
        _ => ddl_tag(verb, &w).unwrap_or_else(|| verb.to_string()),
    }
}

/// The status line with the server's info line under it, as the mysql client prints a
/// statement's `Query OK, 3 rows affected` and then `Records: 3  Duplicates: 0  Warnings: 0`
/// (multi-row INSERT, ALTER TABLE, LOAD DATA) or `Rows matched: 2  Changed: 1  Warnings: 0`
/// (UPDATE). Only MySQL/MariaDB send one.
pub fn with_info(tag: String, info: Option<&str>) -> String {
    match info.map(str::trim_end) {
        Some(info) if !info.is_empty() => format!("{tag}\n{info}"),
        _ => tag,
    }
}

/// `CREATE [TEMP] TABLE … AS` (whose tag is `SELECT n`), not a `CREATE FUNCTION … RETURNS
/// TABLE(…) AS $$…$$`, whose object is a function.
fn creates_table_as(w: &[String]) -> bool {
    let object = w
        .iter()
        .skip(1)
        .map(String::as_str)
        .find(|x| !MODIFIERS.contains(x));
    matches!(object, Some("TABLE" | "MATERIALIZED")) && w.iter().any(|x| x == "AS")
}

/// Whether psql prints a command tag under the rows a statement returned: a PostgreSQL
/// `INSERT`/`UPDATE`/`DELETE`/`MERGE … RETURNING` shows its rows and then `INSERT 0 2`.
pub fn tag_after_rows(text: &str, dialect: Dialect) -> bool {
    dialect == Dialect::Postgres
        && matches!(
            words(text, dialect).first().map(String::as_str),
            Some("INSERT" | "UPDATE" | "DELETE" | "MERGE")
        )
}

/// `CREATE TABLE`, `DROP INDEX`, `ALTER MATERIALIZED VIEW`, `TRUNCATE TABLE`...
fn ddl_tag(verb: &str, w: &[String]) -> Option<String> {
    if !matches!(verb, "CREATE" | "DROP" | "ALTER") {
        return Some(match verb {
            "TRUNCATE" => "TRUNCATE TABLE".into(),
            "BEGIN" | "COMMIT" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" => {
                if verb == "ROLLBACK" && w.get(1).map(String::as_str) == Some("TO") {
                    "ROLLBACK".into()
                } else {
                    verb.into()
                }
            }
            other => other.to_string(),
        });
    }
    let mut rest = w
        .iter()
        .skip(1)
        .map(String::as_str)
        .skip_while(|x| MODIFIERS.contains(x));
    let first = rest.next()?;
    if TWO_WORD_OBJECTS.contains(&first) {
        let second = rest.next().unwrap_or("");
        return Some(format!("{verb} {first} {second}").trim_end().to_string());
    }
    Some(format!("{verb} {first}"))
}

/// The state after a statement ran successfully.
pub fn after_success(state: TxnState, text: &str, dialect: Dialect) -> TxnState {
    let w = words(text, dialect);
    let first = w.first().map(String::as_str).unwrap_or("");
    let second = w.get(1).map(String::as_str).unwrap_or("");
    match (first, second) {
        ("BEGIN", _) if dialect == Dialect::Sqlite || !matches!(second, "ATOMIC" | "NOT") => {
            TxnState::Open
        }
        ("START", "TRANSACTION") => TxnState::Open,
        ("COMMIT" | "END" | "ABORT", _) => TxnState::Idle,
        ("ROLLBACK", "TO") => {
            // ROLLBACK TO SAVEPOINT recovers an aborted PostgreSQL transaction.
            if state == TxnState::Aborted {
                TxnState::Open
            } else {
                state
            }
        }
        ("ROLLBACK", _) => TxnState::Idle,
        // MySQL commits implicitly before and after DDL.
        ("CREATE" | "DROP" | "ALTER" | "TRUNCATE" | "RENAME" | "LOCK" | "UNLOCK", _)
            if dialect == Dialect::MySql =>
        {
            TxnState::Idle
        }
        _ => state,
    }
}

/// The state after a statement failed on the server.
pub fn after_failure(state: TxnState, dialect: Dialect) -> TxnState {
    match (state, dialect) {
        (TxnState::Open, Dialect::Postgres) => TxnState::Aborted,
        (other, _) => other,
    }
}

/// The statement's leading keyword (after a WITH clause), upper-cased.
pub fn leading_word(text: &str, dialect: Dialect) -> Option<String> {
    words(text, dialect).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(text: &str, n: u64) -> String {
        command_tag(text, Dialect::Postgres, n)
    }

    #[test]
    fn postgres_tags_like_psql() {
        assert_eq!(pg("insert into t values (1),(2),(3)", 3), "INSERT 0 3");
        assert_eq!(pg("UPDATE t SET a = 1", 2), "UPDATE 2");
        assert_eq!(pg("CREATE TEMP TABLE t (a int)", 0), "CREATE TABLE");
        assert_eq!(
            pg(
                "create or replace function f() returns int as $$ select 1 $$ language sql",
                0
            ),
            "CREATE FUNCTION"
        );
        assert_eq!(
            pg("CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)", 0),
            "CREATE INDEX"
        );
        assert_eq!(
            pg("DROP MATERIALIZED VIEW IF EXISTS v", 0),
            "DROP MATERIALIZED VIEW"
        );
        assert_eq!(pg("CREATE TABLE t2 AS SELECT * FROM t", 5), "SELECT 5");
        assert_eq!(
            pg("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", 1),
            "INSERT 0 1"
        );
        assert_eq!(pg("DO $$ BEGIN END $$", 0), "DO");
        assert_eq!(pg("-- c\nBEGIN", 0), "BEGIN");
        assert_eq!(pg("SET search_path = public", 0), "SET");
    }

    #[test]
    fn mysql_and_sqlite_print_rows_affected_for_dml() {
        assert_eq!(
            command_tag("INSERT INTO t VALUES (1)", Dialect::MySql, 1),
            "1 row affected"
        );
        assert_eq!(
            command_tag("DELETE FROM t", Dialect::Sqlite, 4),
            "4 rows affected"
        );
        assert_eq!(
            command_tag("CREATE TABLE t (a INT)", Dialect::MySql, 0),
            "CREATE TABLE"
        );
        // The count of an UPDATE is of the rows it changed, as the mysql client says it.
        assert_eq!(
            command_tag("UPDATE t SET a = 1", Dialect::MySql, 2),
            "2 rows affected"
        );
    }

    /// `mariadb -vvv -e "UPDATE t SET b = 1"` prints `Query OK, 3 rows affected` and then
    /// `Rows matched: 4  Changed: 3  Warnings: 0`.
    #[test]
    fn the_info_line_goes_under_the_status_line() {
        assert_eq!(
            with_info(
                "3 rows affected".into(),
                Some("Rows matched: 4  Changed: 3  Warnings: 0")
            ),
            "3 rows affected\nRows matched: 4  Changed: 3  Warnings: 0"
        );
        assert_eq!(with_info("1 row affected".into(), None), "1 row affected");
        assert_eq!(with_info("OK".into(), Some("")), "OK");
    }

    #[test]
    fn zero_row_selects_may_have_a_header() {
        assert!(may_return_rows(
            "SELECT * FROM t WHERE false",
            Dialect::Postgres
        ));
        assert!(may_return_rows(
            "WITH x AS (SELECT 1) SELECT * FROM x",
            Dialect::Postgres
        ));
        assert!(may_return_rows(
            "DELETE FROM t RETURNING id",
            Dialect::Postgres
        ));
        assert!(!may_return_rows("SELECT 1 INTO t2", Dialect::Postgres));
        assert!(!may_return_rows(
            "INSERT INTO t VALUES (1)",
            Dialect::Postgres
        ));
    }

    #[test]
    fn transaction_state_follows_keywords() {
        let s = after_success(TxnState::Idle, "BEGIN", Dialect::Postgres);
        assert_eq!(s, TxnState::Open);
        assert_eq!(after_failure(s, Dialect::Postgres), TxnState::Aborted);
        assert_eq!(
            after_success(
                TxnState::Aborted,
                "ROLLBACK TO SAVEPOINT a",
                Dialect::Postgres
            ),
            TxnState::Open
        );
        assert_eq!(
            after_success(TxnState::Aborted, "ROLLBACK", Dialect::Postgres),
            TxnState::Idle
        );
        assert_eq!(
            after_success(TxnState::Open, "CREATE TABLE x (a int)", Dialect::MySql),
            TxnState::Idle
        );
        assert_eq!(
            after_success(TxnState::Open, "CREATE TABLE x (a int)", Dialect::Postgres),
            TxnState::Open
        );
        assert_eq!(
            after_failure(TxnState::Open, Dialect::MySql),
            TxnState::Open
        );
        assert_eq!(
            after_success(TxnState::Idle, "START TRANSACTION", Dialect::MySql),
            TxnState::Open
        );
    }
}
