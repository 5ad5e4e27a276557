//! killOp interrupts a running scan (11601) and maxTimeMS bounds one (50).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bson::{Bson, doc};
use common::ok;
use docdb::Engine;

fn big_engine(n: i32) -> Arc<Engine> {
    let e = Engine::in_memory();
    let docs: Vec<_> = (0..n).map(|i| doc! {"_id": i, "a": i, "s": "x"}).collect();
    common::insert(&e, "d", "c", docs);
    Arc::new(e)
}

/// A filter every document must evaluate (and none matches): a slow full scan.
fn slow_filter() -> bson::Document {
    doc! {"$expr": {"$eq": [{"$concat": ["$s", "$s", "$s"]}, "no"]}}
}

#[test]
fn max_time_ms_stops_a_long_scan() {
    let e = big_engine(100_000);
    let r = e.execute(
        "d",
        doc! {"find": "c", "filter": slow_filter(), "maxTimeMS": 1},
    );
    assert_eq!(r.get_i32("code").ok(), Some(50), "{r}");
}

#[test]
fn kill_op_interrupts_a_running_find() {
    let e = big_engine(100_000);
    for attempt in 0..10 {
        let runner = Arc::clone(&e);
        let handle = std::thread::spawn(move || {
            runner.execute("d", doc! {"find": "c", "filter": slow_filter()})
        });
        let started = Instant::now();
        let mut killed = false;
        while !handle.is_finished() && started.elapsed() < Duration::from_secs(30) {
            let ops = ok(&e, "admin", doc! {"currentOp": 1});
            let target = ops
                .get_array("inprog")
                .unwrap()
                .iter()
                .filter_map(Bson::as_document)
                .find_map(|op| {
                    let is_find = op
                        .get_document("command")
                        .map(|c| c.contains_key("find"))
                        .unwrap_or(false);
                    is_find.then(|| op.get_i32("opid").unwrap())
                });
            if let Some(opid) = target {
                ok(&e, "admin", doc! {"killOp": 1, "op": opid});
                killed = true;
                break;
            }
        }
        let reply = handle.join().unwrap();
        // A kill that lands after the last check cannot interrupt: try again.
        if killed && reply.get_i32("code").ok() == Some(11601) {
            assert_eq!(reply.get_str("codeName").unwrap(), "Interrupted");
            return;
        }
        eprintln!("attempt {attempt}: the find finished first ({reply})");
    }
    panic!("killOp never interrupted the running find");
}
