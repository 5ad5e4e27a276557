//! `%%check` end to end through the session, on every engine: each comparison mode passes on a
//! right answer and fails on a wrong one with the difference named as docs/checks.md says.
//! The data is inserted by each test; the expected rows are what the real servers return for
//! it (SQLite in memory, PostgreSQL and MariaDB on 127.0.0.1, the embedded MongoDB engine, Redis).

use dbkernel::engine::context::CollectingSink;
use dbkernel::result::QueryResult;
use dbkernel::session::Session;
use tokio_util::sync::CancellationToken;

mod session_support;
use session_support::{ok, run, unique};

const PG: &str = "postgres://postgres@127.0.0.1:5432/test";
const MARIADB: &str = "mysql://root@127.0.0.1:3306/test";
const REDIS: &str = "redis://127.0.0.1:6379/0";

/// A passing check: its verdict is emitted and says what matched.
async fn passes(session: &mut Session, code: &str, summary: &str) {
    let sink = ok(session, code).await;
    let Some(QueryResult::Check(report)) = sink.results.last() else {
        panic!("no verdict for\n{code}\n{:?}", sink.results);
    };
    assert!(report.verdict.passed);
    assert!(
        report.headline().contains(summary),
        "{code}\n{}",
        report.headline()
    );
}

/// A failing check: CheckFailed, the headline's counts, and exactly these difference lines.
async fn fails(session: &mut Session, code: &str, summary: &str, lines: &[&str]) {
    let (sink, outcome) = run(session, code).await;
    let error = outcome.expect_err(code);
    assert_eq!(error.ename, "CheckFailed", "{code}\n{error}");
    assert!(error.evalue.contains(summary), "{code}\n{}", error.evalue);
    assert_eq!(error.detail, lines, "{code}");
    assert!(
        matches!(sink.results.last(), Some(QueryResult::Check(r)) if !r.verdict.passed),
        "the verdict is shown before the error"
    );
}

/// The same exercises on each SQL engine: `connect` opens connection `db` with a table `t` of
/// employees.
async fn sql_modes(session: &mut Session, t: &str) {
    // Unordered is the default without ORDER BY: any row order passes; a wrong value is named.
    ok(
        session,
        &format!("%%sql db --out q1\nSELECT name, salary FROM {t} WHERE salary > 100000"),
    )
    .await;
    passes(
        session,
        "%%check q1\n name  | salary\n-------+--------\n Grace | 110000\n Ada   | 120000\n(2 rows)",
        "2 rows match (compared unordered)",
    )
    .await;
    fails(
        session,
        "%%check q1\n name  | salary\n-------+--------\n Ada   | 120000\n Grace | 115000",
        "1 wrong value (compared unordered)",
        &["wrong value in the row with name = Grace: salary is 110000, expected 115000"],
    )
    .await;
    fails(
        session,
        "%%check q1 --hint 'salaries above 100000 only'\nname | salary\nAda | 120000",
        "1 extra row",
        &[
            "extra row (in the result, not expected): name = 'Grace', salary = 110000",
            "hint: salaries above 100000 only",
        ],
    )
    .await;

    // ORDER BY makes the order part of the answer.
    ok(
        session,
        &format!("%%sql db --out q2\nSELECT name FROM {t} ORDER BY salary DESC"),
    )
    .await;
    passes(
        session,
        "%%check q2\nname\nAda\nGrace\nLinus\nLinus",
        "4 rows match (compared in order)",
    )
    .await;
    fails(
        session,
        "%%check q2\nname\nGrace\nAda\nLinus\nLinus",
        "rows in another order",
        &["the same rows are there, in another order (first out of place: row 1)"],
    )
    .await;
    passes(
        session,
        "%%check q2 --unordered\nname\nGrace\nAda\nLinus\nLinus",
        "4 rows match (compared unordered)",
    )
    .await;

    // Bag versus set: Linus twice.
    ok(
        session,
        &format!("%%sql db --out q3\nSELECT name FROM {t} WHERE dept = 'eng'"),
    )
    .await;
    fails(
        session,
        "%%check q3\nname\nAda\nLinus",
        "1 extra row (compared unordered)",
        &["extra row (in the result, not expected): name = 'Linus'"],
    )
    .await;
    passes(
        session,
        "%%check q3 --set\nname\nLinus\nAda",
        "2 rows match (compared as a set)",
    )
    .await;

    // Numeric tolerance: the average of 120000, 95000.5 and 95000.25 is 103333.58333...
    ok(
        session,
        &format!("%%sql db --out q4\nSELECT avg(salary) AS mean FROM {t} WHERE dept = 'eng'"),
    )
    .await;
    let (_, outcome) = run(session, "%%check q4\nmean\n103333.58").await;
    let error = outcome.expect_err("the exact average is not 103333.58");
    assert_eq!(error.ename, "CheckFailed");
    assert_eq!(error.detail.len(), 1, "{:?}", error.detail);
    let line = &error.detail[0];
    assert!(
        line.starts_with("wrong value in the row: mean is 103333.58333")
            && line.ends_with(", expected 103333.58"),
        "{line}"
    );
    passes(
        session,
        "%%check q4 --digits 2\nmean\n103333.58",
        "1 row matches",
    )
    .await;

    // Columns: names, case, order, extras.
    ok(
        session,
        &format!(
            "%%sql db --out q5\nSELECT salary, name AS \"Name\", dept FROM {t} WHERE name = 'Ada'"
        ),
    )
    .await;
    fails(
        session,
        "%%check q5\nname | salary\nAda | 120000",
        "1 missing column, 2 unexpected columns",
        &[
            "missing column name",
            "unexpected column Name (the expectation does not have it; --extra-columns allows it)",
            "unexpected column dept (the expectation does not have it; --extra-columns allows it)",
        ],
    )
    .await;
    passes(
        session,
        "%%check q5 --ignore-column-case --extra-columns\nname | salary\nAda | 120000",
        "1 row matches",
    )
    .await;
    fails(
        session,
        "%%check q5 --ignore-column-case --column-order\nname | salary | dept\nAda | 120000 | eng",
        "columns in another order",
        &["columns come in the order salary, Name, dept; expected name, salary, dept"],
    )
    .await;

    // A reference query on a connection, and a variable kept earlier.
    passes(
        session,
        &format!("%%check q1 --sql --on db\nSELECT name, salary FROM {t} WHERE salary >= 110000"),
        "q1 matches the reference query on db: 2 rows match",
    )
    .await;
    fails(
        session,
        &format!("%%check q1 --sql --on db\nSELECT name, salary FROM {t} WHERE salary >= 120000"),
        "q1 does not match the reference query on db: 1 extra row",
        &["extra row (in the result, not expected): name = 'Grace', salary = 110000"],
    )
    .await;
    passes(session, "%%check q2 --expected q2", "q2 matches q2").await;
}

async fn sql_session(connect: &str, numeric: &str) -> (Session, String) {
    let mut session = Session::new();
    let t = unique("check_emp");
    ok(
        &mut session,
        &format!(
            "%connect db {connect}\n%%sql db\nCREATE TABLE {t} (name varchar(20), dept varchar(10), salary {numeric});\n\
             INSERT INTO {t} VALUES ('Ada', 'eng', 120000), ('Grace', 'ops', 110000), ('Linus', 'eng', 95000.5), ('Linus', 'eng', 95000.25)"
        ),
    )
    .await;
    (session, t)
}

#[tokio::test]
async fn check_modes_on_sqlite() {
    let (mut session, t) = sql_session("sqlite::memory:", "REAL").await;
    sql_modes(&mut session, &t).await;
}

#[tokio::test]
async fn check_modes_on_postgresql() {
    let (mut session, t) = sql_session(PG, "numeric(10,2)").await;
    sql_modes(&mut session, &t).await;
    ok(&mut session, &format!("%%sql db\nDROP TABLE {t}")).await;
}

#[tokio::test]
async fn check_modes_on_mariadb() {
    let (mut session, t) = sql_session(MARIADB, "decimal(10,2)").await;
    sql_modes(&mut session, &t).await;
    ok(&mut session, &format!("%%sql db\nDROP TABLE {t}")).await;
}

#[tokio::test]
async fn check_modes_on_the_embedded_mongodb_engine() {
    let mut session = Session::new();
    let db = unique("checkdb");
    ok(
        &mut session,
        &format!(
            "%connect m embedded\n%%mql m\nuse {db}\ndb.emp.insertMany([\
             {{ name: 'Ada', dept: 'eng', salary: 120000 }}, {{ name: 'Grace', dept: 'ops', salary: 110000 }},\
             {{ name: 'Linus', dept: 'eng', salary: 95000.5 }}, {{ name: 'Linus', dept: 'eng', salary: 95000.25 }}])"
        ),
    )
    .await;
    // find() without sort: unordered; `_id` is compared unless --ignore-id.
    ok(
        &mut session,
        "%%mql m --out rich\ndb.emp.find({ salary: { $gt: 100000 } }, { dept: 0 })",
    )
    .await;
    let (_, outcome) = run(
        &mut session,
        "%%check rich\n{ name: 'Grace', salary: 110000 }\n{ name: 'Ada', salary: 120000 }",
    )
    .await;
    let error = outcome.expect_err("_id is compared by default");
    assert_eq!(error.ename, "CheckFailed");
    assert!(error.evalue.contains("2 wrong values"), "{}", error.evalue);
    assert!(
        error.detail[0].starts_with(
            "wrong value in the document with name = 'Grace': unexpected field _id = ObjectId('"
        ),
        "{:?}",
        error.detail
    );
    passes(
        &mut session,
        "%%check rich --ignore-id\n{ salary: 110000, name: 'Grace' }\n{ name: 'Ada', salary: 120000 }",
        "rich matches the expected documents: 2 documents match (compared unordered)",
    )
    .await;
    fails(
        &mut session,
        "%%check rich --ignore-id\n[{ name: 'Ada', salary: 120000 }, { name: 'Grace', salary: 100000 }]",
        "1 wrong value",
        &["wrong value in the document with name = 'Grace': salary is 110000, expected 100000"],
    )
    .await;

    // sort() makes order count; --set and duplicates.
    ok(
        &mut session,
        "%%mql m --out names\ndb.emp.find({}, { _id: 0, name: 1 }).sort({ salary: -1 })",
    )
    .await;
    fails(
        &mut session,
        "%%check names\n[{ name: 'Grace' }, { name: 'Ada' }, { name: 'Linus' }, { name: 'Linus' }]",
        "documents in another order",
        &["the same documents are there, in another order (first out of place: document 1)"],
    )
    .await;
    fails(
        &mut session,
        "%%check names --unordered\n[{ name: 'Grace' }, { name: 'Ada' }, { name: 'Linus' }]",
        "1 extra document",
        &["extra document (in the result, not expected): {name: 'Linus'}"],
    )
    .await;
    passes(
        &mut session,
        "%%check names --set\n[{ name: 'Grace' }, { name: 'Ada' }, { name: 'Linus' }]",
        "3 documents match (compared as a set)",
    )
    .await;

    // Tolerance and field names.
    ok(&mut session, "%%mql m --out avg\ndb.emp.aggregate([{ $match: { dept: 'eng' } }, { $group: { _id: null, Mean: { $avg: '$salary' } } }])").await;
    fails(
        &mut session,
        "%%check avg --ignore-id --digits 2\n{ mean: 103333.58 }",
        "1 wrong value",
        &["wrong values in the document: mean is missing, expected 103333.58; unexpected field Mean = 103333.58333333333"],
    )
    .await;
    passes(
        &mut session,
        "%%check avg --ignore-id --ignore-column-case --digits 2\n{ mean: 103333.58 }",
        "1 document matches",
    )
    .await;
    fails(
        &mut session,
        "%%check avg --ignore-id --ignore-column-case\n{ mean: 103333.58 }",
        "1 wrong value",
        &["wrong value in the document: mean is 103333.58333333333, expected 103333.58"],
    )
    .await;
    passes(
        &mut session,
        "%%check avg --extra-columns --ignore-id\n{}",
        "1 document matches",
    )
    .await;

    // A value (a count) and a reference query; --column-order is refused on documents.
    ok(
        &mut session,
        "%%mql m --out n\ndb.emp.countDocuments({ dept: 'eng' })",
    )
    .await;
    passes(
        &mut session,
        "%%check n\n3",
        "n matches the expected value: the value matches",
    )
    .await;
    fails(
        &mut session,
        "%%check n\n4",
        "1 wrong value",
        &["the value is 3, expected 4"],
    )
    .await;
    passes(
        &mut session,
        &format!("%%check rich --mql --on m\nuse {db}\ndb.emp.find({{ salary: {{ $gte: 110000 }} }}, {{ dept: 0 }})"),
        "2 documents match",
    )
    .await;
    let (_, outcome) = run(&mut session, "%%check rich --column-order\n{}").await;
    let e = outcome.unwrap_err();
    assert_eq!(e.ename, "UsageError");
    assert!(e.evalue.contains("--column-order applies to tables"), "{e}");
    ok(
        &mut session,
        &format!("%%mql m\nuse {db}\ndb.dropDatabase()"),
    )
    .await;
}

#[tokio::test]
async fn check_modes_on_redis() {
    let mut session = Session::new();
    let k = unique("dbk:check");
    ok(
        &mut session,
        &format!(
            "%connect r {REDIS}\n%%redis r\nSADD {k}:tags sql databases nosql\nRPUSH {k}:queue a b c\nHSET {k}:user name Ada visits 3"
        ),
    )
    .await;
    // Sets are unordered whatever the server's order.
    ok(
        &mut session,
        &format!("%%redis r --out tags\nSMEMBERS {k}:tags"),
    )
    .await;
    passes(
        &mut session,
        "%%check tags\n['databases', 'nosql', 'sql']",
        "3 elements match (compared unordered)",
    )
    .await;
    fails(
        &mut session,
        "%%check tags\n['databases', 'sql', 'graph']",
        "1 missing element, 1 extra element",
        &[
            "missing element (expected, not in the result): 'graph'",
            "extra element (in the result, not expected): 'nosql'",
        ],
    )
    .await;
    // Lists are ordered.
    ok(
        &mut session,
        &format!("%%redis r --out queue\nLRANGE {k}:queue 0 -1"),
    )
    .await;
    passes(
        &mut session,
        "%%check queue\n['a', 'b', 'c']",
        "3 elements match (compared in order)",
    )
    .await;
    fails(
        &mut session,
        "%%check queue\n['a', 'c', 'b']",
        "elements in another order",
        &["the same elements are there, in another order (first out of place: element 2)"],
    )
    .await;
    fails(
        &mut session,
        "%%check queue\n['a', 'b']",
        "1 extra element (compared in order)",
        &["extra element 3 (in the result, not expected): 'c'"],
    )
    .await;
    // A hash is a map: field order ignored, numbers match the strings Redis keeps.
    ok(
        &mut session,
        &format!("%%redis r --out user\nHGETALL {k}:user"),
    )
    .await;
    passes(
        &mut session,
        "%%check user\n{ visits: 3, name: 'Ada' }",
        "the value matches",
    )
    .await;
    fails(
        &mut session,
        "%%check user\n{ name: 'Ada', visits: 4, plan: 'pro' }",
        "2 wrong values",
        &[
            "visits is '3', expected 4",
            "plan is missing, expected 'pro'",
        ],
    )
    .await;
    // A single reply, and a reference command.
    ok(
        &mut session,
        &format!("%%redis r --out size\nSCARD {k}:tags"),
    )
    .await;
    passes(&mut session, "%%check size\n3", "the value matches").await;
    passes(
        &mut session,
        &format!("%%check tags --redis --on r\nSMEMBERS {k}:tags"),
        "3 elements match",
    )
    .await;
    ok(
        &mut session,
        &format!("%%redis r\nDEL {k}:tags {k}:queue {k}:user"),
    )
    .await;
}

#[tokio::test]
async fn a_missing_variable_fails_the_check_and_says_how_to_make_it() {
    let mut session = Session::new();
    let (_, outcome) = run(&mut session, "%%check q9\nn\n1").await;
    let e = outcome.unwrap_err();
    assert_eq!(e.ename, "CheckFailed");
    assert!(e.evalue.contains("there is no result named q9"), "{e}");
    assert!(e.evalue.contains("--out q9"), "{e}");
}

#[tokio::test]
async fn a_mongodb_reference_query_checks_a_sql_answer() {
    let (mut session, t) = sql_session("sqlite::memory:", "INTEGER").await;
    let db = unique("checkx");
    ok(
        &mut session,
        &format!(
            "%connect m embedded\n%%mql m\nuse {db}\ndb.emp.insertMany([{{ name: 'Ada', salary: 120000 }}, {{ name: 'Grace', salary: 110000 }}, {{ name: 'Linus', salary: 95000 }}])"
        ),
    )
    .await;
    ok(
        &mut session,
        &format!("%%sql db --out q1\nSELECT name, salary FROM {t} WHERE salary > 100000"),
    )
    .await;
    passes(
        &mut session,
        &format!(
            "%%check q1 --mql --on m\nuse {db}\ndb.emp.find({{ salary: {{ $gt: 100000 }} }}, {{ _id: 0 }})"
        ),
        "q1 matches the reference query on m: 2 documents match",
    )
    .await;
    fails(
        &mut session,
        &format!(
            "%%check q1 --mql --on m\nuse {db}\ndb.emp.find({{ salary: {{ $gt: 90000 }} }}, {{ _id: 0 }})"
        ),
        "1 missing document",
        &["missing document (expected, not in the result): {name: 'Linus', salary: 95000}"],
    )
    .await;
}

/// The recipe docs/teaching.md gives for answer keys students cannot change: PostgreSQL's
/// `default_transaction_read_only` through the URL's `options` (kept across reconnects, since
/// it is part of the URL), SQLite's `mode=ro`.
#[tokio::test]
async fn read_only_reference_connections_refuse_writes_and_still_check() {
    let mut session = Session::new();
    let t = unique("check_ro");
    ok(
        &mut session,
        &format!(
            "%connect rw {PG}\n%%sql rw\nCREATE TABLE {t} (n int);\nINSERT INTO {t} VALUES (1), (2)"
        ),
    )
    .await;
    ok(
        &mut session,
        &format!("%connect ref {PG}?options=-c%20default_transaction_read_only%3Don"),
    )
    .await;
    let (_, outcome) = run(&mut session, &format!("%%sql ref\nDELETE FROM {t}")).await;
    let e = outcome.unwrap_err();
    assert_eq!(e.ename, "SqlError[25006]", "{e}");
    assert!(e.evalue.contains("read-only transaction"), "{e}");
    ok(
        &mut session,
        &format!("%%sql rw --out q\nSELECT n FROM {t}"),
    )
    .await;
    passes(
        &mut session,
        &format!("%%check q --sql --on ref\nSELECT n FROM {t}"),
        "2 rows match",
    )
    .await;
    ok(&mut session, &format!("%%sql rw\nDROP TABLE {t}")).await;

    let file = std::env::temp_dir().join(format!("{}.db", unique("check_ro")));
    let path = file.display();
    ok(
        &mut session,
        &format!(
            "%connect lw sqlite:{path}?mode=rwc\n%%sql lw\nCREATE TABLE k (n INTEGER);\nINSERT INTO k VALUES (7)"
        ),
    )
    .await;
    ok(&mut session, &format!("%connect lr sqlite:{path}?mode=ro")).await;
    let (_, outcome) = run(&mut session, "%%sql lr\nINSERT INTO k VALUES (8)").await;
    let e = outcome.unwrap_err();
    assert!(e.evalue.contains("readonly"), "{e}");
    let _ = std::fs::remove_file(&file);
}

#[tokio::test]
async fn the_stop_button_ends_a_long_comparison_at_once() {
    let mut session = Session::new();
    ok(
        &mut session,
        "%%sql --out big\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT i, i * 2 AS j FROM n",
    )
    .await;
    let cancel = CancellationToken::new();
    let stopper = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        stopper.cancel();
    });
    let mut sink = CollectingSink::default();
    let started = std::time::Instant::now();
    let outcome = session
        .run_cell("%%check big --expected big --set", &mut sink, cancel)
        .await;
    let took = started.elapsed();
    match outcome {
        // A fast machine may finish first; otherwise the stop button answered within a second.
        Ok(()) => assert!(took < std::time::Duration::from_secs(2), "{took:?}"),
        Err(e) => {
            assert!(e.is_interrupt(), "{e}");
            assert!(took < std::time::Duration::from_secs(1), "{took:?}");
        }
    }
}
