//! `$indexStats` through the `mongodb` driver: one document per index in mongod's shape
//! (`{name, key, host, accesses: {ops, since}, spec}`), and `accesses.ops` counting the
//! operations that used the index, as MongoDB's manual defines it ("the number of operations
//! that used the index"): a query answered by the index counts, a collection scan does not.

mod common;

use bson::{Bson, Document, doc};
use futures_util::TryStreamExt;
use mongodb::IndexModel;

async fn index_stats(coll: &mongodb::Collection<Document>) -> Vec<Document> {
    coll.aggregate([doc! {"$indexStats": {}}])
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

fn ops(stats: &[Document], name: &str) -> i64 {
    let entry = stats
        .iter()
        .find(|d| d.get_str("name").ok() == Some(name))
        .unwrap_or_else(|| panic!("no index {name} in {stats:?}"));
    entry
        .get_document("accesses")
        .unwrap()
        .get_i64("ops")
        .unwrap()
}

#[tokio::test]
async fn index_stats_counts_the_operations_that_used_each_index() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let coll = client.database("stats").collection::<Document>("c");
    coll.create_index(IndexModel::builder().keys(doc! {"a": 1}).build())
        .await
        .unwrap();
    coll.insert_many((0..20).map(|i| doc! {"a": i, "b": i}))
        .await
        .unwrap();
    let before = index_stats(&coll).await;
    assert_eq!(before.len(), 2);
    assert_eq!(ops(&before, "a_1"), 0);

    coll.find_one(doc! {"a": 3}).await.unwrap().unwrap();
    coll.count_documents(doc! {"a": {"$gt": 10}}).await.unwrap();
    coll.find_one(doc! {"b": 3}).await.unwrap().unwrap(); // a collection scan

    let after = index_stats(&coll).await;
    assert_eq!(ops(&after, "a_1"), 2);
    assert_eq!(ops(&after, "_id_"), 0);
    let a = after
        .iter()
        .find(|d| d.get_str("name").ok() == Some("a_1"))
        .unwrap();
    assert_eq!(a.get_document("key").unwrap(), &doc! {"a": 1});
    assert!(matches!(
        a.get_document("accesses").unwrap().get("since"),
        Some(Bson::DateTime(_))
    ));
    assert_eq!(
        a.get_document("spec").unwrap().get_str("name").unwrap(),
        "a_1"
    );
    assert!(a.get_str("host").is_ok());
}

#[tokio::test]
async fn index_stats_is_refused_without_a_collection_or_with_options() {
    let (port, _engine) = common::start_server().await;
    let db = common::client(port, true).await.database("stats");
    let code = |e: mongodb::error::Error| match e.kind.as_ref() {
        mongodb::error::ErrorKind::Command(c) => c.code,
        other => panic!("expected a server error, got {other:?}"),
    };
    let err = db.aggregate([doc! {"$indexStats": {}}]).await.unwrap_err();
    assert_eq!(code(err), 73);
    let err = db
        .collection::<Document>("c")
        .aggregate([doc! {"$indexStats": {"x": 1}}])
        .await
        .unwrap_err();
    assert_eq!(code(err), 28803);
}
