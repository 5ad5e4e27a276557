//! Capped collections and tailable/awaitData cursors, with the values MongoDB's
//! documentation and mongod 7.0's source state (size rounding in
//! `collection_options.cpp`, the create checks in `create_command.cpp`, the
//! tailable checks in `tailable_mode.cpp` / `get_executor.cpp`, the capped copy's
//! errors in `capped_utils.cpp`, `$out`'s 17152).

mod common;

use std::time::{Duration, Instant};

use bson::{Bson, Document, doc};
use common::{err_code, find_all, ok};
use docdb::Engine;

fn ids(docs: &[Document]) -> Vec<i32> {
    docs.iter().map(|d| d.get_i32("_id").unwrap()).collect()
}

fn options_of(e: &Engine, coll: &str) -> Document {
    let r = ok(
        e,
        "d",
        doc! {"listCollections": 1, "filter": {"name": coll}},
    );
    let batch = r
        .get_document("cursor")
        .unwrap()
        .get_array("firstBatch")
        .unwrap();
    batch[0]
        .as_document()
        .unwrap()
        .get_document("options")
        .unwrap()
        .clone()
}

#[test]
fn create_rounds_the_size_and_lists_capped_options() {
    let e = Engine::in_memory();
    // The documentation's example; mongod rounds the size up to a multiple of 256.
    ok(
        &e,
        "d",
        doc! {"create": "log", "capped": true, "size": 100000},
    );
    assert_eq!(options_of(&e, "log"), doc! {"capped": true, "size": 100096});
    ok(
        &e,
        "d",
        doc! {"create": "log2", "capped": true, "size": 5242880, "max": 5000},
    );
    assert_eq!(
        options_of(&e, "log2"),
        doc! {"capped": true, "size": 5242880, "max": 5000}
    );
    let stats = ok(&e, "d", doc! {"collStats": "log2"});
    assert!(stats.get_bool("capped").unwrap());
    assert_eq!(stats.get_i32("max").unwrap(), 5000);
    assert_eq!(stats.get_i32("maxSize").unwrap(), 5242880);
    // mongosh's stats() reads $collStats storageStats.
    let r = ok(
        &e,
        "d",
        doc! {"aggregate": "log2", "pipeline": [{"$collStats": {"storageStats": {}}}], "cursor": {}},
    );
    let storage = r
        .get_document("cursor")
        .unwrap()
        .get_array("firstBatch")
        .unwrap()[0]
        .as_document()
        .unwrap()
        .get_document("storageStats")
        .unwrap()
        .clone();
    assert!(storage.get_bool("capped").unwrap());
    assert_eq!(storage.get_i32("maxSize").unwrap(), 5242880);
    assert_eq!(storage.get_i32("max").unwrap(), 5000);
    // collMod cappedSize/cappedMax (the documentation's example), seen by collStats.
    ok(
        &e,
        "d",
        doc! {"collMod": "log2", "cappedSize": 100000, "cappedMax": 10},
    );
    let stats = ok(&e, "d", doc! {"collStats": "log2"});
    assert_eq!(stats.get_i32("maxSize").unwrap(), 100000);
    assert_eq!(stats.get_i32("max").unwrap(), 10);
    ok(&e, "d", doc! {"create": "plain"});
    assert_eq!(
        err_code(&e, "d", doc! {"collMod": "plain", "cappedSize": 5000}),
        72
    );
    let stats = ok(&e, "d", doc! {"collStats": "plain"});
    assert!(!stats.get_bool("capped").unwrap());
}

#[test]
fn create_refuses_what_mongod_refuses() {
    let e = Engine::in_memory();
    let r = e.execute("d", doc! {"create": "c", "capped": true});
    assert_eq!(r.get_i32("code").unwrap(), 72, "{r}");
    assert_eq!(
        r.get_str("errmsg").unwrap(),
        "the 'size' field is required when 'capped' is true"
    );
    assert_eq!(err_code(&e, "d", doc! {"create": "c", "size": 1000}), 72);
    assert_eq!(
        err_code(
            &e,
            "d",
            doc! {"create": "c", "capped": true, "size": 1000, "max": 1_i64 << 31}
        ),
        51024
    );
    assert_eq!(
        err_code(&e, "d", doc! {"create": "c", "capped": true, "size": 0}),
        51024
    );
}

#[test]
fn oldest_documents_go_first_and_natural_order_is_insertion_order() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"create": "log", "capped": true, "size": 100000, "max": 3},
    );
    for i in 1..=5 {
        common::insert(
            &e,
            "d",
            "log",
            vec![doc! {"_id": i, "msg": format!("m{i}")}],
        );
    }
    assert_eq!(ids(&find_all(&e, "d", doc! {"find": "log"})), vec![3, 4, 5]);
    let reverse = find_all(&e, "d", doc! {"find": "log", "sort": {"$natural": -1}});
    assert_eq!(ids(&reverse), vec![5, 4, 3]);
    // The byte budget: 256 bytes hold only a few of these documents.
    ok(
        &e,
        "d",
        doc! {"create": "small", "capped": true, "size": 256},
    );
    let pad = "x".repeat(60);
    for i in 1..=10 {
        common::insert(&e, "d", "small", vec![doc! {"_id": i, "pad": pad.clone()}]);
    }
    let kept = ids(&find_all(&e, "d", doc! {"find": "small"}));
    assert!(kept.len() < 10 && kept.ends_with(&[10]), "{kept:?}");
    let size = ok(&e, "d", doc! {"collStats": "small"})
        .get_i64("size")
        .unwrap();
    assert!(size <= 256, "{size}");
    // A document larger than the whole collection is refused (BadValue).
    let r = e.execute(
        "d",
        doc! {"insert": "small", "documents": [{"_id": 99, "pad": "y".repeat(400)}]},
    );
    let we = r.get_array("writeErrors").unwrap()[0]
        .as_document()
        .unwrap()
        .clone();
    assert_eq!(we.get_i32("code").unwrap(), 2);
    assert_eq!(
        we.get_str("errmsg").unwrap(),
        "object to insert exceeds cappedMaxSize"
    );
    // mongod 7.0 deletes and updates documents of capped collections.
    ok(
        &e,
        "d",
        doc! {"delete": "log", "deletes": [{"q": {"_id": 4}, "limit": 1}]},
    );
    ok(
        &e,
        "d",
        doc! {"update": "log", "updates": [{"q": {"_id": 5}, "u": {"$set": {"msg": "changed"}}}]},
    );
    assert_eq!(
        find_all(&e, "d", doc! {"find": "log"}),
        vec![
            doc! {"_id": 3, "msg": "m3"},
            doc! {"_id": 5, "msg": "changed"}
        ]
    );
}

#[test]
fn convert_and_clone_as_capped() {
    let e = Engine::in_memory();
    common::insert(
        &e,
        "d",
        "source",
        (1..=20).map(|i| doc! {"_id": i, "x": i}).collect(),
    );
    ok(
        &e,
        "d",
        doc! {"createIndexes": "source", "indexes": [{"key": {"x": 1}, "name": "x_1"}]},
    );
    // jstests/core/capped_convertToCapped1.js: the clone holds the same documents.
    ok(
        &e,
        "d",
        doc! {"cloneCollectionAsCapped": "source", "toCollection": "dest", "size": 100000},
    );
    assert_eq!(find_all(&e, "d", doc! {"find": "dest"}).len(), 20);
    assert!(
        ok(&e, "d", doc! {"collStats": "dest"})
            .get_bool("capped")
            .unwrap()
    );
    let r = e.execute(
        "d",
        doc! {"cloneCollectionAsCapped": "source", "toCollection": "dest", "size": 100000},
    );
    assert_eq!(r.get_i32("code").unwrap(), 48);
    assert_eq!(
        r.get_str("errmsg").unwrap(),
        "cloneCollectionAsCapped failed - destination collection d.dest already exists. source collection: d.source"
    );
    let r = e.execute(
        "d",
        doc! {"cloneCollectionAsCapped": "nope", "toCollection": "x", "size": 1000},
    );
    assert_eq!(r.get_i32("code").unwrap(), 26);
    assert_eq!(
        r.get_str("errmsg").unwrap(),
        "source collection d.nope does not exist"
    );
    // convertToCapped keeps the documents (in order) and only the _id index.
    ok(&e, "d", doc! {"convertToCapped": "source", "size": 100000});
    assert!(
        ok(&e, "d", doc! {"collStats": "source"})
            .get_bool("capped")
            .unwrap()
    );
    assert_eq!(
        ids(&find_all(
            &e,
            "d",
            doc! {"find": "source", "batchSize": 200}
        )),
        (1..=20).collect::<Vec<_>>()
    );
    let indexes = ok(&e, "d", doc! {"listIndexes": "source"});
    let names: Vec<String> = indexes
        .get_document("cursor")
        .unwrap()
        .get_array("firstBatch")
        .unwrap()
        .iter()
        .map(|i| {
            i.as_document()
                .unwrap()
                .get_str("name")
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(names, vec!["_id_"]);
    assert_eq!(
        err_code(&e, "d", doc! {"convertToCapped": "nope", "size": 1000}),
        26
    );
}

#[test]
fn out_to_a_capped_collection_is_refused() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"create": "capped", "capped": true, "size": 4096},
    );
    common::insert(&e, "d", "src", vec![doc! {"_id": 1}]);
    let r = e.execute(
        "d",
        doc! {"aggregate": "src", "pipeline": [{"$out": "capped"}], "cursor": {}},
    );
    assert_eq!(r.get_i32("code").unwrap(), 17152, "{r}");
    assert_eq!(
        r.get_str("errmsg").unwrap(),
        "namespace 'd.capped' is capped so it can't be used for $out"
    );
}

#[test]
fn tailable_errors_are_mongods() {
    let e = Engine::in_memory();
    common::insert(&e, "d", "plain", vec![doc! {"_id": 1}]);
    let r = e.execute("d", doc! {"find": "plain", "tailable": true});
    assert_eq!(r.get_i32("code").unwrap(), 2);
    assert!(
        r.get_str("errmsg")
            .unwrap()
            .ends_with("tailable cursor requested on non capped collection"),
        "{r}"
    );
    let r = e.execute("d", doc! {"find": "plain", "awaitData": true});
    assert_eq!(r.get_i32("code").unwrap(), 9);
    assert_eq!(
        r.get_str("errmsg").unwrap(),
        "Cannot set 'awaitData' without also setting 'tailable'"
    );
    // maxTimeMS on a getMore is only for awaitData cursors.
    common::insert(&e, "d", "many", (0..5).map(|i| doc! {"_id": i}).collect());
    let r = ok(&e, "d", doc! {"find": "many", "batchSize": 1});
    let id = r.get_document("cursor").unwrap().get_i64("id").unwrap();
    let r = e.execute(
        "d",
        doc! {"getMore": id, "collection": "many", "maxTimeMS": 100},
    );
    assert_eq!(r.get_i32("code").unwrap(), 2);
    assert_eq!(
        r.get_str("errmsg").unwrap(),
        "cannot set maxTimeMS on getMore command for a non-awaitData cursor"
    );
}

fn common_batch(r: &Document) -> Vec<Document> {
    r.get_document("cursor")
        .unwrap()
        .get_array("firstBatch")
        .unwrap()
        .iter()
        .map(|d| d.as_document().unwrap().clone())
        .collect()
}

fn open_tail(e: &Engine, coll: &str) -> i64 {
    let r = ok(
        e,
        "d",
        doc! {"find": coll, "tailable": true, "awaitData": true},
    );
    r.get_document("cursor").unwrap().get_i64("id").unwrap()
}

fn next_batch(r: &Document) -> Vec<Document> {
    r.get_document("cursor")
        .unwrap()
        .get_array("nextBatch")
        .unwrap()
        .iter()
        .map(|d| d.as_document().unwrap().clone())
        .collect()
}

#[test]
fn tailable_cursors_stay_open_and_see_new_documents() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"create": "log", "capped": true, "size": 100000},
    );
    // mongod keeps no tailable cursor on an empty collection.
    let r = ok(&e, "d", doc! {"find": "log", "tailable": true});
    assert_eq!(r.get_document("cursor").unwrap().get_i64("id").unwrap(), 0);
    common::insert(&e, "d", "log", vec![doc! {"_id": 1}, doc! {"_id": 2}]);
    let r = ok(
        &e,
        "d",
        doc! {"find": "log", "tailable": true, "filter": {"_id": {"$ne": 3}}},
    );
    let id = r.get_document("cursor").unwrap().get_i64("id").unwrap();
    assert_ne!(id, 0, "the cursor stays open at the end: {r}");
    let more = ok(&e, "d", doc! {"getMore": id, "collection": "log"});
    assert!(next_batch(&more).is_empty());
    assert_eq!(
        more.get_document("cursor").unwrap().get_i64("id").unwrap(),
        id
    );
    common::insert(&e, "d", "log", (3..=5).map(|i| doc! {"_id": i}).collect());
    let more = ok(&e, "d", doc! {"getMore": id, "collection": "log"});
    assert_eq!(
        ids(&next_batch(&more)),
        vec![4, 5],
        "the filter applies to new documents"
    );
    // PyMongo's test_tailable: a tailable find with a limit returns that many and closes.
    let r = ok(&e, "d", doc! {"find": "log", "tailable": true, "limit": 1});
    assert_eq!(ids(&common_batch(&r)), vec![1]);
    assert_eq!(r.get_document("cursor").unwrap().get_i64("id").unwrap(), 0);
    let killed = ok(&e, "d", doc! {"killCursors": "log", "cursors": [id]});
    assert_eq!(
        killed.get_array("cursorsKilled").unwrap(),
        &vec![Bson::Int64(id)]
    );
}

#[test]
fn a_tailable_cursor_whose_position_was_evicted_dies_with_capped_position_lost() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"create": "log", "capped": true, "size": 100000, "max": 2},
    );
    common::insert(&e, "d", "log", vec![doc! {"_id": 1}]);
    let r = ok(&e, "d", doc! {"find": "log", "tailable": true});
    let id = r.get_document("cursor").unwrap().get_i64("id").unwrap();
    common::insert(&e, "d", "log", (2..=4).map(|i| doc! {"_id": i}).collect());
    let r = e.execute("d", doc! {"getMore": id, "collection": "log"});
    assert_eq!(r.get_i32("code").unwrap(), 136, "{r}");
    assert_eq!(r.get_str("codeName").unwrap(), "CappedPositionLost");
}

/// User plus system CPU time of this process, from /proc (Linux).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = fields
        .get(11..13)
        .map(|f| f.iter().filter_map(|v| v.parse::<u64>().ok()).sum())
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

#[test]
fn await_data_waits_for_inserts_without_burning_cpu_and_times_out_empty() {
    let e = std::sync::Arc::new(Engine::in_memory());
    ok(
        &e,
        "d",
        doc! {"create": "log", "capped": true, "size": 100000},
    );
    common::insert(&e, "d", "log", vec![doc! {"_id": 1}]);
    let id = open_tail(&e, "log");
    // Nothing arrives: an empty batch after maxTimeMS, the cursor still open.
    let cpu_before = cpu_time();
    let started = Instant::now();
    let r = ok(
        &e,
        "d",
        doc! {"getMore": id, "collection": "log", "maxTimeMS": 600},
    );
    let waited = started.elapsed();
    let cpu = cpu_time().saturating_sub(cpu_before);
    assert!(next_batch(&r).is_empty());
    assert_eq!(r.get_document("cursor").unwrap().get_i64("id").unwrap(), id);
    assert!(waited >= Duration::from_millis(550), "{waited:?}");
    assert!(
        cpu < Duration::from_millis(150),
        "waiting used {cpu:?} of CPU"
    );
    // An insert from another client wakes the waiting getMore at once.
    let writer = std::sync::Arc::clone(&e);
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        common::insert(&writer, "d", "log", vec![doc! {"_id": 2}]);
    });
    let started = Instant::now();
    let r = ok(
        &e,
        "d",
        doc! {"getMore": id, "collection": "log", "maxTimeMS": 10000},
    );
    assert_eq!(ids(&next_batch(&r)), vec![2]);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    t.join().unwrap();
}

#[test]
fn kill_op_ends_a_waiting_get_more() {
    let e = std::sync::Arc::new(Engine::in_memory());
    ok(
        &e,
        "d",
        doc! {"create": "log", "capped": true, "size": 100000},
    );
    common::insert(&e, "d", "log", vec![doc! {"_id": 1}]);
    let id = open_tail(&e, "log");
    let waiter = std::sync::Arc::clone(&e);
    let started = Instant::now();
    let t = std::thread::spawn(move || {
        waiter.execute(
            "d",
            doc! {"getMore": id, "collection": "log", "maxTimeMS": 30000, "comment": "tail-me"},
        )
    });
    let opid = loop {
        let ops = ok(
            &e,
            "admin",
            doc! {"currentOp": 1, "command.comment": "tail-me"},
        );
        if let Some(op) = ops.get_array("inprog").unwrap().first() {
            break op.as_document().unwrap().get("opid").unwrap().clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the getMore never showed up"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let killed_at = Instant::now();
    ok(&e, "admin", doc! {"killOp": 1, "op": opid});
    let r = t.join().unwrap();
    assert_eq!(r.get_i32("code").unwrap(), 11601, "{r}");
    assert!(
        killed_at.elapsed() < Duration::from_secs(1),
        "{:?}",
        killed_at.elapsed()
    );
}

#[test]
fn kill_cursors_ends_a_waiting_get_more() {
    let e = std::sync::Arc::new(Engine::in_memory());
    ok(
        &e,
        "d",
        doc! {"create": "log", "capped": true, "size": 100000},
    );
    common::insert(&e, "d", "log", vec![doc! {"_id": 1}]);
    let id = open_tail(&e, "log");
    let waiter = std::sync::Arc::clone(&e);
    let t = std::thread::spawn(move || {
        waiter.execute(
            "d",
            doc! {"getMore": id, "collection": "log", "maxTimeMS": 30000, "comment": "kill-me"},
        )
    });
    let started = Instant::now();
    loop {
        let ops = ok(
            &e,
            "admin",
            doc! {"currentOp": 1, "command.comment": "kill-me"},
        );
        if !ops.get_array("inprog").unwrap().is_empty() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(50));
    let killed = ok(&e, "d", doc! {"killCursors": "log", "cursors": [id]});
    assert_eq!(
        killed.get_array("cursorsKilled").unwrap(),
        &vec![Bson::Int64(id)]
    );
    let r = t.join().unwrap();
    assert_eq!(r.get_str("codeName").unwrap(), "CursorKilled", "{r}");
    // The cursor is gone.
    assert_eq!(
        err_code(&e, "d", doc! {"getMore": id, "collection": "log"}),
        43
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_hangs_up_ends_its_waiting_get_more() {
    use tokio::io::AsyncWriteExt;
    let (port, engine) = common::start_server().await;
    ok(
        &engine,
        "d",
        doc! {"create": "log", "capped": true, "size": 100000},
    );
    common::insert(&engine, "d", "log", vec![doc! {"_id": 1}]);
    let id = open_tail(&engine, "log");
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let get_more = doc! {"getMore": id, "collection": "log", "maxTimeMS": 30000, "comment": "hang-up", "$db": "d"};
    stream
        .write_all(&common::op_msg(1, 0, &get_more))
        .await
        .unwrap();
    let running = |e: &Engine| {
        let ops = ok(
            e,
            "admin",
            doc! {"currentOp": 1, "command.comment": "hang-up"},
        );
        !ops.get_array("inprog").unwrap().is_empty()
    };
    let started = Instant::now();
    while !running(&engine) {
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(stream);
    let hung_up = Instant::now();
    while running(&engine) {
        assert!(
            hung_up.elapsed() < Duration::from_secs(1),
            "the getMore outlived its client"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_driver_tails_a_capped_collection() {
    use mongodb::options::{CursorType, FindOptions};
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let db = client.database("tail");
    db.run_command(doc! {"create": "log", "capped": true, "size": 4096, "max": 100})
        .await
        .unwrap();
    let log = db.collection::<Document>("log");
    log.insert_one(doc! {"_id": 1, "line": "first"})
        .await
        .unwrap();
    let options = FindOptions::builder()
        .cursor_type(CursorType::TailableAwait)
        .max_await_time(Duration::from_millis(200))
        .build();
    let mut cursor = log.find(doc! {}).with_options(options).await.unwrap();
    assert!(cursor.advance().await.unwrap());
    assert_eq!(
        cursor
            .deserialize_current()
            .unwrap()
            .get_i32("_id")
            .unwrap(),
        1
    );
    let writer = log.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        writer
            .insert_one(doc! {"_id": 2, "line": "second"})
            .await
            .unwrap();
    });
    // The driver keeps issuing awaitData getMores until the new document arrives.
    let got = tokio::time::timeout(Duration::from_secs(5), cursor.advance())
        .await
        .expect("the tailing cursor saw the insert")
        .unwrap();
    assert!(got);
    assert_eq!(
        cursor
            .deserialize_current()
            .unwrap()
            .get_i32("_id")
            .unwrap(),
        2
    );
    let names = db.list_collection_names().await.unwrap();
    assert!(names.contains(&"log".to_string()));
}
