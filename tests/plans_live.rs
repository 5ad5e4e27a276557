//! Plans end to end through the engines, against the real servers on this machine (PostgreSQL,
//! MariaDB, SQLite, the embedded MongoDB engine): which cells draw a plan, that `--analyze`
//! of a write is rolled back and says so, that a typed TEXT plan is read from its text, that
//! `--out` keeps a plan and `--compare` draws it beside a new one, that misuse is refused before
//! anything runs, and the MIME bundle JupyterLab gets (the SVG is not hidden by any type it
//! ranks higher).

mod mql_support;
mod sql_support;

use dbkernel::result::QueryResult;
use dbkernel::session::variables::SharedVariables;
use sql_support::{MYSQL_URL, PG_URL, open, run, run_with, unique};
use tokio_util::sync::CancellationToken;

fn plan_result(results: &[QueryResult], index: usize) -> &dbkernel::result::PlanResult {
    match results.get(index) {
        Some(QueryResult::Plan(p)) => p,
        other => panic!("result {index} is not a plan: {other:?}"),
    }
}

#[tokio::test]
async fn postgres_plans_from_options_and_typed_explains() {
    let e = open(PG_URL).await;
    let t = unique("plan_pg");
    run(
        &e,
        &format!(
            "CREATE TABLE {t} (id int PRIMARY KEY, k int, v text);\
             INSERT INTO {t} SELECT i, i % 500, 'v' || i FROM generate_series(1, 20000) i;\
             ANALYZE {t}"
        ),
    )
    .await
    .ok();
    let vars = SharedVariables::default();
    let cell = |s: String| s;
    // --explain: the kernel asks for JSON; nothing runs.
    let out = run_with(
        &e,
        &vars,
        &cell(format!(
            "%%sql --explain --out before\nSELECT * FROM {t} WHERE k = 7"
        )),
        CancellationToken::new(),
    )
    .await;
    let plan = out.ok().plan(0);
    assert_eq!(plan.root.title(), format!("Seq Scan on {t}"));
    assert!(!plan.analyzed);
    assert!(
        plan.raw
            .as_deref()
            .is_some_and(|r| r.contains("\"Node Type\""))
    );
    // The bundle: SVG + text, the raw plan under the vendor type; nothing JupyterLab ranks above
    // SVG (text/html, application/json).
    let bundle = dbkernel::render::render(&out.sink.results[0]);
    assert!(
        bundle["image/svg+xml"]
            .as_str()
            .unwrap()
            .starts_with("<svg")
    );
    assert!(
        bundle["text/plain"]
            .as_str()
            .unwrap()
            .contains(&format!("Seq Scan on {t}"))
    );
    assert!(bundle.contains_key("application/vnd.dbkernel.plan+json"));
    assert!(!bundle.contains_key("text/html") && !bundle.contains_key("application/json"));
    assert!(vars.lock().plan("before").is_some());
    // After an index, --compare draws both with the change per node.
    run(&e, &format!("CREATE INDEX {t}_k ON {t} (k)"))
        .await
        .ok();
    let out = run_with(
        &e,
        &vars,
        &format!("%%sql --analyze --compare before\nSELECT * FROM {t} WHERE k = 7"),
        CancellationToken::new(),
    )
    .await;
    let result = plan_result(&out.ok().sink.results, 0);
    let (name, before) = result.before.as_ref().expect("compared");
    assert_eq!(name, "before");
    assert_eq!(before.root.kind, "Seq Scan");
    assert!(
        result
            .plan
            .root
            .walk()
            .iter()
            .any(|n| n.index.as_deref() == Some(&format!("{t}_k")))
    );
    let text = dbkernel::render::render(&out.sink.results[0])["text/plain"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.starts_with("compared with before (before → after)"),
        "{text}"
    );
    // A typed EXPLAIN ANALYZE (TEXT) is drawn from its text: no JSON was asked for.
    let out = run(
        &e,
        &format!("EXPLAIN ANALYZE SELECT count(*) FROM {t} WHERE v LIKE 'v1%'"),
    )
    .await;
    let plan = out.ok().plan(0);
    assert!(plan.analyzed && plan.raw.is_none());
    assert_eq!(plan.root.kind, "Aggregate");
    assert!(plan.execution_ms.is_some());
    // FORMAT YAML is not drawn: the rows come back as they are.
    let out = run(&e, &format!("EXPLAIN (FORMAT YAML) SELECT * FROM {t}")).await;
    assert!(
        out.ok()
            .table(0)
            .cell_text(0, 0)
            .unwrap()
            .contains("Node Type")
    );
    // --analyze of a write: rolled back, and the plan says so.
    let out = run(&e, &format!("%%sql --analyze\nDELETE FROM {t} WHERE k = 1")).await;
    let plan = out.ok().plan(0);
    assert_eq!(plan.root.kind, "Delete");
    assert!(plan.notes[0].contains("rolled back"));
    let text = dbkernel::render::render(&out.sink.results[0])["text/plain"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.contains("note: the DELETE ran inside a transaction that was rolled back"),
        "{text}"
    );
    let left = run(&e, &format!("SELECT count(*) FROM {t}")).await;
    assert_eq!(left.ok().cell(0, 0).as_deref(), Some("20000"));
    run(&e, &format!("DROP TABLE {t}")).await.ok();
}

#[tokio::test]
async fn compare_is_refused_before_anything_runs() {
    let e = open(PG_URL).await;
    let t = unique("plan_refuse");
    run(&e, &format!("CREATE TABLE {t} (a int)")).await.ok();
    let out = run(
        &e,
        &format!("%%sql --analyze --compare nothing_kept\nINSERT INTO {t} VALUES (1)"),
    )
    .await;
    let err = out.err();
    assert!(
        err.evalue.contains("no plan is kept under that name"),
        "{}",
        err.evalue
    );
    let out = run(
        &e,
        &format!("%%sql --compare x\nINSERT INTO {t} VALUES (1)"),
    )
    .await;
    assert!(out.err().evalue.contains("the cell shows no plan"));
    let left = run(&e, &format!("SELECT count(*) FROM {t}")).await;
    assert_eq!(left.ok().cell(0, 0).as_deref(), Some("0"));
    run(&e, &format!("DROP TABLE {t}")).await.ok();
}

#[tokio::test]
async fn sqlite_query_plan_is_drawn_and_bytecode_stays_a_table() {
    let e = open("sqlite::memory:").await;
    run(
        &e,
        "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT); CREATE INDEX t_b ON t (b)",
    )
    .await
    .ok();
    let out = run(
        &e,
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE b = 'x' ORDER BY a",
    )
    .await;
    let plan = out.ok().plan(0);
    assert_eq!(plan.engine, "SQLite");
    assert!(
        plan.root
            .walk()
            .iter()
            .any(|n| n.index.as_deref() == Some("t_b")),
        "{:?}",
        plan.root
    );
    let out = run(&e, "EXPLAIN SELECT 1").await;
    assert!(out.ok().table(0).columns.iter().any(|c| c.name == "opcode"));
}

#[tokio::test]
async fn mariadb_plans_json_analyze_and_tabular() {
    let e = open(MYSQL_URL).await;
    let t = unique("plan_my");
    run(
        &e,
        &format!("CREATE TABLE {t} (id INT PRIMARY KEY, k INT) ENGINE=InnoDB; INSERT INTO {t} SELECT seq, seq % 10 FROM seq_1_to_2000"),
    )
    .await
    .ok();
    let out = run(
        &e,
        &format!("%%sql --explain\nSELECT * FROM {t} WHERE k = 3"),
    )
    .await;
    let plan = out.ok().plan(0);
    assert_eq!(plan.engine, "MariaDB");
    assert!(!plan.analyzed);
    let out = run(
        &e,
        &format!("%%sql --analyze\nSELECT * FROM {t} WHERE k = 3"),
    )
    .await;
    let plan = out.ok().plan(0);
    assert!(plan.analyzed);
    let scan = plan
        .root
        .walk()
        .into_iter()
        .find(|n| n.kind == "Table scan")
        .expect("a table scan");
    // MariaDB read all 2000 rows and kept the 200 with k = 3.
    assert_eq!(scan.actual_rows, Some(200.0));
    assert_eq!(scan.rows_removed, Some(1800.0));
    assert!(
        scan.warnings
            .iter()
            .any(|w| w.text.contains("an index on k is a candidate")),
        "{:?}",
        scan.warnings
    );
    // The tabular EXPLAIN a user types.
    let out = run(&e, &format!("EXPLAIN SELECT * FROM {t} WHERE id = 5")).await;
    let plan = out.ok().plan(0);
    assert_eq!(plan.root.kind, "Constant row");
    // MariaDB's ANALYZE FORMAT=JSON typed by hand.
    let out = run(&e, &format!("ANALYZE FORMAT=JSON SELECT count(*) FROM {t}")).await;
    assert!(out.ok().plan(0).analyzed);
    run(&e, &format!("DROP TABLE {t}")).await.ok();
}

#[tokio::test]
async fn mongodb_explain_option_and_explain_calls() {
    let db = mql_support::unique_db("plans");
    let e = mql_support::open().await;
    let vars = SharedVariables::default();
    let run = |source: String| {
        let e = e.clone();
        let vars = vars.clone();
        async move { mql_support::run(&e, &vars, &source).await }
    };
    run(format!(
        "use {db}\ndb.o.insertMany([{{ _id: 1, s: 'A', q: 5 }}, {{ _id: 2, s: 'B', q: 7 }}, {{ _id: 3, s: 'A', q: 9 }}])"
    ))
    .await
    .ok();
    // --explain uses executionStats: the plan was run and counted.
    let out = run(format!(
        "%%mql --explain --out scan\nuse {db}\ndb.o.find({{ s: 'A' }})"
    ))
    .await;
    let result = plan_result(&out.ok().sink.results, 1);
    assert!(result.plan.analyzed);
    assert_eq!(result.plan.root.kind, "COLLSCAN");
    assert_eq!(result.plan.root.docs_examined, Some(3.0));
    assert_eq!(result.plan.root.actual_rows, Some(2.0));
    // A write under --explain is only planned.
    let out = run(format!(
        "%%mql --explain\nuse {db}\ndb.o.deleteMany({{ s: 'A' }})"
    ))
    .await;
    plan_result(&out.ok().sink.results, 1);
    let count = run(format!("use {db}\ndb.o.countDocuments()")).await;
    assert!(count.ok().text().contains('3'), "{}", count.text());
    // .explain() in the cell is drawn; a part of it stays a value.
    run(format!("use {db}\ndb.o.createIndex({{ s: 1 }})"))
        .await
        .ok();
    let out = run(format!(
        "%%mql --compare scan\nuse {db}\ndb.o.find({{ s: 'A' }}).explain('executionStats')"
    ))
    .await;
    let result = plan_result(&out.ok().sink.results, 1);
    assert_eq!(result.before.as_ref().unwrap().1.root.kind, "COLLSCAN");
    assert!(result.plan.root.walk().iter().any(|n| n.kind == "IXSCAN"));
    // --json asks for the JSON tree: then (only then) the raw plan is application/json too.
    let out = run(format!(
        "%%mql --json\nuse {db}\ndb.o.find({{ s: 'A' }}).explain()"
    ))
    .await;
    let bundle = dbkernel::render::render(&out.ok().sink.results[1]);
    assert!(bundle["application/json"]["queryPlanner"].is_object());
    let out = run(format!(
        "use {db}\ndb.o.find({{ s: 'A' }}).explain().queryPlanner.winningPlan"
    ))
    .await;
    assert!(
        matches!(out.ok().last(), QueryResult::Value(_)),
        "{:?}",
        out.last()
    );
    // Counters are 32-bit integers, as mongod sends them: mongosh would print no Long(...).
    let out = run(format!(
        "use {db}\ndb.o.find({{ s: 'A' }}).explain('executionStats').executionStats"
    ))
    .await;
    let text = out.ok().text();
    assert!(
        text.contains("nReturned: 2") && !text.contains("Long("),
        "{text}"
    );
    run(format!("use {db}\ndb.dropDatabase()")).await.ok();
}
