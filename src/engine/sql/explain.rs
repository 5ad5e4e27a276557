//! `--explain` and `--analyze`: run each query or data-changing statement under the dialect's
//! EXPLAIN instead, so the cell shows its plan. Other statements (DDL, SET, BEGIN) run as usual,
//! so a cell can create what the query needs and explain the query.

use super::lex::Dialect;
use super::status::leading_word;
use crate::engine::EngineError;

const EXPLAINABLE: &[&str] = &[
    "SELECT", "INSERT", "UPDATE", "DELETE", "VALUES", "TABLE", "MERGE", "REPLACE",
];

/// The text to send instead of `text`, or `None` when the statement has no plan to show.
/// `--analyze` runs the statement for real and reports actual rows and times.
pub fn explain_prefix(
    text: &str,
    dialect: Dialect,
    analyze: bool,
) -> Result<Option<&'static str>, EngineError> {
    let Some(word) = leading_word(text, dialect) else {
        return Ok(None);
    };
    if !EXPLAINABLE.contains(&word.as_str()) {
        return Ok(None);
    }
    Ok(Some(match (dialect, analyze) {
        (Dialect::Postgres, false) => "EXPLAIN ",
        (Dialect::Postgres, true) => "EXPLAIN (ANALYZE, BUFFERS) ",
        // MariaDB's ANALYZE runs the statement and adds r_rows/r_filtered beside the estimates.
        (Dialect::MySql, false) => "EXPLAIN ",
        (Dialect::MySql, true) => "ANALYZE ",
        (Dialect::Sqlite, false) => "EXPLAIN QUERY PLAN ",
        (Dialect::Sqlite, true) => {
            return Err(EngineError::usage(
                "--analyze: SQLite has no EXPLAIN ANALYZE; use --explain for its query plan",
            ));
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_get_the_dialects_explain() {
        assert_eq!(
            explain_prefix("SELECT 1", Dialect::Postgres, false).unwrap(),
            Some("EXPLAIN ")
        );
        assert_eq!(
            explain_prefix(
                "with t as (select 1) select * from t",
                Dialect::Sqlite,
                false
            )
            .unwrap(),
            Some("EXPLAIN QUERY PLAN ")
        );
        assert_eq!(
            explain_prefix("DELETE FROM t", Dialect::MySql, true).unwrap(),
            Some("ANALYZE ")
        );
    }

    #[test]
    fn ddl_is_not_explained() {
        assert_eq!(
            explain_prefix("CREATE TABLE t(a int)", Dialect::Postgres, false).unwrap(),
            None
        );
    }

    #[test]
    fn sqlite_has_no_analyze() {
        assert!(explain_prefix("SELECT 1", Dialect::Sqlite, true).is_err());
    }
}
