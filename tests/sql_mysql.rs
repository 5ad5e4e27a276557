//! %%sql against the local MariaDB (127.0.0.1:3306, root, db test), as the kernel runs cells.
//! Every test uses its own tables and connection, so they run in any order.

mod sql_support;

use std::time::Duration;

use dbkernel::result::ValueKind;
use dbkernel::session::variables::{Scalar, SharedVariables, Variable};
use sql_support::*;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn transactions_span_cells_commit_and_rollback() {
    let e = open(MYSQL_URL).await;
    let t = unique("my_txn");
    run(&e, &format!("CREATE TABLE {t} (a INT) ENGINE=InnoDB"))
        .await
        .ok();
    run(&e, "START TRANSACTION").await.ok();
    run(&e, &format!("INSERT INTO {t} VALUES (1)")).await.ok();
    run(&e, "COMMIT").await.ok();
    run(&e, &format!("BEGIN; INSERT INTO {t} VALUES (2)"))
        .await
        .ok();
    assert_eq!(
        run(&e, &format!("SELECT count(*) FROM {t}"))
            .await
            .ok()
            .cell(0, 0)
            .as_deref(),
        Some("2")
    );
    run(&e, "ROLLBACK").await.ok();
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
async fn mariadb_scheme_and_session_variables() {
    let e = open("mariadb://root@127.0.0.1:3306/test").await;
    run(
        &e,
        "SET @x = 41; CREATE TEMPORARY TABLE tmp_keep (a INT); INSERT INTO tmp_keep VALUES (1)",
    )
    .await
    .ok();
    let out = run(&e, "SELECT @x + 1, (SELECT a FROM tmp_keep)").await;
    assert_eq!(out.ok().cell(0, 0).as_deref(), Some("42"));
    assert_eq!(out.cell(0, 1).as_deref(), Some("1"));
    assert!(e.describe().starts_with("MySQL mariadb://"));
}

#[tokio::test]
async fn procedure_without_delimiter_and_with_delimiter() {
    let e = open(MYSQL_URL).await;
    let p = unique("my_proc");
    let q = unique("my_proc2");
    let out = run(
        &e,
        &format!(
            "CREATE PROCEDURE {p}(IN n INT)\nBEGIN\n  DECLARE i INT DEFAULT 0;\n  DECLARE s INT DEFAULT 0;\n  WHILE i < n DO SET i = i + 1; SET s = s + i; END WHILE;\n  IF s > 0 THEN SELECT s AS total; END IF;\nEND;\nCALL {p}(4);\nDELIMITER //\nCREATE PROCEDURE {q}() BEGIN SELECT 'a;b' AS x; END //\nDELIMITER ;\nCALL {q}();\nDROP PROCEDURE {p};\nDROP PROCEDURE {q};"
        ),
    )
    .await;
    out.ok();
    assert_eq!(out.table(1).cell_text(0, 0).as_deref(), Some("10"));
    assert_eq!(out.table(3).cell_text(0, 0).as_deref(), Some("a;b"));
}

#[tokio::test]
async fn trigger_with_begin_end() {
    let e = open(MYSQL_URL).await;
    let a = unique("my_a");
    let log = unique("my_log");
    let out = run(
        &e,
        &format!("CREATE TABLE {a} (x INT); CREATE TABLE {log} (n INT);\nCREATE TRIGGER {a}_tr AFTER INSERT ON {a} FOR EACH ROW BEGIN\n  INSERT INTO {log} VALUES (NEW.x);\n  INSERT INTO {log} VALUES (-NEW.x);\nEND;\nINSERT INTO {a} VALUES (1), (2);\nSELECT count(*) FROM {log};\nDROP TABLE {a}; DROP TABLE {log};"),
    )
    .await;
    out.ok();
    assert_eq!(
        out.status(3),
        "2 rows affected\nRecords: 2  Duplicates: 0  Warnings: 0"
    );
    assert_eq!(out.table(4).cell_text(0, 0).as_deref(), Some("4"));
}

/// The OK packet's count and info line, as `mariadb -vvv` prints them for the same statements:
/// `Query OK, 3 rows affected` / `Records: 3  Duplicates: 0  Warnings: 0`;
/// `Query OK, 1 row affected, 2 warnings` / `Records: 2  Duplicates: 1  Warnings: 2`;
/// `Query OK, 3 rows affected` / `Rows matched: 4  Changed: 3  Warnings: 0`;
/// `Query OK, 0 rows affected` / `Rows matched: 1  Changed: 0  Warnings: 0`;
/// `Query OK, 4 rows affected` / `Records: 4  Duplicates: 0  Warnings: 0` (ALTER of a temporary
/// table copies it); `Query OK, 1 row affected` with no info line.
#[tokio::test]
async fn ok_packet_counts_and_info_lines_are_the_clients() {
    let e = open(MYSQL_URL).await;
    let out = run(
        &e,
        "CREATE TEMPORARY TABLE tt (a INT PRIMARY KEY, b TINYINT);\n\
         INSERT INTO tt VALUES (1,1),(2,2),(3,3);\n\
         INSERT IGNORE INTO tt VALUES (1,1),(4,400);\n\
         UPDATE tt SET b = 1;\n\
         UPDATE tt SET b = 1 WHERE a = 1;\n\
         ALTER TABLE tt ADD c INT;\n\
         DELETE FROM tt WHERE a = 1;",
    )
    .await;
    out.ok();
    let statuses: Vec<_> = out
        .sink
        .results
        .iter()
        .filter_map(|r| match r {
            dbkernel::result::QueryResult::Status(s) => Some((s.message.clone(), s.rows_affected)),
            _ => None,
        })
        .collect();
    let line = |m: &str, n: u64| (m.to_string(), Some(n));
    assert_eq!(
        statuses,
        vec![
            line("CREATE TABLE", 0),
            line("3 rows affected\nRecords: 3  Duplicates: 0  Warnings: 0", 3),
            line("1 row affected\nRecords: 2  Duplicates: 1  Warnings: 2", 1),
            line(
                "3 rows affected\nRows matched: 4  Changed: 3  Warnings: 0",
                3
            ),
            line(
                "0 rows affected\nRows matched: 1  Changed: 0  Warnings: 0",
                0
            ),
            line("ALTER TABLE\nRecords: 4  Duplicates: 0  Warnings: 0", 4),
            line("1 row affected", 1),
        ]
    );
    // The INSERT IGNORE's two warnings are counted under it, as `…, 2 warnings`.
    assert_eq!(
        out.texts(),
        vec!["2 warnings: SHOW WARNINGS shows them".to_string()]
    );
}

/// A procedure's result sets are each a table, an empty one with its header (`mariadb` prints
/// `Empty set` for it), and the session is usable after it.
#[tokio::test]
async fn call_with_an_empty_result_set_between_two() {
    let e = open(MYSQL_URL).await;
    let p = unique("my_sets");
    let out = run(
        &e,
        &format!("CREATE PROCEDURE {p}() BEGIN SELECT 1 AS a; SELECT 2 AS b FROM dual WHERE 1 = 0; SELECT 'x' AS c; END;\nCALL {p}();\nSELECT 5;\nDROP PROCEDURE {p};"),
    )
    .await;
    out.ok();
    let tables: Vec<_> = out
        .sink
        .results
        .iter()
        .filter_map(|r| match r {
            dbkernel::result::QueryResult::Table(t) => Some((
                t.columns[0].name.clone(),
                t.total_rows,
                (t.total_rows > 0).then(|| t.cell_text(0, 0)).flatten(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        tables,
        vec![
            ("a".to_string(), 1, Some("1".to_string())),
            ("b".to_string(), 0, None),
            ("c".to_string(), 1, Some("x".to_string())),
            ("5".to_string(), 1, Some("5".to_string())),
        ]
    );
}

/// A URL parameter the session does not know is refused with the ones it knows, not ignored.
#[tokio::test]
async fn unknown_url_parameters_are_refused() {
    let (e, _) = open_error(
        "mysql://root@127.0.0.1:3306/test?pool_max=3",
        Duration::from_secs(5),
    )
    .await;
    assert!(
        e.evalue.contains("'pool_max'") && e.evalue.contains("ssl-mode"),
        "{}",
        e.evalue
    );
}

/// `timezone=` and `charset=` from the URL are set on the session (and again after a
/// reconnect); without them the server's own settings stay, as under the mysql client.
#[tokio::test]
async fn url_time_zone_and_server_defaults() {
    let e = open("mysql://root@127.0.0.1:3306/test?timezone=%2B03:00").await;
    let out = run(&e, "SELECT @@session.time_zone").await;
    assert_eq!(out.ok().cell(0, 0).as_deref(), Some("+03:00"));
    let plain = open(MYSQL_URL).await;
    let ours = run(
        &plain,
        "SELECT @@session.time_zone, @@session.sql_mode, @@character_set_client",
    )
    .await;
    let theirs = std::process::Command::new("mariadb")
        .args(["-h", "127.0.0.1", "-u", "root", "-N", "-B", "-e"])
        .arg("SELECT @@session.time_zone, @@session.sql_mode")
        .output()
        .expect("the mariadb client");
    let theirs = String::from_utf8_lossy(&theirs.stdout);
    let mut theirs = theirs.trim_end().split('\t');
    assert_eq!(ours.ok().cell(0, 0).as_deref(), theirs.next());
    assert_eq!(ours.cell(0, 1).as_deref(), theirs.next());
    assert_eq!(ours.cell(0, 2).as_deref(), Some("utf8mb4"));
}

async fn one_table(sql: &str) -> dbkernel::result::Table {
    let e = open(MYSQL_URL).await;
    let out = run(&e, sql).await;
    let first = out
        .ok()
        .sink
        .results
        .iter()
        .position(|r| matches!(r, dbkernel::result::QueryResult::Table(_)))
        .expect("a table");
    out.table(first).clone()
}

#[tokio::test]
async fn type_integers_and_unsigned_bigint() {
    let t = one_table("SELECT CAST(18446744073709551615 AS UNSIGNED) AS big, -5 AS neg, CAST(7 AS UNSIGNED) AS small").await;
    assert_eq!(t.columns[0].db_type, "BIGINT UNSIGNED");
    assert_eq!(t.cell_text(0, 0).as_deref(), Some("18446744073709551615"));
    assert_eq!(t.cell_text(0, 1).as_deref(), Some("-5"));
    assert_eq!(t.columns[1].kind, ValueKind::Integer);
}

#[tokio::test]
async fn type_decimal_float_bit_bool() {
    let e = open(MYSQL_URL).await;
    let t = unique("my_types");
    let out = run(
        &e,
        &format!("CREATE TABLE {t} (d DECIMAL(30,10), f DOUBLE, b BIT(10), ok BOOLEAN, s VARCHAR(10), n VARCHAR(10));\nINSERT INTO {t} VALUES (12345678901234567890.0123456789, 0.1, b'1000000001', TRUE, 'NULL', NULL);\nSELECT * FROM {t};\nDROP TABLE {t};"),
    )
    .await;
    let table = out.ok().table(2);
    assert_eq!(table.columns[0].kind, ValueKind::Decimal);
    assert_eq!(
        table.cell_text(0, 0).as_deref(),
        Some("12345678901234567890.0123456789")
    );
    assert_eq!(table.cell_text(0, 1).as_deref(), Some("0.1"));
    assert_eq!(table.cell_text(0, 2).as_deref(), Some("513"));
    // BOOLEAN is TINYINT(1): `mariadb -e "select ok from t"` prints 1, as for the TRUE literal.
    assert_eq!(table.columns[3].kind, ValueKind::Integer);
    assert_eq!(table.cell_text(0, 3).as_deref(), Some("1"));
    assert_eq!(table.cell_text(0, 4).as_deref(), Some("NULL"));
    assert_eq!(table.cell_text(0, 5), None);
}

#[tokio::test]
async fn type_temporal_blob_json() {
    let t = one_table("SELECT CAST('2024-02-29 13:14:15.123456' AS DATETIME(6)) AS dt, DATE '2024-02-29' AS d, CAST('-838:59:59' AS TIME) AS t, X'00FF' AS bin, JSON_OBJECT('a', 1) AS j").await;
    assert_eq!(t.columns[0].kind, ValueKind::Temporal);
    assert_eq!(
        t.cell_text(0, 0).as_deref(),
        Some("2024-02-29 13:14:15.123456")
    );
    assert_eq!(t.cell_text(0, 1).as_deref(), Some("2024-02-29"));
    assert_eq!(t.cell_text(0, 2).as_deref(), Some("-838:59:59"));
    assert_eq!(t.columns[3].kind, ValueKind::Binary);
    assert_eq!(t.cell_text(0, 3).as_deref(), Some("\\x00ff"));
    assert_eq!(t.cell_text(0, 4).as_deref(), Some("{\"a\": 1}"));
}

#[tokio::test]
async fn failing_statement_names_statement_and_position() {
    let e = open(MYSQL_URL).await;
    let out = run(&e, "SELECT 1;\nSELECT 2 FROMM dual;\nSELECT 3").await;
    let err = out.err();
    assert_eq!(err.ename, "SqlError[1064]");
    assert_eq!(err.detail[0], "statement 2 of 3, line 2 (MySQL):");
    let line = err
        .detail
        .iter()
        .position(|d| d.trim() == "SELECT 2 FROMM dual")
        .expect("statement shown");
    // MariaDB reads FROMM as an alias and quotes what follows it: the caret goes there.
    assert!(err.evalue.contains("near 'dual'"), "{}", err.evalue);
    assert_eq!(
        err.detail[line + 1].find('^'),
        err.detail[line].find("dual"),
        "{:?}",
        err.detail
    );
    assert!(
        err.detail
            .iter()
            .any(|d| d == "1 later statement of this cell was not run")
    );
    assert_eq!(out.sink.results.len(), 1);
    let missing = run(&e, "SELECT * FROM no_such_table_here").await;
    assert_eq!(missing.err().ename, "SqlError[1146]");
}

#[tokio::test]
async fn bound_variables_are_never_spliced() {
    let e = open(MYSQL_URL).await;
    let t = unique("my_bind");
    let vars = SharedVariables::default();
    set(&vars, "evil", Scalar::Text("x'); DROP TABLE t; --".into()));
    set(&vars, "n", Scalar::Int(41));
    run(
        &e,
        &format!(
            "CREATE TABLE {t} (name VARCHAR(100), n BIGINT, price DECIMAL(10,2), at DATETIME)"
        ),
    )
    .await
    .ok();
    let out = run_with(
        &e,
        &vars,
        &format!("INSERT INTO {t} VALUES (:evil, :n, 12.50, '2024-01-02 03:04:05');\nSELECT name, n + 1 AS next, price, at FROM {t} WHERE name = :evil AND n = :n"),
        CancellationToken::new(),
    )
    .await;
    out.ok();
    let table = out.table(1);
    assert_eq!(
        table.cell_text(0, 0).as_deref(),
        Some("x'); DROP TABLE t; --")
    );
    assert_eq!(table.cell_text(0, 1).as_deref(), Some("42"));
    assert_eq!(table.cell_text(0, 2).as_deref(), Some("12.50"));
    assert_eq!(
        table.cell_text(0, 3).as_deref(),
        Some("2024-01-02 03:04:05")
    );
    run(&e, &format!("DROP TABLE {t}")).await.ok();
}

#[tokio::test]
async fn out_and_display_limit() {
    let e = open(MYSQL_URL).await;
    let vars = SharedVariables::default();
    let out = run_with(&e, &vars, "%%sql --limit 4 --out seq\nSET max_recursive_iterations = 100000;\nWITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 5000) SELECT n FROM g", CancellationToken::new()).await;
    let shown = out.ok().table(1);
    assert_eq!((shown.shown_rows(), shown.total_rows), (4, 5000));
    match vars.lock().get("seq") {
        Some(Variable::Table(t)) => assert_eq!(t.shown_rows(), 5000),
        other => panic!("not stored: {other:?}"),
    }
}

#[tokio::test]
async fn zero_rows_still_show_the_header() {
    let e = open(MYSQL_URL).await;
    let out = run(&e, "SELECT 1 AS one, 'x' AS two FROM dual WHERE 1 = 0").await;
    let t = out.ok().table(0);
    assert_eq!(t.total_rows, 0);
    assert_eq!(
        t.columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        vec!["one", "two"]
    );
}

#[tokio::test]
async fn stop_kills_the_query_on_the_server_and_the_connection_still_works() {
    let e = open(MYSQL_URL).await;
    let id = connection_id(&e).await;
    stopped_within_a_second(&e, "SELECT SLEEP(30); SELECT 2").await;
    assert_not_running(&id).await;
    assert_eq!(
        run(&e, "SELECT 42").await.ok().cell(0, 0).as_deref(),
        Some("42")
    );
    assert_eq!(connection_id(&e).await, id);
}

async fn connection_id(e: &std::sync::Arc<dyn dbkernel::engine::Engine>) -> String {
    run(e, "SELECT CONNECTION_ID()")
        .await
        .ok()
        .cell(0, 0)
        .expect("id")
}

/// Checks from another connection that connection `id` is idle: KILL QUERY reached the server.
async fn assert_not_running(id: &str) {
    let observer = open(MYSQL_URL).await;
    let out = run(
        &observer,
        &format!("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = {id} AND COMMAND = 'Query'"),
    )
    .await;
    assert_eq!(out.ok().cell(0, 0).as_deref(), Some("0"));
}

#[tokio::test]
async fn reconnects_after_the_server_closed_an_idle_connection() {
    let e = open(MYSQL_URL).await;
    let id = run(&e, "SELECT CONNECTION_ID()")
        .await
        .ok()
        .cell(0, 0)
        .expect("id");
    let killer = open(MYSQL_URL).await;
    run(&killer, &format!("KILL CONNECTION {id}")).await.ok();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let out = run(&e, "SELECT 7").await;
    assert_eq!(out.ok().cell(0, 0).as_deref(), Some("7"));
    assert!(
        out.sink.stderr.contains("reconnected"),
        "{:?}",
        out.sink.stderr
    );
}

#[tokio::test]
async fn connection_lost_inside_a_transaction_is_reported() {
    let e = open(MYSQL_URL).await;
    let t = unique("my_lost");
    run(&e, &format!("CREATE TABLE {t} (a INT) ENGINE=InnoDB"))
        .await
        .ok();
    run(&e, &format!("BEGIN; INSERT INTO {t} VALUES (1)"))
        .await
        .ok();
    let id = run(&e, "SELECT CONNECTION_ID()")
        .await
        .ok()
        .cell(0, 0)
        .expect("id");
    let killer = open(MYSQL_URL).await;
    run(&killer, &format!("KILL CONNECTION {id}")).await.ok();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let err = run(&e, "COMMIT").await;
    assert!(
        err.err().evalue.contains("inside an open transaction"),
        "{:?}",
        err.result
    );
    let after = run(&e, &format!("SELECT count(*) FROM {t}; DROP TABLE {t}")).await;
    assert_eq!(after.ok().cell(0, 0).as_deref(), Some("0"));
}

#[tokio::test]
async fn explain_never_runs_what_it_does_not_explain() {
    let e = open(MYSQL_URL).await;
    let t = unique("my_noexec");
    run(
        &e,
        &format!("CREATE TABLE {t} (a INT) ENGINE=InnoDB; INSERT INTO {t} VALUES (1)"),
    )
    .await
    .ok();
    explain_does_not_run_a_drop(&e, &t).await;
    let left = run(&e, &format!("SELECT COUNT(*) FROM {t}")).await;
    assert_eq!(left.ok().cell(0, 0).as_deref(), Some("1"));
    run(&e, &format!("DROP TABLE {t}")).await.ok();
}

#[tokio::test]
async fn analyze_of_a_write_is_rolled_back() {
    let e = open(MYSQL_URL).await;
    let t = unique("my_analyze");
    run(
        &e,
        &format!("CREATE TABLE {t} (a INT) ENGINE=InnoDB; INSERT INTO {t} VALUES (1), (2), (3)"),
    )
    .await
    .ok();
    let out = analyze_of_a_delete_is_rolled_back(&e, &t).await;
    // MariaDB's ANALYZE FORMAT=JSON: measured rows (r_rows) beside the estimate.
    let plan = out.plan(0);
    assert_eq!(plan.engine, "MariaDB");
    let scan = plan
        .root
        .walk()
        .into_iter()
        .find(|n| n.object.as_deref() == Some(t.as_str()))
        .expect("the table");
    assert!(scan.actual_rows.is_some() && scan.est_rows.is_some());
    // A bound statement too.
    let vars = SharedVariables::default();
    set(&vars, "n", Scalar::Int(1));
    let out = run_with(
        &e,
        &vars,
        &format!("%%sql --analyze\nDELETE FROM {t} WHERE a > :n"),
        CancellationToken::new(),
    )
    .await;
    assert!(out.ok().plan(0).analyzed);
    assert_eq!(out.plan(0).notes.len(), 1);
    let left = run(&e, &format!("SELECT COUNT(*) FROM {t}")).await;
    assert_eq!(left.ok().cell(0, 0).as_deref(), Some("3"));
    // Inside the user's transaction: a savepoint, so the user's own insert stays pending.
    run(
        &e,
        &format!("START TRANSACTION; INSERT INTO {t} VALUES (4)"),
    )
    .await
    .ok();
    let out = run(&e, &format!("%%sql --analyze\nUPDATE {t} SET a = a + 10")).await;
    assert_eq!(
        out.ok().plan(0).notes,
        vec!["the UPDATE ran inside a transaction that was rolled back; no rows were changed"]
    );
    let inside = run(&e, &format!("SELECT COUNT(*), MAX(a) FROM {t}")).await;
    assert_eq!(inside.ok().cell(0, 0).as_deref(), Some("4"));
    assert_eq!(inside.cell(0, 1).as_deref(), Some("4"));
    run(&e, "ROLLBACK").await.ok();
    let after = run(&e, &format!("SELECT COUNT(*) FROM {t}")).await;
    assert_eq!(after.ok().cell(0, 0).as_deref(), Some("3"));
    run(&e, &format!("DROP TABLE {t}")).await.ok();
}

#[tokio::test]
async fn analyze_refuses_a_write_to_a_table_that_cannot_roll_back() {
    let e = open(MYSQL_URL).await;
    let t = unique("my_myisam");
    run(
        &e,
        &format!("CREATE TABLE {t} (a INT) ENGINE=MyISAM; INSERT INTO {t} VALUES (1), (2)"),
    )
    .await
    .ok();
    let out = run(&e, &format!("%%sql --analyze\nDELETE FROM {t}")).await;
    let texts = out.ok().texts();
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(
        texts[0].starts_with(&format!(
            "DELETE: not run — --analyze executes the statement, and {t} (MyISAM) cannot roll back"
        )),
        "{texts:?}"
    );
    let left = run(&e, &format!("SELECT COUNT(*) FROM {t}")).await;
    assert_eq!(left.ok().cell(0, 0).as_deref(), Some("2"));
    // A read of the same table is fine.
    let out = run(&e, &format!("%%sql --analyze\nSELECT * FROM {t}")).await;
    assert!(out.ok().texts().is_empty());
    // Through a view the catalogue shows no engine: the ROLLBACK's warning 1196 is reported.
    let v = unique("my_myisam_view");
    run(&e, &format!("CREATE VIEW {v} AS SELECT a FROM {t}"))
        .await
        .ok();
    let out = run(&e, &format!("%%sql --analyze\nDELETE FROM {v} WHERE a = 1")).await;
    let notes = &out.ok().plan(0).notes;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("its changes were NOT undone"),
        "{notes:?}"
    );
    let left = run(&e, &format!("SELECT COUNT(*) FROM {t}")).await;
    assert_eq!(left.ok().cell(0, 0).as_deref(), Some("1"));
    run(&e, &format!("DROP VIEW {v}; DROP TABLE {t}"))
        .await
        .ok();
}

#[tokio::test]
async fn connect_to_a_silent_server_times_out_with_the_address() {
    connect_to_a_silent_server_times_out(|port| format!("mysql://root@127.0.0.1:{port}/test"))
        .await;
}

#[tokio::test]
async fn refused_port_is_one_clear_line() {
    sql_support::refused_port_is_one_clear_line("mariadb://root@127.0.0.1:1/test").await;
}

#[tokio::test]
async fn open_transaction_is_visible() {
    let e = open(MYSQL_URL).await;
    run(&e, "START TRANSACTION").await.ok();
    assert_eq!(e.open_transaction().as_deref(), Some("transaction open"));
    let out = run(&e, "SELECT 1").await;
    assert_eq!(
        out.ok().table(0).provenance.note.as_deref(),
        Some("transaction open")
    );
    run(&e, "COMMIT").await.ok();
    assert_eq!(e.open_transaction(), None);
}

#[tokio::test]
async fn bound_statements_print_every_type_like_unbound_ones() {
    let e = open(MYSQL_URL).await;
    let t = unique("my_types");
    run(&e, &format!("SET SESSION sql_mode = ''; CREATE TABLE {t} (id INT, d DATE, dt DATETIME, dt6 DATETIME(6), t TIME, f FLOAT, db DOUBLE, dec1 DECIMAL(20,6), b BIT(3), j JSON, u BIGINT UNSIGNED, y YEAR, s VARCHAR(20), bl BLOB, ts TIMESTAMP NULL); INSERT INTO {t} VALUES (1, '0000-00-00', '0000-00-00 00:00:00', '2024-01-02 03:04:05.000007', '-12:30:00', 1.1, 0.1, 12345.678900, b'101', '{{\"a\": [1, 2]}}', 18446744073709551615, 2024, 'héllo', 'xy', '0000-00-00 00:00:00')")).await.ok();
    let columns = "d, dt, dt6, t, f, db, dec1, b, j, u, y, s, bl, ts";
    let (bound, unbound) = select_row_one_bound_and_unbound(&e, columns, &t).await;
    let cells = all_cells(bound.ok());
    assert_eq!(cells, all_cells(unbound.ok()));
    // The mysql client prints (BIT as its number, which is how dbkernel shows BIT):
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        cells[0][..12].to_vec(),
        vec![
            s("0000-00-00"),
            s("0000-00-00 00:00:00"),
            s("2024-01-02 03:04:05.000007"),
            s("-12:30:00"),
            s("1.1"),
            s("0.1"),
            s("12345.678900"),
            s("5"),
            s("{\"a\": [1, 2]}"),
            s("18446744073709551615"),
            s("2024"),
            s("héllo"),
        ]
    );
    assert_eq!(cells[0][13], s("0000-00-00 00:00:00"));
    let kinds = |out: &Outcome| -> Vec<(String, ValueKind)> {
        out.table(0)
            .columns
            .iter()
            .map(|c| (c.db_type.clone(), c.kind))
            .collect()
    };
    assert_eq!(kinds(&bound), kinds(&unbound));
    run(&e, &format!("DROP TABLE {t}")).await.ok();
}

#[tokio::test]
async fn bound_text_is_a_value_whatever_the_sql_mode() {
    let e = open(MYSQL_URL).await;
    let t = unique("my_evil");
    run(
        &e,
        &format!("CREATE TABLE {t} (s TEXT) DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_unicode_ci"),
    )
    .await
    .ok();
    let evil = [
        "'); DROP TABLE t; --",
        "\\'); DROP TABLE t; -- ",
        "a\\\\'b''c\\",
        "\"; DROP TABLE t; #",
        "`x`; DROP TABLE t",
        "line\nbreak\ttab ☃ 😀",
        "",
    ];
    let settings = ["", "NO_BACKSLASH_ESCAPES,ANSI_QUOTES"].map(|mode| {
        (
            format!("SET SESSION sql_mode = '{mode}'; DELETE FROM {t}"),
            format!("sql_mode={mode}"),
        )
    });
    bound_text_round_trips(&e, &t, &settings, &evil, "CHAR_LENGTH", "1").await;
    // The session's user variables are left as they were.
    let vars = run(&e, "SELECT @dbkernel_sql IS NULL, @dbkernel_p1 IS NULL").await;
    assert_eq!(
        all_cells(vars.ok()),
        vec![vec![Some("1".into()), Some("1".into())]]
    );
    run(&e, &format!("DROP TABLE {t}")).await.ok();
}

#[tokio::test]
async fn bound_floats_and_bounded_errors() {
    let e = open(MYSQL_URL).await;
    let vars = SharedVariables::default();
    set(&vars, "f", Scalar::Float(0.1));
    set(&vars, "nan", Scalar::Float(f64::NAN));
    let out = run_with(&e, &vars, "SELECT :f + 0 AS f", CancellationToken::new()).await;
    assert_eq!(out.ok().cell(0, 0).as_deref(), Some("0.1"));
    let out = run_with(&e, &vars, "SELECT :nan", CancellationToken::new()).await;
    assert!(
        out.err().evalue.contains(":nan is NaN or infinite"),
        "{}",
        out.err().evalue
    );
    // A syntax error in a bound statement still points into the user's text (`FROMM` is an
    // alias there; MariaDB says: near 'dual').
    let out = run_with(&e, &vars, "SELECT :f FROMM dual", CancellationToken::new()).await;
    let err = out.err();
    assert_eq!(err.ename, "SqlError[1064]");
    assert_caret_under(err, "FROMM", "dual");
}

#[tokio::test]
async fn stop_during_a_row_lock_wait_kills_the_query() {
    let e = open(MYSQL_URL).await;
    let holder = open(MYSQL_URL).await;
    let t = unique("my_lock");
    run(&e, &format!("CREATE TABLE {t} (id INT PRIMARY KEY, v INT) ENGINE=InnoDB; INSERT INTO {t} VALUES (1, 1)"))
        .await
        .ok();
    run(
        &holder,
        &format!("START TRANSACTION; SELECT * FROM {t} WHERE id = 1 FOR UPDATE"),
    )
    .await
    .ok();
    let id = connection_id(&e).await;
    stopped_within_a_second(&e, &format!("UPDATE {t} SET v = 2 WHERE id = 1")).await;
    assert_not_running(&id).await;
    assert_eq!(connection_id(&e).await, id);
    run(&holder, "ROLLBACK").await.ok();
    run(&e, &format!("DROP TABLE {t}")).await.ok();
}

#[tokio::test]
async fn a_huge_result_keeps_the_display_limit_and_counts_the_rest() {
    let e = open(MYSQL_URL).await;
    let out = run(
        &e,
        // Ten digits to the fifth, twice: 200 000 rows (MariaDB stops a recursive CTE at
        // max_recursive_iterations = 1000).
        "WITH d(n) AS (SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) \
         SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 10000 * f.n + 100000 * g.n AS n, MD5(a.n) FROM d a, d b, d c, d e, d f, (SELECT 0 AS n UNION ALL SELECT 1) g",
    )
    .await;
    let t = out.ok().table(0);
    assert_eq!((t.shown_rows(), t.total_rows), (50, 200000));
}

#[tokio::test]
async fn analyze_with_autocommit_off_keeps_the_pending_work() {
    let e = open(MYSQL_URL).await;
    let t = unique("my_autocommit");
    run(&e, &format!("CREATE TABLE {t} (a INT) ENGINE=InnoDB"))
        .await
        .ok();
    // No BEGIN: with autocommit = 0 the INSERT waits for a COMMIT, and START TRANSACTION would
    // commit it; --analyze uses a savepoint instead.
    run(
        &e,
        &format!("SET autocommit = 0; INSERT INTO {t} VALUES (1), (2)"),
    )
    .await
    .ok();
    let out = run(&e, &format!("%%sql --analyze\nDELETE FROM {t}")).await;
    assert_eq!(out.ok().plan(0).notes.len(), 1, "{:?}", out.sink.results);
    run(&e, "ROLLBACK; SET autocommit = 1").await.ok();
    let left = run(&e, &format!("SELECT COUNT(*) FROM {t}")).await;
    assert_eq!(left.ok().cell(0, 0).as_deref(), Some("0"));
    run(&e, &format!("DROP TABLE {t}")).await.ok();
}

#[tokio::test]
async fn reconnect_to_a_server_that_fell_silent_times_out() {
    sql_support::reconnect_to_a_server_that_fell_silent_times_out("127.0.0.1:3306", |port| {
        format!("mysql://root@127.0.0.1:{port}/test")
    })
    .await;
}

/// `LOAD DATA LOCAL INFILE` reads the kernel's file as the mysql client reads its own:
/// `mariadb -vvv` prints `Query OK, 3 rows affected` / `Records: 3  Deleted: 0  Skipped: 0
/// Warnings: 0`, and for a missing file `ERROR 2 (HY000): File '…' not found (Errcode: 2)`,
/// after which the session goes on.
#[tokio::test]
async fn load_data_local_infile_reads_the_kernels_file() {
    let dir = std::env::temp_dir().join(unique("dbk_load"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("items.tsv");
    std::fs::write(&file, "1\tpen\n2\tink\n3\tbrush\n").unwrap();
    let missing = dir.join("missing.tsv");
    let e = open(MYSQL_URL).await;
    let out = run(
        &e,
        &format!(
            "CREATE TEMPORARY TABLE l1 (id INT, name VARCHAR(10));\nLOAD DATA LOCAL INFILE '{}' INTO TABLE l1;\nSELECT COUNT(*), MAX(name) FROM l1",
            file.display()
        ),
    )
    .await;
    out.ok();
    assert_eq!(
        out.status(1),
        "3 rows affected\nRecords: 3  Deleted: 0  Skipped: 0  Warnings: 0"
    );
    assert_eq!(out.table(2).cell_text(0, 0).as_deref(), Some("3"));
    assert_eq!(out.table(2).cell_text(0, 1).as_deref(), Some("pen"));
    let out = run(
        &e,
        &format!(
            "LOAD DATA LOCAL INFILE '{}' INTO TABLE l1",
            missing.display()
        ),
    )
    .await;
    let err = out.err();
    assert_eq!(err.ename, "SqlError[2]");
    assert_eq!(
        err.evalue,
        format!("File '{}' not found (Errcode: 2)", missing.display())
    );
    let after = run(&e, "SELECT COUNT(*) FROM l1").await;
    assert_eq!(after.ok().cell(0, 0).as_deref(), Some("3"));
    std::fs::remove_dir_all(&dir).unwrap();
}
