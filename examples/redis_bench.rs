//! Per-command latency of the %%redis engine vs `redis-benchmark` on the same server, same run.
//!
//! `cargo run --release --example redis_bench` (server: `REDIS_URL`, else 127.0.0.1:6379).
//! The engine runs a 1,000-line cell of alternating SET/GET, several times; its per-command time
//! is the cell's time divided by 1,000, median over the runs. `redis-benchmark -n 1000 -q -t set,get`
//! runs as prescribed (50 parallel clients: a throughput figure) and with `-c 1` (one client
//! waiting for each reply, like a cell's commands: the like-for-like latency).

use std::process::Command;
use std::time::Instant;

use dbkernel::cell::parse_cell;
use dbkernel::engine::context::CollectingSink;
use dbkernel::engine::{CellContext, registry};
use dbkernel::session::variables::SharedVariables;
use tokio_util::sync::CancellationToken;

const LINES: usize = 1000;
const RUNS: usize = 9;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Requests per second per test name from `redis-benchmark -q` output (`SET: 1234.5 requests per second, p50=0.1 msec`).
fn parse_benchmark(output: &str) -> Vec<(String, f64, Option<f64>)> {
    let mut results = Vec::new();
    // -q output rewrites the line with carriage returns while running; the last segment is final.
    for line in output.lines().filter_map(|l| l.rsplit('\r').next()) {
        let Some((name, rest)) = line.split_once(": ") else {
            continue;
        };
        let Some(rps) = rest
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<f64>().ok())
        else {
            continue;
        };
        let p50 = rest
            .split("p50=")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.parse::<f64>().ok());
        results.push((name.trim().to_string(), rps, p50));
    }
    results
}

fn run_benchmark(host: &str, port: u16, clients: Option<u32>) -> Result<String, String> {
    let mut command = Command::new("redis-benchmark");
    command.args([
        "-h",
        host,
        "-p",
        &port.to_string(),
        "-n",
        "1000",
        "-q",
        "-t",
        "set,get",
    ]);
    if let Some(c) = clients {
        command.args(["-c", &c.to_string()]);
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run redis-benchmark: {e}"))?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into());
    let info = redis::Client::open(url.as_str())?
        .get_connection_info()
        .clone();
    let (host, port) = match info.addr() {
        redis::ConnectionAddr::Tcp(h, p) => (h.clone(), *p),
        other => return Err(format!("the bench needs a TCP server, got {other:?}").into()),
    };
    let engine = registry::open(&url, &Default::default())
        .await
        .map_err(|e| e.to_string())?;
    let prefix = format!("dbk:bench:{}", std::process::id());
    let mut body = String::from("%%redis\n");
    for i in 0..LINES / 2 {
        body.push_str(&format!("SET {prefix}:{i} value-{i}\nGET {prefix}:{i}\n"));
    }
    let cell = parse_cell(&body)?.body.ok_or("no body")?;
    let variables = SharedVariables::default();

    let mut per_command_us = Vec::new();
    for run in 0..RUNS + 1 {
        let mut sink = CollectingSink::default();
        let mut ctx = CellContext {
            cancel: CancellationToken::new(),
            sink: &mut sink,
            variables: variables.clone(),
            display_limit: 50,
            connection_name: "bench".into(),
            progress: Default::default(),
        };
        let started = Instant::now();
        engine
            .execute(&cell, &mut ctx)
            .await
            .map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        // The first run warms the connection and the server's key space; it is not counted.
        if run > 0 {
            per_command_us.push(elapsed.as_secs_f64() * 1e6 / LINES as f64);
        }
    }
    let engine_us = median(per_command_us.clone());
    let cleanup = format!(
        "%%redis\nDEL {}",
        (0..LINES / 2)
            .map(|i| format!("{prefix}:{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let cleanup = parse_cell(&cleanup)?.body.ok_or("no body")?;
    let mut sink = CollectingSink::default();
    let mut ctx = CellContext {
        cancel: CancellationToken::new(),
        sink: &mut sink,
        variables,
        display_limit: 50,
        connection_name: "bench".into(),
        progress: Default::default(),
    };
    engine
        .execute(&cleanup, &mut ctx)
        .await
        .map_err(|e| e.to_string())?;

    println!("dbkernel %%redis engine, {LINES}-line SET/GET cell, {RUNS} runs on {host}:{port}");
    println!(
        "  per command: median {engine_us:.1} us (min {:.1}, max {:.1}); {:.0} commands/s",
        per_command_us.iter().cloned().fold(f64::MAX, f64::min),
        per_command_us.iter().cloned().fold(0.0, f64::max),
        1e6 / engine_us
    );
    for (label, clients) in [
        ("redis-benchmark -n 1000 -q -t set,get (50 clients)", None),
        ("redis-benchmark -n 1000 -q -t set,get -c 1", Some(1)),
    ] {
        let output = run_benchmark(&host, port, clients)?;
        println!("{label}");
        let parsed = parse_benchmark(&output);
        if parsed.is_empty() {
            println!("  (no parsable output: {output:?})");
        }
        for (name, rps, p50) in parsed {
            let per_request_us = 1e6 / rps;
            let p50_text = p50
                .map(|ms| format!(", p50 latency {:.1} us", ms * 1000.0))
                .unwrap_or_default();
            println!(
                "  {name}: {rps:.0} requests/s = {per_request_us:.1} us per request{p50_text}"
            );
            println!(
                "    engine / benchmark per-request time: {:.2}x{}",
                engine_us / per_request_us,
                p50.map(|ms| format!(
                    "; engine / benchmark p50: {:.2}x",
                    engine_us / (ms * 1000.0)
                ))
                .unwrap_or_default()
            );
        }
    }
    Ok(())
}
