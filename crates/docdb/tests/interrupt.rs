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

/// Starts `cmd` (tagged with a `comment`) on its own thread and returns the
/// join handle; the caller kills it with [`kill_tagged`].
fn start_tagged(
    e: &Arc<Engine>,
    mut cmd: bson::Document,
    tag: &str,
) -> std::thread::JoinHandle<bson::Document> {
    cmd.insert("comment", tag);
    let runner = Arc::clone(e);
    std::thread::spawn(move || runner.execute("d", cmd))
}

/// Kills the operation tagged `tag` the way the kernel's stop button does:
/// `currentOp` filtered by the comment, then `killOp`. Returns when it was sent.
fn kill_tagged(e: &Engine, tag: &str) -> Instant {
    let ops = ok(e, "admin", doc! {"currentOp": 1, "command.comment": tag});
    let opids: Vec<Bson> = ops
        .get_array("inprog")
        .unwrap()
        .iter()
        .filter_map(Bson::as_document)
        .filter_map(|op| op.get("opid").cloned())
        .collect();
    assert_eq!(opids.len(), 1, "one operation carries {tag}: {ops}");
    let killed = Instant::now();
    ok(e, "admin", doc! {"killOp": 1, "op": opids[0].clone()});
    killed
}

/// Runs `cmd`, kills it after 200 ms, and asserts it answered 11601 within 1 s
/// of the kill.
fn assert_killed_promptly(e: &Arc<Engine>, cmd: bson::Document, tag: &str) {
    let handle = start_tagged(e, cmd, tag);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !handle.is_finished(),
        "{tag}: the command finished within 200 ms; the test needs a slower one"
    );
    let killed = kill_tagged(e, tag);
    let reply = handle.join().unwrap();
    let stopped = killed.elapsed();
    assert_eq!(reply.get_i32("code").ok(), Some(11601), "{tag}: {reply}");
    assert!(
        stopped < Duration::from_secs(1),
        "{tag}: stopped {stopped:?} after the kill"
    );
}

fn small_docs(n: i32) -> Vec<bson::Document> {
    (0..n)
        .map(|i| doc! {"_id": i, "k": i, "s": "abcdefghijklmnopqrst"})
        .collect()
}

/// The finding of issue 13: a nested `$lookup` kept running (and growing to
/// gigabytes) after the stop button, and a `drop` waited behind it.
#[test]
fn kill_op_stops_a_nested_lookup_and_the_collection_is_free_at_once() {
    let e = Arc::new(Engine::in_memory());
    common::insert(&e, "d", "a", small_docs(300));
    common::insert(&e, "d", "b", small_docs(300));
    // 300 x 300 x 300 copies if nothing stops it.
    let cmd = doc! {"aggregate": "a", "cursor": {}, "pipeline": [
        {"$lookup": {"from": "b", "as": "x", "pipeline": [
            {"$lookup": {"from": "b", "as": "y", "pipeline": []}}
        ]}}
    ]};
    let handle = start_tagged(&e, cmd, "nested-lookup");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !handle.is_finished(),
        "the nested $lookup finished within 200 ms"
    );
    // A drop issued meanwhile waits for the running read...
    let dropper = Arc::clone(&e);
    let drop = std::thread::spawn(move || dropper.execute("d", doc! {"drop": "b"}));
    std::thread::sleep(Duration::from_millis(50));
    let killed = kill_tagged(&e, "nested-lookup");
    let reply = handle.join().unwrap();
    assert_eq!(reply.get_i32("code").ok(), Some(11601), "{reply}");
    assert_eq!(reply.get_str("codeName").ok(), Some("Interrupted"));
    assert!(
        killed.elapsed() < Duration::from_secs(1),
        "stopped {:?} after the kill",
        killed.elapsed()
    );
    // ...and completes as soon as the killed operation let go.
    let dropped = drop.join().unwrap();
    assert_eq!(dropped.get_f64("ok").ok(), Some(1.0), "{dropped}");
    assert!(
        killed.elapsed() < Duration::from_secs(1),
        "drop done {:?} after the kill",
        killed.elapsed()
    );
    let started = Instant::now();
    let found = common::find_all(&e, "d", doc! {"find": "a", "limit": 1});
    assert_eq!(found.len(), 1);
    assert!(started.elapsed() < Duration::from_millis(500));
}

#[test]
fn kill_op_stops_a_long_group() {
    let e = big_engine(60_000);
    // Each document costs a few hundred additions inside the group's loop.
    let cmd = doc! {"aggregate": "c", "cursor": {}, "pipeline": [
        {"$group": {"_id": "$a", "s": {"$sum": {"$reduce": {
            "input": {"$range": [0, 400]}, "initialValue": 0, "in": {"$add": ["$$value", "$$this"]}
        }}}}}
    ]};
    assert_killed_promptly(&e, cmd, "long-group");
}

#[test]
fn kill_op_stops_a_long_sort() {
    let e = Arc::new(Engine::in_memory());
    // Every comparison walks an equal 100-element prefix before the deciding key.
    let prefix: Vec<i32> = (0..100).collect();
    let docs: Vec<_> = (0..60_000)
        .map(|i: i32| doc! {"_id": i, "p": prefix.clone(), "k": (i * 7919) % 60_000})
        .collect();
    for chunk in docs.chunks(5_000) {
        common::insert(&e, "d", "c", chunk.to_vec());
    }
    for (tag, cmd) in [
        (
            "aggregate-sort",
            doc! {"aggregate": "c", "cursor": {}, "pipeline": [{"$sort": {"p": 1, "k": 1}}]},
        ),
        ("find-sort", doc! {"find": "c", "sort": {"p": 1, "k": 1}}),
    ] {
        assert_killed_promptly(&e, cmd, tag);
    }
}

#[test]
fn max_time_ms_stops_a_long_aggregate_with_50() {
    let e = big_engine(60_000);
    let started = Instant::now();
    let r = e.execute(
        "d",
        doc! {"aggregate": "c", "cursor": {}, "maxTimeMS": 200, "pipeline": [
            {"$group": {"_id": "$a", "s": {"$sum": {"$reduce": {
                "input": {"$range": [0, 400]}, "initialValue": 0, "in": {"$add": ["$$value", "$$this"]}
            }}}}}
        ]},
    );
    assert_eq!(r.get_i32("code").ok(), Some(50), "{r}");
    assert_eq!(r.get_str("codeName").ok(), Some("MaxTimeMSExpired"));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
