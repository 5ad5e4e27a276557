//! Measures the %%sql engine against the local PostgreSQL:
//! - median latency of `SELECT 1` through `Engine::execute` vs raw sqlx on its own connection;
//! - time and peak RSS for a 1,000,000-row SELECT shown with the default display limit (50),
//!   next to `psql -c "\copy (...) to /dev/null"` timed in the same run.
//!
//! Run with `cargo run --release --example sql_bench` (DATABASE_URL overrides the server).

use std::process::Command;
use std::time::{Duration, Instant};

use dbkernel::cell::parse_cell;
use dbkernel::engine::context::CollectingSink;
use dbkernel::engine::{CellContext, registry};
use dbkernel::result::QueryResult;
use dbkernel::session::variables::SharedVariables;
use sqlx::{Connection, Executor};
use tokio_util::sync::CancellationToken;

const BIG: &str = "SELECT g AS id, g*2 AS twice, 'name-'||g AS name, g::float8/7 AS ratio, now() AS ts, (g%2=0) AS even FROM generate_series(1,1000000) g";

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// Peak resident set size so far, from /proc/self/status (kB).
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn run_cell(
    engine: &std::sync::Arc<dyn dbkernel::engine::Engine>,
    source: &str,
) -> CollectingSink {
    let cell = parse_cell(source).expect("parses").body.expect("body");
    let mut sink = CollectingSink::default();
    let mut ctx = CellContext {
        cancel: CancellationToken::new(),
        sink: &mut sink,
        variables: SharedVariables::default(),
        display_limit: 50,
        connection_name: "bench".into(),
        progress: Default::default(),
    };
    if let Err(e) = engine.execute(&cell, &mut ctx).await {
        eprintln!("cell failed: {e}");
        std::process::exit(1);
    }
    sink
}

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let engine = match registry::open(&url, &Default::default()).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!(
                "cannot open {url}: {e}\nstart PostgreSQL with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
            );
            std::process::exit(1);
        }
    };
    let mut raw = sqlx::PgConnection::connect(&url)
        .await
        .expect("raw sqlx connection");

    // 1. Latency of SELECT 1.
    const ROUNDS: usize = 2000;
    for _ in 0..200 {
        run_cell(&engine, "SELECT 1").await;
        raw.fetch_all(sqlx::raw_sql("SELECT 1"))
            .await
            .expect("raw select");
    }
    let mut through_engine = Vec::with_capacity(ROUNDS);
    let mut through_sqlx = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let t = Instant::now();
        run_cell(&engine, "SELECT 1").await;
        through_engine.push(t.elapsed());
        let t = Instant::now();
        raw.fetch_all(sqlx::raw_sql("SELECT 1"))
            .await
            .expect("raw select");
        through_sqlx.push(t.elapsed());
    }
    let (e, r) = (median(through_engine), median(through_sqlx));
    println!(
        "SELECT 1 median over {ROUNDS}: engine {:.1} µs, raw sqlx {:.1} µs, added {:.1} µs, ratio {:.2}x",
        micros(e),
        micros(r),
        micros(e) - micros(r),
        micros(e) / micros(r).max(0.001)
    );
    drop(raw);

    // 2. One million rows, display limit 50.
    let rss_before = peak_rss_kb();
    let mut engine_times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let sink = run_cell(&engine, BIG).await;
        engine_times.push(t.elapsed());
        match sink.results.first() {
            Some(QueryResult::Table(table)) => {
                assert_eq!((table.shown_rows(), table.total_rows), (50, 1_000_000))
            }
            other => panic!("unexpected result {other:?}"),
        }
    }
    let rss_after = peak_rss_kb();
    let mut psql_times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let status = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-d",
                &url,
                "-c",
                &format!("\\copy ({BIG}) to /dev/null"),
            ])
            .status();
        match status {
            Ok(s) if s.success() => psql_times.push(t.elapsed()),
            other => {
                eprintln!("psql failed: {other:?}");
                break;
            }
        }
    }
    let engine_big = median(engine_times);
    println!(
        "1,000,000 rows (shown 50): engine median {:.0} ms; peak RSS {:.1} MB (before: {:.1} MB)",
        millis(engine_big),
        rss_after as f64 / 1024.0,
        rss_before as f64 / 1024.0
    );
    if !psql_times.is_empty() {
        let psql = median(psql_times);
        println!(
            "psql \\copy to /dev/null: median {:.0} ms; engine/psql = {:.2}x",
            millis(psql),
            millis(engine_big) / millis(psql).max(0.001)
        );
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
