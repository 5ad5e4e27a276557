//! mongod's memory limits: a blocking stage (or a find's in-memory sort) that
//! holds more than 100 MB fails with 292 QueryExceededMemoryLimitNoDiskUseAllowed
//! unless `allowDiskUse: true`, and a pipeline may not build a document past
//! 16 MB (10334 BSONObjectTooLarge). Messages are mongod's own.

mod common;

use bson::{Document, doc};
use common::ok;
use docdb::Engine;

/// 10,500 documents with a distinct 10 KB key each: 105 MB of keys.
fn hundred_mb_of_keys() -> Engine {
    let e = Engine::in_memory();
    let pad = "x".repeat(10_000);
    let docs: Vec<Document> = (0..10_500)
        .map(|i| doc! {"_id": i, "k": format!("{i:08}{pad}")})
        .collect();
    for chunk in docs.chunks(500) {
        common::insert(&e, "d", "c", chunk.to_vec());
    }
    e
}

fn error_of(reply: &Document) -> (i32, &str, &str) {
    (
        reply.get_i32("code").unwrap_or(0),
        reply.get_str("codeName").unwrap_or(""),
        reply.get_str("errmsg").unwrap_or(""),
    )
}

fn first_batch(reply: &Document) -> usize {
    reply
        .get_document("cursor")
        .and_then(|c| c.get_array("firstBatch"))
        .map(Vec::len)
        .unwrap_or(0)
}

#[test]
fn group_over_100_mb_of_distinct_keys_needs_allow_disk_use() {
    let e = hundred_mb_of_keys();
    let group = doc! {"aggregate": "c", "cursor": {}, "pipeline": [{"$group": {"_id": "$k"}}]};
    let reply = e.execute("d", group.clone());
    assert_eq!(
        error_of(&reply),
        (
            292,
            "QueryExceededMemoryLimitNoDiskUseAllowed",
            "PlanExecutor error during aggregation :: caused by :: Exceeded memory limit for $group, but didn't allow external sort. Pass allowDiskUse:true to opt in."
        )
    );
    let mut allowed = group;
    allowed.insert("allowDiskUse", true);
    let reply = ok(&e, "d", allowed);
    assert_eq!(first_batch(&reply), 101);
}

#[test]
fn find_sort_over_100_mb_without_an_index_fails_with_292() {
    let e = hundred_mb_of_keys();
    let reply = e.execute("d", doc! {"find": "c", "sort": {"k": -1}});
    assert_eq!(
        error_of(&reply),
        (
            292,
            "QueryExceededMemoryLimitNoDiskUseAllowed",
            "Executor error during find command :: caused by :: Sort exceeded memory limit of 104857600 bytes, but did not opt in to external sorting."
        )
    );
    // A top-k sort holds only k documents.
    let reply = ok(&e, "d", doc! {"find": "c", "sort": {"k": -1}, "limit": 5});
    assert_eq!(first_batch(&reply), 5);
    // allowDiskUse lifts the limit (up to this engine's in-memory cap).
    let reply = ok(
        &e,
        "d",
        doc! {"find": "c", "sort": {"k": -1}, "allowDiskUse": true},
    );
    assert_eq!(first_batch(&reply), 101);
    // An index provides the order: nothing is sorted in memory.
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"k": 1}, "name": "k_1"}]},
    );
    ok(&e, "d", doc! {"find": "c", "sort": {"k": -1}});
}

#[test]
fn aggregate_sort_over_100_mb_fails_with_292() {
    let e = hundred_mb_of_keys();
    let reply = e.execute(
        "d",
        doc! {"aggregate": "c", "cursor": {}, "pipeline": [{"$project": {"k": 1}}, {"$sort": {"k": -1}}]},
    );
    assert_eq!(
        error_of(&reply),
        (
            292,
            "QueryExceededMemoryLimitNoDiskUseAllowed",
            "PlanExecutor error during aggregation :: caused by :: Sort exceeded memory limit of 104857600 bytes, but did not opt in to external sorting."
        )
    );
    ok(
        &e,
        "d",
        doc! {"aggregate": "c", "cursor": {}, "allowDiskUse": true, "pipeline": [{"$project": {"k": 1}}, {"$sort": {"k": -1}}]},
    );
}

#[test]
fn lookup_building_a_document_over_16_mb_is_bson_object_too_large() {
    let e = Engine::in_memory();
    let mb = "y".repeat(1024 * 1024);
    let orders: Vec<Document> = (0..20)
        .map(|i| doc! {"_id": i, "blob": mb.clone()})
        .collect();
    common::insert(&e, "d", "orders", orders);
    common::insert(&e, "d", "users", vec![doc! {"_id": 1}]);
    let reply = e.execute(
        "d",
        doc! {"aggregate": "users", "cursor": {}, "pipeline": [
            {"$lookup": {"from": "orders", "as": "orders", "pipeline": []}}
        ]},
    );
    let (code, name, message) = error_of(&reply);
    assert_eq!((code, name), (10334, "BSONObjectTooLarge"), "{reply}");
    assert!(
        message.contains(
            "is invalid. Size must be between 0 and 16793600(16MB) First element: _id: 1"
        ),
        "{message}"
    );
    // Unwound in the same pipeline, every document is small enough.
    let reply = ok(
        &e,
        "d",
        doc! {"aggregate": "users", "cursor": {}, "pipeline": [
            {"$lookup": {"from": "orders", "as": "orders", "pipeline": []}},
            {"$unwind": "$orders"},
            {"$project": {"orders._id": 1}}
        ]},
    );
    assert_eq!(first_batch(&reply), 20);
}
