//! Stop-button figures for the embedded engine (issue 13, finding 5): runs a
//! nested `$lookup` that would copy 27 million documents, kills it with
//! `currentOp` + `killOp` (as the kernel's stop button does) after 200 ms,
//! then drops the collection it reads. Prints the time from the kill to the
//! reply, the process memory (RSS now and peak, from /proc/self/status), and
//! how long the drop waited. Gives up after 8 s (or 4 GB) if the engine does
//! not stop. With `--no-kill` the query runs until it ends (or fails at the
//! engine's memory cap).
//!
//! `cargo run --release -p docdb --example stop_bench [-- --no-kill]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use bson::{Bson, Document, doc};
use docdb::Engine;

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn mb(kb: u64) -> String {
    format!("{:.0} MB", kb as f64 / 1024.0)
}

/// Waits for `done` up to `limit`, giving up early past 4 GB of RSS:
/// `Ok(time)` when done, `Err(time)` when it gave up.
fn wait(done: impl Fn() -> bool, limit: Duration) -> Result<Duration, Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if done() {
            return Ok(started.elapsed());
        }
        if status_kb("VmRSS:") > 4 * 1024 * 1024 {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Err(started.elapsed())
}

/// Returns the allocator's free memory to the system, to show that what the
/// query held was freed (glibc keeps freed heap pages otherwise).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() -> bool {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> i32;
    }
    // SAFETY: malloc_trim only walks glibc's own heap; it takes no pointers.
    unsafe { malloc_trim(0) };
    true
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() -> bool {
    false
}

fn main() {
    let e = Arc::new(Engine::in_memory());
    let docs: Vec<Document> = (0..300)
        .map(|i| doc! {"_id": i, "k": i, "s": "abcdefghijklmnopqrst"})
        .collect();
    for coll in ["a", "b"] {
        e.execute("d", doc! {"insert": coll, "documents": docs.clone()});
    }
    println!("before: RSS {}", mb(status_kb("VmRSS:")));
    let runner = Arc::clone(&e);
    let query = std::thread::spawn(move || {
        runner.execute(
            "d",
            doc! {"aggregate": "a", "cursor": {}, "comment": "stop-bench", "pipeline": [
                {"$lookup": {"from": "b", "as": "x", "pipeline": [
                    {"$lookup": {"from": "b", "as": "y", "pipeline": []}}
                ]}}
            ]},
        )
    });
    let no_kill = std::env::args().any(|a| a == "--no-kill");
    if no_kill {
        let started = Instant::now();
        match wait(|| query.is_finished(), Duration::from_secs(120)) {
            Ok(t) => {
                let reply = query.join().unwrap_or_default();
                println!(
                    "ended after {:.1} s: code {:?} {:?}",
                    t.as_secs_f64(),
                    reply.get_i32("code").ok(),
                    reply.get_str("errmsg").ok()
                );
            }
            Err(t) => println!("gave up after {:.1} s", t.as_secs_f64()),
        }
        let _ = started;
    } else {
        std::thread::sleep(Duration::from_millis(200));
        let ops = e.execute(
            "admin",
            doc! {"currentOp": 1, "command.comment": "stop-bench"},
        );
        let opids: Vec<Bson> = ops
            .get_array("inprog")
            .map(|a| {
                a.iter()
                    .filter_map(Bson::as_document)
                    .filter_map(|op| op.get("opid").cloned())
                    .collect()
            })
            .unwrap_or_default();
        println!(
            "at kill (200 ms): RSS {}, {} operation(s) found by comment",
            mb(status_kb("VmRSS:")),
            opids.len()
        );
        for opid in opids {
            e.execute("admin", doc! {"killOp": 1, "op": opid});
        }
        match wait(|| query.is_finished(), Duration::from_secs(8)) {
            Ok(t) => {
                let reply = query.join().unwrap_or_default();
                println!(
                    "stopped {:.1} ms after the kill: code {:?} {:?}",
                    t.as_secs_f64() * 1e3,
                    reply.get_i32("code").ok(),
                    reply.get_str("errmsg").ok()
                );
            }
            Err(t) => println!(
                "NOT stopped {:.1} s after the kill: RSS {}",
                t.as_secs_f64(),
                mb(status_kb("VmRSS:"))
            ),
        }
    }
    println!(
        "after: RSS {} (peak {})",
        mb(status_kb("VmRSS:")),
        mb(status_kb("VmHWM:"))
    );
    if trim() {
        println!("after malloc_trim: RSS {}", mb(status_kb("VmRSS:")));
    }
    let dropper = Arc::clone(&e);
    let drop = std::thread::spawn(move || dropper.execute("d", doc! {"drop": "b"}));
    match wait(|| drop.is_finished(), Duration::from_secs(5)) {
        Ok(t) => println!("drop: {:.1} ms", t.as_secs_f64() * 1e3),
        Err(t) => println!("drop: still waiting after {:.1} s", t.as_secs_f64()),
    }
    std::process::exit(0);
}
