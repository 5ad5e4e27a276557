//! `min`/`max` (with the hint mongod requires), `returnKey` and `showRecordId` on find, and
//! `listIndexes` keeping every option given at `createIndexes`, through the `mongodb` driver.
//! Expected values come from PyMongo's own tests (test_cursor.py `test_min`/`test_max`,
//! test_collection.py `test_index_background`), the command-monitoring specification's
//! find.json ("A successful find with showRecordId and returnKey") and mongod's
//! query_planner.cpp codes (51173, 51174, 51175).

mod common;

use bson::{Bson, Document, doc};
use futures_util::TryStreamExt;
use mongodb::IndexModel;

fn server_code(e: &mongodb::error::Error) -> i32 {
    match e.kind.as_ref() {
        mongodb::error::ErrorKind::Command(c) => c.code,
        other => panic!("expected a server error, got {other:?}"),
    }
}

async fn ten_documents_indexed_on_j() -> mongodb::Collection<Document> {
    let (port, _engine) = common::start_server().await;
    let coll = common::client(port, true)
        .await
        .database("modifiers")
        .collection::<Document>("test");
    coll.create_index(IndexModel::builder().keys(doc! {"j": 1}).build())
        .await
        .unwrap();
    coll.create_index(IndexModel::builder().keys(doc! {"j": 1, "k": 1}).build())
        .await
        .unwrap();
    let docs: Vec<Document> = (0..10).map(|j| doc! {"j": j, "k": j}).collect();
    coll.insert_many(docs).await.unwrap();
    coll
}

async fn js(cursor: mongodb::Cursor<Document>) -> Vec<i32> {
    let docs: Vec<Document> = cursor.try_collect().await.unwrap();
    docs.iter().map(|d| d.get_i32("j").unwrap()).collect()
}

#[tokio::test]
async fn min_and_max_bound_the_hinted_index() {
    let coll = ten_documents_indexed_on_j().await;
    let hint = mongodb::options::Hint::Keys(doc! {"j": 1});
    // test_cursor.py test_min: min j 3 leaves 7 of 10; test_max: max j 3 leaves 3 (exclusive).
    let min = coll
        .find(doc! {})
        .min(doc! {"j": 3})
        .hint(hint.clone())
        .await
        .unwrap();
    assert_eq!(js(min).await, [3, 4, 5, 6, 7, 8, 9]);
    let max = coll
        .find(doc! {})
        .max(doc! {"j": 3})
        .hint(hint.clone())
        .await
        .unwrap();
    assert_eq!(js(max).await, [0, 1, 2]);
    let both = coll
        .find(doc! {})
        .min(doc! {"j": 2})
        .max(doc! {"j": 5})
        .hint(hint.clone())
        .await
        .unwrap();
    assert_eq!(js(both).await, [2, 3, 4]);
    // A compound index with every field bounded, in the key pattern's order.
    let compound = coll
        .find(doc! {})
        .min(doc! {"j": 3, "k": 3})
        .hint(mongodb::options::Hint::Keys(doc! {"j": 1, "k": 1}))
        .await
        .unwrap();
    assert_eq!(js(compound).await.len(), 7);
}

#[tokio::test]
async fn min_and_max_errors_are_mongods() {
    let coll = ten_documents_indexed_on_j().await;
    let db = coll.client().database("modifiers");
    let code = |cmd: Document| {
        let db = db.clone();
        async move { server_code(&db.run_command(cmd).await.unwrap_err()) }
    };
    assert_eq!(
        code(doc! {"find": "test", "min": {"j": 3}}).await,
        51173,
        "min without a hint"
    );
    assert_eq!(
        code(doc! {"find": "test", "min": {"k": 3, "j": 3}, "hint": {"j": 1, "k": 1}}).await,
        51174,
        "fields in the wrong order"
    );
    assert_eq!(
        code(doc! {"find": "test", "min": {"j": 5}, "max": {"j": 2}, "hint": {"j": 1}}).await,
        51175,
        "min after max"
    );
}

#[tokio::test]
async fn return_key_and_show_record_id_as_the_command_monitoring_spec_expects() {
    let (port, _engine) = common::start_server().await;
    let db = common::client(port, true).await.database("monitoring");
    let coll = db.collection::<Document>("test");
    let docs: Vec<Document> = (1..=5).map(|i| doc! {"_id": i, "x": i * 11}).collect();
    coll.insert_many(docs).await.unwrap();
    let reply = db
        .run_command(doc! {
            "find": "test", "filter": {}, "sort": {"_id": 1},
            "showRecordId": true, "returnKey": true,
        })
        .await
        .unwrap();
    let batch = reply
        .get_document("cursor")
        .unwrap()
        .get_array("firstBatch")
        .unwrap();
    // The spec's expected reply, exactly: the key alone.
    let expected: Vec<Bson> = (1..=5).map(|i| Bson::Document(doc! {"_id": i})).collect();
    assert_eq!(batch, &expected);
    // showRecordId alone keeps the document.
    let reply = db
        .run_command(doc! {"find": "test", "filter": {"_id": 2}, "showRecordId": true})
        .await
        .unwrap();
    let first = reply
        .get_document("cursor")
        .unwrap()
        .get_array("firstBatch")
        .unwrap()[0]
        .as_document()
        .unwrap()
        .clone();
    assert_eq!(first.get_i32("x").unwrap(), 22);
    assert!(matches!(first.get("$recordId"), Some(Bson::Int64(_))));
}

#[tokio::test]
async fn list_indexes_keeps_every_option_as_given() {
    let (port, _engine) = common::start_server().await;
    let db = common::client(port, true).await.database("indexes");
    // test_collection.py test_index_background: absent when not given, else as given.
    db.run_command(doc! {"createIndexes": "test", "indexes": [
        {"key": {"keya": 1}, "name": "keya_1"},
        {"key": {"keyb": 1}, "name": "keyb_1", "background": false},
        {"key": {"keyc": 1}, "name": "keyc_1", "background": true},
        {"key": {"t": 1}, "name": "ttl", "expireAfterSeconds": 3600_i32},
        {"key": {"s": 1}, "name": "s_1", "storageEngine": {"wiredTiger": {}}},
    ]})
    .await
    .unwrap();
    let raw: Vec<Document> = db
        .run_command(doc! {"listIndexes": "test"})
        .await
        .unwrap()
        .get_document("cursor")
        .unwrap()
        .get_array("firstBatch")
        .unwrap()
        .iter()
        .map(|b| b.as_document().unwrap().clone())
        .collect();
    let raw_by_name = |name: &str| -> Document {
        raw.iter()
            .find(|d| d.get_str("name").ok() == Some(name))
            .unwrap()
            .clone()
    };
    assert!(!raw_by_name("keya_1").contains_key("background"));
    assert_eq!(
        raw_by_name("keyb_1").get("background"),
        Some(&Bson::Boolean(false))
    );
    assert_eq!(
        raw_by_name("keyc_1").get("background"),
        Some(&Bson::Boolean(true))
    );
    // mongod keeps an Int32 expireAfterSeconds an Int32.
    assert_eq!(
        raw_by_name("ttl").get("expireAfterSeconds"),
        Some(&Bson::Int32(3600))
    );
    assert_eq!(
        raw_by_name("s_1").get_document("storageEngine").unwrap(),
        &doc! {"wiredTiger": {}}
    );
    assert_eq!(raw_by_name("keyc_1").get_i32("v").ok(), Some(2));
}

#[tokio::test]
async fn an_unknown_index_option_is_invalid_index_specification_option() {
    let (port, _engine) = common::start_server().await;
    let db = common::client(port, true).await.database("indexes");
    let err = db
        .run_command(doc! {"createIndexes": "test", "indexes": [
            {"key": {"a": 1}, "name": "a_1", "nosuchoption": true},
        ]})
        .await
        .unwrap_err();
    // error_codes.yml: 197 InvalidIndexSpecificationOption.
    assert_eq!(server_code(&err), 197);
    assert!(
        err.to_string()
            .contains("The field 'nosuchoption' is not valid for an index specification"),
        "{err}"
    );
}
