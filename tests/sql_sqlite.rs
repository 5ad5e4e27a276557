//! %%sql against SQLite through the engine registry, as the kernel runs cells.

mod sql_support;

use dbkernel::result::{QueryResult, ValueKind};
use dbkernel::session::variables::{Scalar, SharedVariables, Variable};
use sql_support::*;
use tokio_util::sync::CancellationToken;

const MEMORY: &str = "sqlite::memory:";

#[tokio::test]
async fn transactions_span_cells_commit_and_rollback() {
    let e = open(MEMORY).await;
    run(&e, "CREATE TABLE t (a INTEGER)").await.ok();
    run(&e, "BEGIN").await.ok();
    run(&e, "INSERT INTO t VALUES (1)").await.ok();
    run(&e, "COMMIT").await.ok();
    run(&e, "BEGIN; INSERT INTO t VALUES (2);").await.ok();
    run(&e, "ROLLBACK").await.ok();
    let out = run(&e, "SELECT a FROM t ORDER BY a").await;
    assert_eq!(out.ok().table(0).total_rows, 1);
    assert_eq!(out.cell(0, 0).as_deref(), Some("1"));
}

#[tokio::test]
async fn trigger_with_begin_end_body_in_one_cell() {
    let e = open(MEMORY).await;
    let out = run(
        &e,
        "CREATE TABLE a (x INTEGER);\nCREATE TABLE log (n INTEGER, what TEXT);\nCREATE TRIGGER tr AFTER INSERT ON a BEGIN\n  INSERT INTO log VALUES (NEW.x, CASE WHEN NEW.x > 1 THEN 'big' ELSE 'small' END);\n  INSERT INTO log VALUES (-NEW.x, 'neg');\nEND;\nINSERT INTO a VALUES (1), (2);\nSELECT count(*) AS n FROM log;",
    )
    .await;
    out.ok();
    assert_eq!(out.sink.results.len(), 5);
    assert_eq!(out.status(3), "2 rows affected");
    assert_eq!(out.table(4).cell_text(0, 0).as_deref(), Some("4"));
}

#[tokio::test]
async fn dynamic_typing_and_declared_types() {
    let e = open(MEMORY).await;
    let out = run(
        &e,
        "CREATE TABLE v (i INTEGER, r REAL, t TEXT, b BLOB, flag BOOLEAN, d DATETIME, anything);\nINSERT INTO v VALUES (42, 2.5, 'NULL', x'00ff', 1, '2024-01-02 03:04:05', 7), (NULL, NULL, NULL, NULL, 0, NULL, 'seven');\nSELECT * FROM v;",
    )
    .await;
    let t = out.ok().table(2);
    let kinds: Vec<_> = t.columns.iter().map(|c| c.kind).collect();
    assert_eq!(
        &kinds[..6],
        &[
            ValueKind::Integer,
            ValueKind::Float,
            ValueKind::Text,
            ValueKind::Binary,
            ValueKind::Integer,
            ValueKind::Temporal
        ]
    );
    assert_eq!(t.columns[0].db_type, "INTEGER");
    assert_eq!(t.cell_text(0, 0).as_deref(), Some("42"));
    assert_eq!(t.cell_text(0, 1).as_deref(), Some("2.5"));
    // The string 'NULL' and SQL NULL stay different.
    assert_eq!(t.cell_text(0, 2).as_deref(), Some("NULL"));
    assert_eq!(t.cell_text(1, 2), None);
    assert_eq!(t.cell_text(0, 3).as_deref(), Some("\\x00ff"));
    // sqlite3 prints a BOOLEAN column's stored 1 and 0.
    assert_eq!(t.cell_text(0, 4).as_deref(), Some("1"));
    assert_eq!(t.cell_text(1, 4).as_deref(), Some("0"));
    assert_eq!(t.cell_text(0, 5).as_deref(), Some("2024-01-02 03:04:05"));
    // A column without a type holding an integer and a string: shown as text, nothing lost.
    assert_eq!(t.cell_text(0, 6).as_deref(), Some("7"));
    assert_eq!(t.cell_text(1, 6).as_deref(), Some("seven"));
}

#[tokio::test]
async fn expressions_take_their_kind_from_the_values() {
    let e = open(MEMORY).await;
    let out = run(
        &e,
        "SELECT 1 + 1 AS two, 1.5 * 2 AS three, 'x' || 'y' AS xy, NULL AS nil",
    )
    .await;
    let t = out.ok().table(0);
    assert_eq!(t.columns[0].kind, ValueKind::Integer);
    assert_eq!(t.columns[1].kind, ValueKind::Float);
    assert_eq!(t.columns[2].kind, ValueKind::Text);
    assert_eq!(t.cell_text(0, 3), None);
}

#[tokio::test]
async fn failing_statement_keeps_earlier_results_and_skips_later_ones() {
    let e = open(MEMORY).await;
    let out = run(&e, "%%sql\nCREATE TABLE f (a INTEGER);\nINSERT INTO f VALUES (1);\nSELECT * FROM nope;\nINSERT INTO f VALUES (2);").await;
    let err = out.err();
    assert_eq!(err.ename, "SqlError[SQLITE_ERROR]");
    assert!(err.evalue.contains("no such table: nope"), "{}", err.evalue);
    assert!(
        err.detail[0].starts_with("statement 3 of 4, line 4"),
        "{:?}",
        err.detail
    );
    assert!(
        err.detail
            .iter()
            .any(|d| d.contains("1 later statement of this cell was not run")),
        "{:?}",
        err.detail
    );
    assert_eq!(out.sink.results.len(), 2);
    let after = run(&e, "SELECT count(*) FROM f").await;
    assert_eq!(after.ok().cell(0, 0).as_deref(), Some("1"));
}

#[tokio::test]
async fn syntax_error_gets_a_caret() {
    let e = open(MEMORY).await;
    let out = run(&e, "SELECT 1;\nSELECT 2 FROMM x").await;
    let err = out.err();
    assert!(err.evalue.contains("syntax error"), "{}", err.evalue);
    let source_line = err
        .detail
        .iter()
        .position(|d| d.trim() == "SELECT 2 FROMM x")
        .expect("statement shown");
    let caret = &err.detail[source_line + 1];
    assert_eq!(
        caret.find('^'),
        err.detail[source_line].find("x"),
        "{:?}",
        err.detail
    );
}

#[tokio::test]
async fn bound_variables_are_never_spliced() {
    let e = open(MEMORY).await;
    let vars = SharedVariables::default();
    run(&e, "CREATE TABLE users (name TEXT)").await.ok();
    set(
        &vars,
        "evil",
        Scalar::Text("x'); DROP TABLE users; --".into()),
    );
    set(&vars, "n", Scalar::Int(5));
    let out = run_with(&e, &vars, "INSERT INTO users VALUES (:evil);\nSELECT name, :n + 1 AS six FROM users WHERE name = :evil", CancellationToken::new()).await;
    out.ok();
    assert_eq!(
        out.table(1).cell_text(0, 0).as_deref(),
        Some("x'); DROP TABLE users; --")
    );
    assert_eq!(out.table(1).cell_text(0, 1).as_deref(), Some("6"));
    let still = run(&e, "SELECT count(*) FROM users").await;
    assert_eq!(still.ok().cell(0, 0).as_deref(), Some("1"));
}

#[tokio::test]
async fn missing_variable_is_named() {
    let e = open(MEMORY).await;
    let out = run(&e, "SELECT :nobody").await;
    let err = out.err();
    assert!(err.evalue.contains("'nobody'"), "{}", err.evalue);
}

#[tokio::test]
async fn out_keeps_every_row_and_shows_the_limit() {
    let e = open(MEMORY).await;
    let vars = SharedVariables::default();
    let out = run_with(&e, &vars, "%%sql --limit 3 --out nums\nWITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100) SELECT n FROM g", CancellationToken::new()).await;
    let shown = out.ok().table(0);
    assert_eq!(shown.shown_rows(), 3);
    assert_eq!(shown.total_rows, 100);
    match vars.lock().get("nums") {
        Some(Variable::Table(t)) => {
            assert_eq!(t.shown_rows(), 100);
            assert_eq!(t.cell_text(99, 0).as_deref(), Some("100"));
        }
        other => panic!("nums not stored as a table: {other:?}"),
    }
}

#[tokio::test]
async fn display_limit_counts_the_rest_exactly() {
    let e = open(MEMORY).await;
    let out = run(&e, "%%sql --limit 5\nWITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 12345) SELECT n FROM g").await;
    let t = out.ok().table(0);
    assert_eq!(t.shown_rows(), 5);
    assert_eq!(t.total_rows, 12345);
}

#[tokio::test]
async fn zero_rows_still_show_the_header() {
    let e = open(MEMORY).await;
    let out = run(&e, "CREATE TABLE z (a INTEGER, b TEXT); SELECT a, b FROM z").await;
    let t = out.ok().table(1);
    assert_eq!(t.total_rows, 0);
    assert_eq!(
        t.columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        vec!["a", "b"]
    );
}

#[tokio::test]
async fn stop_interrupts_a_long_query_and_the_connection_still_works() {
    let e = open(MEMORY).await;
    run(
        &e,
        "CREATE TABLE keep (a INTEGER); INSERT INTO keep VALUES (1)",
    )
    .await
    .ok();
    stopped_within_a_second(
        &e,
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g) SELECT count(*) FROM g",
    )
    .await;
    let next = run(&e, "SELECT a FROM keep").await;
    assert_eq!(next.ok().cell(0, 0).as_deref(), Some("1"));
}

#[tokio::test]
async fn file_database_is_created_and_persists() {
    let path = std::env::temp_dir().join(format!("{}.db", unique("dbkernel_sqlite")));
    let url = format!("sqlite:{}", path.display());
    let e = open(&url).await;
    run(&e, "CREATE TABLE p (a INTEGER); INSERT INTO p VALUES (9)")
        .await
        .ok();
    e.close().await;
    let again = open(&url).await;
    assert_eq!(
        run(&again, "SELECT a FROM p")
            .await
            .ok()
            .cell(0, 0)
            .as_deref(),
        Some("9")
    );
    assert!(again.describe().starts_with("SQLite sqlite:"));
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn status_lines_for_ddl_and_dml() {
    let e = open(MEMORY).await;
    let out = run(&e, "CREATE TABLE s (a INTEGER); INSERT INTO s VALUES (1), (2), (3); UPDATE s SET a = a + 1 WHERE a > 1; DELETE FROM s").await;
    out.ok();
    let statuses: Vec<_> = out
        .sink
        .results
        .iter()
        .map(|r| match r {
            QueryResult::Status(s) => s.message.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            "CREATE TABLE",
            "3 rows affected",
            "2 rows affected",
            "3 rows affected"
        ]
    );
}

#[tokio::test]
async fn explain_option_shows_the_plan_and_does_not_run_other_statements() {
    let e = open(MEMORY).await;
    run(&e, "CREATE TABLE ex (a INTEGER PRIMARY KEY, b TEXT)")
        .await
        .ok();
    let out = run(
        &e,
        "%%sql --explain\nCREATE TABLE ex2 (a INTEGER);\nSELECT * FROM ex WHERE a = 1",
    )
    .await;
    out.ok();
    match &out.sink.results[0] {
        dbkernel::result::QueryResult::Text(t) => assert_eq!(
            t,
            "CREATE TABLE: not run — --explain shows plans; run the cell without --explain to execute it"
        ),
        other => panic!("{other:?}"),
    }
    let plan = out.plan(1);
    assert_eq!(
        plan.root.title(),
        "SEARCH ex USING INTEGER PRIMARY KEY (rowid=?)"
    );
    assert_eq!(plan.root.object.as_deref(), Some("ex"));
    assert_eq!(
        plan.root.conditions,
        vec![("Index Cond".to_string(), "(rowid=?)".to_string())]
    );
    let tables = run(&e, "SELECT count(*) FROM sqlite_master WHERE name = 'ex2'").await;
    assert_eq!(tables.ok().cell(0, 0).as_deref(), Some("0"));
    // No EXPLAIN ANALYZE in SQLite: refused before anything runs.
    let out = run(&e, "%%sql --analyze\nDELETE FROM ex;\nSELECT 1").await;
    assert!(out.err().evalue.contains("SQLite has no EXPLAIN ANALYZE"));
    assert!(out.sink.results.is_empty());
}

#[tokio::test]
async fn open_transaction_is_visible() {
    let e = open(MEMORY).await;
    run(&e, "BEGIN").await.ok();
    assert_eq!(e.open_transaction().as_deref(), Some("transaction open"));
    run(&e, "ROLLBACK").await.ok();
    assert_eq!(e.open_transaction(), None);
}

#[tokio::test]
async fn invalid_utf8_in_text_is_shown_escaped() {
    let e = open(MEMORY).await;
    let out = run(
        &e,
        "SELECT CAST(x'ff' AS TEXT) AS bad, CAST(x'61ff62' AS TEXT) AS mixed, 'ok' AS good",
    )
    .await;
    let t = out.ok().table(0);
    // The bytes are kept and shown as bytes; nothing panics and nothing is replaced.
    assert_eq!(t.cell_text(0, 0).as_deref(), Some("\\xff"));
    assert_eq!(t.cell_text(0, 1).as_deref(), Some("\\x61ff62"));
    assert_eq!(t.cell_text(0, 2).as_deref(), Some("ok"));
}

#[tokio::test]
async fn a_huge_result_keeps_the_display_limit_and_counts_the_rest() {
    let e = open(MEMORY).await;
    let out = run(
        &e,
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 200000) SELECT n, hex(randomblob(8)) FROM g",
    )
    .await;
    let t = out.ok().table(0);
    assert_eq!((t.shown_rows(), t.total_rows), (50, 200000));
    assert_eq!(t.cell_text(49, 0).as_deref(), Some("50"));
}
