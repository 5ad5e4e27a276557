//! Query plans of the SQL engines, read from what the server returned for an EXPLAIN, into the
//! engine-neutral [`queryplan::Plan`] (which computes the times and warnings and draws them).
//!
//! One parser per format, because each server prints its own: PostgreSQL JSON
//! ([`postgres_json`]) and TEXT ([`postgres_text`], also psql-framed pastes), SQLite's
//! `EXPLAIN QUERY PLAN` rows ([`sqlite`]), MySQL/MariaDB JSON ([`mysql_json`]), their tabular
//! EXPLAIN ([`mysql_rows`]) and MySQL's tree text of `EXPLAIN ANALYZE` ([`mysql_tree`]).
//! [`from_table`] looks at the columns the EXPLAIN came back with and picks the parser; a plan
//! is always read from what came back, never by running the statement again in another format.

pub mod mysql_json;
pub mod mysql_rows;
pub mod mysql_tree;
pub mod postgres_json;
pub mod postgres_text;
pub mod sqlite;

use queryplan::Plan;

use super::lex::{Dialect, TokenKind};
use super::split::significant_tokens;
use crate::result::Table;

/// Why a plan could not be read (the table is shown instead, with this said).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanError(pub String);

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a statement the user wrote is itself an EXPLAIN whose output is a plan: `EXPLAIN …`
/// anywhere, and MariaDB's `ANALYZE [FORMAT=JSON] SELECT/UPDATE/DELETE…` (not the `ANALYZE
/// table` that gathers statistics).
pub fn is_explain(text: &str, dialect: Dialect) -> bool {
    let mut words = significant_tokens(text, dialect)
        .filter(|t| t.kind == TokenKind::Word)
        .map(|t| text[t.start..t.end].to_ascii_uppercase());
    match words.next().as_deref() {
        Some("EXPLAIN") => true,
        Some("ANALYZE") if dialect == Dialect::MySql => matches!(
            words.next().as_deref(),
            Some("FORMAT" | "SELECT" | "UPDATE" | "DELETE" | "INSERT" | "REPLACE" | "WITH")
        ),
        _ => false,
    }
}

fn column(table: &Table, name: &str) -> Option<usize> {
    table
        .columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(name))
}

fn lines(table: &Table, col: usize) -> String {
    (0..table.shown_rows())
        .filter_map(|r| table.cell_text(r, col))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads the plan out of an EXPLAIN's rows. `None` when the rows are not a plan this kernel
/// draws (SQLite's bytecode `EXPLAIN`, PostgreSQL `FORMAT XML/YAML`, `EXPLAIN table` in MySQL):
/// then the rows are shown as they came. `engine` names the server (`MariaDB`, `MySQL`).
pub fn from_table(
    table: &Table,
    dialect: Dialect,
    engine: &str,
) -> Option<Result<Plan, PlanError>> {
    match dialect {
        Dialect::Postgres => {
            let col = column(table, "QUERY PLAN")?;
            let text = lines(table, col);
            let start = text.trim_start();
            if start.starts_with('[') {
                Some(postgres_json::parse(&text))
            } else if start.starts_with('<') || start.starts_with("- Plan") {
                None
            } else {
                Some(postgres_text::parse(&text))
            }
        }
        Dialect::Sqlite => {
            let (id, parent, detail) = (
                column(table, "id")?,
                column(table, "parent")?,
                column(table, "detail")?,
            );
            let rows: Vec<(i64, i64, String)> = (0..table.shown_rows())
                .map(|r| {
                    let number = |c| {
                        table
                            .cell_text(r, c)
                            .and_then(|t| t.parse().ok())
                            .unwrap_or(0)
                    };
                    (
                        number(id),
                        number(parent),
                        table.cell_text(r, detail).unwrap_or_default(),
                    )
                })
                .collect();
            Some(sqlite::parse(&rows))
        }
        Dialect::MySql => {
            if column(table, "select_type").is_some() {
                let rows: Vec<mysql_rows::Row> = (0..table.shown_rows())
                    .map(|r| {
                        table
                            .columns
                            .iter()
                            .enumerate()
                            .map(|(c, column)| (column.name.clone(), table.cell_text(r, c)))
                            .collect()
                    })
                    .collect();
                return Some(mysql_rows::parse(&rows, engine));
            }
            if table.columns.len() != 1 {
                return None;
            }
            let text = lines(table, 0);
            let start = text.trim_start();
            if start.starts_with('{') {
                Some(mysql_json::parse(&text, engine))
            } else if start.starts_with("->") {
                Some(mysql_tree::parse(&text))
            } else {
                None
            }
        }
    }
}
