//! %%sql against the local PostgreSQL (127.0.0.1:5432, user postgres, db test), as the kernel
//! runs cells. Every test uses its own tables and connection, so they run in any order.

mod sql_support;

use std::time::Duration;

use dbkernel::result::ValueKind;
use dbkernel::session::variables::{Scalar, SharedVariables, Variable};
use sql_support::*;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn transactions_span_cells_commit_and_rollback() {
    let e = open(PG_URL).await;
    let t = unique("pg_txn");
    run(&e, &format!("CREATE TABLE {t} (a int)")).await.ok();
    run(&e, "BEGIN").await.ok();
    run(&e, &format!("INSERT INTO {t} VALUES (1)")).await.ok();
    run(&e, "COMMIT").await.ok();
    run(
        &e,
        &format!("BEGIN; INSERT INTO {t} VALUES (2); SET LOCAL work_mem = '8MB'"),
    )
    .await
    .ok();
    // Another session does not see the uncommitted row.
    let other = open(PG_URL).await;
    assert_eq!(
        run(&other, &format!("SELECT count(*) FROM {t}"))
            .await
            .ok()
            .cell(0, 0)
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        run(&e, &format!("SELECT count(*) FROM {t}"))
            .await
            .ok()
            .cell(0, 0)
            .as_deref(),
        Some("2")
    );
    let rolled = run(&e, "ROLLBACK").await;
    assert_eq!(rolled.ok().status(0), "ROLLBACK");
    assert_eq!(
        run(&e, &format!("SELECT count(*) FROM {t}"))
            .await
            .ok()
            .cell(0, 0)
            .as_deref(),
        Some("1")
    );
    run(&e, &format!("DROP TABLE {t}")).await.ok();
}

#[tokio::test]
async fn session_state_persists_between_cells() {
    let e = open(PG_URL).await;
    run(&e, "CREATE TEMP TABLE tmp_keep (a int); INSERT INTO tmp_keep VALUES (5); SET application_name = 'dbkernel-test'").await.ok();
    let out = run(
        &e,
        "SELECT a, current_setting('application_name') FROM tmp_keep",
    )
    .await;
    assert_eq!(out.ok().cell(0, 0).as_deref(), Some("5"));
    assert_eq!(out.cell(0, 1).as_deref(), Some("dbkernel-test"));
}

#[tokio::test]
async fn plpgsql_function_with_dollar_body_and_notices() {
    let e = open(PG_URL).await;
    let f = unique("pg_fn");
    let out = run(
        &e,
        &format!(
            "CREATE FUNCTION {f}(n int) RETURNS int LANGUAGE plpgsql AS $$\nDECLARE s int := 0;\nBEGIN\n  FOR i IN 1..n LOOP s := s + i; END LOOP;\n  RAISE NOTICE 'sum of %: %', n, s;\n  RETURN s;\nEND;\n$$;\nSELECT {f}(4) AS total;\nDO $do$ BEGIN RAISE NOTICE 'from a DO block; with a semicolon'; END $do$;\nDROP FUNCTION {f}(int);"
        ),
    )
    .await;
    out.ok();
    assert_eq!(out.status(0), "CREATE FUNCTION");
    assert_eq!(out.table(1).cell_text(0, 0).as_deref(), Some("10"));
    assert_eq!(out.status(2), "DO");
    assert_eq!(out.status(3), "DROP FUNCTION");
    assert!(
        out.sink.stdout.contains("NOTICE:  sum of 4: 10"),
        "stdout: {:?}",
        out.sink.stdout
    );
    assert!(
        out.sink
            .stdout
            .contains("from a DO block; with a semicolon"),
        "stdout: {:?}",
        out.sink.stdout
    );
}

#[tokio::test]
async fn command_tags_like_psql() {
    let e = open(PG_URL).await;
    let t = unique("pg_tags");
    let out = run(&e, &format!("CREATE TABLE {t} (a int); INSERT INTO {t} VALUES (1),(2),(3); UPDATE {t} SET a = a + 1 WHERE a > 1; DELETE FROM {t} WHERE a = 1; DROP TABLE {t}")).await;
    out.ok();
    let tags: Vec<String> = (0..5).map(|i| out.status(i)).collect();
    assert_eq!(
        tags,
        vec![
            "CREATE TABLE",
            "INSERT 0 3",
            "UPDATE 2",
            "DELETE 1",
            "DROP TABLE"
        ]
    );
}

#[tokio::test]
async fn zero_rows_still_show_the_header() {
    let e = open(PG_URL).await;
    let out = run(&e, "SELECT 1 AS one, 'x'::text AS two WHERE false").await;
    let t = out.ok().table(0);
    assert_eq!(t.total_rows, 0);
    assert_eq!(
        t.columns
            .iter()
            .map(|c| (c.name.as_str(), c.db_type.as_str()))
            .collect::<Vec<_>>(),
        vec![("one", "int4"), ("two", "text")]
    );
}

async fn one_row(sql: &str) -> dbkernel::result::Table {
    let e = open(PG_URL).await;
    let out = run(&e, sql).await;
    let first_table = out
        .ok()
        .sink
        .results
        .iter()
        .position(|r| matches!(r, dbkernel::result::QueryResult::Table(_)))
        .expect("a table");
    out.table(first_table).clone()
}

#[tokio::test]
async fn type_integers() {
    let t = one_row("SELECT 1::int2 AS a, 2147483647::int4 AS b, 9223372036854775807::int8 AS c, NULL::int4 AS d").await;
    assert!(t.columns.iter().all(|c| c.kind == ValueKind::Integer));
    assert_eq!(t.columns[0].db_type, "int2");
    assert_eq!(t.cell_text(0, 2).as_deref(), Some("9223372036854775807"));
    assert_eq!(t.cell_text(0, 3), None);
}

#[tokio::test]
async fn type_numeric_is_exact() {
    let t = one_row("SELECT 12345678901234567890.123456789012345678901::numeric AS n, 1.50::numeric(5,2) AS p, 'NaN'::numeric AS nan").await;
    assert_eq!(t.columns[0].kind, ValueKind::Decimal);
    assert_eq!(
        t.cell_text(0, 0).as_deref(),
        Some("12345678901234567890.123456789012345678901")
    );
    assert_eq!(t.cell_text(0, 1).as_deref(), Some("1.50"));
    assert_eq!(t.cell_text(0, 2).as_deref(), Some("NaN"));
}

#[tokio::test]
async fn type_floats() {
    let t = one_row(
        "SELECT 0.1::float8 AS a, 1.5::float4 AS b, 'Infinity'::float8 AS c, 'NaN'::float8 AS d",
    )
    .await;
    assert_eq!(t.columns[0].kind, ValueKind::Float);
    assert_eq!(t.cell_text(0, 0).as_deref(), Some("0.1"));
    assert_eq!(t.cell_text(0, 1).as_deref(), Some("1.5"));
    assert_eq!(t.cell_text(0, 2).as_deref(), Some("Infinity"));
    assert_eq!(t.cell_text(0, 3).as_deref(), Some("NaN"));
}

#[tokio::test]
async fn type_text_bool_and_null() {
    let t = one_row("SELECT 'héllo'::text AS t, 'ab'::varchar(5) AS v, 'x'::char(3) AS c, true AS yes, false AS no, 'NULL' AS s, NULL::text AS n").await;
    assert_eq!(t.cell_text(0, 0).as_deref(), Some("héllo"));
    assert_eq!(t.cell_text(0, 2).as_deref(), Some("x  "));
    assert_eq!(t.columns[3].kind, ValueKind::Boolean);
    assert_eq!(t.cell_text(0, 3).as_deref(), Some("true"));
    assert_eq!(t.cell_text(0, 4).as_deref(), Some("false"));
    assert_eq!(t.cell_text(0, 5).as_deref(), Some("NULL"));
    assert_eq!(t.cell_text(0, 6), None);
}

#[tokio::test]
async fn type_bytea() {
    let t = one_row("SELECT '\\x00ff10'::bytea AS b").await;
    assert_eq!(t.columns[0].kind, ValueKind::Binary);
    assert_eq!(t.cell_text(0, 0).as_deref(), Some("\\x00ff10"));
}

#[tokio::test]
async fn type_date_time_and_intervals() {
    let t = one_row("SET TIME ZONE 'UTC'; SELECT '2024-02-29'::date AS d, '13:14:15.5'::time AS t, '2024-02-29 13:14:15.123456'::timestamp AS ts, '2024-02-29 13:14:15+02'::timestamptz AS tz, '1 year 2 mons 3 days 04:05:06'::interval AS i").await;
    // SET is result 0; the SELECT is the first table.
    assert!(t.columns.iter().all(|c| c.kind == ValueKind::Temporal));
    assert_eq!(t.cell_text(0, 0).as_deref(), Some("2024-02-29"));
    assert_eq!(t.cell_text(0, 1).as_deref(), Some("13:14:15.5"));
    assert_eq!(
        t.cell_text(0, 2).as_deref(),
        Some("2024-02-29 13:14:15.123456")
    );
    assert_eq!(t.cell_text(0, 3).as_deref(), Some("2024-02-29 11:14:15+00"));
    assert_eq!(
        t.cell_text(0, 4).as_deref(),
        Some("1 year 2 mons 3 days 04:05:06")
    );
    assert_eq!(t.columns[3].db_type, "timestamptz");
}

#[tokio::test]
async fn type_uuid_json_and_arrays() {
    let t = one_row("SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u, '{\"a\": [1, 2]}'::json AS j, '{\"b\": 1}'::jsonb AS jb, ARRAY[1,2,NULL] AS arr, ARRAY['a b','c'] AS texts").await;
    assert_eq!(
        t.cell_text(0, 0).as_deref(),
        Some("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
    );
    assert_eq!(t.columns[1].kind, ValueKind::Json);
    assert_eq!(t.cell_text(0, 1).as_deref(), Some("{\"a\": [1, 2]}"));
    assert_eq!(t.cell_text(0, 2).as_deref(), Some("{\"b\": 1}"));
    assert_eq!(t.cell_text(0, 3).as_deref(), Some("{1,2,NULL}"));
    assert_eq!(t.cell_text(0, 4).as_deref(), Some("{\"a b\",c}"));
    assert_eq!(t.columns[3].kind, ValueKind::Other);
}

#[tokio::test]
async fn type_inet_tsvector_money_ranges() {
    let t = one_row("SELECT '192.168.0.1/24'::inet AS ip, to_tsvector('simple', 'a quick fox') AS tv, 12.5::money AS m, int4range(1, 5) AS r, tstzrange('2024-01-01', '2024-01-02') IS NOT NULL AS ok").await;
    assert_eq!(t.cell_text(0, 0).as_deref(), Some("192.168.0.1/24"));
    assert_eq!(
        t.cell_text(0, 1).as_deref(),
        Some("'a':1 'fox':3 'quick':2")
    );
    assert_eq!(t.columns[1].db_type, "tsvector");
    assert!(t.cell_text(0, 2).unwrap().contains("12.50"));
    assert_eq!(t.cell_text(0, 3).as_deref(), Some("[1,5)"));
}

#[tokio::test]
async fn type_enums_and_domains_are_named() {
    let e = open(PG_URL).await;
    let mood = unique("mood");
    let positive = unique("positive");
    let out = run(
        &e,
        &format!("CREATE TYPE {mood} AS ENUM ('sad', 'happy'); CREATE DOMAIN {positive} AS int CHECK (VALUE > 0); SELECT 'happy'::{mood} AS m, 7::{positive} AS p; DROP DOMAIN {positive}; DROP TYPE {mood}"),
    )
    .await;
    let t = out.ok().table(2);
    assert_eq!(t.columns[0].db_type, mood);
    assert_eq!(t.cell_text(0, 0).as_deref(), Some("happy"));
    // PostgreSQL's row description names a domain by its base type.
    assert_eq!(t.columns[1].db_type, "int4");
    assert_eq!(t.columns[1].kind, ValueKind::Integer);
    assert_eq!(t.cell_text(0, 1).as_deref(), Some("7"));
}

#[tokio::test]
async fn failing_statement_names_statement_and_position() {
    let e = open(PG_URL).await;
    let t = unique("pg_fail");
    let out = run(&e, &format!("%%sql\nCREATE TABLE {t} (a int);\nINSERT INTO {t} VALUES (1);\nSELECT a\n  FROM nope_{t};\nINSERT INTO {t} VALUES (2);")).await;
    let err = out.err();
    assert_eq!(err.ename, "SqlError[42P01]");
    assert!(err.evalue.contains("does not exist"), "{}", err.evalue);
    assert_eq!(err.detail[0], "statement 3 of 4, line 5 (PostgreSQL):");
    assert_caret_under(err, "FROM nope_", "nope_");
    assert!(
        err.detail
            .iter()
            .any(|d| d == "1 later statement of this cell was not run"),
        "{:?}",
        err.detail
    );
    assert_eq!(out.sink.results.len(), 2);
    let after = run(&e, &format!("SELECT count(*) FROM {t}; DROP TABLE {t}")).await;
    assert_eq!(after.ok().cell(0, 0).as_deref(), Some("1"));
}

#[tokio::test]
async fn aborted_transaction_is_reported_not_rolled_back() {
    let e = open(PG_URL).await;
    let first = run(&e, "BEGIN; SELECT 1/0").await;
    let err = first.err();
    assert_eq!(err.ename, "SqlError[22012]");
    assert!(
        err.detail
            .iter()
            .any(|d| d.contains("transaction is now aborted")),
        "{:?}",
        err.detail
    );
    let second = run(&e, "SELECT 1").await;
    let err = second.err();
    assert_eq!(err.ename, "SqlError[25P02]");
    assert!(
        err.detail.iter().any(|d| d.contains("run ROLLBACK")),
        "{:?}",
        err.detail
    );
    run(&e, "ROLLBACK").await.ok();
    assert_eq!(
        run(&e, "SELECT 2").await.ok().cell(0, 0).as_deref(),
        Some("2")
    );
}

#[tokio::test]
async fn bound_variables_are_never_spliced() {
    let e = open(PG_URL).await;
    let t = unique("pg_bind");
    let vars = SharedVariables::default();
    set(&vars, "evil", Scalar::Text("x'); DROP TABLE t; --".into()));
    set(&vars, "n", Scalar::Int(41));
    run(
        &e,
        &format!("CREATE TABLE {t} (name text, n int8, price numeric, at timestamptz)"),
    )
    .await
    .ok();
    let out = run_with(
        &e,
        &vars,
        &format!("INSERT INTO {t} VALUES (:evil, :n, 12.50, '2024-01-02 03:04:05+00');\nSELECT name, n + 1 AS next, price, at, :n::int4 AS again, n::text::int4 = :n AS same FROM {t} WHERE name = :evil"),
        CancellationToken::new(),
    )
    .await;
    out.ok();
    assert_eq!(out.status(0), "INSERT 0 1");
    let table = out.table(1);
    assert_eq!(
        table.cell_text(0, 0).as_deref(),
        Some("x'); DROP TABLE t; --")
    );
    assert_eq!(table.cell_text(0, 1).as_deref(), Some("42"));
    assert_eq!(table.cell_text(0, 2).as_deref(), Some("12.50"));
    assert_eq!(
        table.cell_text(0, 3).as_deref(),
        Some("2024-01-02 03:04:05+00")
    );
    assert_eq!(table.cell_text(0, 4).as_deref(), Some("41"));
    assert_eq!(table.cell_text(0, 5).as_deref(), Some("true"));
    run(&e, &format!("DROP TABLE {t}")).await.ok();
}

#[tokio::test]
async fn error_position_maps_through_binds() {
    let e = open(PG_URL).await;
    let vars = SharedVariables::default();
    set(&vars, "longname", Scalar::Int(1));
    let out = run_with(
        &e,
        &vars,
        "SELECT :longname, nope_column",
        CancellationToken::new(),
    )
    .await;
    let err = out.err();
    assert_eq!(err.ename, "SqlError[42703]");
    assert_caret_under(err, "nope_column", "nope_column");
}

#[tokio::test]
async fn out_keeps_every_row_and_shows_the_limit() {
    let e = open(PG_URL).await;
    let vars = SharedVariables::default();
    let out = run_with(
        &e,
        &vars,
        "%%sql --limit 3 --out series\nSELECT g AS n FROM generate_series(1, 1000) g",
        CancellationToken::new(),
    )
    .await;
    let shown = out.ok().table(0);
    assert_eq!((shown.shown_rows(), shown.total_rows), (3, 1000));
    match vars.lock().get("series") {
        Some(Variable::Table(t)) => assert_eq!(
            (t.shown_rows(), t.cell_text(999, 0).as_deref()),
            (1000, Some("1000"))
        ),
        other => panic!("not stored: {other:?}"),
    }
}

#[tokio::test]
async fn display_limit_counts_the_rest_exactly() {
    let e = open(PG_URL).await;
    let out = run(
        &e,
        "%%sql --limit 10\nSELECT g, md5(g::text) FROM generate_series(1, 123457) g",
    )
    .await;
    let t = out.ok().table(0);
    assert_eq!((t.shown_rows(), t.total_rows), (10, 123457));
    assert_eq!(t.cell_text(9, 0).as_deref(), Some("10"));
}

#[tokio::test]
async fn stop_cancels_on_the_server_and_the_connection_still_works() {
    let e = open(PG_URL).await;
    let pid = backend_pid(&e).await;
    let out = stopped_within_a_second(&e, "SELECT 1; SELECT pg_sleep(30); SELECT 3").await;
    let err = out.err();
    assert!(
        err.detail.iter().any(|d| d.contains("statement 2 of 3")),
        "{:?}",
        err.detail
    );
    assert_eq!(out.sink.results.len(), 1);
    assert_not_running(&pid, "pg_sleep(30)").await;
    // The same connection (same backend) serves the next statement.
    assert_eq!(
        run(&e, "SELECT 42").await.ok().cell(0, 0).as_deref(),
        Some("42")
    );
    assert_eq!(backend_pid(&e).await, pid);
}

/// Checks from another connection that backend `pid` no longer runs a statement containing
/// `fragment`: the cancel reached the server, not only the client.
async fn assert_not_running(pid: &str, fragment: &str) {
    let observer = open(PG_URL).await;
    let out = run(
        &observer,
        &format!("SELECT count(*) FROM pg_stat_activity WHERE pid = {pid} AND state = 'active' AND strpos(query, '{fragment}') > 0"),
    )
    .await;
    assert_eq!(out.ok().cell(0, 0).as_deref(), Some("0"));
}

#[tokio::test]
async fn stop_inside_a_transaction_reports_it_aborted() {
    let e = open(PG_URL).await;
    run(&e, "BEGIN").await.ok();
    let (out, _) = run_and_cancel(&e, "SELECT pg_sleep(30)", Duration::from_millis(300)).await;
    let err = out.err();
    assert!(err.is_interrupt());
    assert!(
        err.detail.iter().any(|d| d.contains("aborted")),
        "{:?}",
        err.detail
    );
    run(&e, "ROLLBACK").await.ok();
    run(&e, "SELECT 1").await.ok();
}

async fn backend_pid(e: &std::sync::Arc<dyn dbkernel::engine::Engine>) -> String {
    run(e, "SELECT pg_backend_pid()")
        .await
        .ok()
        .cell(0, 0)
        .expect("pid")
}

#[tokio::test]
async fn reconnects_after_the_server_closed_an_idle_connection() {
    let e = open(PG_URL).await;
    let pid = backend_pid(&e).await;
    let killer = open(PG_URL).await;
    run(&killer, &format!("SELECT pg_terminate_backend({pid})"))
        .await
        .ok();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let out = run(&e, "SELECT 7").await;
    assert_eq!(out.ok().cell(0, 0).as_deref(), Some("7"));
    assert!(
        out.sink.stderr.contains("reconnected"),
        "stderr: {:?}",
        out.sink.stderr
    );
    assert_ne!(backend_pid(&e).await, pid);
}

#[tokio::test]
async fn connection_lost_inside_a_transaction_is_reported() {
    let e = open(PG_URL).await;
    let t = unique("pg_lost");
    run(&e, &format!("CREATE TABLE {t} (a int)")).await.ok();
    run(&e, &format!("BEGIN; INSERT INTO {t} VALUES (1)"))
        .await
        .ok();
    let pid = backend_pid(&e).await;
    let killer = open(PG_URL).await;
    run(&killer, &format!("SELECT pg_terminate_backend({pid})"))
        .await
        .ok();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let lost = run(&e, "COMMIT").await;
    let err = lost.err();
    assert_eq!(err.ename, "SqlError[connection]");
    assert!(
        err.evalue.contains("inside an open transaction"),
        "{}",
        err.evalue
    );
    let after = run(&e, &format!("SELECT count(*) FROM {t}; DROP TABLE {t}")).await;
    assert_eq!(after.ok().cell(0, 0).as_deref(), Some("0"));
}

#[tokio::test]
async fn describe_masks_the_password() {
    let e = open("postgres://postgres:hunter2@127.0.0.1:5432/test").await;
    let d = e.describe();
    assert!(d.contains("postgres:****@127.0.0.1"), "{d}");
    assert!(!d.contains("hunter2"));
}

#[tokio::test]
async fn unreachable_server_is_a_clear_error() {
    let err = match dbkernel::engine::registry::open(
        "postgres://postgres:pw@127.0.0.1:1/test",
        &Default::default(),
    )
    .await
    {
        Ok(_) => panic!("port 1 should refuse"),
        Err(e) => e,
    };
    assert_eq!(err.ename, "SqlError[connection]");
    assert!(err.evalue.contains("could not connect"), "{}", err.evalue);
    assert!(!err.evalue.contains(":pw@"), "{}", err.evalue);
}

#[tokio::test]
async fn explain_and_analyze_options_show_plans() {
    let e = open(PG_URL).await;
    let t = unique("ex");
    run(&e, &format!("CREATE TEMP TABLE {t} (a int)"))
        .await
        .ok();
    let out = run(
        &e,
        &format!("%%sql --explain\nSELECT * FROM {t} WHERE a = 1"),
    )
    .await;
    out.ok();
    let plan = out.plan(0);
    assert_eq!(plan.root.kind, "Seq Scan");
    assert!(!plan.analyzed);
    let out = run(&e, &format!("%%sql --analyze\nSELECT * FROM {t}")).await;
    out.ok();
    let plan = out.plan(0);
    assert!(plan.analyzed);
    assert!(plan.root.time_ms.is_some() && plan.execution_ms.is_some());
}

#[tokio::test]
async fn explain_never_runs_what_it_does_not_explain() {
    let e = open(PG_URL).await;
    let t = unique("pg_noexec");
    run(
        &e,
        &format!("CREATE TABLE {t} (a int); INSERT INTO {t} VALUES (1)"),
    )
    .await
    .ok();
    let out = explain_does_not_run_a_drop(&e, &t).await;
    assert_eq!(out.plan(1).root.kind, "Seq Scan");
    let out = run(&e, &format!("%%sql --analyze\nCREATE INDEX ON {t} (a)")).await;
    assert!(out.ok().texts()[0].starts_with("CREATE INDEX: not run — --analyze shows plans"));
    let left = run(&e, &format!("SELECT count(*) FROM {t}")).await;
    assert_eq!(left.ok().cell(0, 0).as_deref(), Some("1"));
    let indexes = run(
        &e,
        &format!("SELECT count(*) FROM pg_indexes WHERE tablename = '{t}'"),
    )
    .await;
    assert_eq!(indexes.ok().cell(0, 0).as_deref(), Some("0"));
    run(&e, &format!("DROP TABLE {t}")).await.ok();
}

#[tokio::test]
async fn analyze_of_a_write_is_rolled_back() {
    let e = open(PG_URL).await;
    let t = unique("pg_analyze");
    run(
        &e,
        &format!("CREATE TEMP TABLE {t} (a int); INSERT INTO {t} VALUES (1), (2), (3)"),
    )
    .await
    .ok();
    let out = analyze_of_a_delete_is_rolled_back(&e, &t).await;
    assert_eq!(out.plan(0).root.kind, "Delete");
    assert_eq!(e.open_transaction(), None);

    // Inside the user's transaction: a savepoint, and the transaction goes on.
    run(&e, &format!("BEGIN; INSERT INTO {t} VALUES (4)"))
        .await
        .ok();
    let out = run(
        &e,
        &format!(
            "%%sql --analyze\nWITH gone AS (DELETE FROM {t} RETURNING a) SELECT count(*) FROM gone"
        ),
    )
    .await;
    assert_eq!(
        out.ok().plan(0).notes,
        vec!["the statement ran inside a transaction that was rolled back; no rows were changed"]
    );
    // A failing analyzed write leaves the user's transaction usable.
    let out = run(&e, &format!("%%sql --analyze\nUPDATE {t} SET a = a / 0")).await;
    let err = out.err();
    assert_eq!(err.ename, "SqlError[22012]");
    assert!(
        err.detail.iter().any(|d| d.contains("rolled back")),
        "{:?}",
        err.detail
    );
    let inside = run(&e, &format!("SELECT count(*) FROM {t}")).await;
    assert_eq!(inside.ok().cell(0, 0).as_deref(), Some("4"));
    run(&e, "COMMIT").await.ok();
    let after = run(&e, &format!("SELECT count(*) FROM {t}")).await;
    assert_eq!(after.ok().cell(0, 0).as_deref(), Some("4"));
}

/// Every cell of the first table of `out`, as text (`None` for NULL).

#[tokio::test]
async fn infinite_timestamps_in_a_bound_statement_print_like_psql() {
    let e = open(PG_URL).await;
    let t = unique("pg_inf");
    run(&e, &format!("CREATE TEMP TABLE {t} (id int, ts timestamp, tz timestamptz, d date); INSERT INTO {t} VALUES (1, 'infinity', 'infinity', 'infinity'), (2, '-infinity', '-infinity', '-infinity')")).await.ok();
    let vars = SharedVariables::default();
    set(&vars, "n", Scalar::Int(1));
    set(&vars, "m", Scalar::Int(2));
    let select = format!("SELECT ts, tz, d FROM {t} WHERE id = :n OR id = :m ORDER BY id");
    let bound = run_with(&e, &vars, &select, CancellationToken::new()).await;
    // psql: SELECT 'infinity'::timestamp, '-infinity'::date → infinity, -infinity
    let inf = Some("infinity".to_string());
    let minus = Some("-infinity".to_string());
    assert_eq!(
        all_cells(bound.ok()),
        vec![
            vec![inf.clone(), inf.clone(), inf],
            vec![minus.clone(), minus.clone(), minus]
        ]
    );
    let unbound = run(&e, &format!("SELECT ts, tz, d FROM {t} ORDER BY id")).await;
    assert_eq!(all_cells(unbound.ok()), all_cells(&bound));
}

#[tokio::test]
async fn connect_to_a_silent_server_times_out_with_the_address() {
    let err = connect_to_a_silent_server_times_out(|port| {
        format!("postgresql://postgres@127.0.0.1:{port}/test")
    })
    .await;
    assert_eq!(err.ename, "SqlError[connection]");
}

#[tokio::test]
async fn refused_port_is_one_clear_line() {
    let err =
        sql_support::refused_port_is_one_clear_line("postgres://postgres:pw@127.0.0.1:1/test")
            .await;
    assert!(
        err.detail.iter().all(|d| !d.contains(":pw@")),
        "{:?}",
        err.detail
    );
}

#[tokio::test]
async fn reconnect_to_a_server_that_fell_silent_times_out() {
    let err =
        sql_support::reconnect_to_a_server_that_fell_silent_times_out("127.0.0.1:5432", |port| {
            format!("postgres://postgres@127.0.0.1:{port}/test")
        })
        .await;
    assert!(
        err.detail
            .iter()
            .any(|d| d.contains("%config connect_timeout")),
        "{:?}",
        err.detail
    );
}

/// A session with a temp table and a SET, to check that a statement did not cost the session.
async fn session_with_state() -> std::sync::Arc<dyn dbkernel::engine::Engine> {
    let e = open(PG_URL).await;
    run(
        &e,
        "CREATE TEMP TABLE keep_me (a int); INSERT INTO keep_me VALUES (7); SET application_name = 'kept'",
    )
    .await
    .ok();
    e
}

async fn assert_session_kept(e: &std::sync::Arc<dyn dbkernel::engine::Engine>) {
    let out = run(
        e,
        "SELECT a, current_setting('application_name') FROM keep_me",
    )
    .await;
    let out = out.ok();
    assert_eq!(out.cell(0, 0).as_deref(), Some("7"));
    assert_eq!(out.cell(0, 1).as_deref(), Some("kept"));
    assert!(
        !out.sink.stderr.contains("reconnected"),
        "{}",
        out.sink.stderr
    );
}

#[tokio::test]
async fn copy_to_stdout_with_a_header_is_a_table() {
    let e = session_with_state().await;
    let out = run(&e, "COPY (SELECT g AS n, 'x,y' AS s, NULL::text AS z FROM generate_series(1, 2) g) TO STDOUT WITH (FORMAT csv, HEADER)").await;
    // psql prints: n,s,z / 1,"x,y", / 2,"x,y",
    assert_eq!(
        all_cells(out.ok()),
        vec![
            vec![Some("1".into()), Some("x,y".into()), None],
            vec![Some("2".into()), Some("x,y".into()), None]
        ]
    );
    let t = out.table(0);
    assert_eq!(
        t.columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        vec!["n", "s", "z"]
    );
    assert_session_kept(&e).await;
}

#[tokio::test]
async fn copy_to_stdout_without_a_header_prints_the_data() {
    let e = session_with_state().await;
    let out = run(
        &e,
        "COPY (SELECT g AS n, 'a b' AS s, NULL::text AS z FROM generate_series(1, 3) g) TO STDOUT",
    )
    .await;
    // psql prints the rows as COPY sends them: tab-separated, \N for NULL.
    assert_eq!(
        out.ok().texts(),
        vec!["1\ta b\t\\N\n2\ta b\t\\N\n3\ta b\t\\N"]
    );
    assert_eq!(out.status(1), "COPY 3");
    let out = run(
        &e,
        "%%sql --limit 2\nCOPY (SELECT g FROM generate_series(1, 5) g) TO STDOUT",
    )
    .await;
    assert_eq!(out.ok().texts(), vec!["1\n2\n… 3 more line(s) not shown"]);
    assert_session_kept(&e).await;
}

#[tokio::test]
async fn copy_from_stdin_is_refused_and_the_session_survives() {
    let e = session_with_state().await;
    let out = run(&e, "SELECT 1;\nCOPY keep_me FROM STDIN").await;
    let err = out.err();
    assert_eq!(err.ename, "UsageError");
    assert!(err.evalue.contains("no stdin"), "{}", err.evalue);
    assert!(
        err.detail
            .iter()
            .any(|d| d.contains("COPY t FROM '/path/data.csv'")),
        "{:?}",
        err.detail
    );
    assert!(
        err.detail
            .iter()
            .any(|d| d.contains("statement 2 of 2, line 2")),
        "{:?}",
        err.detail
    );
    assert_session_kept(&e).await;
}

#[tokio::test]
async fn notify_on_the_same_session_prints_the_notification() {
    let e = session_with_state().await;
    let pid = backend_pid(&e).await;
    let channel = unique("ch");
    let out = run(
        &e,
        &format!("LISTEN {channel}; NOTIFY {channel}, 'hello'; NOTIFY {channel}"),
    )
    .await;
    out.ok();
    assert_eq!(out.status(0), "LISTEN");
    assert_eq!(
        out.sink.stdout,
        format!(
            "Asynchronous notification \"{channel}\" with payload \"hello\" received from server process with PID {pid}.\n\
             Asynchronous notification \"{channel}\" received from server process with PID {pid}.\n"
        )
    );
    assert_session_kept(&e).await;
}

#[tokio::test]
async fn notifications_between_cells_are_shown_by_the_next_cell() {
    let e = session_with_state().await;
    let channel = unique("ch");
    run(&e, &format!("LISTEN {channel}")).await.ok();
    let other = open(PG_URL).await;
    let sender = backend_pid(&other).await;
    run(&other, &format!("NOTIFY {channel}, 'from afar'"))
        .await
        .ok();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let out = run(&e, "SELECT 1").await;
    assert_eq!(
        out.ok().sink.stdout,
        format!(
            "Asynchronous notification \"{channel}\" with payload \"from afar\" received from server process with PID {sender}.\n"
        )
    );
    assert_session_kept(&e).await;
}

#[tokio::test]
async fn nul_byte_is_refused_with_its_line_and_column() {
    let e = session_with_state().await;
    let out = run(&e, "SELECT 1;\nSELECT 'a\0b';\nSELECT 3").await;
    let err = out.err();
    assert_eq!(
        err.evalue,
        "PostgreSQL cannot take a NUL byte (U+0000) in a statement; line 2, column 10"
    );
    assert!(out.sink.results.is_empty(), "nothing ran");
    assert_session_kept(&e).await;
}

#[tokio::test]
async fn stop_during_copy_to_stdout_keeps_the_session() {
    let e = session_with_state().await;
    stopped_within_a_second(&e, "COPY (SELECT pg_sleep(30)) TO STDOUT").await;
    assert_session_kept(&e).await;
}

#[tokio::test]
async fn open_and_failed_transactions_are_visible() {
    let e = open(PG_URL).await;
    assert_eq!(e.open_transaction(), None);
    let out = run(&e, "BEGIN; SELECT 1 AS one").await;
    assert_eq!(e.open_transaction().as_deref(), Some("transaction open"));
    assert_eq!(
        out.ok().table(1).provenance.note.as_deref(),
        Some("transaction open")
    );
    run(&e, "SELECT 1/0").await.err();
    assert_eq!(
        e.open_transaction().as_deref(),
        Some("transaction failed — ROLLBACK to continue")
    );
    // Asked while a cell runs (and holds the session), it answers at once, from the statements
    // that cell has finished so far.
    let busy = e.clone();
    let running =
        tokio::spawn(async move { run(&busy, "ROLLBACK; BEGIN; SELECT pg_sleep(1)").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = std::time::Instant::now();
    assert_eq!(e.open_transaction().as_deref(), Some("transaction open"));
    // Well before the 1 s statement ends (a loaded machine may be slow to schedule us).
    assert!(asked.elapsed() < Duration::from_millis(300));
    let out = running.await.unwrap();
    assert_eq!(
        out.ok().table(2).provenance.note.as_deref(),
        Some("transaction open")
    );
    run(&e, "ROLLBACK").await.ok();
    assert_eq!(e.open_transaction(), None);
}

/// psql's text for each expression, from `psql -At` against this server (TimeZone Europe/Paris,
/// lc_monetary C.UTF-8).
const PSQL_TEXTS: &[(&str, &str)] = &[
    ("ARRAY[1,2,NULL]::int[]", "{1,2,NULL}"),
    ("ARRAY['a b','c']::text[]", "{\"a b\",c}"),
    ("'192.168.0.1/24'::inet", "192.168.0.1/24"),
    ("'10.0.0.0/8'::cidr", "10.0.0.0/8"),
    ("'08:00:2b:01:02:03'::macaddr", "08:00:2b:01:02:03"),
    ("point(1.5,2)", "(1.5,2)"),
    ("box(point(0,0),point(1,1))", "(1,1),(0,0)"),
    ("int4range(1,5)", "[1,5)"),
    (
        "tsrange('2024-01-01','2024-01-02')",
        "[\"2024-01-01 00:00:00\",\"2024-01-02 00:00:00\")",
    ),
    (
        "to_tsvector('simple','a quick fox')",
        "'a':1 'fox':3 'quick':2",
    ),
    ("'(0,1)'::tid", "(0,1)"),
    ("'10:00:00.5+05:30'::timetz", "10:00:00.5+05:30"),
    ("ROW(1,'a b',NULL)", "(1,\"a b\",)"),
    ("'int4'::regtype", "integer"),
    ("12.5::money", "$12.50"),
    (
        "'2024-06-01 12:00:00+00'::timestamptz",
        "2024-06-01 14:00:00+02",
    ),
    ("'infinity'::timestamptz", "infinity"),
    ("1.5::float4", "1.5"),
    ("'1 day'::interval", "1 day"),
    ("'{\"a\":1}'::jsonb", "{\"a\": 1}"),
    ("B'101'::bit(3)", "101"),
    ("'x'::bytea", "\\x78"),
];

#[tokio::test]
async fn bound_statements_print_every_type_like_unbound_ones() {
    let e = open(PG_URL).await;
    run(&e, "SET TIME ZONE 'Europe/Paris'").await.ok();
    // A record cannot be a table column, so the values come from a subquery.
    let columns: Vec<String> = PSQL_TEXTS
        .iter()
        .enumerate()
        .map(|(i, (expr, _))| format!("{expr} AS c{i}"))
        .collect();
    let t = format!("(SELECT 1 AS id, {}) AS s", columns.join(", "));
    let names: Vec<String> = (0..PSQL_TEXTS.len()).map(|i| format!("c{i}")).collect();
    let (bound, unbound) = select_row_one_bound_and_unbound(&e, &names.join(", "), &t).await;
    let expected: Vec<Option<String>> = PSQL_TEXTS
        .iter()
        .map(|(_, v)| Some(v.to_string()))
        .collect();
    assert_eq!(all_cells(unbound.ok()), vec![expected.clone()]);
    assert_eq!(all_cells(bound.ok()), vec![expected]);
    // The column types are named the same way too.
    let types = |out: &Outcome| -> Vec<String> {
        out.table(0)
            .columns
            .iter()
            .map(|c| c.db_type.clone())
            .collect()
    };
    assert_eq!(types(&bound), types(&unbound));
    // Straight from expressions with a bind in the same statement.
    let vars = SharedVariables::default();
    set(&vars, "n", Scalar::Int(1));
    let out = run_with(
        &e,
        &vars,
        &format!(
            "SELECT {}, :n AS n",
            PSQL_TEXTS
                .iter()
                .map(|(x, _)| *x)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        CancellationToken::new(),
    )
    .await;
    let row = &all_cells(out.ok())[0];
    for (i, (expr, text)) in PSQL_TEXTS.iter().enumerate() {
        assert_eq!(row[i].as_deref(), Some(*text), "{expr}");
    }
    assert_eq!(row[PSQL_TEXTS.len()].as_deref(), Some("1"));
    assert_eq!(
        out.table(0).columns[PSQL_TEXTS.len()].kind,
        ValueKind::Integer
    );
}

#[tokio::test]
async fn bound_text_is_a_value_whatever_it_contains() {
    let e = open(PG_URL).await;
    let t = unique("pg_evil");
    run(&e, &format!("CREATE TEMP TABLE {t} (s text)"))
        .await
        .ok();
    let evil = [
        "'); DROP TABLE t; --",
        "x'); DROP TABLE t; --",
        "\\'); DROP TABLE t; --",
        "a\\\\'b''c\\",
        "$$; DROP TABLE t; $$",
        "E'\\x41'",
        "*/ DROP TABLE t; /*",
        "line\nbreak\ttab ☃",
    ];
    let settings = ["on", "off"].map(|conforming| {
        (
            format!("SET standard_conforming_strings = {conforming}; DELETE FROM {t}"),
            format!("standard_conforming_strings={conforming}"),
        )
    });
    bound_text_round_trips(&e, &t, &settings, &evil, "length", "true").await;
    run(&e, "RESET standard_conforming_strings").await.ok();
}

#[tokio::test]
async fn bound_parameters_take_their_type_from_where_they_stand() {
    let e = open(PG_URL).await;
    let vars = SharedVariables::default();
    set(&vars, "day", Scalar::Text("2024-02-29".into()));
    set(&vars, "nothing", Scalar::Null);
    set(&vars, "big", Scalar::Int(i64::MAX));
    set(&vars, "f", Scalar::Float(0.1));
    set(&vars, "word", Scalar::Text("hi".into()));
    // A date column compared with a text variable: the text is read as a date.
    let out = run_with(
        &e,
        &vars,
        "SELECT d + 1 AS next, :nothing IS NULL AS none, :big AS big, :f AS f, jsonb_build_object('k', :word) AS j FROM (VALUES ('2024-02-29'::date)) v(d) WHERE d = :day",
        CancellationToken::new(),
    )
    .await;
    assert_eq!(
        all_cells(out.ok()),
        vec![vec![
            Some("2024-03-01".into()),
            Some("true".into()),
            Some("9223372036854775807".into()),
            Some("0.1".into()),
            Some("{\"k\": \"hi\"}".into()),
        ]]
    );
    // The same inside a transaction: the retry with text does not abort it.
    run(&e, "BEGIN").await.ok();
    let out = run_with(
        &e,
        &vars,
        "SELECT :nothing IS NULL AS none",
        CancellationToken::new(),
    )
    .await;
    assert_eq!(out.ok().cell(0, 0).as_deref(), Some("true"));
    assert_eq!(e.open_transaction().as_deref(), Some("transaction open"));
    assert_eq!(
        run(&e, "SELECT 2").await.ok().cell(0, 0).as_deref(),
        Some("2")
    );
    run(&e, "COMMIT").await.ok();
}

#[tokio::test]
async fn a_failed_bound_statement_in_a_transaction_leaves_nothing_behind() {
    let e = open(PG_URL).await;
    let vars = SharedVariables::default();
    set(&vars, "n", Scalar::Text("not a number".into()));
    run(&e, "BEGIN").await.ok();
    let out = run_with(&e, &vars, "SELECT 1 WHERE 1 = :n", CancellationToken::new()).await;
    let err = out.err();
    assert_eq!(err.ename, "SqlError[22P02]");
    // The caret goes under the :n whose value did not parse.
    assert_caret_under(err, "WHERE 1 = :n", ":n");
    run(&e, "ROLLBACK").await.ok();
    set(&vars, "n", Scalar::Int(1));
    run_with(&e, &vars, "SELECT 1 WHERE 1 = :n", CancellationToken::new())
        .await
        .ok();
    let left = run(
        &e,
        "SELECT string_agg(name, ', ') FROM pg_prepared_statements WHERE name LIKE 'dbkernel%'",
    )
    .await;
    assert_eq!(left.ok().cell(0, 0).as_deref(), None);
}

#[tokio::test]
async fn bound_statements_under_explain_and_analyze() {
    let e = open(PG_URL).await;
    let t = unique("pg_bound_explain");
    run(
        &e,
        &format!("CREATE TEMP TABLE {t} (a int); INSERT INTO {t} VALUES (1), (2)"),
    )
    .await
    .ok();
    let vars = SharedVariables::default();
    set(&vars, "n", Scalar::Int(1));
    let out = run_with(
        &e,
        &vars,
        &format!("%%sql --analyze\nDELETE FROM {t} WHERE a = :n"),
        CancellationToken::new(),
    )
    .await;
    let plan = out.ok().plan(0);
    assert_eq!(plan.root.kind, "Delete");
    assert_eq!(
        plan.notes,
        vec!["the DELETE ran inside a transaction that was rolled back; no rows were changed"]
    );
    let left = run(&e, &format!("SELECT count(*) FROM {t}")).await;
    assert_eq!(left.ok().cell(0, 0).as_deref(), Some("2"));
}

#[tokio::test]
async fn stop_during_a_row_lock_wait_cancels_on_the_server() {
    let e = open(PG_URL).await;
    let holder = open(PG_URL).await;
    let t = unique("pg_lock");
    run(
        &e,
        &format!("CREATE TABLE {t} (id int PRIMARY KEY, v int); INSERT INTO {t} VALUES (1, 1)"),
    )
    .await
    .ok();
    run(
        &holder,
        &format!("BEGIN; SELECT * FROM {t} WHERE id = 1 FOR UPDATE"),
    )
    .await
    .ok();
    let pid = backend_pid(&e).await;
    stopped_within_a_second(&e, &format!("UPDATE {t} SET v = 2 WHERE id = 1")).await;
    assert_not_running(&pid, "UPDATE").await;
    assert_eq!(
        run(&e, "SELECT 1").await.ok().cell(0, 0).as_deref(),
        Some("1")
    );
    assert_eq!(backend_pid(&e).await, pid);
    run(&holder, "ROLLBACK").await.ok();
    let value = run(&e, &format!("SELECT v FROM {t}")).await;
    assert_eq!(value.ok().cell(0, 0).as_deref(), Some("1"));
    run(&e, &format!("DROP TABLE {t}")).await.ok();
}

#[tokio::test]
async fn stop_during_a_bound_statement_cancels_it_and_cleans_up() {
    let e = open(PG_URL).await;
    let vars = SharedVariables::default();
    set(&vars, "secs", Scalar::Int(30));
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.cancel();
    });
    let started = std::time::Instant::now();
    let out = run_with(&e, &vars, "SELECT pg_sleep(:secs)", cancel).await;
    assert!(out.err().is_interrupt(), "{:?}", out.result);
    assert!(
        started.elapsed() < Duration::from_millis(1300),
        "took {:?}",
        started.elapsed()
    );
    // The next bound statement also deallocates the one the cancel left behind.
    set(&vars, "secs", Scalar::Int(0));
    run_with(
        &e,
        &vars,
        "SELECT pg_sleep(:secs)",
        CancellationToken::new(),
    )
    .await
    .ok();
    let left = run(
        &e,
        "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'dbkernel%'",
    )
    .await;
    assert_eq!(left.ok().cell(0, 0).as_deref(), Some("0"));
}

#[tokio::test]
async fn bound_call_still_works_through_the_extended_protocol() {
    let e = open(PG_URL).await;
    let p = unique("pg_proc");
    run(
        &e,
        &format!("CREATE PROCEDURE pg_temp.{p}(INOUT d date, INOUT t timestamp) LANGUAGE plpgsql AS $$ BEGIN d := d; t := 'infinity'; END $$"),
    )
    .await
    .ok();
    let vars = SharedVariables::default();
    set(&vars, "d", Scalar::Text("-infinity".into()));
    // CALL cannot be PREPAREd: it keeps the extended protocol, whose binary dates are decoded
    // by hand (sqlx's chrono decoders panic on infinity).
    let out = run_with(
        &e,
        &vars,
        &format!("CALL pg_temp.{p}(:d::date, NULL)"),
        CancellationToken::new(),
    )
    .await;
    assert_eq!(
        all_cells(out.ok()),
        vec![vec![Some("-infinity".into()), Some("infinity".into())]]
    );
}

#[tokio::test]
async fn a_failing_copy_to_stdout_is_an_error_and_the_session_survives() {
    let e = session_with_state().await;
    // Errors before the copy begins (the planner folds 1 / 0; a missing table or column) and
    // one in the middle of the data.
    let out = run(&e, "COPY (SELECT 1 / 0) TO STDOUT").await;
    assert_eq!(out.err().ename, "SqlError[22012]", "{:?}", out.err());
    let out = run(&e, "COPY no_such_table_here TO STDOUT").await;
    assert_eq!(out.err().ename, "SqlError[42P01]", "{:?}", out.err());
    let out = run(&e, "COPY (SELECT nope FROM keep_me) TO STDOUT CSV").await;
    let err = out.err();
    assert_eq!(err.ename, "SqlError[42703]", "{err:?}");
    assert_caret_under(err, "COPY (SELECT nope", "nope");
    let out = run(
        &e,
        "COPY (SELECT 1 / (g - 3) FROM generate_series(1, 5) g) TO STDOUT CSV HEADER",
    )
    .await;
    assert_eq!(out.err().ename, "SqlError[22012]", "{:?}", out.err());
    assert_session_kept(&e).await;
}

#[tokio::test]
async fn a_copy_that_fails_before_it_begins_says_the_session_was_reset() {
    let e = open(PG_URL).await;
    // A bad option is only seen by COPY itself; sqlx cannot resume after it, so the connection
    // is closed deliberately, said, and reopened by the next cell.
    let out = run(&e, "COPY (SELECT 1) TO STDOUT (FORMAT bogus)").await;
    let err = out.err();
    assert_eq!(err.ename, "SqlError[22023]", "{err:?}");
    assert!(
        out.sink.stderr.contains("the connection was closed"),
        "{}",
        out.sink.stderr
    );
    let next = run(&e, "SELECT 5").await;
    assert_eq!(next.ok().cell(0, 0).as_deref(), Some("5"));
    assert!(
        next.sink.stderr.contains("reconnected"),
        "{}",
        next.sink.stderr
    );
}
