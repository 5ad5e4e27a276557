//! Read-only views: reads run the view's pipeline, writes are refused.

mod common;

use bson::doc;
use common::{err_code, find_all, ok};
use docdb::Engine;

#[test]
fn views_filter_reshape_and_refuse_writes() {
    let e = Engine::in_memory();
    common::insert(
        &e,
        "d",
        "c",
        (1..=5).map(|i| doc! {"_id": i, "x": i * 10}).collect(),
    );
    ok(
        &e,
        "d",
        doc! {"create": "big", "viewOn": "c", "pipeline": [{"$match": {"x": {"$gte": 30}}}]},
    );
    ok(
        &e,
        "d",
        doc! {"create": "bigger", "viewOn": "big", "pipeline": [{"$match": {"x": {"$gte": 40}}}]},
    );
    let docs = find_all(
        &e,
        "d",
        doc! {"find": "big", "filter": {"x": {"$lt": 50}}, "sort": {"x": -1}},
    );
    assert_eq!(
        docs,
        vec![doc! {"_id": 4, "x": 40}, doc! {"_id": 3, "x": 30}]
    );
    assert_eq!(ok(&e, "d", doc! {"count": "big"}).get_i64("n").unwrap(), 3);
    assert_eq!(
        ok(&e, "d", doc! {"count": "bigger"}).get_i64("n").unwrap(),
        2,
        "views on views unfold"
    );
    let agg = ok(
        &e,
        "d",
        doc! {"aggregate": "big", "pipeline": [{"$group": {"_id": null, "n": {"$sum": 1}}}], "cursor": {}},
    );
    let first = agg
        .get_document("cursor")
        .unwrap()
        .get_array("firstBatch")
        .unwrap()[0]
        .as_document()
        .unwrap()
        .clone();
    assert_eq!(first.get_i32("n").unwrap(), 3);
    assert_eq!(
        err_code(&e, "d", doc! {"insert": "big", "documents": [{"x": 1}]}),
        166
    );
    assert_eq!(
        err_code(
            &e,
            "d",
            doc! {"update": "big", "updates": [{"q": {}, "u": {"$set": {"y": 1}}}]}
        ),
        166
    );
    let listed = find_all(
        &e,
        "d",
        doc! {"listCollections": 1, "filter": {"type": "view"}},
    );
    assert_eq!(listed.len(), 2);
    ok(&e, "d", doc! {"drop": "bigger"});
    assert_eq!(
        find_all(
            &e,
            "d",
            doc! {"listCollections": 1, "filter": {"type": "view"}}
        )
        .len(),
        1
    );
}
