//! Cursors across getMore batches, killCursors and CursorNotFound, through
//! the driver and directly.

mod common;

use bson::{Bson, doc};
use common::{err_code, ok};
use docdb::Engine;
use futures_util::TryStreamExt;

#[test]
fn batches_of_two_over_five_documents() {
    let e = Engine::in_memory();
    common::insert(&e, "d", "c", (0..5).map(|i| doc! {"_id": i}).collect());
    let r = ok(&e, "d", doc! {"find": "c", "batchSize": 2});
    let cursor = r.get_document("cursor").unwrap();
    assert_eq!(cursor.get_array("firstBatch").unwrap().len(), 2);
    let id = cursor.get_i64("id").unwrap();
    assert_ne!(id, 0);
    assert_eq!(cursor.get_str("ns").unwrap(), "d.c");
    let mut seen = 2;
    let mut current = id;
    while current != 0 {
        let r = ok(
            &e,
            "d",
            doc! {"getMore": current, "collection": "c", "batchSize": 2},
        );
        let c = r.get_document("cursor").unwrap();
        seen += c.get_array("nextBatch").unwrap().len();
        current = c.get_i64("id").unwrap();
    }
    assert_eq!(seen, 5);
    assert_eq!(
        err_code(&e, "d", doc! {"getMore": id, "collection": "c"}),
        43
    );
}

#[test]
fn kill_cursors_frees_and_reports() {
    let e = Engine::in_memory();
    common::insert(&e, "d", "c", (0..5).map(|i| doc! {"_id": i}).collect());
    let id = ok(&e, "d", doc! {"find": "c", "batchSize": 1})
        .get_document("cursor")
        .unwrap()
        .get_i64("id")
        .unwrap();
    let r = ok(
        &e,
        "d",
        doc! {"killCursors": "c", "cursors": [id, 12345_i64]},
    );
    assert_eq!(
        r.get_array("cursorsKilled").unwrap(),
        &vec![Bson::Int64(id)]
    );
    assert_eq!(
        r.get_array("cursorsNotFound").unwrap(),
        &vec![Bson::Int64(12345)]
    );
    assert_eq!(
        err_code(&e, "d", doc! {"getMore": id, "collection": "c"}),
        43
    );
}

#[test]
fn limit_skip_negative_limit_and_single_batch() {
    let e = Engine::in_memory();
    common::insert(&e, "d", "c", (0..10).map(|i| doc! {"_id": i}).collect());
    let first = |r: bson::Document| r.get_document("cursor").unwrap().clone();
    let c = first(ok(
        &e,
        "d",
        doc! {"find": "c", "skip": 2, "limit": 3, "batchSize": 2},
    ));
    assert_eq!(
        c.get_array("firstBatch").unwrap()[0]
            .as_document()
            .unwrap()
            .get_i32("_id")
            .unwrap(),
        2
    );
    let id = c.get_i64("id").unwrap();
    let more = ok(&e, "d", doc! {"getMore": id, "collection": "c"});
    assert_eq!(
        more.get_document("cursor")
            .unwrap()
            .get_array("nextBatch")
            .unwrap()
            .len(),
        1,
        "limit is a hard total"
    );
    let c = first(ok(&e, "d", doc! {"find": "c", "limit": -3}));
    assert_eq!(c.get_array("firstBatch").unwrap().len(), 3);
    assert_eq!(c.get_i64("id").unwrap(), 0);
    let c = first(ok(
        &e,
        "d",
        doc! {"find": "c", "batchSize": 2, "singleBatch": true},
    ));
    assert_eq!(c.get_i64("id").unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn driver_iterates_across_get_more() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let coll = client.database("cur").collection::<bson::Document>("c");
    coll.insert_many((0..250).map(|i| doc! {"_id": i, "v": i % 7}))
        .await
        .unwrap();
    let docs: Vec<_> = coll
        .find(doc! {})
        .batch_size(20)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(docs.len(), 250);
    let ids: Vec<i32> = docs.iter().map(|d| d.get_i32("_id").unwrap()).collect();
    assert_eq!(
        ids,
        (0..250).collect::<Vec<_>>(),
        "natural order is insertion order"
    );
    let sorted: Vec<_> = coll
        .find(doc! {"v": 3})
        .sort(doc! {"_id": -1})
        .limit(5)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(sorted.len(), 5);
    assert_eq!(sorted[0].get_i32("_id").unwrap(), 248);
    let counted = coll.count_documents(doc! {"v": 3}).await.unwrap();
    assert_eq!(counted, 36);
}

#[test]
fn natural_order_can_be_reversed() {
    let e = Engine::in_memory();
    common::insert(&e, "d", "c", (0..4).map(|i| doc! {"_id": 3 - i}).collect());
    let ids = |r: bson::Document| -> Vec<i32> {
        r.get_document("cursor")
            .unwrap()
            .get_array("firstBatch")
            .unwrap()
            .iter()
            .map(|d| d.as_document().unwrap().get_i32("_id").unwrap())
            .collect()
    };
    assert_eq!(ids(ok(&e, "d", doc! {"find": "c"})), vec![3, 2, 1, 0]);
    assert_eq!(
        ids(ok(&e, "d", doc! {"find": "c", "sort": {"$natural": -1}})),
        vec![0, 1, 2, 3]
    );
    assert_eq!(
        ids(ok(
            &e,
            "d",
            doc! {"find": "c", "hint": {"$natural": -1}, "limit": 2}
        )),
        vec![0, 1]
    );
}
