//! `serverStatus` through the official driver: `opcounters` and `mem`, the sections mongosh's
//! `db.serverStatus()` prints. Expected shapes from MongoDB's serverStatus reference:
//! opcounters (insert, query, update, delete, getmore, command; 64-bit) count operations
//! received since start — an insert of N documents adds N to `insert`, update and delete add
//! one per statement, find adds one to `query`, getMore to `getmore`, other commands to
//! `command`; mem has `bits`, `resident` and `virtual` (MiB) and `supported`.

mod common;

use bson::{Document, doc};
use futures_util::TryStreamExt;

fn counters(status: &Document) -> Document {
    status.get_document("opcounters").unwrap().clone()
}

fn delta(after: &Document, before: &Document, key: &str) -> i64 {
    after.get_i64(key).unwrap() - before.get_i64(key).unwrap()
}

#[tokio::test]
async fn opcounters_count_operations_as_mongod_does() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let db = client.database("status_test");
    let admin = client.database("admin");
    let coll = db.collection::<Document>("c");
    let before = counters(&admin.run_command(doc! {"serverStatus": 1}).await.unwrap());
    coll.insert_many((0..5).map(|i| doc! {"_id": i, "a": i}))
        .await
        .unwrap();
    coll.update_many(doc! {"a": {"$gt": 1}}, doc! {"$set": {"b": 1}})
        .await
        .unwrap();
    coll.delete_one(doc! {"_id": 0}).await.unwrap();
    let docs: Vec<Document> = coll
        .find(doc! {})
        .batch_size(3)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(docs.len(), 4);
    db.run_command(doc! {"ping": 1}).await.unwrap();
    let after = counters(&admin.run_command(doc! {"serverStatus": 1}).await.unwrap());
    assert_eq!(delta(&after, &before, "insert"), 5, "{after}");
    assert_eq!(delta(&after, &before, "update"), 1, "{after}");
    assert_eq!(delta(&after, &before, "delete"), 1, "{after}");
    assert_eq!(delta(&after, &before, "query"), 1, "{after}");
    // Four documents in batches of three: the first batch, then one getMore for the last.
    assert_eq!(delta(&after, &before, "getmore"), 1, "{after}");
    // ping and the second serverStatus (the first was counted before it answered), plus any
    // hello the driver's monitor or a new pooled connection sent meanwhile (mongod counts
    // those as commands too).
    assert!(delta(&after, &before, "command") >= 2, "{after}");
}

#[tokio::test]
async fn mem_reports_resident_and_virtual_megabytes() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let status = client
        .database("admin")
        .run_command(doc! {"serverStatus": 1})
        .await
        .unwrap();
    let mem = status.get_document("mem").unwrap();
    assert_eq!(mem.get_i32("bits").unwrap(), 64);
    assert!(mem.get_bool("supported").unwrap());
    let resident = mem.get_i32("resident").unwrap();
    let virt = mem.get_i32("virtual").unwrap();
    assert!(resident > 0 && virt >= resident, "{mem}");
    // The same figures as the kernel's own accounting of this process (in MiB).
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let rss_kib: i64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    assert!(
        (rss_kib / 1024 - resident as i64).abs() <= 64,
        "{mem} vs {rss_kib} kB"
    );
}
