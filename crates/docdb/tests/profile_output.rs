//! The fields of `system.profile` entries, as MongoDB's manual ("Database Profiler Output")
//! lists them for mongod 7.0: find entries carry keysExamined/docsExamined, planSummary
//! (`COLLSCAN`, `IXSCAN { a: 1 }`), cursorExhausted (only when true), numYield, protocol
//! "op_msg" and `millis` as a 32-bit int; update and delete write one entry per statement
//! whose `command` is the statement (`{q, u, multi, upsert}` / `{q, limit}`), with nMatched
//! and nModified, or ndeleted; entries have no `_id`. Expected counts follow from the data
//! inserted.

mod common;

use bson::{Bson, Document, doc};

#[tokio::test]
async fn profile_entries_carry_mongods_fields() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let db = client.database("profout");
    let coll = db.collection::<Document>("c");
    coll.insert_many((1..=5).map(|i| doc! {"a": i, "b": i % 2}))
        .await
        .unwrap();
    coll.create_index(mongodb::IndexModel::builder().keys(doc! {"a": 1}).build())
        .await
        .unwrap();
    db.run_command(doc! {"profile": 2}).await.unwrap();
    coll.find_one(doc! {"a": 3}).await.unwrap();
    coll.find_one(doc! {"b": 7}).await.unwrap();
    coll.update_many(doc! {"b": 1}, doc! {"$set": {"b": 1, "c": 1}})
        .await
        .unwrap();
    coll.delete_one(doc! {"a": 2}).await.unwrap();
    coll.count_documents(doc! {"a": {"$gte": 4}}).await.unwrap();
    db.run_command(doc! {"profile": 0}).await.unwrap();
    let profile = db.collection::<Document>("system.profile");

    let ixscan = profile
        .find_one(doc! {"op": "query", "command.filter.a": 3})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ixscan.get_str("planSummary").unwrap(),
        "IXSCAN { a: 1 }",
        "{ixscan}"
    );
    assert_eq!(ixscan.get_i32("docsExamined").unwrap(), 1, "{ixscan}");
    assert!(ixscan.get_i32("keysExamined").unwrap() >= 1, "{ixscan}");
    assert!(ixscan.get_bool("cursorExhausted").unwrap(), "{ixscan}");
    assert_eq!(ixscan.get_i32("numYield").unwrap(), 0, "{ixscan}");
    assert_eq!(ixscan.get_str("protocol").unwrap(), "op_msg", "{ixscan}");
    assert!(
        ixscan.get_i32("millis").is_ok(),
        "millis is a 32-bit int: {ixscan}"
    );
    assert_eq!(ixscan.get_i32("nreturned").unwrap(), 1, "{ixscan}");

    let collscan = profile
        .find_one(doc! {"op": "query", "command.filter.b": 7})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        collscan.get_str("planSummary").unwrap(),
        "COLLSCAN",
        "{collscan}"
    );
    assert_eq!(collscan.get_i32("docsExamined").unwrap(), 5, "{collscan}");
    assert_eq!(collscan.get_i32("keysExamined").unwrap(), 0, "{collscan}");
    assert_eq!(collscan.get_i32("nreturned").unwrap(), 0, "{collscan}");

    // a = 1, 3, 5 have b = 1; b is already 1 but c is new, so all three change.
    let update = profile
        .find_one(doc! {"op": "update"})
        .await
        .unwrap()
        .unwrap();
    let command = update.get_document("command").unwrap();
    assert_eq!(
        command.get_document("q").unwrap(),
        &doc! {"b": 1},
        "{update}"
    );
    assert!(
        command.contains_key("u") && command.get_bool("multi").unwrap(),
        "{update}"
    );
    assert!(
        !command.contains_key("update") && !command.contains_key("updates"),
        "{update}"
    );
    assert_eq!(update.get_i32("nMatched").unwrap(), 3, "{update}");
    assert_eq!(update.get_i32("nModified").unwrap(), 3, "{update}");
    assert_eq!(update.get_i32("docsExamined").unwrap(), 5, "{update}");
    assert_eq!(
        update.get_str("planSummary").unwrap(),
        "COLLSCAN",
        "{update}"
    );
    assert!(update.get_i32("millis").is_ok(), "{update}");

    let remove = profile
        .find_one(doc! {"op": "remove"})
        .await
        .unwrap()
        .unwrap();
    let command = remove.get_document("command").unwrap();
    assert_eq!(
        command.get_document("q").unwrap(),
        &doc! {"a": 2},
        "{remove}"
    );
    assert_eq!(command.get_i32("limit").unwrap(), 1, "{remove}");
    assert_eq!(remove.get_i32("ndeleted").unwrap(), 1, "{remove}");
    assert!(
        !remove.contains_key("n"),
        "mongod writes ndeleted, not n: {remove}"
    );
    assert_eq!(
        remove.get_str("planSummary").unwrap(),
        "IXSCAN { a: 1 }",
        "{remove}"
    );
    assert!(
        !remove.contains_key("locks") || matches!(remove.get("locks"), Some(Bson::Document(_)))
    );
    // count_documents is an aggregate: a command entry with its scan (a = 4, 5 through the index).
    let aggregate = profile
        .find_one(doc! {"op": "command", "command.aggregate": "c"})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        aggregate.get_str("planSummary").unwrap(),
        "IXSCAN { a: 1 }",
        "{aggregate}"
    );
    assert_eq!(aggregate.get_i32("docsExamined").unwrap(), 2, "{aggregate}");

    // mongod's entries have no _id, with or without a projection.
    use futures_util::TryStreamExt;
    let all: Vec<Document> = profile
        .find(doc! {})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(all.len() >= 4, "{all:?}");
    assert!(all.iter().all(|e| !e.contains_key("_id")), "{all:?}");
    let ops: Vec<Document> = profile
        .find(doc! {})
        .projection(doc! {"op": 1})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(ops.iter().all(|e| e.keys().eq(["op"])), "{ops:?}");
    profile.drop().await.unwrap();
}
