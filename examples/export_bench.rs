//! Time and peak RSS of a 10,000,000-row PostgreSQL result exported to Parquet with
//! `%%sql --export` (the display limit's 50 rows shown, every row written).
//!
//! Run with `cargo run --example export_bench` (`--release` for release figures; DATABASE_URL
//! overrides the server, EXPORT_ROWS the row count). Not part of CI.

use std::time::Instant;

use dbkernel::cell::parse_cell;
use dbkernel::engine::context::CollectingSink;
use dbkernel::engine::{CellContext, registry};
use dbkernel::result::QueryResult;
use dbkernel::session::variables::SharedVariables;
use tokio_util::sync::CancellationToken;

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

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let rows: u64 = std::env::var("EXPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let path = std::env::temp_dir().join(format!(
        "dbkernel_export_bench_{}.parquet",
        std::process::id()
    ));
    let engine = registry::open(&url, &Default::default())
        .await
        .expect("PostgreSQL is running");
    let source = format!(
        "%%sql --export {}\nSELECT g AS id, g::float8 / 7 AS ratio, 'name-' || g AS name, \
         (g % 2 = 0) AS even, (g * 1.25)::numeric(14,2) AS price FROM generate_series(1, {rows}) g",
        path.display()
    );
    let cell = parse_cell(&source).unwrap().body.unwrap();
    let mut sink = CollectingSink::default();
    let rss_before = peak_rss_kb();
    let started = Instant::now();
    let mut ctx = CellContext {
        cancel: CancellationToken::new(),
        sink: &mut sink,
        variables: SharedVariables::default(),
        display_limit: 50,
        connection_name: "bench".into(),
        progress: Default::default(),
    };
    engine.execute(&cell, &mut ctx).await.expect("export ran");
    let elapsed = started.elapsed();
    let receipt = sink
        .results
        .iter()
        .find_map(|r| match r {
            QueryResult::Export(e) => Some(e.clone()),
            _ => None,
        })
        .expect("a receipt");
    println!(
        "exported {} rows to Parquet: {:.1} s, {:.1} MB file, peak RSS {:.1} MB (before the cell: {:.1} MB)",
        receipt.rows,
        elapsed.as_secs_f64(),
        receipt.bytes as f64 / 1e6,
        peak_rss_kb() as f64 / 1024.0,
        rss_before as f64 / 1024.0
    );
    std::fs::remove_file(&path).ok();
}
