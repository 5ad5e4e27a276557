//! `--explain` and `--analyze`: each query or data-changing statement is sent under the
//! dialect's EXPLAIN instead, so the cell shows its plan.
//!
//! Two promises, because a plan option must never surprise anyone with a change to their data:
//! - A statement that has no plan (DDL, SET, BEGIN, an EXPLAIN of the user's own) is *not run*;
//!   the cell says so for that statement ([`Step::NotRun`]). Explaining a cell never executes
//!   what it does not explain.
//! - `--analyze` executes the statement to measure it, so it runs inside a transaction that is
//!   rolled back ([`Guard`]): `BEGIN … ROLLBACK`, or a savepoint when the session already is in a
//!   transaction. On MySQL/MariaDB a write to a table whose engine cannot roll back (MyISAM,
//!   Aria…) is refused before it runs ([`write_targets`] names the tables to check), and a
//!   ROLLBACK that still reports warning 1196 is said out loud.
//!
//! This module only decides; the engine loop in `mod.rs` sends the texts and the drivers run
//! them. The plan rows come back as an ordinary table, which `plan/` reads into a plan.

use super::lex::{Dialect, TokenKind};
use super::split::significant_tokens;
use super::status::{TxnState, command_tag, leading_word};
use crate::engine::EngineError;

/// Which plan option the cell has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `--explain`: the plan only; nothing is executed.
    Plan,
    /// `--analyze`: the statement runs (rolled back) and the plan shows actual rows and times.
    Analyze,
}

impl Mode {
    pub fn option(self) -> &'static str {
        match self {
            Mode::Plan => "--explain",
            Mode::Analyze => "--analyze",
        }
    }
}

/// What to do with one statement of a plan cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send `prefix` + the statement, inside `guard` when there is one.
    Explain(Explained),
    /// Not sent; the message says what and why.
    NotRun(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    pub prefix: &'static str,
    pub guard: Option<Guard>,
    /// The verb of a statement that changes data (`DELETE`), for the "rolled back" line.
    pub writes: Option<String>,
}

/// The transaction an `--analyze` runs in, always rolled back afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// The session had no transaction: one is opened and rolled back.
    Transaction,
    /// The session is inside the user's transaction: a savepoint is set and rolled back to, so
    /// the user's transaction goes on as it was.
    Savepoint,
}

const SAVEPOINT: &str = "dbkernel_analyze";

impl Guard {
    pub fn begin(self, dialect: Dialect) -> String {
        match (self, dialect) {
            (Guard::Transaction, Dialect::MySql) => "START TRANSACTION".into(),
            (Guard::Transaction, _) => "BEGIN".into(),
            (Guard::Savepoint, _) => format!("SAVEPOINT {SAVEPOINT}"),
        }
    }

    /// The statements that undo everything since [`Guard::begin`], in order.
    pub fn end(self) -> Vec<String> {
        match self {
            Guard::Transaction => vec!["ROLLBACK".into()],
            Guard::Savepoint => vec![
                format!("ROLLBACK TO SAVEPOINT {SAVEPOINT}"),
                format!("RELEASE SAVEPOINT {SAVEPOINT}"),
            ],
        }
    }
}

fn explainable(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Postgres => &[
            "SELECT", "INSERT", "UPDATE", "DELETE", "VALUES", "TABLE", "MERGE",
        ],
        Dialect::MySql => &["SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE"],
        Dialect::Sqlite => &["SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "VALUES"],
    }
}

const WRITES: &[&str] = &["INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE"];

/// The EXPLAIN the kernel sends: each engine's structured form, which the plan parsers read
/// (`plan/`). `mariadb` tells MariaDB (whose `ANALYZE FORMAT=JSON` runs the statement and adds
/// `r_rows`, `r_filtered` and times) from MySQL (`EXPLAIN ANALYZE`, a tree of text; MySQL has no
/// JSON form of it).
pub fn prefix(dialect: Dialect, mode: Mode, mariadb: bool) -> &'static str {
    match (dialect, mode) {
        (Dialect::Postgres, Mode::Plan) => "EXPLAIN (FORMAT JSON) ",
        (Dialect::Postgres, Mode::Analyze) => "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ",
        (Dialect::MySql, Mode::Plan) => "EXPLAIN FORMAT=JSON ",
        (Dialect::MySql, Mode::Analyze) if mariadb => "ANALYZE FORMAT=JSON ",
        (Dialect::MySql, Mode::Analyze) => "EXPLAIN ANALYZE ",
        (Dialect::Sqlite, _) => "EXPLAIN QUERY PLAN ",
    }
}

/// Refuses a plan option the dialect cannot honour before any statement of the cell runs.
pub fn check_cell(dialect: Dialect, mode: Mode) -> Result<(), EngineError> {
    if dialect == Dialect::Sqlite && mode == Mode::Analyze {
        return Err(EngineError::usage(
            "--analyze: SQLite has no EXPLAIN ANALYZE; use --explain for its query plan (nothing in this cell was run)",
        ));
    }
    Ok(())
}

/// Decides what one statement of a plan cell becomes. `txn` is the session's transaction state
/// before the statement.
pub fn step(text: &str, dialect: Dialect, mode: Mode, txn: TxnState) -> Step {
    let word = leading_word(text, dialect).unwrap_or_default();
    if !explainable(dialect).contains(&word.as_str()) {
        let tag = command_tag(text, dialect, 0);
        let what = if word.is_empty() {
            "statement".into()
        } else {
            tag
        };
        return Step::NotRun(format!(
            "{what}: not run — {} shows plans; run the cell without {} to execute it",
            mode.option(),
            mode.option()
        ));
    }
    let prefix = prefix(dialect, mode, true);
    // Every analyzed statement is guarded, not only the ones recognised as writes: a SELECT may
    // call a function that changes data. In an aborted PostgreSQL transaction nothing runs
    // anyway, and the server's own error is the clearest answer.
    let guard = match (mode, txn) {
        (Mode::Plan, _) | (Mode::Analyze, TxnState::Aborted) => None,
        (Mode::Analyze, TxnState::Idle) => Some(Guard::Transaction),
        (Mode::Analyze, TxnState::Open) => Some(Guard::Savepoint),
    };
    let writes = (mode == Mode::Analyze && writes_data(text, dialect, &word)).then(|| {
        if WRITES.contains(&word.as_str()) {
            word.clone()
        } else {
            "statement".into()
        }
    });
    Step::Explain(Explained {
        prefix,
        guard,
        writes,
    })
}

/// A write by its verb, or a `WITH` whose CTEs insert, update or delete.
fn writes_data(text: &str, dialect: Dialect, verb: &str) -> bool {
    if WRITES.contains(&verb) {
        return true;
    }
    let mut tokens = significant_tokens(text, dialect).filter(|t| t.kind == TokenKind::Word);
    let starts_with_with = tokens
        .next()
        .is_some_and(|t| text[t.start..t.end].eq_ignore_ascii_case("WITH"));
    starts_with_with
        && tokens.any(|t| {
            let word = &text[t.start..t.end];
            ["INSERT", "UPDATE", "DELETE", "MERGE"]
                .iter()
                .any(|w| word.eq_ignore_ascii_case(w))
        })
}

/// The line shown after an analyzed write whose transaction was rolled back.
pub fn rolled_back_note(verb: &str) -> String {
    format!("the {verb} ran inside a transaction that was rolled back; no rows were changed")
}

/// A table a statement writes to: (schema if written, name), unquoted.
pub type TableName = (Option<String>, String);

/// The tables a MySQL INSERT/REPLACE/UPDATE/DELETE writes to, as far as its text shows them:
/// the table after INTO, the table references of UPDATE (before SET) and of DELETE (before
/// WHERE). Multi-table statements list every table they name there, which may include tables
/// only read; that only makes the non-transactional check stricter.
pub fn write_targets(text: &str, dialect: Dialect) -> Vec<TableName> {
    let tokens: Vec<_> = significant_tokens(text, dialect).collect();
    let word = |i: usize| -> Option<String> {
        let t = tokens.get(i)?;
        (t.kind == TokenKind::Word).then(|| text[t.start..t.end].to_ascii_uppercase())
    };
    let punct = |i: usize, p: &str| {
        tokens
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Punct && &text[t.start..t.end] == p)
    };
    // The verb: the first word, or after WITH the first write verb outside parentheses.
    let mut depth = 0i32;
    let mut verb_at = None;
    for (i, t) in tokens.iter().enumerate() {
        match (t.kind, &text[t.start..t.end]) {
            (TokenKind::Punct, "(") => depth += 1,
            (TokenKind::Punct, ")") => depth -= 1,
            (TokenKind::Word, w) if depth == 0 => {
                let upper = w.to_ascii_uppercase();
                if WRITES.contains(&upper.as_str()) {
                    verb_at = Some(i);
                    break;
                }
                if i == 0 && upper != "WITH" {
                    return Vec::new();
                }
            }
            _ => {}
        }
    }
    let Some(verb_at) = verb_at else {
        return Vec::new();
    };
    let verb = word(verb_at).unwrap_or_default();
    let ends_region = |w: &str| match verb.as_str() {
        "UPDATE" => w == "SET",
        "DELETE" => matches!(w, "WHERE" | "ORDER" | "LIMIT" | "RETURNING"),
        _ => false,
    };
    let name_at = |i: usize| -> Option<String> {
        let t = tokens.get(i)?;
        let raw = &text[t.start..t.end];
        match t.kind {
            TokenKind::Word => Some(raw.to_string()),
            TokenKind::Quoted if raw.starts_with('`') && raw.len() >= 2 => {
                Some(raw[1..raw.len() - 1].replace("``", "`"))
            }
            _ => None,
        }
    };
    let mut targets = Vec::new();
    let mut expecting = true;
    let mut depth = 0i32;
    let mut i = verb_at + 1;
    while i < tokens.len() {
        let t = tokens[i];
        let raw = &text[t.start..t.end];
        if t.kind == TokenKind::Punct {
            match raw {
                "(" => depth += 1,
                ")" => depth -= 1,
                "," if depth == 0 => expecting = true,
                _ => expecting = false,
            }
            i += 1;
            continue;
        }
        if depth > 0 {
            i += 1;
            continue;
        }
        let upper = word(i);
        if let Some(w) = upper.as_deref() {
            if ends_region(w) {
                break;
            }
            if matches!(w, "INTO" | "FROM" | "JOIN" | "USING") {
                expecting = true;
                i += 1;
                continue;
            }
            if expecting
                && matches!(
                    w,
                    "LOW_PRIORITY" | "DELAYED" | "HIGH_PRIORITY" | "IGNORE" | "QUICK"
                )
            {
                i += 1;
                continue;
            }
        }
        if expecting && let Some(first) = name_at(i) {
            let qualified = punct(i + 1, ".");
            let table = if qualified { name_at(i + 2) } else { None };
            match table {
                Some(table) => {
                    targets.push((Some(first), table));
                    i += 3;
                }
                // `DELETE t.* FROM …`: the table is the part before the dot.
                None => {
                    targets.push((None, first));
                    i += if qualified { 3 } else { 1 };
                }
            }
            expecting = false;
            if matches!(verb.as_str(), "INSERT" | "REPLACE") {
                break;
            }
            continue;
        }
        expecting = false;
        i += 1;
    }
    let mut unique: Vec<TableName> = Vec::new();
    for target in targets {
        if !unique.contains(&target) {
            unique.push(target);
        }
    }
    unique
}

/// MySQL/MariaDB storage engines that can roll back.
pub fn engine_rolls_back(engine: &str) -> bool {
    ["InnoDB", "XtraDB", "RocksDB", "TokuDB", "ndbcluster", "NDB"]
        .iter()
        .any(|e| e.eq_ignore_ascii_case(engine))
}

/// Why an analyzed write to non-transactional tables is not run.
pub fn refuse_non_transactional(
    text: &str,
    dialect: Dialect,
    tables: &[(String, String)],
) -> String {
    let verb = leading_word(text, dialect).unwrap_or_else(|| "statement".into());
    let named: Vec<String> = tables
        .iter()
        .map(|(table, engine)| format!("{table} ({engine})"))
        .collect();
    format!(
        "{verb}: not run — --analyze executes the statement, and {} cannot roll back, so its changes would stay; use --explain for the plan without running it",
        named.join(", ")
    )
}

/// Said when the ROLLBACK after an analyzed statement warned that it could not undo everything.
pub fn not_undone_note(verb: &str) -> String {
    format!(
        "the {verb} ran inside a transaction, but the server could not roll it back completely (warning 1196: a non-transactional table was changed): its changes were NOT undone"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explained(text: &str, dialect: Dialect, mode: Mode, txn: TxnState) -> Explained {
        match step(text, dialect, mode, txn) {
            Step::Explain(e) => e,
            Step::NotRun(m) => panic!("not explained: {m}"),
        }
    }

    #[test]
    fn queries_get_the_dialects_explain() {
        let e = explained("SELECT 1", Dialect::Postgres, Mode::Plan, TxnState::Idle);
        assert_eq!((e.prefix, e.guard), ("EXPLAIN (FORMAT JSON) ", None));
        let e = explained(
            "with t as (select 1) select * from t",
            Dialect::Sqlite,
            Mode::Plan,
            TxnState::Idle,
        );
        assert_eq!(e.prefix, "EXPLAIN QUERY PLAN ");
        let e = explained(
            "DELETE FROM t",
            Dialect::MySql,
            Mode::Analyze,
            TxnState::Idle,
        );
        assert_eq!(e.prefix, "ANALYZE FORMAT=JSON ");
        assert_eq!(
            prefix(Dialect::MySql, Mode::Analyze, false),
            "EXPLAIN ANALYZE "
        );
        assert_eq!(e.guard, Some(Guard::Transaction));
        assert_eq!(e.writes.as_deref(), Some("DELETE"));
    }

    #[test]
    fn statements_without_a_plan_are_not_run() {
        assert_eq!(
            step("DROP TABLE t", Dialect::Postgres, Mode::Plan, TxnState::Idle),
            Step::NotRun(
                "DROP TABLE: not run — --explain shows plans; run the cell without --explain to execute it".into()
            )
        );
        assert!(matches!(
            step(
                "CREATE TABLE t(a int)",
                Dialect::Sqlite,
                Mode::Plan,
                TxnState::Idle
            ),
            Step::NotRun(_)
        ));
        assert!(matches!(
            step(
                "EXPLAIN ANALYZE DELETE FROM t",
                Dialect::Postgres,
                Mode::Analyze,
                TxnState::Idle
            ),
            Step::NotRun(_)
        ));
    }

    #[test]
    fn analyze_inside_a_transaction_uses_a_savepoint() {
        let e = explained(
            "UPDATE t SET a = 1",
            Dialect::Postgres,
            Mode::Analyze,
            TxnState::Open,
        );
        assert_eq!(e.guard, Some(Guard::Savepoint));
        assert_eq!(
            Guard::Savepoint.end(),
            vec![
                "ROLLBACK TO SAVEPOINT dbkernel_analyze".to_string(),
                "RELEASE SAVEPOINT dbkernel_analyze".to_string()
            ]
        );
        assert_eq!(
            Guard::Transaction.begin(Dialect::MySql),
            "START TRANSACTION"
        );
    }

    #[test]
    fn data_modifying_ctes_are_writes() {
        let e = explained(
            "WITH gone AS (DELETE FROM t RETURNING *) SELECT count(*) FROM gone",
            Dialect::Postgres,
            Mode::Analyze,
            TxnState::Idle,
        );
        assert_eq!(e.writes.as_deref(), Some("statement"));
        let e = explained(
            "SELECT * FROM t",
            Dialect::Postgres,
            Mode::Analyze,
            TxnState::Idle,
        );
        assert_eq!(e.writes, None);
        assert_eq!(e.guard, Some(Guard::Transaction));
    }

    #[test]
    fn sqlite_has_no_analyze() {
        assert!(check_cell(Dialect::Sqlite, Mode::Analyze).is_err());
        assert!(check_cell(Dialect::Sqlite, Mode::Plan).is_ok());
    }

    fn targets(text: &str) -> Vec<TableName> {
        write_targets(text, Dialect::MySql)
    }

    fn name(n: &str) -> TableName {
        (None, n.to_string())
    }

    #[test]
    fn write_targets_of_mysql_statements() {
        assert_eq!(
            targets("INSERT INTO t (a) SELECT a FROM u"),
            vec![name("t")]
        );
        assert_eq!(
            targets("insert ignore `my``t` values (1)"),
            vec![name("my`t")]
        );
        assert_eq!(
            targets("REPLACE INTO db.t VALUES (1)"),
            vec![(Some("db".into()), "t".into())]
        );
        assert_eq!(
            targets("UPDATE t SET a = (SELECT 1 FROM u)"),
            vec![name("t")]
        );
        assert_eq!(
            targets("UPDATE t AS x JOIN u ON x.id = u.id SET x.a = 1"),
            vec![name("t"), name("u")]
        );
        assert_eq!(
            targets("DELETE FROM t WHERE a IN (SELECT a FROM u)"),
            vec![name("t")]
        );
        assert_eq!(
            targets("DELETE t1, t2 FROM t1 JOIN t2 ON t1.id = t2.id WHERE t1.a = 1"),
            vec![name("t1"), name("t2")]
        );
        assert_eq!(targets("DELETE LOW_PRIORITY QUICK FROM t"), vec![name("t")]);
        assert_eq!(targets("SELECT * FROM t"), Vec::<TableName>::new());
    }

    #[test]
    fn storage_engines_that_roll_back() {
        assert!(engine_rolls_back("InnoDB"));
        assert!(!engine_rolls_back("MyISAM"));
        assert!(!engine_rolls_back("Aria"));
    }
}
