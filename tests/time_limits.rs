//! Time limits (`--time-limit SECONDS`, `%config time_limit`): a statement that runs too long is
//! cancelled on the server through the engine's own cancellation, the cell fails with
//! `TimeLimitExceeded` naming the statement, and the connection serves the next cell. The limit
//! is per statement: several statements that each stay within it may take longer together.

use std::time::{Duration, Instant};

use dbkernel::engine::EngineError;
use dbkernel::engine::context::CollectingSink;
use dbkernel::session::Session;
use tokio_util::sync::CancellationToken;

async fn run(session: &mut Session, code: &str) -> Result<(), EngineError> {
    let mut sink = CollectingSink::default();
    session
        .run_cell(code, &mut sink, CancellationToken::new())
        .await
}

/// Runs `slow` (statement `which` of the cell is the slow one) under a 1 s limit.
async fn stops_in_time(session: &mut Session, slow: &str, which: &str) {
    let started = Instant::now();
    let error = run(session, slow).await.expect_err(slow);
    let took = started.elapsed();
    assert_eq!(
        error.ename, "TimeLimitExceeded",
        "{error}\n{:?}",
        error.detail
    );
    assert!(
        error.evalue.contains("time limit of 1 s"),
        "{}",
        error.evalue
    );
    if !which.is_empty() {
        assert!(
            error.detail.iter().any(|d| d.contains(which)),
            "{:?}",
            error.detail
        );
    }
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
}

#[tokio::test]
async fn a_slow_postgresql_statement_is_cancelled_and_named() {
    let mut s = Session::new();
    run(
        &mut s,
        "%connect pg postgres://postgres@127.0.0.1:5432/test",
    )
    .await
    .unwrap();
    stops_in_time(
        &mut s,
        "%%sql pg --time-limit 1\nSELECT 1;\nSELECT pg_sleep(30)",
        "statement 2 of 2 was cancelled on the server",
    )
    .await;
    run(&mut s, "%%sql pg\nSELECT 1").await.unwrap();
}

#[tokio::test]
async fn the_limit_applies_to_each_statement_not_to_the_cell() {
    let mut s = Session::new();
    run(
        &mut s,
        "%connect pg postgres://postgres@127.0.0.1:5432/test",
    )
    .await
    .unwrap();
    let started = Instant::now();
    run(
        &mut s,
        "%%sql pg --time-limit 1\nSELECT pg_sleep(0.6);\nSELECT pg_sleep(0.6);\nSELECT pg_sleep(0.6)",
    )
    .await
    .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(1800));
    stops_in_time(
        &mut s,
        "%%sql pg --time-limit 1\nSELECT pg_sleep(0.1);\nSELECT pg_sleep(30);\nSELECT 3",
        "statement 2 of 3 was cancelled on the server",
    )
    .await;
}

#[tokio::test]
async fn a_slow_mariadb_statement_is_cancelled_and_named() {
    let mut s = Session::new();
    run(&mut s, "%connect my mysql://root@127.0.0.1:3306/test")
        .await
        .unwrap();
    stops_in_time(
        &mut s,
        "%%sql my --time-limit 1\nSELECT SLEEP(30)",
        "statement 1 of 1 was cancelled on the server",
    )
    .await;
    run(&mut s, "%%sql my\nSELECT 1").await.unwrap();
}

#[tokio::test]
async fn a_runaway_sqlite_query_is_interrupted() {
    let mut s = Session::new();
    stops_in_time(
        &mut s,
        "%%sql --time-limit 1\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
        "statement 1 of 1 was cancelled on the server",
    )
    .await;
    run(&mut s, "SELECT 1").await.unwrap();
}

#[tokio::test]
async fn the_setting_limits_a_blocked_redis_command() {
    let mut s = Session::new();
    run(
        &mut s,
        "%connect r redis://127.0.0.1:6379/0\n%config time_limit = 1",
    )
    .await
    .unwrap();
    stops_in_time(
        &mut s,
        "%%redis r --timeout 30\nBLPOP dbk:time_limit:never 30",
        "",
    )
    .await;
    run(&mut s, "%%redis r\nPING").await.unwrap();
    run(&mut s, "%config time_limit = off").await.unwrap();
    assert_eq!(s.time_limit, None);
}

#[tokio::test]
async fn bad_limits_are_refused() {
    let mut s = Session::new();
    let e = run(&mut s, "%%sql --time-limit soon\nSELECT 1")
        .await
        .unwrap_err();
    assert!(e.evalue.contains("--time-limit expects seconds"), "{e}");
    let e = run(&mut s, "%config time_limit = -3").await.unwrap_err();
    assert!(e.evalue.contains("time_limit expects seconds"), "{e}");
}
